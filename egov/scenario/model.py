"""The scenario file format (YAML): who takes part, what they do, what must come of it.

The models below are the format's single definition: the loader validates files with them and
``scenarios/schema.json`` is generated from them (``egov scenario schema``; a test fails when the
file drifts). Every model forbids unknown keys, so a typo is an error, not a silent default.

A step and an expectation are one-key mappings (``- submit: {...}``, ``- statuses: {...}``): the
key says what it is, and errors name it (``steps[2].submit.channel``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from shared.ids import IdError, parse_bin, parse_iin

SCENARIO_ID = r"^[a-z0-9][a-z0-9_.@-]{0,119}$"
ACTOR_ID = r"^[a-z][a-z0-9_]{0,39}$"
ALMATY = ZoneInfo("Asia/Almaty")  # the calendar's zone (shared.calendar.KzCalendar)
SERVICES = ("portal", "gateway", "elicense", "registry", "provider")
# Steps after which the topology is not the same for everyone: the clock moved, a service
# stopped. A scenario with one of them runs alone.
EXCLUSIVE_STEPS = frozenset({"advance", "stop", "start"})


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _iin(value: str | None) -> str | None:
    if value is not None:
        try:
            parse_iin(value)
        except IdError as exc:
            raise ValueError(f"not a valid IIN: {exc}") from None
    return value


def _bin(value: str | None) -> str | None:
    if value is not None:
        try:
            parse_bin(value)
        except IdError as exc:
            raise ValueError(f"not a valid BIN: {exc}") from None
    return value


def _name(value: str) -> str:
    if not 2 <= len(value.split()) <= 3:
        raise ValueError(f"a name is 'SURNAME GIVEN-NAME [PATRONYMIC]', got {value!r}")
    return value


# --- actors ------------------------------------------------------------------------------------


class _Person(_M):
    iin: str | None = Field(
        None, description="12 digits with a valid check digit; unset = one made for this run"
    )
    name: str = Field("Testova Aigerim", description="'SURNAME GIVEN-NAME [PATRONYMIC]'")

    _check_iin = field_validator("iin")(_iin)
    _check_name = field_validator("name")(_name)


class ApplicantActor(_Person):
    """An individual, or a legal entity's signer when ``bin`` is set. Their certificate is
    issued by the topology's НУЦ when the scenario starts."""

    kind: Literal["applicant"]
    legal_entity: bool = Field(
        False, description="applies as a legal entity's head (BIN: ``bin``, or one made up)"
    )
    bin: str | None = Field(None, description="the legal entity's BIN (implies legal_entity)")
    organization: str = Field("Scenario LLP", description="the legal entity's name")
    in_registry: bool = Field(
        True, description="put in ГБД ФЛ (and the entity in ГБД ЮЛ) first; false = unknown there"
    )
    password: str = Field("Qazaqstan-2019", min_length=8, description="the portal password")

    _check_bin = field_validator("bin")(_bin)


class PscOperatorActor(_Person):
    """A Public Service Center operator: a certificate with the center's BIN."""

    kind: Literal["psc_operator"]
    desk: Literal["psc.astana", "psc.almaty"] = "psc.astana"


class ProviderStaffActor(_Person):
    """A member of a provider workstation's staff, appointed to its roster for the run."""

    kind: Literal["provider_staff"]
    workstation: str = Field(pattern=r"^provider\.[a-z_]+\.[a-z_]+$")
    roles: tuple[str, ...] = Field(min_length=1)


class ElicenseStaffActor(_Person):
    """A member of a provider's staff in E-licensing's directory."""

    kind: Literal["elicense_staff"]
    provider: str = Field(pattern=r"^provider\.[a-z_]+\.[a-z_]+$")
    roles: tuple[str, ...] = Field(min_length=1)


Actor = Annotated[
    ApplicantActor | PscOperatorActor | ProviderStaffActor | ElicenseStaffActor,
    Field(discriminator="kind"),
]
STAFF_KINDS = ("provider_staff", "elicense_staff")


# --- steps -------------------------------------------------------------------------------------


class Channel(StrEnum):
    PORTAL = "portal"
    PSC = "psc"
    PROVIDER_OFFICE = "provider_office"


