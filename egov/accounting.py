"""Accounting of the gateway's message log: where did every message go?

The gateway logs each message it admits (``MessageAccepted.v1``, with its ``targets``: the
addressee, and for a status notification also the portal and the Public Service Center desk)
and each target's delivery state (``DeliveryStateChanged.v1``). A message is *accounted for*
at a target when one of these holds:

* **consumed**: the gateway logged it ``DELIVERED`` and the target's service claimed its id in
  its inbox (the claim is committed with the message's effects, so a claim means processed);
* **parked**: the gateway logged it ``NOT_DELIVERED`` with a reason (no queue for the
  target), keeping the envelope for a re-drive;
* **stopped**: an operator gave up on a parked message (``DELIVERY_STOPPED``) with a reason;
* **dead-lettered**: delivered, and the target's consumer parked it in its queue's dead-letter
  queue with a reason (a message it can never process, e.g. a second result for a request).

Anything else is **missing**, and :class:`MessageAccount` names it: the message id, the
target, its type and request, and what is wrong (still ``ON_DELIVERY``: the gateway never
finished delivering it; delivered but neither consumed nor dead-lettered; a target no service
consumes). Messages the gateway refused (``MessageRejected.v1``) are counted by error code;
the refused copies of an already accepted message id (``REPLAYED_MESSAGE``: a sender's relay
publishing again after a crash) are duplicates the gateway absorbed. Rows still pending in a
sender's outbox are messages not handed to the broker yet, so they are named too.

Duplicates by meaning (two *different* message ids saying the same thing) are a separate
question, answered from the accepted envelopes: :func:`duplicate_notifications` finds a
request's status notifications that share a running number (``seq``, provider_svc numbers one
request's notifications 1, 2, ...) and requests with more than one result message.

The module reads event stores through the port only (``read_all``, ``is_processed``,
``pending_outbox``); it imports no service. Which service consumes a system's queue, and under
which inbox consumer name, is :func:`default_consumer` (the five services as built), or a
function the caller passes.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shared.eventlog.port import EventStore, RecordedEvent

MSGLOG_PREFIX = "msglog-"
ACCEPTED = "MessageAccepted.v1"
REJECTED = "MessageRejected.v1"
DELIVERY = "DeliveryStateChanged.v1"
REPLAYED = "REPLAYED_MESSAGE"
STATUS_TYPE_PREFIX = "status."
RESULT_TYPE_PREFIX = "result."
RECIPIENT_QUEUE_PREFIX = "to."  # gateway_svc.topology.recipient_queue


class Outcome(StrEnum):
    CONSUMED = "consumed"
    PARKED = "parked"
    STOPPED = "stopped"
    DEAD_LETTERED = "dead-lettered"


@dataclass(frozen=True)
class InboxOf:
    """Where a system's messages are consumed: the service's event log and the inbox
    consumer name its claims are made under."""

    service: str
    consumer: str


def default_consumer(system_id: str) -> InboxOf | None:
    """The inboxes of the services as built: the portal consumes its own queue and the PSC
    desks' (one inbox, ``portal``); each provider workstation has its own inbox
    (``provider:<system id>``); E-licensing's intake is ``elicense.intake``."""
    if system_id == "portal" or system_id.startswith("psc."):
        return InboxOf("portal", "portal")
    if system_id.startswith("provider."):
        return InboxOf("provider", f"provider:{system_id}")
    if system_id == "elicense":
        return InboxOf("elicense", "elicense.intake")
    return None


@dataclass(frozen=True)
class AcceptedMessage:
    message_id: str
    correlation_id: str | None
    type: str
    sender: str
    recipient: str
    targets: tuple[str, ...]
    body: Mapping[str, Any] | None  # the envelope's body when the gateway keeps bodies


@dataclass(frozen=True)
class DeliveryNote:
    state: str
    reason: str


