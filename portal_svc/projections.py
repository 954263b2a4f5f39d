"""The cabinet's read models, folded from the log in position order (issue 6 points 4-6):
sessions, each request's row and status history, results by number, survey indicators per
service, and the desks' e-mail outbox. Rebuilt from position 0 by ``egov replay portal``;
in the service it catches up before each read, so a reader sees its own writes."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from portal_svc.domain import events, statuses
from portal_svc.domain.survey import ANSWERS, QUESTIONS
from shared.canonical import canonical_json
from shared.eventlog.port import EventStore, RecordedEvent


@dataclass
class CabinetState:
    position: int = 0
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # token sha -> session
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)  # result number -> request id
    survey: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    emails: list[dict[str, Any]] = field(default_factory=list)
    refusals: int = 0

    def digest(self) -> str:
        """A fingerprint of everything a reader can see (``egov replay portal`` compares it)."""
        view = {
            "requests": self.requests,
            "results": self.results,
            "survey": self.survey,
            "emails": self.emails,
            "sessions": self.sessions,
        }
        return hashlib.sha256(canonical_json(view)).hexdigest()


def _history_entry(event: RecordedEvent, status: str, step: str | None = None) -> dict[str, Any]:
    return {
        "status": status,
        "step": step,
        "at": event.data.get("at") or event.recorded_at.isoformat(),
        "by": event.metadata.get("actor"),
        "seq": event.data.get("seq"),
        "position": event.position,
    }


def _ordered_history(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """By the sender's time, then arrival; then the sender's numbered statuses take the places
    numbered statuses hold, in their own number order. One action's statuses share an instant
    and the gateway may deliver them in any order, so a status that arrives late with a lower
    seq is put before the higher one, never after it (it never becomes the current status).
    The portal's own entries (draft, submitted, handed out) and v1 statuses without a number
    keep their places."""
    ordered = sorted(history, key=lambda h: (datetime.fromisoformat(h["at"]), h["position"]))
    slots = [i for i, h in enumerate(ordered) if isinstance(h.get("seq"), int)]
    numbered = sorted((ordered[i] for i in slots), key=lambda h: (int(h["seq"]), h["position"]))
    for slot, entry in zip(slots, numbered, strict=True):
        ordered[slot] = entry
    return ordered


def _is_resent(history: list[dict[str, Any]], entry: dict[str, Any]) -> bool:
    """The sender's numbered status already in the history: one status, shown once."""
    seq = entry.get("seq")
    return isinstance(seq, int) and any(
        h.get("seq") == seq and h["status"] == entry["status"] for h in history
    )


def apply(state: CabinetState, event: RecordedEvent) -> None:
    state.position = event.position
    data = event.data
    kind = event.type
    if kind == events.SESSION_OPENED:
        state.sessions[data["token_sha256"]] = {
            "account": data["account"],
            "expires_at": data["expires_at"],
        }
        return
    if kind == events.SESSION_CLOSED:
        state.sessions.pop(data["token_sha256"], None)
        return
    if kind == events.AUTHORIZATION_REFUSED:
        state.refusals += 1
        return
    row = state.requests.get(str(data.get("request_id")))
    if kind == events.DRAFT_CREATED:
        state.requests[data["request_id"]] = {
            "request_id": data["request_id"],
            "owner": data["owner"],
            "desk": data.get("desk"),
            "service": data["service"],
            "version": data["version"],
            "channel": data["channel"],
            "applicant_iin": data.get("applicant_iin"),
            "status": statuses.DRAFT,
            "deadline": None,
            "term": None,
            "last_change": data["at"],
            "history": [_history_entry(event, statuses.DRAFT)],
            "result_number": None,
            "handed_out": None,
            "surveyed": False,
        }
        return
    if row is None:
        return
    status: str | None = None
    step: str | None = None
    if kind == events.SUBMISSION_REFUSED:
        status = statuses.REJECTED_SIGNATURE
        row["refusal"] = data["code"]
    elif kind == events.REQUEST_SUBMITTED:
        status = statuses.SUBMITTED
        row["deadline"] = data["deadline"]
        row["term"] = data["term"]
        row["submitted_at"] = data["at"]
    elif kind == events.STATUS_CHANGED:
        status, step = data["status"], data.get("step")
    elif kind == events.RESULT_RECEIVED:
        # The result is not a status of its own: the sender's status notification (completed
        # or refused, with the same instant) is the history entry; the result only adds the
        # document to the row. Recording it too showed the final status twice.
        row["result_number"] = data["number"]
        state.results[data["number"]] = row["request_id"]
    elif kind == events.RESULT_HANDED_OUT:
        status = statuses.HANDED_OUT
        row["handed_out"] = {"how": data["how"], "at": data["at"]}
    elif kind == events.EMAIL_QUEUED:
        state.emails.append(dict(data))
    elif kind == events.SURVEY_ANSWERED:
        row["surveyed"] = True
        per_service = state.survey.setdefault(
            data["service"], {q: {str(a): 0 for a in ANSWERS} for q in QUESTIONS}
        )
        for question, answer in data["answers"].items():
            per_service[question][str(answer)] += 1
    if status is not None:
        # Ordered by the sender's time: the gateway may deliver two notifications of one
        # request out of order, and the cabinet shows them as they happened.
        history = row["history"]
        entry = _history_entry(event, status, step)
        if _is_resent(history, entry):
            return
        history.append(entry)
        history[:] = _ordered_history(history)
        row["status"] = history[-1]["status"]
        row["last_change"] = history[-1]["at"]