class AttachmentSpec(_M):
    code: str = Field(description="a required document code of the version")
    name: str = "scan.pdf"
    media_type: Literal["application/pdf", "image/jpeg", "image/png"] = "application/pdf"
    content: str = Field("%PDF-1.4 scenario scan", description="the file's text")


class Grounds(_M):
    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)


class ActorRef(_M):
    actor: str = Field(pattern=ACTOR_ID)


class Submit(_M):
    """File a request for ``service``; the version is the one in force on the simulated date."""

    actor: str = Field(
        pattern=ACTOR_ID,
        description="who files it: the applicant (portal), a PSC operator (psc) or staff "
        "(provider_office)",
    )
    service: str = Field(min_length=1, description="service code, e.g. cultural_values_export")
    channel: Channel = Channel.PORTAL
    applicant: str | None = Field(
        None, pattern=ACTOR_ID, description="whose request (psc, provider_office); portal: actor"
    )
    form: dict[str, Any] = Field(default_factory=dict)
    attachments: list[AttachmentSpec] | None = Field(
        None, description="unset = a scan for every required document of the version"
    )
    signed_by: str | None = Field(
        None, pattern=ACTOR_ID, description="whose key signs the request (default: the filer's)"
    )
    request: str = Field("request", pattern=ACTOR_ID, description="the name later steps use")
    refused: str | None = Field(
        None, description="the submission must be refused at once with this code"
    )
    request_id: str | None = Field(
        None, description="E-licensing office intake: the request id (unset = one made up)"
    )


class Act(_M):
    """A staff member finishes ``step`` with ``outcome`` (the runner waits until it is offered;
    a result is signed with the member's key when the service asks for it)."""

    actor: str = Field(pattern=ACTOR_ID)
    request: str = Field("request", pattern=ACTOR_ID)
    step: str
    outcome: str
    grounds: Grounds | None = Field(None, description="refusal grounds (provider workstations)")
    refused: str | None = Field(None, description="the action must be refused with this code")


class HandOut(_M):
    """The PSC operator hands the result out (004 p.7 process 8)."""

    actor: str = Field(pattern=ACTOR_ID)
    request: str = Field("request", pattern=ACTOR_ID)
    how: Literal["in_person", "email"] = "in_person"
    email: str | None = None


class Wait(_M):
    """Wait until ``status`` shows for the request (where its applicant sees statuses)."""

    request: str = Field("request", pattern=ACTOR_ID)
    status: str
    timeout_s: float = Field(30.0, gt=0, le=600)