@dataclass
class GatewayLog:
    """The gateway's message log, folded: accepted messages in log order, each (message,
    target)'s latest delivery state, and the refusals."""

    accepted: dict[str, AcceptedMessage] = field(default_factory=dict)
    deliveries: dict[tuple[str, str], DeliveryNote] = field(default_factory=dict)
    rejected: Counter[str] = field(default_factory=Counter)
    replays_refused: Counter[str] = field(default_factory=Counter)  # message id -> copies
    records: int = 0

    def add(self, event: RecordedEvent) -> None:
        if not event.stream_id.startswith(MSGLOG_PREFIX):
            return
        self.records += 1
        data = event.data
        if event.type == ACCEPTED:
            message_id = str(data["message_id"])
            self.accepted[message_id] = AcceptedMessage(
                message_id=message_id,
                correlation_id=_text(data.get("correlation_id")),
                type=str(data.get("type", "")),
                sender=str(data.get("sender", "")),
                recipient=str(data.get("recipient", "")),
                targets=tuple(str(t) for t in data.get("targets") or [data.get("recipient")]),
                body=_body(data.get("envelope_raw")),
            )
        elif event.type == DELIVERY:
            key = (str(data["message_id"]), str(data["recipient"]))
            self.deliveries[key] = DeliveryNote(str(data["state"]), str(data.get("reason") or ""))
        elif event.type == REJECTED:
            code = str(data.get("code", "?"))
            self.rejected[code] += 1
            if code == REPLAYED and data.get("message_id"):
                self.replays_refused[str(data["message_id"])] += 1


async def read_gateway_log(store: EventStore, *, batch: int = 1000) -> GatewayLog:
    log = GatewayLog()
    after = 0
    while events := await store.read_all(after=after, limit=batch):
        for event in events:
            log.add(event)
        after = events[-1].position
    return log


@dataclass(frozen=True)
class Missing:
    """A message not accounted for at one target, and why."""

    message_id: str
    target: str
    type: str
    correlation_id: str | None
    problem: str

    def __str__(self) -> str:
        return (
            f"{self.message_id} ({self.type}, request {self.correlation_id}) -> {self.target}: "
            f"{self.problem}"
        )


@dataclass(frozen=True)
class Duplicate:
    """Several message ids that say the same thing about one request."""

    correlation_id: str
    meaning: str  # e.g. "status seq 3", "result"
    message_ids: tuple[str, ...]

    def __str__(self) -> str:
        return f"request {self.correlation_id}: {self.meaning} in {', '.join(self.message_ids)}"


@dataclass
class MessageAccount:
    accepted: int = 0
    targets: int = 0
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    reasons: dict[tuple[str, str], str] = field(default_factory=dict)  # parked/stopped/DLQ'd
    rejected: Counter[str] = field(default_factory=Counter)  # refusal code -> count
    replays_absorbed: int = 0  # refused copies of accepted message ids
    missing: list[Missing] = field(default_factory=list)
    pending_outbox: dict[str, int] = field(default_factory=dict)  # service -> unsent rows

    @property
    def ok(self) -> bool:
        return not self.missing and not any(self.pending_outbox.values())

    def report(self) -> str:
        """Every problem on its own line (empty when :attr:`ok`), then the counts."""
        lines = [f"missing: {m}" for m in self.missing]
        lines += [
            f"not sent yet: {count} row(s) pending in {service}'s outbox"
            for service, count in sorted(self.pending_outbox.items())
            if count
        ]
        outcomes = ", ".join(f"{o.value} {n}" for o, n in sorted(self.outcomes.items()))
        rejected = ", ".join(f"{code} {n}" for code, n in sorted(self.rejected.items()))
        lines.append(
            f"{self.accepted} messages accepted, {self.targets} deliveries: {outcomes or '-'}; "
            f"refused: {rejected or 'none'} ({self.replays_absorbed} replayed copies absorbed)"
        )
        return "\n".join(lines)


