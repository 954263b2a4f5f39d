"""What an applicant signs when filing a request at the portal, and what a receiving system
checks the applicant's signature against.

The applicant signs (process 4, condition 2 of every seed regulation) the RFC 8785 canonical
JSON of :func:`signed_request`: the request's id, the service and the regulation version, the
applicant's IIN and BIN, the form, and the documents by their SHA-256. The portal serves these
bytes (``GET /requests/{id}/signing-payload``) and checks the signature; E-licensing rebuilds the
same bytes from the submission it receives (``request.elicense.submit.v1``) and checks it again,
because the portal's word is not proof: a message published straight to E-licensing's queue
must not register a request in somebody else's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from shared.canonical import canonical_json

SIGNED_KIND: Final = "egov.portal.request.v1"


def signed_request(
    *,
    request_id: str,
    service: str,
    version: str,
    applicant_iin: str | None,
    applicant_bin: str | None,
    form: Mapping[str, Any],
    documents: Iterable[Mapping[str, Any]],
) -> dict[str, Any]:
    """The document the applicant signs. ``documents`` are ``{code, name, media_type, size,
    sha256}`` each; they are signed in the order of their codes, so the order they were
    attached in (or sent in) does not matter."""
    return {
        "kind": SIGNED_KIND,
        "request_id": request_id,
        "service": service,
        "version": version,
        "applicant_iin": applicant_iin,
        "applicant_bin": applicant_bin,
        "form": dict(form),
        "documents": [dict(d) for d in sorted(documents, key=lambda d: str(d["code"]))],
    }


def signing_bytes(
    *,
    request_id: str,
    service: str,
    version: str,
    applicant_iin: str | None,
    applicant_bin: str | None,
    form: Mapping[str, Any],
    documents: Iterable[Mapping[str, Any]],
) -> bytes:
    """The bytes of :func:`signed_request` the applicant's signature is over."""
    return canonical_json(
        signed_request(
            request_id=request_id,
            service=service,
            version=version,
            applicant_iin=applicant_iin,
            applicant_bin=applicant_bin,
            form=form,
            documents=documents,
        )
    )
