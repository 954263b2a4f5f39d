"""Verification of the per-stream hash chains, fed with events in position order."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.eventlog.hashing import NotCanonicalJson, event_hash
from shared.eventlog.port import ChainReport, RecordedEvent


@dataclass
class ChainVerifier:
    """Feed every event in increasing position order; the first broken one ends the walk.

    Memory is one (version, hash) pair per stream.
    """

    _heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    checked: int = 0
    broken: ChainReport | None = None

    def feed(self, event: RecordedEvent) -> bool:
        """Check ``event``; return False once a break was found."""
        if self.broken is not None:
            return False
        self.checked += 1
        reason = self._check(event)
        if reason is not None:
            self.broken = ChainReport(
                ok=False,
                events_checked=self.checked,
                first_broken_position=event.position,
                reason=reason,
            )
            return False
        self._heads[event.stream_id] = (event.version, event.hash)
        return True

    def fail(self, position: int, reason: str) -> None:
        """Record a break found by the adapter itself (e.g. a row it cannot decode)."""
        if self.broken is None:
            self.checked += 1
            self.broken = ChainReport(
                ok=False, events_checked=self.checked, first_broken_position=position, reason=reason
            )

    def report(self) -> ChainReport:
        return self.broken or ChainReport(ok=True, events_checked=self.checked)

    def _check(self, event: RecordedEvent) -> str | None:
        last_version, last_hash = self._heads.get(event.stream_id, (0, ""))
        where = f"stream {event.stream_id!r} version {event.version}"
        if event.version != last_version + 1:
            return (
                f"version gap: {where} follows version {last_version} "
                "(an event was deleted, reordered or renumbered)"
            )
        if event.prev_hash != last_hash:
            return (
                f"prev_hash mismatch: {where} names {event.prev_hash!r} but the previous "
                f"event's hash is {last_hash!r}"
            )
        try:
            expected = event_hash(
                stream_id=event.stream_id,
                version=event.version,
                event_id=event.event_id,
                type=event.type,
                data=event.data,
                metadata=event.metadata,
                recorded_at=event.recorded_at,
                prev_hash=event.prev_hash,
            )
        except NotCanonicalJson as exc:
            return f"content changed: {where} no longer holds canonical JSON ({exc})"
        if expected != event.hash:
            return f"content changed: {where} does not hash to its stored hash"
        return None