async def account_messages(
    gateway: EventStore | GatewayLog,
    stores: Mapping[str, EventStore],
    *,
    consumer_of: Callable[[str], InboxOf | None] = default_consumer,
    dead_letters: Iterable[tuple[str, str, str]] = (),
    outbox_limit: int = 500,
) -> MessageAccount:
    """Account for every (message, target) of the gateway's log.

    ``stores``: each service's event log by service name (the recipients' inbox claims, and
    every store's pending outbox). ``dead_letters``: ``(queue, message_id, reason)`` of the
    messages found in the recipients' dead-letter queues (queue names without a bus namespace,
    ``to.<system id>``)."""
    log = gateway if isinstance(gateway, GatewayLog) else await read_gateway_log(gateway)
    dead: dict[tuple[str, str], str] = {}
    for queue, message_id, reason in dead_letters:
        target = queue.removeprefix(RECIPIENT_QUEUE_PREFIX)
        dead[(message_id, target)] = reason or "(no reason given)"
    account = MessageAccount(accepted=len(log.accepted), rejected=Counter(log.rejected))
    account.replays_absorbed = sum(
        n for mid, n in log.replays_refused.items() if mid in log.accepted
    )
    for message in log.accepted.values():
        for target in message.targets:
            account.targets += 1
            outcome, detail = await _outcome(message, target, log, stores, consumer_of, dead)
            if outcome is None:
                account.missing.append(
                    Missing(message.message_id, target, message.type, message.correlation_id,
                            detail)
                )  # fmt: skip
                continue
            account.outcomes[outcome] += 1
            if outcome is not Outcome.CONSUMED:
                account.reasons[(message.message_id, target)] = detail
    for service, store in sorted(stores.items()):
        account.pending_outbox[service] = len(await store.pending_outbox(limit=outbox_limit))
    return account


async def _outcome(
    message: AcceptedMessage,
    target: str,
    log: GatewayLog,
    stores: Mapping[str, EventStore],
    consumer_of: Callable[[str], InboxOf | None],
    dead: Mapping[tuple[str, str], str],
) -> tuple[Outcome | None, str]:
    note = log.deliveries.get((message.message_id, target))
    if note is None:
        return None, "no delivery state logged for this target"
    if note.state == "NOT_DELIVERED":
        if not note.reason:
            return None, "parked without a reason"
        return Outcome.PARKED, note.reason
    if note.state == "DELIVERY_STOPPED":
        if not note.reason:
            return None, "delivery stopped without a reason"
        return Outcome.STOPPED, note.reason
    if note.state != "DELIVERED":
        return None, f"still {note.state}: the gateway never finished delivering it"
    inbox = consumer_of(target)
    if inbox is None:
        return None, f"delivered to {target}, which no known service consumes"
    store = stores.get(inbox.service)
    if store is None:
        return None, f"delivered; {inbox.service}'s event log was not given to the accounting"
    if await store.is_processed(inbox.consumer, message.message_id):
        return Outcome.CONSUMED, ""
    reason = dead.get((message.message_id, target))
    if reason is not None:
        return Outcome.DEAD_LETTERED, reason
    return None, (
        f"delivered, but {inbox.service} has no inbox claim ({inbox.consumer}) and it is in no "
        "dead-letter queue"
    )


def duplicate_notifications(log: GatewayLog) -> list[Duplicate]:
    """Different message ids that carry the same meaning for one request: two status
    notifications from one sender with the same ``seq``, or two result messages. Needs the
    gateway to keep bodies (``EGOV_GATEWAY_LOG_BODIES``, on by default); a message whose body
    was not kept is skipped."""
    by_meaning: dict[tuple[str, str], list[str]] = defaultdict(list)
    for message in log.accepted.values():
        if message.correlation_id is None:
            continue
        if message.type.startswith(STATUS_TYPE_PREFIX) and message.body is not None:
            seq = message.body.get("seq")
            if isinstance(seq, int):
                meaning = f"status seq {seq} from {message.sender}"
                by_meaning[(message.correlation_id, meaning)].append(message.message_id)
        elif message.type.startswith(RESULT_TYPE_PREFIX):
            meaning = f"result from {message.sender}"
            by_meaning[(message.correlation_id, meaning)].append(message.message_id)
    return [
        Duplicate(cid, meaning, tuple(ids))
        for (cid, meaning), ids in sorted(by_meaning.items())
        if len(ids) > 1
    ]


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


def _body(raw: object) -> Mapping[str, Any] | None:
    if not isinstance(raw, str):
        return None
    try:
        envelope = json.loads(raw)
    except ValueError:
        return None
    body = envelope.get("body") if isinstance(envelope, dict) else None
    return body if isinstance(body, dict) else None
