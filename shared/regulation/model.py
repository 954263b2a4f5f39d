# ruff: noqa: RUF001, RUF003  -- Kazakh/Russian terms of the acts are quoted on purpose
"""The definition format: one regulation of one state service, as the act approved it.

A definition is data, not code: every rule the step engine, the portal and the diagrams follow is
here, with the clause of the act it comes from. Models are frozen and refuse unknown keys so a
typo in a YAML file is an error, not a silently ignored rule.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION: Literal[1] = 1

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
VersionId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*-[0-9]{4}$", max_length=40)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Model):
    """Where a fact comes from: ``clause`` like ``000 A p.8.3`` and, when the seed says it in so
    many words, the Kazakh ``quote`` (checked against the seed text by the test suite)."""

    clause: str = Field(min_length=1)
    quote: str | None = None


class Localized(_Model):
    """A name in the three product languages. The seeds are Kazakh only, so ``ru`` is normally
    our translation; ``ru_is_translation`` says so (the UI may mark it)."""

    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)
    ru_is_translation: bool = True


class NormUnit(StrEnum):
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"


class Extension(_Model):
    """How far staff may extend a step beyond its norm, when the act allows it (004: the
    archive search "жекелеген жағдайларда 6 айға дейін", in some cases up to 6 months). The
    maximum counts from the step's start; each extension states its reason."""

    up_to_months: int = Field(gt=0)
    source: Source


class Norm(_Model):
    """A time limit. ``amount`` is the limit the engine enforces; ``min_amount`` keeps the lower
    bound when the act gives a range (003: "10 - 15 сек", 004: "15 тен 30 күн"); ``extension``
    is the longer limit the act allows in some cases (004: up to 6 months), reached only by a
    staff action that extends the step."""

    amount: int = Field(gt=0)
    unit: NormUnit
    min_amount: int | None = Field(default=None, gt=0)
    at_most: bool = False  # "... артық емес": the act states a ceiling, not a duration
    extension: Extension | None = None
    source: Source

    @model_validator(mode="after")
    def _range_is_ordered(self) -> Norm:
        if self.min_amount is not None and self.min_amount > self.amount:
            raise ValueError(f"min_amount {self.min_amount} exceeds amount {self.amount}")
        return self

    def label(self) -> str:
        unit = {
            NormUnit.SECONDS: "s",
            NormUnit.MINUTES: "min",
            NormUnit.HOURS: "h",
            NormUnit.WORKING_DAYS: "working days",
            NormUnit.CALENDAR_DAYS: "calendar days",
        }[self.unit]
        low = f"{self.min_amount}–" if self.min_amount is not None else ""
        prefix = "≤ " if self.at_most else ""
        return f"{prefix}{low}{self.amount} {unit}"


class AlternativeTerm(_Model):
    """Another figure the act gives for the same term (kept so the inconsistency stays visible)."""

    norm: Norm
    note: str


class Term(_Model):
    """The whole request's term. ``norm`` is the figure the engine uses; ``why`` says why it was
    chosen over ``alternatives`` or how it was derived.

    ``from_steps``: the act sets no term for the whole service, only each action's time (004
    p.13), so the request is due when its steps, each taking its full norm one after another
    along the request's channel, would end; ``norm`` is then the longest action's figure,
    shown as the headline."""

    norm: Norm
    why: str = Field(min_length=1)
    alternatives: tuple[AlternativeTerm, ...] = ()
    from_steps: bool = False

    def label(self) -> str:
        if self.from_steps:
            return f"sum of the step norms (longest: {self.norm.label()})"
        return self.norm.label()


class ActRef(_Model):
    body: Localized
    number: str
    date: date


class Act(_Model):
    """The resolution that approved (or re-worded) this regulation."""

    body: Localized
    kind: Localized
    number: str
    date: date
    registration_number: str
    registration_date: dt.date
    title: Localized
    amends: ActRef | None = None  # 001, 002: the act re-words a regulation of an earlier act
    amendments: tuple[ActRef, ...] = ()
    repealed_by: tuple[ActRef, ...] = ()  # 001 names two repeal numbers (3/371 and 3/372)
    standard: Localized  # the service standard the regulation implements
    source: Source


