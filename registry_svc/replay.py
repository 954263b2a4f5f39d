"""The registry's read models rebuilt from its log, for ``egov replay registry``: the persons
and legal entities with the index of entities by head (``RegistryView``, as
``RegistryService`` folds it) and the certification authority's state (stream ``ca``: the
certificates issued and revoked, as ``CaService`` folds it)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from registry_svc.domain.ca import CA_STREAM, CaState
from registry_svc.domain.registry import RegistryView
from shared.canonical import canonical_json
from shared.eventlog.port import EventStore


def _ca_view(ca: CaState) -> dict[str, Any]:
    return {
        "root": ca.root_der_b64,
        "issuing": ca.issuing_der_b64,
        "issued": {
            format(serial, "x"): {
                "subject": cert.subject,
                "iin": cert.iin,
                "bin": cert.bin,
                "holder_kind": cert.holder_kind,
                "role": cert.role,
                "purpose": cert.purpose,
                "not_before": cert.not_before.isoformat(),
                "not_after": cert.not_after.isoformat(),
                "certificate": cert.certificate_der_b64,
            }
            for serial, cert in sorted(ca.issued.items())
        },
        "revoked": {
            format(serial, "x"): {"at": rev.revoked_at.isoformat(), "reason": rev.reason.value}
            for serial, rev in sorted(ca.revoked.items())
        },
    }


async def rebuild(store: EventStore, *, now: datetime) -> dict[str, Any]:
    """Both read models from position 0; ``now`` is unused (revocations carry their time)."""
    view = RegistryView()
    ca = CaState()
    count = 0
    while batch := await store.read_all(after=view.position, limit=5000):
        for event in batch:
            view.apply(event.type, event.data)
            view.position = event.position
            if event.stream_id == CA_STREAM:
                ca.apply(event.version, event.type, event.data)
        count += len(batch)
    body = {
        "persons": view.persons,
        "entities": view.entities,
        "by_head": {iin: sorted(bins) for iin, bins in sorted(view.by_head.items())},
        "ca": _ca_view(ca),
    }
    return {
        "events": count,
        "sha256": hashlib.sha256(canonical_json(body)).hexdigest(),
        "persons": len(view.persons),
        "entities": len(view.entities),
        "certificates": len(ca.issued),
        "revoked": len(ca.revoked),
    }
