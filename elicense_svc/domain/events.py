"""Names of the events elicense writes besides the step engine's (``shared.regulation.engine``).
Stable, versioned names: the log outlives the code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.eventlog.port import NewEvent

# request stream: elicense.request.<request_id>
REQUEST_RECEIVED = "RequestReceived.v1"  # processes 1-3 (staff) / the portal's request
REQUEST_REGISTERED = "RequestRegistered.v1"  # process 7: the request number
DOCUMENTS_ATTACHED = "DocumentsAttached.v1"  # process 6: paper marked, scanned, attached
REGISTRY_CHECK_DEFERRED = "RegistryCheckDeferred.v1"  # registry or gateway unreachable
REGISTRY_RECORD_FOUND = "RegistryRecordFound.v1"  # condition 2: the data exists
REGISTRY_DATA_NOT_FOUND = "RegistryDataNotFound.v1"  # process 5: "data cannot be obtained"
PERMIT_NUMBER_RESERVED = "PermitNumberReserved.v1"  # the draft the authorized person signs
# A status notification sent about the request, with its number (1, 2, ... per request),
# committed with the cause: the next one is numbered on from the last, without a gap.
STATUS_NOTIFIED = "StatusNotified.v1"
# permit stream: elicense.permit.<permit number>
PERMIT_ISSUED = "PermitIssued.v1"
PERMIT_REISSUED = "PermitReissued.v1"
PERMIT_SUSPENDED = "PermitSuspended.v1"
PERMIT_RESUMED = "PermitResumed.v1"
PERMIT_TERMINATED = "PermitTerminated.v1"
# counter streams: elicense.counter.<scope>
NUMBER_ALLOCATED = "NumberAllocated.v1"

REQUEST_STREAM_PREFIX = "elicense.request."
PERMIT_STREAM_PREFIX = "elicense.permit."
COUNTER_STREAM_PREFIX = "elicense.counter."


def request_stream(request_id: str) -> str:
    return f"{REQUEST_STREAM_PREFIX}{request_id}"


def permit_stream(number: str) -> str:
    return f"{PERMIT_STREAM_PREFIX}{number}"


def stamped(
    events: Sequence[NewEvent], actor: Mapping[str, Any], correlation_id: str
) -> list[NewEvent]:
    """The same events with who did it and which request they belong to in the metadata
    (every action names its actor, STYLE.md)."""
    meta = {"actor": dict(actor), "correlation_id": correlation_id}
    return [NewEvent(e.type, e.data, e.event_id, {**e.metadata, **meta}) for e in events]
