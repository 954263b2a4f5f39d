"""What the console shows of the message log: a row per record for the list, and the hops of a
request's journey for its sequence diagram. Both read a record's data as the API shows it to
the same caller (masked for everyone but the gateway's operator, ``gateway_svc.routes.shown``)
and never the kept envelopes or bodies: a signer is named by subject and serial, not by the
certificate chain inside the signature."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway_svc.messagelog import DeliveryState, LogEntry, Record
from gateway_svc.routes import masked
from shared.authz import FULL_IDENTIFIERS, Caller

# The gateway's own lanes in a diagram; system ids never start with "@".
CENTRAL = "@central"
REGIONAL_PREFIX = "@regional."

OK, BAD, PENDING = "ok", "bad", "pending"
_DELIVERY_OUTCOME = {
    DeliveryState.ON_DELIVERY.value: PENDING,
    DeliveryState.DELIVERED.value: OK,
    DeliveryState.NOT_DELIVERED.value: BAD,
    DeliveryState.DELIVERY_STOPPED.value: BAD,
}


def visible(entry: LogEntry, caller: Caller) -> Mapping[str, Any]:
    """``entry``'s data as ``caller`` may see it (IINs and BINs masked unless full)."""
    if caller.kinds & FULL_IDENTIFIERS:
        return entry.data
    shown: Mapping[str, Any] = masked(dict(entry.data))
    return shown


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Row:
    """One record of the log as the message list shows it."""

    position: int
    time: datetime
    record: str
    sender: str | None
    recipient: str | None
    what: str | None  # the message type, or the sync service's id
    state: str | None  # a state (gw.state.*) or an error code
    outcome: str
    message_id: str | None
    correlation_id: str | None
    claimed: bool  # sender and recipient only as a refused message claimed them
    detail: str | None  # why it was refused or not delivered, or a delivery stopped


def row_of(
    entry: LogEntry, data: Mapping[str, Any], providers: Mapping[str, str] | None = None
) -> Row:
    """``entry`` as a row; ``providers`` (each sync service's provider in the rules in force)
    names the sender of a sync answer, whose record names only the caller."""
    record = entry.record
    claimed = record == Record.REJECTED and isinstance(data.get("claimed"), Mapping)
    about: Mapping[str, Any] = data["claimed"] if claimed else data
    sender, recipient = _text(about.get("sender")), _text(about.get("recipient"))
    what = _text(about.get("type"))
    state: str | None
    outcome = ""
    if record == Record.ACCEPTED:
        state, outcome = "accepted", OK
    elif record == Record.REJECTED:
        state, outcome = _text(data.get("code")), BAD
    elif record == Record.RELAYED:
        state, outcome = "relayed", OK
    elif record == Record.DELIVERY:
        state = _text(data.get("state"))
        outcome = _DELIVERY_OUTCOME.get(state or "", "")
    elif record == Record.SYNC_REQUEST:
        recipient, what, state = _text(data.get("provider")), _text(data.get("service_id")), None
    else:  # a sync answer: to the caller, with the provider's status or the fault's code
        what = _text(data.get("service_id"))
        recipient, sender = sender, (providers or {}).get(what or "")
        code = _text(data.get("code"))
        state = code or _text(data.get("status"))
        outcome = BAD if code else OK
    return Row(
        position=entry.position,
        time=entry.recorded_at,
        record=record,
        sender=sender,
        recipient=recipient,
        what=what,
        state=state,
        outcome=outcome,
        message_id=_text(data.get("message_id") or about.get("message_id")),
        correlation_id=_text(data.get("correlation_id") or about.get("correlation_id")),
        claimed=claimed,
        detail=_text(data.get("detail") or data.get("reason")) or None,
    )


@dataclass(frozen=True)
class Hop:
    """One arrow of a journey: from one lane to another at a time, with its state."""

    time: datetime
    source: str
    target: str
    label: str  # the message type, sync service or error code (technical, not translated)
    state: str  # a state (gw.state.*), an HTTP status or an error code
    outcome: str
    record: str
    signer: str | None = None  # "subject / serial" of the signature the gateway checked
    detail: str | None = None  # why it was refused or not delivered


def _lane_of_hop(hop: str | None) -> str:
    if hop is not None and hop.startswith("regional."):
        return REGIONAL_PREFIX + hop.removeprefix("regional.")
    return CENTRAL


def _signer(subject: Any, serial: Any) -> str | None:
    parts = [str(p) for p in (subject, serial) if p]
    return " / ".join(parts) or None


def hops_of(
    entries: Sequence[tuple[LogEntry, Mapping[str, Any]]], providers: Mapping[str, str]
) -> list[Hop]:
    """The arrows of a journey, in log order. ``providers`` names each sync service's provider
    (the rules in force) for an answer whose request is not in the trace."""
    hops: list[Hop] = []
    asked: dict[str, str] = {}  # request hash -> provider, from the trace's own requests
    for entry, data in entries:
        at, record = entry.recorded_at, entry.record
        sender = _text(data.get("sender")) or "?"
        if record == Record.ACCEPTED:
            hops.append(
                Hop(
                    at,
                    sender,
                    CENTRAL,
                    str(data.get("type", "")),
                    "accepted",
                    OK,
                    record,
                    # Admission checked that the certificate's system id is the sender.
                    _signer(sender, data.get("signer_serial")),
                )
            )
        elif record == Record.REJECTED:
            claimed = data.get("claimed")
            source = (_text(claimed.get("sender")) if isinstance(claimed, Mapping) else None) or "?"
            code = str(data.get("code", ""))
            hops.append(
                Hop(
                    at,
                    source,
                    CENTRAL,
                    code,
                    code,
                    BAD,
                    record,
                    _signer(data.get("signer"), None),
                    _text(data.get("detail")),
                )
            )
        elif record == Record.RELAYED:
            lane = _lane_of_hop(_text(data.get("hop")))
            hops.append(Hop(at, CENTRAL, lane, str(data.get("type", "")), "relayed", OK, record))
        elif record == Record.DELIVERY:
            state = str(data.get("state", ""))
            hops.append(
                Hop(
                    at,
                    _lane_of_hop(_text(data.get("hop"))),
                    str(data.get("recipient", "?")),
                    "re-drive" if data.get("hop") == "redrive" else "",
                    state,
                    _DELIVERY_OUTCOME.get(state, ""),
                    record,
                    detail=_text(data.get("reason")) or None,
                )
            )
        elif record == Record.SYNC_REQUEST:
            service = str(data.get("service_id", ""))
            provider = _text(data.get("provider")) or providers.get(service, "?")
            asked[str(data.get("request_sha256", ""))] = provider
            hops.append(Hop(at, sender, CENTRAL, service, "requested", OK, record))
            hops.append(Hop(at, CENTRAL, provider, service, "forwarded", OK, record))
        elif record == Record.SYNC_RESPONSE:
            service = str(data.get("service_id", ""))
            provider = asked.get(str(data.get("request_sha256", ""))) or providers.get(service, "?")
            fault = _text(data.get("code"))
            status = _text(data.get("status")) or ""
            if fault is None or data.get("origin") == "provider":
                hops.append(
                    Hop(
                        at,
                        provider,
                        CENTRAL,
                        service,
                        fault or status,
                        BAD if fault else OK,
                        record,
                    )
                )
            hops.append(
                Hop(
                    at,
                    CENTRAL,
                    sender,
                    service,
                    fault or status,
                    BAD if fault else OK,
                    record,
                    detail=_text(data.get("detail")),
                )
            )
    return hops
