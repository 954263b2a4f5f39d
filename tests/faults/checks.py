"""What the fault campaign asserts once the work is done, read from the services' own event logs
(never from what the test thinks it sent):

* every request submitted at the portal was received once by the workstation, ended there once
  (``RequestCompleted`` or ``RequestRefused``), and reached its final status in the cabinet once;
* no duplicate by meaning: one ``StatusNotified`` per ``seq`` (numbered 1..k without a gap) at
  the workstation, one cabinet status per ``seq``, exactly the statuses notified, one result
  signed and one received;
* every message in the gateway's log is accounted for (:mod:`egov.accounting`), no two message
  ids say the same thing, nothing is left in a dead-letter queue unexplained, nothing pending in
  an outbox;
* every service's hash chains verify.

Each check returns the list of problems found (empty = passed), every one naming its request or
message, so a failing run says what went wrong where.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from egov.accounting import (
    GatewayLog,
    MessageAccount,
    account_messages,
    duplicate_notifications,
    read_gateway_log,
)
from egov.stack import SERVICES, StackOptions, journalled_names
from shared.bus.rabbitmq import RabbitMqBus
from shared.eventlog.port import ChainReport, EventStore, RecordedEvent
from shared.pki.revocation_events import LISTENER_QUEUE_PREFIX

FINAL = frozenset({"completed", "refused"})
TERMINAL = ("RequestCompleted.v1", "RequestRefused.v1")
PORTAL_PREFIX = "request-"  # portal_svc.domain.events.request_stream
PROVIDER_PREFIX = "provider-request-"  # provider_svc.domain.events.request_stream


async def all_events(store: EventStore) -> list[RecordedEvent]:
    events: list[RecordedEvent] = []
    while batch := await store.read_all(after=events[-1].position if events else 0):
        events.extend(batch)
    return events


def by_stream(events: Iterable[RecordedEvent], prefix: str) -> dict[str, list[RecordedEvent]]:
    streams: dict[str, list[RecordedEvent]] = defaultdict(list)
    for event in events:
        if event.stream_id.startswith(prefix):
            streams[event.stream_id.removeprefix(prefix)].append(event)
    return streams


@dataclass
class Findings:
    """The outcome of every check, and the figures the docs quote."""

    problems: list[str] = field(default_factory=list)
    requests: int = 0
    final: Counter[str] = field(default_factory=Counter)
    account: MessageAccount | None = None
    dead_letters: list[tuple[str, str, str]] = field(default_factory=list)
    chains: dict[str, ChainReport] = field(default_factory=dict)
    duplicates_absorbed: Counter[str] = field(default_factory=Counter)

    def report(self) -> str:
        lines = [f"PROBLEM: {p}" for p in self.problems]
        lines += [f"dead letter in {q}: {mid}: {why}" for q, mid, why in self.dead_letters]
        if self.account is not None:
            lines.append(self.account.report())
        lines.append(f"{self.requests} requests; final statuses {dict(self.final)}")
        lines.append(
            "chains: "
            + ", ".join(f"{s} {r.events_checked} events ok={r.ok}" for s, r in self.chains.items())
        )
        return "\n".join(lines)


def check_requests(portal: Sequence[RecordedEvent], provider: Sequence[RecordedEvent]) -> Findings:
    """The business checks above, per request, on the portal's and the provider's logs."""
    found = Findings()
    at_portal = {
        rid: events
        for rid, events in by_stream(portal, PORTAL_PREFIX).items()
        if any(e.type == "RequestSubmitted.v1" for e in events)
    }
    at_provider = by_stream(provider, PROVIDER_PREFIX)
    found.requests = len(at_portal)
    for rid in sorted(set(at_provider) - set(at_portal)):
        found.problems.append(f"{rid}: at the workstation but never submitted at the portal")
    for rid, events in sorted(at_portal.items()):
        found.problems += _portal_side(rid, events, found)
        found.problems += _provider_side(rid, at_provider.get(rid, []), events)
    return found


def _portal_side(rid: str, events: Sequence[RecordedEvent], found: Findings) -> list[str]:
    problems = []
    types = Counter(e.type for e in events)
    if types["RequestSubmitted.v1"] != 1:
        problems.append(f"{rid}: submitted {types['RequestSubmitted.v1']} times at the portal")
    statuses = [e for e in events if e.type == "StatusChanged.v1"]
    seqs = Counter(e.data.get("seq") for e in statuses)
    problems += [
        f"{rid}: cabinet status seq {s} recorded {n} times" for s, n in seqs.items() if n > 1
    ]
    finals = [str(e.data["status"]) for e in statuses if e.data.get("status") in FINAL]
    if len(finals) != 1:
        problems.append(f"{rid}: {len(finals)} final statuses in the cabinet ({finals})")
    else:
        found.final[finals[0]] += 1
    if types["ResultReceived.v1"] != 1:
        problems.append(f"{rid}: {types['ResultReceived.v1']} results received at the portal")
    return problems


def _provider_side(
    rid: str, events: Sequence[RecordedEvent], portal: Sequence[RecordedEvent]
) -> list[str]:
    if not events:
        return [f"{rid}: submitted at the portal, never received at the workstation"]
    problems = []
    types = Counter(e.type for e in events)
    if types["RequestReceived.v1"] != 1:
        problems.append(f"{rid}: received {types['RequestReceived.v1']} times at the workstation")
    terminal = sum(types[t] for t in TERMINAL)
    if terminal != 1:
        problems.append(f"{rid}: ended {terminal} times at the workstation")
    if types["ResultSigned.v1"] > 1:
        problems.append(f"{rid}: {types['ResultSigned.v1']} results signed")
    notified = [e for e in events if e.type == "StatusNotified.v1"]
    seqs = sorted(int(e.data["seq"]) for e in notified)
    if seqs != list(range(1, len(seqs) + 1)):
        problems.append(f"{rid}: the workstation numbered its notifications {seqs}")
    sent = {int(e.data["seq"]): str(e.data["status"]) for e in notified}
    seen = {
        int(e.data["seq"]): str(e.data["status"])
        for e in portal
        if e.type == "StatusChanged.v1" and isinstance(e.data.get("seq"), int)
    }
    if sent != seen:
        problems.append(f"{rid}: notified {sent} but the cabinet shows {seen}")
    return problems


async def dead_letters(options: StackOptions) -> list[tuple[str, str, str]]:
    """``(queue, message_id, reason)`` of every message parked in a dead-letter queue of the
    stack's bus namespace (queue names without the namespace)."""
    queues, _ = journalled_names(options)
    prefix = options.bus_namespace
    main = sorted(
        q.removeprefix(prefix)
        for q in queues
        if not q.endswith(".dlq")
        and ".retry." not in q
        and q.startswith(prefix)
        # A revocation listener's own queue parks nothing: it has no dead-letter queue.
        and not q.removeprefix(prefix).startswith(LISTENER_QUEUE_PREFIX)
    )
    bus = RabbitMqBus(options.amqp_url, namespace=prefix, connection_name="faults-check")
    await bus.connect()
    try:
        parked = []
        for queue in main:
            for letter in await bus.dead_letters(queue, limit=1000):
                parked.append((queue, letter.message.message_id, letter.reason))
        return parked
    finally:
        await bus.close()


async def check_messages(
    stores: Mapping[str, EventStore], options: StackOptions
) -> tuple[MessageAccount, GatewayLog, list[tuple[str, str, str]], list[str]]:
    """The gateway's accounting, duplicates by meaning, and the dead letters that no accepted
    message explains (e.g. a message the gateway's own inbound queue gave up on)."""
    log = await read_gateway_log(stores["gateway"])
    parked = await dead_letters(options)
    account = await account_messages(log, stores, dead_letters=parked)
    problems = [f"duplicate by meaning: {d}" for d in duplicate_notifications(log)]
    problems += [
        f"dead-lettered in {queue} and never accepted by the gateway: {mid} ({reason})"
        for queue, mid, reason in parked
        if mid not in log.accepted
    ]
    return account, log, parked, problems


async def verify_chains(stores: Mapping[str, EventStore]) -> dict[str, ChainReport]:
    return {service: await stores[service].verify_chain() for service in SERVICES}