def indicators(counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Per question: the answers' counts and the share satisfied (answer 3) and at least
    partly satisfied (answers 2-3), the figures 003 appendix 3's indicators are made of."""
    out: dict[str, Any] = {}
    for question, answers in counts.items():
        total = sum(answers.values())
        out[question] = {
            "answers": answers,
            "total": total,
            "satisfied_share": round(answers["3"] / total, 4) if total else None,
            "at_least_partly_share": round((answers["2"] + answers["3"]) / total, 4)
            if total
            else None,
        }
    return out


class Cabinet:
    """The live read model of one service instance."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self.state = CabinetState()
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()

    async def refresh(self) -> CabinetState:
        async with self._lock:
            while True:
                batch = await self._store.read_all(after=self.state.position, limit=1000)
                if not batch:
                    return self.state
                for event in batch:
                    apply(self.state, event)

    def session(self, token_sha: str, now: datetime) -> str | None:
        found = self.state.sessions.get(token_sha)
        if found is None or datetime.fromisoformat(found["expires_at"]) <= now:
            return None
        return str(found["account"])

    def notify(self) -> None:
        """Something was committed to this portal's log (every writer of it calls this after
        its commit): wake every stream waiting in :meth:`wait`. Runs on the service's loop."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def changed(self) -> asyncio.Event:
        """The event the next :meth:`notify` sets. Take it *before* reading, then wait on it:
        a commit between the read and the wait is not missed."""
        return self._changed

    async def changes(self, owner: str, *, after: int) -> list[dict[str, Any]]:
        """Status changes of ``owner``'s requests recorded after log position ``after``, in log
        order (each one's ``position`` is its SSE id). A status sorted into the middle of a
        history (a late, lower seq) still comes after ``after`` by position: it is sent, and
        ``current`` says what the request's status is once it is in."""
        await self.refresh()
        found = [
            {
                "request_id": row["request_id"],
                "status": entry["status"],
                "step": entry["step"],
                "at": entry["at"],
                "seq": entry["seq"],
                "current": row["status"],
                "position": entry["position"],
            }
            for row in self.mine(owner)
            for entry in row["history"]
            if entry["position"] > after
        ]
        return sorted(found, key=lambda c: int(c["position"]))

    def mine(self, owner: str) -> list[dict[str, Any]]:
        rows = [r for r in self.state.requests.values() if r["owner"] == owner]
        return sorted(rows, key=lambda r: r["last_change"], reverse=True)


def rebuild(history: Iterable[RecordedEvent]) -> CabinetState:
    state = CabinetState()
    for event in history:
        apply(state, event)
    return state


def result_waiting_since(row: dict[str, Any]) -> datetime:
    """When a request's result reached the desk (its final status), for the list of results
    not collected (004 p.17.4: kept for the applicant)."""
    for entry in reversed(row["history"]):
        if entry["status"] in (statuses.COMPLETED, statuses.REFUSED):
            return datetime.fromisoformat(entry["at"])
    return datetime.fromisoformat(row["last_change"])


def uncollected(rows: Iterable[dict[str, Any]], now: datetime, days: int) -> list[dict[str, Any]]:
    """The rows whose result has waited at least ``days`` days and was not handed out."""
    return [
        r
        for r in rows
        if r["result_number"] is not None
        and r["handed_out"] is None
        and (now - result_waiting_since(r)).days >= days
    ]
