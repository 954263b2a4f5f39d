"""A request's result as the applicant gets it, for the API and the pages alike: its signature
checked now (what GET /verify, the result page and the PDF say). The PDF and the public check's
answers are made in portal_svc.pages.result, from the same reading of the document as the
result page."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from portal_svc.pdf import SignatureCheck
from shared.canonical import canonical_json
from shared.signing import Verifier


async def check_result(verifier: Verifier, stored: Mapping[str, Any]) -> SignatureCheck:
    """The result document's signature (a JWS or a CMS) checked now: the code, and the subject
    and serial of the certificate it was made with."""
    document = stored.get("document")
    signature = stored.get("signature")
    if not isinstance(document, dict) or not isinstance(signature, str):
        return SignatureCheck("NO_SIGNATURE", None)
    outcome = await asyncio.to_thread(verifier.verify_document, canonical_json(document), signature)
    identity = outcome.identity
    if identity is None:
        return SignatureCheck(outcome.code.value, None)
    return SignatureCheck(outcome.code.value, identity.subject, identity.serial)