class Advance(_M):
    """Move the simulated clock forward (every service): by working days (Kazakhstan's
    calendar, from the current simulated instant), calendar days, hours, or to an instant."""

    working_days: int | None = Field(None, ge=1, le=400)
    calendar_days: int | None = Field(None, ge=1, le=800)
    hours: float | None = Field(None, gt=0, le=24 * 800)
    to: datetime | None = None

    @model_validator(mode="after")
    def _one(self) -> Advance:
        given = [
            k
            for k in ("working_days", "calendar_days", "hours", "to")
            if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of working_days, calendar_days, hours, to"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.to is not None and self.to.tzinfo is None:
            raise ValueError("'to' needs a UTC offset, e.g. 2019-11-20T09:00:00+06:00")
        return self


class Revoke(_M):
    """The НУЦ revokes the actor's certificate."""

    actor: str = Field(pattern=ACTOR_ID)
    reason: str = "keyCompromise"


class ServiceRef(_M):
    service: Literal["portal", "gateway", "elicense", "registry", "provider"]


class Register(ActorRef):
    """The applicant registers at the portal (EDS proof of the certificate, a password)."""

    refused: str | None = Field(None, description="registration must be refused with this code")


class Login(ActorRef):
    """The applicant logs in with the password."""


def _step_key(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    if isinstance(value, BaseModel):
        return step_kind(value)
    return None


class RegisterStep(_M):
    # ``register`` would shadow BaseModel's ABC method: the YAML key is the alias.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    register_: Register = Field(alias="register")


class LoginStep(_M):
    login: Login


class SubmitStep(_M):
    submit: Submit


class ActStep(_M):
    act: Act


class HandOutStep(_M):
    hand_out: HandOut


class WaitStep(_M):
    wait: Wait


class AdvanceStep(_M):
    advance: Advance


class RevokeStep(_M):
    revoke: Revoke


class StopStep(_M):
    stop: ServiceRef


class StartStep(_M):
    start: ServiceRef


Step = Annotated[
    Annotated[RegisterStep, Tag("register")]
    | Annotated[LoginStep, Tag("login")]
    | Annotated[SubmitStep, Tag("submit")]
    | Annotated[ActStep, Tag("act")]
    | Annotated[HandOutStep, Tag("hand_out")]
    | Annotated[WaitStep, Tag("wait")]
    | Annotated[AdvanceStep, Tag("advance")]
    | Annotated[RevokeStep, Tag("revoke")]
    | Annotated[StopStep, Tag("stop")]
    | Annotated[StartStep, Tag("start")],
    Discriminator(
        _step_key,
        custom_error_type="unknown_step",
        custom_error_message="a step is one of register, login, submit, act, hand_out, wait, "
        "advance, revoke, stop, start, written as a one-key mapping",
    ),
]


def step_kind(step: BaseModel) -> str:
    """The key of a one-key step or expectation (``submit``, ``statuses``, ...)."""
    name, field = next(iter(type(step).model_fields.items()))
    return field.alias or name


def step_body(step: BaseModel) -> BaseModel:
    body = getattr(step, next(iter(type(step).model_fields)))
    assert isinstance(body, BaseModel)  # noqa: S101 - every wrapper holds one model
    return body


# --- expectations ------------------------------------------------------------------------------


class StatusSource(StrEnum):
    AUTO = "auto"  # where the applicant sees them: cabinet (portal), desk (psc), gateway (office)
    CABINET = "cabinet"
    DESK = "desk"
    GATEWAY = "gateway"  # the status notifications in the gateway's log, in their seq order


class Statuses(_M):
    request: str = Field("request", pattern=ACTOR_ID)
    in_order: list[str] | None = Field(None, description="these appear, in this order")
    exactly: list[str] | None = Field(None, description="the whole history is this")
    seen_by: StatusSource = StatusSource.AUTO

    @model_validator(mode="after")
    def _one(self) -> Statuses:
        if (self.in_order is None) == (self.exactly is None):
            raise ValueError("give exactly one of in_order, exactly")
        return self


class Event(_M):
    """A message of ``type`` in the request's journey through the gateway whose envelope has
    ``fields`` (dotted paths into the envelope, e.g. ``body.status``)."""

    request: str = Field("request", pattern=ACTOR_ID)
    type: str
    fields: dict[str, Any] = Field(default_factory=dict)
    count: int | None = Field(None, ge=0, description="exactly this many (unset: at least one)")


class Result(_M):
    request: str = Field("request", pattern=ACTOR_ID)
    kind: str | None = Field(None, description="the result document's kind; null = no result")


class Refusal(_M):
    request: str = Field("request", pattern=ACTOR_ID)
    code: str | None = Field(None, description="the refusal code; null = not refused")


class Deadline(_M):
    request: str = Field("request", pattern=ACTOR_ID)
    overdue: bool = Field(description="false: every deadline met; true: reported overdue")
    which: Literal["any", "step", "request"] = "any"


class Version(_M):
    request: str = Field("request", pattern=ACTOR_ID)
    version: str


class LogRecord(_M):
    model_config = ConfigDict(extra="allow", frozen=True)

    record: str | None = Field(None, description="MessageAccepted.v1, DeliveryStateChanged.v1, ...")


class GatewayLog(_M):
    """Each listed record is in the request's trace (fields compared as given)."""

    request: str = Field("request", pattern=ACTOR_ID)
    records: list[LogRecord] = Field(min_length=1)


class StatusesExpectation(_M):
    statuses: Statuses


class EventExpectation(_M):
    event: Event


class ResultExpectation(_M):
    result: Result


class RefusalExpectation(_M):
    refusal: Refusal


class DeadlineExpectation(_M):
    deadline: Deadline


class VersionExpectation(_M):
    version: Version


class GatewayLogExpectation(_M):
    gateway_log: GatewayLog


Expectation = Annotated[
    Annotated[StatusesExpectation, Tag("statuses")]
    | Annotated[EventExpectation, Tag("event")]
    | Annotated[ResultExpectation, Tag("result")]
    | Annotated[RefusalExpectation, Tag("refusal")]
    | Annotated[DeadlineExpectation, Tag("deadline")]
    | Annotated[VersionExpectation, Tag("version")]
    | Annotated[GatewayLogExpectation, Tag("gateway_log")],
    Discriminator(
        _step_key,
        custom_error_type="unknown_expectation",
        custom_error_message="an expectation is one of statuses, event, result, refusal, "
        "deadline, version, gateway_log, written as a one-key mapping",
    ),
]


# --- the scenario ------------------------------------------------------------------------------


class Scenario(_M):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="egov-sim scenario",
        json_schema_extra={"$id": "https://egov-sim.example/scenarios/schema.json"},
    )

    scenario: str = Field(pattern=SCENARIO_ID, description="the scenario's id, unique")
    title: str = Field(min_length=1)
    description: str = ""
    start: datetime | date | None = Field(
        None,
        description="simulated instant the scenario starts at (a date means 09:00 Almaty); "
        "unset = whatever the topology's clock says",
    )
    tags: list[str] = Field(default_factory=list)
    timeout_s: float = Field(30.0, gt=0, le=600, description="longest wait for one thing")
    actors: dict[Annotated[str, Field(pattern=ACTOR_ID)], Actor] = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)
    expect: list[Expectation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems: list[str] = []
        requests: set[str] = set()
        for index, step in enumerate(self.steps):
            kind, body = step_kind(step), step_body(step)
            where = f"steps[{index}].{kind}"
            for field in ("actor", "applicant", "signed_by"):
                name = getattr(body, field, None)
                if name is not None and name not in self.actors:
                    problems.append(f"{where}.{field}: no actor {name!r} in actors")
            if isinstance(body, Submit):
                requests.add(body.request)
            elif hasattr(body, "request") and body.request not in requests:
                problems.append(
                    f"{where}.request: {body.request!r} is not filed by an earlier submit step"
                )
            problems += _roles(where, kind, body, self.actors)
        for index, expectation in enumerate(self.expect):
            kind, body = step_kind(expectation), step_body(expectation)
            request = getattr(body, "request", None)
            if request not in requests:
                problems.append(
                    f"expect[{index}].{kind}.request: {request!r} is not filed by any submit step"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def exclusive(self) -> bool:
        """It moves the clock or stops a service: it must run alone."""
        return any(step_kind(s) in EXCLUSIVE_STEPS for s in self.steps)

    def start_instant(self) -> datetime | None:
        if self.start is None or isinstance(self.start, datetime):
            return self.start
        return datetime.combine(self.start, time(9, 0), tzinfo=ALMATY)


_ACTOR_KIND_FOR = {
    "register": ("applicant",),
    "login": ("applicant",),
    "revoke": ("applicant", "psc_operator", "provider_staff", "elicense_staff"),
    "act": STAFF_KINDS,
    "hand_out": ("psc_operator",),
}
_FILER_FOR = {
    Channel.PORTAL: ("applicant",),
    Channel.PSC: ("psc_operator",),
    Channel.PROVIDER_OFFICE: STAFF_KINDS,
}


def _roles(where: str, kind: str, body: BaseModel, actors: dict[str, Any]) -> list[str]:
    """An actor used in a step it cannot take (an applicant acting as staff, ...)."""
    problems: list[str] = []
    actor = actors.get(getattr(body, "actor", "") or "")
    if actor is None:
        return problems
    wanted = _FILER_FOR[body.channel] if isinstance(body, Submit) else _ACTOR_KIND_FOR.get(kind)
    if wanted is not None and actor.kind not in wanted:
        what = f"{kind} through {body.channel.value}" if isinstance(body, Submit) else kind
        problems.append(f"{where}.actor: {what} is done by {' or '.join(wanted)}, not {actor.kind}")
    if isinstance(body, Submit) and body.channel is not Channel.PORTAL:
        applicant = actors.get(body.applicant or "")
        if applicant is None or applicant.kind != "applicant":
            problems.append(f"{where}.applicant: name the applicant actor whose request it is")
    return problems


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