class InForce(_Model):
    """Half-open period ``[from_, until)`` during which requests are taken under this version.

    The acts come into force on registration and are applied from publication (often "10 calendar
    days after first official publication"); publication dates are not in the seeds, so ``basis``
    states the assumption behind each bound."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    from_: date = Field(alias="from")
    until: date | None = None
    basis: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> InForce:
        if self.until is not None and self.until <= self.from_:
            raise ValueError(f"in_force.until {self.until} must be after from {self.from_}")
        return self

    def covers(self, day: date) -> bool:
        return self.from_ <= day and (self.until is None or day < self.until)


class Channel(StrEnum):
    PORTAL = "portal"  # ЭҮП / egov.kz
    ELICENSE_PORTAL = "elicense_portal"  # elicense.kz
    PROVIDER_OFFICE = "provider_office"  # paper at the provider (кеңсе)
    PSC = "psc"  # ХҚКО / ЦОН


class Route(StrEnum):
    ELICENSING = "elicensing"  # request registered in the E-licensing state database
    REGIONAL_GATEWAY = "regional_gateway"  # ЭҮШ → ЭҮӨШ АЖО (regional gateway workstation)


class Automation(StrEnum):
    PARTIAL = "partially_automated"
    FULL = "fully_automated"


class Provider(_Model):
    name: Localized
    region: Identifier
    region_name: Localized
    source: Source


class Fee(_Model):
    amount_kzt: int = Field(ge=0)
    source: Source


class FieldType(StrEnum):
    STRING = "string"
    TEXT = "text"
    IIN_BIN = "iin_bin"
    DATE = "date"
    INTEGER = "integer"
    ENUM = "enum"
    EMAIL = "email"


class FormField(_Model):
    name: Identifier
    label: Localized
    type: FieldType
    required: bool = True
    max_length: int | None = Field(default=None, gt=0)
    pattern: str | None = None
    choices: tuple[str, ...] = ()
    prefilled_from: Literal["registration", "certificate"] | None = None
    source: Source

    @model_validator(mode="after")
    def _choices_for_enum(self) -> FormField:
        if (self.type is FieldType.ENUM) != bool(self.choices):
            raise ValueError("choices are required for enum fields and only for them")
        return self


class RequiredDocument(_Model):
    code: Identifier
    name: Localized
    source: Source


class ResultKind(StrEnum):
    CERTIFICATE = "certificate"  # куәлік
    PERMIT = "permit"  # рұқсат
    APPROVAL = "approval"  # келісім
    CONCLUSION = "conclusion"  # қорытынды
    INFORMATIONAL_LETTER = "informational_letter"  # хабарлама-хат
    ARCHIVE_REFERENCE = "archive_reference"  # мұрағаттық анықтама
    REASONED_REFUSAL = "reasoned_refusal"  # дәлелді бас тарту


class ResultType(_Model):
    kind: ResultKind
    name: Localized
    signed_by_role: Identifier
    source: Source


class RefusalGround(_Model):
    """A named refusal outcome; ``code`` is what events carry (e.g. ``SUBJECT_MISMATCH``)."""

    code: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]
    name: Localized
    source: Source


class RoleKind(StrEnum):
    HUMAN = "human"  # norms in minutes/hours count working time
    SYSTEM = "system"  # an information system: runs round the clock
    APPLICANT = "applicant"


class Role(_Model):
    id: Identifier
    name: Localized
    kind: RoleKind
    source: Source


class System(_Model):
    """An information system of the functional interaction diagram (ЭҮП, ЭҮШ, ...)."""

    id: Identifier
    abbr: str  # the Kazakh abbreviation the acts use
    name: Localized


class Outcome(_Model):
    """What finishing a step can lead to: the next step, or the end with a result document
    and/or a refusal ground. ``channels`` and ``after`` guard when the outcome is allowed: only
    for requests taken through those channels, only after that earlier outcome was recorded
    (e.g. the head signs a certificate only if a certificate, not a refusal, was drafted)."""

    name: Identifier
    label: Localized
    next: Identifier | None = None
    result: ResultKind | None = None
    refusal: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")] | None = None
    status: Identifier  # the status reported when this outcome is recorded
    channels: tuple[Channel, ...] = ()
    after: Identifier | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Outcome:
        ends = self.result is not None or self.refusal is not None
        if (self.next is None) != ends:
            raise ValueError(
                f"outcome {self.name!r} needs either next, or an end (result and/or refusal)"
            )
        return self

    @property
    def terminal(self) -> bool:
        return self.next is None


class Entry(_Model):
    """The first step of a request taken through ``channel``."""

    channel: Channel
    step: Identifier


class Step(_Model):
    id: Identifier
    role: Identifier
    action: Localized
    norm: Norm | None = None  # None: the act gives no figure for this step
    status: Identifier  # reported when the step starts
    outcomes: tuple[Outcome, ...] = Field(min_length=1)
    source: Source


class TraceKind(StrEnum):
    PROCESS = "process"
    CONDITION = "condition"
    STEP = "step"


class TraceEntry(_Model):
    """One numbered process or condition of the act, and the event or check that records it.

    ``ref`` is e.g. ``001 p.10 condition 2``; ``records`` names the event (``StepCompleted.v1``)
    or the check (``SignatureRejected(SUBJECT_MISMATCH)``) in the simulator. ``sender`` and
    ``receiver`` are systems; they give the messages of the functional interaction diagram."""

    ref: str
    diagram: Identifier  # which interaction diagram of the act: portal, provider, psc
    kind: TraceKind
    number: int | None = Field(default=None, ge=1)
    text: Localized
    sender: Identifier
    receiver: Identifier | None = None
    records: str = Field(min_length=1)
    refusal: bool = False  # the message carries a refusal (drawn as a failed message)
    norm: Norm | None = None  # 003 appendix 1 times every numbered action of its diagrams
    source: Source


class StatusName(_Model):
    """What a status is called where the act names it (004 appendix 2: «түскен», «іске
    алынған», «қалыптастыруда», «аяқталды»); ``id`` is the status code events carry."""

    id: Identifier
    name: Localized
    source: Source


class Contact(_Model):
    """A telephone number the act gives the applicant for information on the service (000
    p.12, 003 p.10: the call centre 1414; 004 p.11: the provider's numbers and 1414)."""

    number: str = Field(min_length=1, max_length=40)
    label: Localized
    source: Source


class SurveyQuestion(_Model):
    id: Identifier
    text: Localized
    source: Source


class SurveyAnswer(_Model):
    value: int = Field(ge=1)
    text: Localized


class Survey(_Model):
    """The quality survey form of the act (003 appendix 3, 004 appendix 6), in its own words."""

    questions: tuple[SurveyQuestion, ...] = Field(min_length=1)
    answers: tuple[SurveyAnswer, ...] = Field(min_length=2)
    source: Source

    @model_validator(mode="after")
    def _unique(self) -> Survey:
        ids = [q.id for q in self.questions]
        values = [a.value for a in self.answers]
        if len(set(ids)) != len(ids) or len(set(values)) != len(values):
            raise ValueError("survey question ids and answer values must be unique")
        return self


class Definition(_Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    code: Identifier
    letter: Annotated[str, Field(pattern=r"^[A-Z]$")]  # the DIGEST's short name (A..E)
    version: VersionId
    name: Localized
    act: Act
    in_force: InForce
    provider: Provider
    channels: tuple[Channel, ...] = Field(min_length=1)
    route: Route
    automation: Automation
    service_type: Localized
    fee: Fee
    result_form: tuple[Literal["electronic", "paper"], ...] = Field(min_length=1)
    form: tuple[FormField, ...]
    required_documents: tuple[RequiredDocument, ...]
    results: tuple[ResultType, ...] = Field(min_length=1)
    refusal_grounds: tuple[RefusalGround, ...]
    roles: tuple[Role, ...] = Field(min_length=1)
    systems: tuple[System, ...]
    statuses: tuple[Identifier, ...] = Field(min_length=1)  # in the order a request meets them
    status_names: tuple[StatusName, ...] = ()  # the act's own names, where it gives them
    contacts: tuple[Contact, ...] = ()
    survey: Survey | None = None
    entries: tuple[Entry, ...] = Field(min_length=1)
    steps: tuple[Step, ...] = Field(min_length=1)
    term: Term
    trace: tuple[TraceEntry, ...]
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.code}@{self.version}"

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def entry_step(self, channel: Channel) -> Step:
        for entry in self.entries:
            if entry.channel == channel:
                return self.step(entry.step)
        raise KeyError(channel)

    def role(self, role_id: str) -> Role:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise KeyError(role_id)
