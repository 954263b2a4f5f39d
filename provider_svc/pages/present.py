"""What the workstation's pages show, built from the service layer's objects: names in the
reader's language from the definitions, times in the workstation's zone, the actions the step
engine allows to the signed-in person's roles, the extension the act allows (the SLA chart's
bars are chart.py's). Pure functions: no I/O, nothing stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from provider_svc.domain import documents
from provider_svc.domain.request import ProviderRequest
from provider_svc.domain.staff import StaffMember
from provider_svc.notifications import mask_iin
from provider_svc.pages.texts import TEXTS
from provider_svc.projections import RequestView
from shared.pages.languages import Language
from shared.regulation.engine import StepEngine
from shared.regulation.model import Definition, FieldType, Localized, Outcome


def localized(value: Localized, language: Language) -> str:
    text: str = getattr(value, language)
    return text


def choice(value: str, language: Language) -> str:
    """An enum field's choice in the reader's words (the definitions name choices by id); one
    the pages have no words for is shown as it is."""
    key = f"choice.{value}"
    return TEXTS.text(key, language) if key in TEXTS else value


def clause(reference: str, language: Language) -> str:
    """A clause reference as the definitions write it ("004 appendix 2 table 3 action 6") in
    the reader's language: "004, 2-қосымша, 3-кесте, 6-әрекет", "004, приложение 2, таблица 3,
    действие 6". A word the pages do not know keeps the reference as it is written."""
    if language == "en":
        return reference
    act, *rest = reference.split()
    if len(rest) % 2:
        return reference
    parts = [act]
    for word, number in zip(rest[::2], rest[1::2], strict=True):
        key = f"clause.{word}"
        if key not in TEXTS or not number[:1].isdigit():
            return reference
        said = TEXTS.text(key, language)
        parts.append(f"{number}-{said}" if language == "kk" else f"{said} {number}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Moment:
    """An instant as a page shows it: ``iso`` for ``<time datetime>``, ``text`` local."""

    iso: str
    text: str
    day: str  # the local date, YYYY-MM-DD


def moment(value: str | datetime | None, zone: ZoneInfo) -> Moment | None:
    if value is None:
        return None
    at = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    local = at.astimezone(zone)
    return Moment(at.isoformat(), local.strftime("%Y-%m-%d %H:%M"), local.date().isoformat())


def _outcome(definition: Definition, step: str, name: str) -> Outcome | None:
    try:
        found = definition.step(step)
    except KeyError:
        return None
    return next((o for o in found.outcomes if o.name == name), None)


class Names:
    """The definitions' own words for a request's steps, roles, outcomes and documents in one
    language; an id the definition does not know is shown as it is."""

    def __init__(self, definition: Definition, language: Language) -> None:
        self.definition = definition
        self.language = language

    def service(self) -> str:
        return localized(self.definition.name, self.language)

    def step(self, step: str | None) -> str:
        if step is None:
            return ""
        try:
            return localized(self.definition.step(step).action, self.language)
        except KeyError:
            return step

    def role(self, role: str | None) -> str:
        if role is None:
            return ""
        try:
            return localized(self.definition.role(role).name, self.language)
        except KeyError:
            return role

    def outcome(self, step: str | None, outcome: str | None) -> str:
        if outcome is None:
            return ""
        found = None if step is None else _outcome(self.definition, step, outcome)
        return outcome if found is None else localized(found.label, self.language)

    def document(self, code: str) -> str:
        for doc in self.definition.required_documents:
            if doc.code == code:
                return localized(doc.name, self.language)
        return code

    def result(self, kind: str) -> str:
        for result in self.definition.results:
            if result.kind.value == kind:
                return localized(result.name, self.language)
        return kind

    def refusal(self, code: str | None) -> str:
        if code is None:
            return ""
        for ground in self.definition.refusal_grounds:
            if ground.code == code:
                return localized(ground.name, self.language)
        return code


# --- the inbox -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    request_id: str
    service: str
    version: str
    channel: str
    applicant: str  # masked, as the API shows it
    status: str
    step: str
    role: str
    step_deadline: Moment | None
    request_deadline: Moment | None
    warning: bool
    step_overdue: bool
    request_overdue: bool


def _past(deadline: str | None, now: datetime) -> bool:
    return deadline is not None and datetime.fromisoformat(deadline) < now


def inbox_row(
    view: RequestView, definition: Definition, language: Language, zone: ZoneInfo, now: datetime
) -> InboxRow:
    """A row of the inbox: overdue when the deadline watch said so, or the deadline is past
    (a timer may fire a moment after the clock passed it)."""
    names = Names(definition, language)
    return InboxRow(
        request_id=view.request_id,
        service=names.service(),
        version=view.version,
        channel=view.channel,
        applicant=view.applicant,
        status=view.status,
        step=names.step(view.step),
        role=names.role(view.role),
        step_deadline=moment(view.step_deadline, zone),
        request_deadline=moment(view.request_deadline, zone),
        warning=view.warned,
        step_overdue=view.step_overdue or _past(view.step_deadline, now),
        request_overdue=view.request_overdue or _past(view.request_deadline, now),
    )


@dataclass(frozen=True)
class Paging:
    page: int
    pages: int
    total: int
    first: int  # 1-based number of the first row shown

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def paging(total: int, asked: str | None, size: int) -> Paging:
    """The page ``asked`` for (``?page=``; anything unreadable is the first) within range."""
    pages = max(1, -(-total // size))
    try:
        page = int(asked or "1")
    except ValueError:
        page = 1
    page = min(max(page, 1), pages)
    return Paging(page, pages, total, (page - 1) * size + 1)


# --- the card ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionForm:
    """One outcome the step engine allows now to a role of the person: a form of its own."""

    id: str
    step: str
    outcome: str
    label: str
    needs_grounds: bool
    needs_signature: bool
    document: str | None  # the name of the result document the signature covers


def action_forms(
    engine: StepEngine, request: ProviderRequest, roles: Iterable[str], language: Language
) -> list[ActionForm]:
    """Exactly what ``engine.allowed`` offers now to ``roles``, each outcome a form."""
    mine = set(roles)
    definition = engine.definition
    names = Names(definition, language)
    forms: list[ActionForm] = []
    for allowed in engine.allowed(request.state):
        if allowed.role not in mine:
            continue
        for outcome in allowed.outcomes:
            result = documents.result_of(definition, request, allowed.step, outcome)
            forms.append(
                ActionForm(
                    id=f"action-{allowed.step}-{outcome}",
                    step=allowed.step,
                    outcome=outcome,
                    label=names.outcome(allowed.step, outcome),
                    needs_grounds=documents.needs_grounds(definition, allowed.step, outcome),
                    needs_signature=result is not None,
                    document=None if result is None else names.result(result[0].value),
                )
            )
    return forms


@dataclass(frozen=True)
class ExtensionForm:
    step: str
    label: str
    deadline: Moment
    maximum: Moment
    months: int
    clause: str


def extension_form(
    engine: StepEngine,
    request: ProviderRequest,
    roles: Iterable[str],
    now: datetime,
    zone: ZoneInfo,
    language: Language,
) -> ExtensionForm | None:
    """The current step's extension, where the act gives one (004: the archive search, up to
    six months), to the step's role, before its deadline: what ``StepEngine.extend`` takes."""
    current = request.state.current
    if current is None or current.role not in set(roles) or current.deadline is None:
        return None
    norm = engine.definition.step(current.step).norm
    if norm is None or norm.extension is None or now > current.deadline:
        return None
    maximum = engine.calendar.add_calendar_months(current.started_at, norm.extension.up_to_months)
    deadline = moment(current.deadline, zone)
    latest = moment(maximum, zone)
    if deadline is None or latest is None:
        return None
    return ExtensionForm(
        step=current.step,
        label=Names(engine.definition, language).step(current.step),
        deadline=deadline,
        maximum=latest,
        months=norm.extension.up_to_months,
        clause=clause(norm.extension.source.clause, language),
    )


@dataclass(frozen=True)
class DocumentRow:
    title: str  # what the definition calls the document
    name: str | None  # the file's name
    media_type: str | None
    size: int | None  # bytes (electronic)
    pages: int | None  # pages (a paper scan)
    sha256: str | None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def document_rows(
    request: ProviderRequest, definition: Definition, language: Language
) -> list[DocumentRow]:
    names = Names(definition, language)
    rows = []
    for doc in request.origin.documents:
        code = str(doc.get("code", ""))
        rows.append(
            DocumentRow(
                title=names.document(code),
                name=None if doc.get("name") is None else str(doc["name"]),
                media_type=None if doc.get("media_type") is None else str(doc["media_type"]),
                size=_int(doc.get("size")),
                pages=_int(doc.get("pages")),
                sha256=None if doc.get("sha256") is None else str(doc["sha256"]),
            )
        )
    return rows


def form_rows(
    form: Mapping[str, Any], definition: Definition, language: Language
) -> list[tuple[str, str]]:
    """The application's fields with the definition's labels; an IIN/BIN masked as the
    applicant is (the card shows no full identifier)."""
    rows = []
    for spec in definition.form:
        if spec.name not in form:
            continue
        value = str(form[spec.name])
        if spec.type is FieldType.IIN_BIN:
            value = mask_iin(value)
        elif spec.type is FieldType.ENUM:
            value = choice(value, language)
        rows.append((localized(spec.label, language), value))
    return rows


@dataclass(frozen=True)
class HistoryRow:
    type: str  # the event type without its version: the text key's tail
    at: Moment | None
    actor: str
    role: str
    step: str
    outcome: str
    status: str | None


def history_rows(
    history: Sequence[Mapping[str, Any]],
    definition: Definition,
    roster: Mapping[str, StaffMember],
    language: Language,
    zone: ZoneInfo,
) -> list[HistoryRow]:
    """The API's history (``provider_svc.views.history_of``), a staff member named from the
    roster beside their IIN."""
    names = Names(definition, language)
    rows = []
    for event in history:
        actor = str(event.get("actor") or "")
        member = roster.get(actor)
        step = event.get("step")
        rows.append(
            HistoryRow(
                type=str(event["type"]).rsplit(".v", 1)[0],
                at=moment(event.get("at"), zone),
                actor=f"{member.name} ({actor})" if member is not None else actor,
                role=names.role(event.get("role")),
                step=names.step(step),
                outcome=names.outcome(step, event.get("outcome")),
                status=event.get("status"),
            )
        )
    return rows
