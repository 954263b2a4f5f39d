"""The message accounting (egov/accounting.py) on SQLite event logs written the way the gateway
and the services write them: every (message, target) is consumed, parked, stopped or
dead-lettered with a reason, and whatever is not is named with what is wrong."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from egov.accounting import (
    Outcome,
    account_messages,
    duplicate_notifications,
    read_gateway_log,
)
from shared.eventlog.port import InboxClaim, NewEvent, OutboxMessage
from shared.eventlog.sqlite import SqliteEventStore

DAY_STREAM = "msglog-2019-11-04-00"
WORKSTATION = "provider.almaty.culture"


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[dict[str, SqliteEventStore]]:
    opened = {}
    for name in ("gateway", "portal", "provider"):
        opened[name] = SqliteEventStore(tmp_path / f"{name}.db")
        await opened[name].open()
    yield opened
    for store in opened.values():
        await store.close()


async def accepted(
    gateway: SqliteEventStore,
    message_id: str,
    *,
    recipient: str,
    targets: list[str] | None = None,
    type_: str = "request.submitted.v1",
    body: dict[str, Any] | None = None,
    request: str = "r1",
) -> None:
    envelope = {"message_id": message_id, "type": type_, "body": body or {}}
    data = {
        "message_id": message_id,
        "correlation_id": request,
        "type": type_,
        "sender": "portal" if type_.startswith("request.") else WORKSTATION,
        "recipient": recipient,
        "targets": targets or [recipient],
        "envelope_raw": json.dumps(envelope),
    }
    on_delivery = [
        NewEvent(
            "DeliveryStateChanged.v1",
            {"message_id": message_id, "recipient": t, "state": "ON_DELIVERY", "reason": ""},
        )
        for t in data["targets"]
    ]
    await gateway.append(DAY_STREAM, [NewEvent("MessageAccepted.v1", data), *on_delivery])


async def delivery(
    gateway: SqliteEventStore, message_id: str, target: str, state: str, reason: str = ""
) -> None:
    data = {"message_id": message_id, "recipient": target, "state": state, "reason": reason}
    await gateway.append(DAY_STREAM, [NewEvent("DeliveryStateChanged.v1", data)])


async def claim(store: SqliteEventStore, consumer: str, message_id: str) -> None:
    effect = NewEvent("Handled.v1", {"message_id": message_id})
    await store.append(f"s-{message_id}", [effect], inbox=InboxClaim(consumer, message_id))


async def test_every_way_a_message_can_end_is_accounted_for(
    stores: dict[str, SqliteEventStore],
) -> None:
    gateway, portal, provider = stores["gateway"], stores["portal"], stores["provider"]
    # Consumed by the workstation's own inbox.
    await accepted(gateway, "m-consumed", recipient=WORKSTATION)
    await delivery(gateway, "m-consumed", WORKSTATION, "DELIVERED")
    await claim(provider, f"provider:{WORKSTATION}", "m-consumed")
    # A notification to the workstation's reply-to, the portal and a desk: the portal's one
    # inbox consumes both queues, so one claim covers two targets.
    status = {"seq": 1, "status": "registered"}
    await accepted(
        gateway, "m-status", recipient="portal", targets=["portal", "psc.astana"],
        type_="status.changed.v1", body=status,
    )  # fmt: skip
    await delivery(gateway, "m-status", "portal", "DELIVERED")
    await delivery(gateway, "m-status", "psc.astana", "DELIVERED")
    await claim(portal, "portal", "m-status")
    # Parked at the gateway, then one of them given up by an operator.
    await accepted(gateway, "m-parked", recipient=WORKSTATION)
    await delivery(gateway, "m-parked", WORKSTATION, "NOT_DELIVERED", "no queue for it")
    await accepted(gateway, "m-stopped", recipient=WORKSTATION)
    await delivery(gateway, "m-stopped", WORKSTATION, "NOT_DELIVERED", "no queue")
    await delivery(gateway, "m-stopped", WORKSTATION, "DELIVERY_STOPPED", "operator: obsolete")
    # Delivered, refused by the consumer into its dead-letter queue.
    await accepted(gateway, "m-dead", recipient="portal", type_="result.issued.v1")
    await delivery(gateway, "m-dead", "portal", "DELIVERED")
    # A copy of an accepted message refused as a replay (a relay publishing again).
    replay = {"code": "REPLAYED_MESSAGE", "message_id": "m-consumed", "detail": "again"}
    await gateway.append(DAY_STREAM, [NewEvent("MessageRejected.v1", replay)])

    account = await account_messages(
        gateway,
        {"portal": portal, "provider": provider},
        dead_letters=[("to.portal", "m-dead", "r1 already has its result")],
    )

    assert account.ok, account.report()
    assert account.accepted == 5
    assert account.targets == 6
    assert account.outcomes == {
        Outcome.CONSUMED: 3,
        Outcome.PARKED: 1,
        Outcome.STOPPED: 1,
        Outcome.DEAD_LETTERED: 1,
    }
    assert account.reasons[("m-stopped", WORKSTATION)] == "operator: obsolete"
    assert account.reasons[("m-dead", "portal")] == "r1 already has its result"
    assert account.rejected == {"REPLAYED_MESSAGE": 1}
    assert account.replays_absorbed == 1


async def test_names_each_message_that_is_not_accounted_for(
    stores: dict[str, SqliteEventStore],
) -> None:
    gateway, portal, provider = stores["gateway"], stores["portal"], stores["provider"]
    await accepted(gateway, "m-stuck", recipient=WORKSTATION, request="r-stuck")
    await accepted(gateway, "m-unclaimed", recipient=WORKSTATION)
    await delivery(gateway, "m-unclaimed", WORKSTATION, "DELIVERED")
    await accepted(gateway, "m-nobody", recipient="registry")
    await delivery(gateway, "m-nobody", "registry", "DELIVERED")
    await accepted(gateway, "m-silent", recipient=WORKSTATION)
    await delivery(gateway, "m-silent", WORKSTATION, "NOT_DELIVERED", "")
    outgoing = OutboxMessage("m-unsent", "egov.gateway.in", "portal", b"{}")
    await portal.append("request-r9", [NewEvent("RequestSubmitted.v1", {})], outbox=[outgoing])

    account = await account_messages(gateway, {"portal": portal, "provider": provider})

    assert not account.ok
    problems = {(m.message_id, m.target): m.problem for m in account.missing}
    assert problems.keys() == {
        ("m-stuck", WORKSTATION),
        ("m-unclaimed", WORKSTATION),
        ("m-nobody", "registry"),
        ("m-silent", WORKSTATION),
    }
    assert "ON_DELIVERY" in problems[("m-stuck", WORKSTATION)]
    assert (
        "no inbox claim (provider:provider.almaty.culture)"
        in problems[("m-unclaimed", WORKSTATION)]
    )
    assert "no known service consumes" in problems[("m-nobody", "registry")]
    assert "without a reason" in problems[("m-silent", WORKSTATION)]
    assert account.pending_outbox == {"portal": 1, "provider": 0}
    report = account.report()
    assert "missing: m-stuck (request.submitted.v1, request r-stuck)" in report
    assert "1 row(s) pending in portal's outbox" in report


async def test_a_delivered_message_is_missing_when_its_consumers_log_is_not_given(
    stores: dict[str, SqliteEventStore],
) -> None:
    gateway = stores["gateway"]
    await accepted(gateway, "m1", recipient="elicense")
    await delivery(gateway, "m1", "elicense", "DELIVERED")

    account = await account_messages(gateway, {"portal": stores["portal"]})

    assert [m.problem for m in account.missing] == [
        "delivered; elicense's event log was not given to the accounting"
    ]


async def test_finds_two_message_ids_with_one_meaning(stores: dict[str, SqliteEventStore]) -> None:
    gateway = stores["gateway"]
    for mid, seq in (("s1", 1), ("s2", 2), ("s2-again", 2), ("s3", 3)):
        body = {"seq": seq, "status": "registered"}
        await accepted(gateway, mid, recipient="portal", type_="status.changed.v1", body=body)
    for mid in ("res-1", "res-2"):
        await accepted(gateway, mid, recipient="portal", type_="result.issued.v1")
    await accepted(gateway, "other", recipient="portal", type_="result.issued.v1", request="r2")

    found = duplicate_notifications(await read_gateway_log(gateway))

    assert [(d.correlation_id, d.meaning, d.message_ids) for d in found] == [
        ("r1", f"result from {WORKSTATION}", ("res-1", "res-2")),
        ("r1", f"status seq 2 from {WORKSTATION}", ("s2", "s2-again")),
    ]
