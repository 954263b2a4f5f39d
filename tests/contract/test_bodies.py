"""What the producers really put in a status notification satisfies the contract: the provider
workstation's bodies (built by provider_svc.notifications) and E-licensing's (its handlers,
driven through the 000 path, a registry miss and a permit's lifecycle), without a broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from elicense_svc import messages as msg
from elicense_svc.handlers import ElicenseService
from provider_svc.domain.request import Origin
from provider_svc.notifications import status_message
from shared.eventlog.sqlite import SqliteEventStore
from shared.regulation.model import Channel
from shared.signing import InsecureTestSigner, SignerIdentity
from tests.contract.support import contract_errors
from tests.elicense.conftest import UNKNOWN_IIN, Pki
from tests.elicense.test_paths import portal_submit, sent
from tests.elicense.test_permits import issued_permit

WS = "provider.almaty.culture"
SIGNER = InsecureTestSigner(b"k" * 32, SignerIdentity(WS))
AT = datetime(2019, 11, 4, 3, 0, tzinfo=UTC)


def _origin(channel: Channel, desk: str | None = None) -> Origin:
    return Origin(
        workstation=WS,
        channel=channel,
        reply_to=desk or "portal",
        psc_desk=desk,
        message_id=None,
        applicant_iin="880612400411",
        form={},
        documents=(),
    )


def _provider_status(origin: Origin, status: str, **extra: object) -> dict[str, object]:
    _, outbox = status_message(
        signer=SIGNER,
        origin=origin,
        request_id="r-1",
        seq=3,
        service_code="cultural_values_export",
        version="almaty-2018",
        status=status,
        step=None if status in ("completed", "refused") else "register",
        step_deadline=None if status in ("completed", "refused") else AT.isoformat(),
        request_deadline=AT.isoformat(),
        at=AT,
        extra=extra or None,
    )
    return json.loads(outbox.body)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("origin", "status", "extra"),
    [
        (_origin(Channel.PORTAL), "registered", {}),
        (_origin(Channel.PSC, "psc.almaty"), "in_progress", {}),
        (
            _origin(Channel.PORTAL),
            "completed",
            {"result": {"kind": "certificate", "sha256": "a" * 64, "signed_by": "Head"}},
        ),
        (
            _origin(Channel.PROVIDER_OFFICE),
            "refused",
            {"refusal": {"code": "INCOMPLETE", "grounds": {"kk": "негіз", "ru": "основание"}}},
        ),
        (_origin(Channel.PORTAL), "overdue", {"overdue": "request"}),
    ],
)
def test_workstation_status_bodies_meet_the_contract(
    origin: Origin, status: str, extra: dict[str, object]
) -> None:
    document = _provider_status(origin, status, **extra)
    assert contract_errors(document) == []
    assert document["body"]["applicant"] == "88******0411"  # type: ignore[index]


def test_the_contract_refuses_a_body_with_an_unknown_status_or_field() -> None:
    document = _provider_status(_origin(Channel.PORTAL), "teleported")
    assert any("teleported" in e for e in contract_errors(document))
    # The producer builds its body from the contract's model: an unknown field fails there...
    with pytest.raises(ValidationError, match="applicant_iin"):
        _provider_status(_origin(Channel.PORTAL), "registered", applicant_iin="880612400411")
    # ...and the published schema refuses it too.
    document = _provider_status(_origin(Channel.PORTAL), "registered")
    document["body"]["applicant_iin"] = "880612400411"  # type: ignore[index]
    assert any("applicant_iin" in e for e in contract_errors(document))


async def _statuses(store: SqliteEventStore) -> list[dict[str, object]]:
    return [json.loads(e.model_dump_json()) for e in await sent(store) if e.type == msg.STATUS_TYPE]


async def test_elicense_request_and_permit_statuses_meet_the_contract(
    service: ElicenseService, pki: Pki, store: SqliteEventStore
) -> None:
    number, head, _ = await issued_permit(service, pki)
    await service.permit_command(head, number, "suspend", reason="inspection")
    await portal_submit(service, pki, request_id="r-miss", iin=UNKNOWN_IIN)
    documents = await _statuses(store)
    seen = {str(d["body"]["status"]) for d in documents}  # type: ignore[index]
    assert {"registered", "completed", "permit_suspended", "registry_not_found"} <= seen
    for document in documents:
        assert contract_errors(document) == [], document["body"]
    # Both senders' one shape: numbered per request, 1, 2, ... without a gap.
    by_request: dict[str, list[int]] = {}
    for document in documents:
        body = document["body"]
        by_request.setdefault(str(body["request_id"]), []).append(int(body["seq"]))  # type: ignore[index]
    for request_id, numbers in by_request.items():
        assert numbers == list(range(1, len(numbers) + 1)), request_id
