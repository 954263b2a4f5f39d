"""``egov audit verify gateway``: walk the message log's hash chains and name the first broken
row by its position and, when it can still be read, the message it is about."""

from __future__ import annotations

from dataclasses import dataclass

from shared.clock import Clock
from shared.eventlog.factory import open_event_store
from shared.eventlog.port import ChainReport


@dataclass(frozen=True)
class AuditResult:
    report: ChainReport
    broken_record: str | None = None  # e.g. MessageAccepted.v1
    broken_message_id: str | None = None

    def describe(self) -> str:
        report = self.report
        if report.ok:
            return f"message log intact: {report.events_checked} records checked"
        about = ""
        if self.broken_record is not None:
            about = f" ({self.broken_record}"
            about += f", message {self.broken_message_id})" if self.broken_message_id else ")"
        return (
            f"message log BROKEN at position {report.first_broken_position}{about}: "
            f"{report.reason} ({report.events_checked} records checked)"
        )


async def audit_message_log(url: str, *, clock: Clock | None = None) -> AuditResult:
    store = await open_event_store(url, clock=clock)
    try:
        report = await store.verify_chain()
        if report.ok or report.first_broken_position is None:
            return AuditResult(report)
        events = await store.read_all(after=report.first_broken_position - 1, limit=1)
        if not events or events[0].position != report.first_broken_position:
            return AuditResult(report)
        event = events[0]
        message_id = event.data.get("message_id")
        return AuditResult(report, event.type, str(message_id) if message_id is not None else None)
    finally:
        await store.close()
