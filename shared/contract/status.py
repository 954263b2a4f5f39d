"""Bodies of status notifications, as published on ``egov.status``.

``status.changed.v2`` (:data:`STATUS_TYPE`, what both producers send): one body,
:class:`StatusChanged`, from a provider workstation and from E-licensing alike, numbered per
request (``seq``, 1, 2, ... without gaps) by its sender, so a receiver orders the statuses of one
instant and never lets a late, lower number overwrite a higher one.

``status.changed.v1`` (:data:`STATUS_TYPE_V1`, older events still in logs and queues): the two
systems' bodies differed; a v1 body is exactly one of:

* :class:`WorkstationStatus`: from a provider workstation (``provider.<region>.<dept>``);
  numbered per request (``seq``), with the applicant masked.
* :class:`ElicenseStatus`: from E-licensing, about a request it keeps.
* :class:`PermitStatus`: from E-licensing, about a permit it issued (003 p.5.3).

All three carry ``status``, ``request_id`` and ``at``. The models forbid unknown fields, so a
producer adding one changes the contract visibly: the generated schemas drift and the contract
tests fail until the new field is described (and, if it breaks consumers, the type's version
bumped).
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

from shared.regulation.model import Identifier, VersionId

STATUS_TYPE_V1: Final = "status.changed.v1"
STATUS_TYPE: Final = "status.changed.v2"
STATUS_TYPES: Final = (STATUS_TYPE_V1, STATUS_TYPE)

# v1's statuses, frozen as v1 published them: the regulation definitions' step statuses of
# the time plus those the services decide themselves. v2 takes the step statuses from the
# definitions (data): its ``status`` is any identifier here, and egov.contract writes the
# vocabulary (the definitions' statuses plus SERVICE_STATUSES) into the published schema.
StepStatus = Literal[
    "registered",
    "in_progress",
    "under_review",
    "result_forming",
    "signing",
    "completed",
    "refused",
]
RequestStatus = Literal[StepStatus, "overdue"]
ElicenseOnlyStatus = Literal["awaiting_registry", "registry_not_found"]
ElicenseRequestStatus = Literal[RequestStatus, ElicenseOnlyStatus]
PermitStatusName = Literal[
    "permit_reissued", "permit_suspended", "permit_resumed", "permit_terminated"
]

STEP_STATUSES: Final[tuple[str, ...]] = get_args(StepStatus)
OVERDUE: Final = "overdue"
ELICENSE_STATUSES: Final[tuple[str, ...]] = get_args(ElicenseOnlyStatus)
PERMIT_STATUSES: Final[tuple[str, ...]] = get_args(PermitStatusName)
REQUEST_STATUSES: Final[tuple[str, ...]] = get_args(RequestStatus)
ALL_STATUSES: Final = (*REQUEST_STATUSES, *ELICENSE_STATUSES, *PERMIT_STATUSES)
# Statuses the services decide themselves, whatever the definitions name their steps' statuses.
SERVICE_STATUSES: Final = (OVERDUE, *ELICENSE_STATUSES, *PERMIT_STATUSES)

RequestId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="the request's id; equals the envelope's correlation_id",
    ),
]
# 12 digits shown as the first two and the last four: 88******0411 (public exchange).
MaskedIin = Annotated[
    str,
    Field(
        pattern=r"^([0-9]{2}\*{6}[0-9]{4}|\*+)$",
        description="the applicant's IIN/BIN masked: first two and last four digits",
    ),
]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Localized(_Body):
    """A text in Kazakh and Russian (the regulations' languages), English where given."""

    kk: str
    ru: str
    en: str | None = None


class ResultRef(_Body):
    """The signed result document a final status refers to (the document itself goes to the
    applicant only, never to the public exchange)."""

    kind: Identifier = Field(description="result type of the regulation, e.g. 'certificate'")
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the document's RFC 8785 JSON"
    )
    signed_by: str = Field(min_length=1, description="subject of the signer's certificate")


class Refusal(_Body):
    code: str | None = Field(description="the regulation's refusal ground code")
    grounds: Localized | None = Field(description="the grounds as recorded, in kk and ru")


class WorkstationStatus(_Body):
    """A provider workstation's (ЭҮӨШ АЖО) notification about one request."""

    request_id: RequestId
    seq: int = Field(
        ge=1,
        description="1, 2, ... per request: orders notifications of one instant, shows a gap",
    )
    status: RequestStatus
    step: Identifier | None = Field(description="the step now in work (None once finished)")
    step_deadline: AwareDatetime | None = Field(description="when the current step is due")
    request_deadline: AwareDatetime = Field(description="when the whole request is due")
    version: VersionId = Field(description="version of the regulation followed")
    channel: Literal["portal", "elicense_portal", "provider_office", "psc"]
    applicant: MaskedIin
    at: AwareDatetime = Field(description="when the status was reached (simulated time)")
    psc_desk: str | None = Field(
        None, description="the Public Service Center desk the request was filed at"
    )
    result: ResultRef | None = Field(None, description="on completed/refused with a document")
    refusal: Refusal | None = Field(None, description="on refused")
    overdue: Literal["step", "request"] | None = Field(None, description="on overdue")


class ElicenseStatus(_Body):
    """E-licensing's notification about a request it keeps."""

    status: ElicenseRequestStatus
    request_id: RequestId
    request_number: str | None = Field(description="E-licensing's number, once registered")
    service: Identifier = Field(description="the service code")
    version: VersionId = Field(description="version of the regulation followed")
    step: Identifier | None = Field(description="the step now in work (None once finished)")
    request_deadline: AwareDatetime
    at: AwareDatetime
    reason: str | None = Field(
        None, description="awaiting_registry / registry_not_found: why the registry check failed"
    )
    retry_at: AwareDatetime | None = Field(
        None, description="awaiting_registry: when the check is tried again"
    )
    message: Localized | None = Field(
        None, description="registry_not_found: the text shown to the applicant"
    )
    deadline: AwareDatetime | None = Field(None, description="overdue: the deadline missed")


class PermitStatus(_Body):
    """E-licensing's notification about a permit's life after issue (003 p.5.3)."""

    status: PermitStatusName
    permit_number: str = Field(min_length=1)
    permit_state: Literal["valid", "suspended", "terminated"]
    request_id: RequestId
    request_number: str | None
    reason: str
    at: AwareDatetime


StatusBodyV1 = WorkstationStatus | ElicenseStatus | PermitStatus

# An instant as the producers have always written it (``datetime.isoformat``: +00:00, not Z).
Instant = Annotated[AwareDatetime, PlainSerializer(lambda d: d.isoformat(), return_type=str)]


class PermitRef(_Body):
    """The permit a permit status is about (003 p.5.3)."""

    number: str = Field(min_length=1)
    state: Literal["valid", "suspended", "terminated"]
    reason: str = Field(description="why it was reissued, suspended, resumed or terminated")


class StatusChanged(_Body):
    """A ``status.changed.v2`` body: a request reached a status (or its permit changed), from
    a provider workstation (ЭҮӨШ АЖО) or E-licensing."""

    request_id: RequestId
    seq: int = Field(
        ge=1,
        description="1, 2, ... per request, without gaps, by its sender: orders the statuses "
        "of one instant and shows a missing one; a lower seq never replaces a higher one",
    )
    status: Identifier = Field(
        description="the status reached: a step status of the regulation definition, or one "
        "the services decide (overdue, awaiting_registry, registry_not_found, permit_*)"
    )
    step: Identifier | None = Field(description="the step now in work (None once finished)")
    step_deadline: Instant | None = Field(description="when the current step is due")
    request_deadline: Instant = Field(description="when the whole request is due")
    version: VersionId = Field(description="version of the regulation followed")
    channel: Literal["portal", "elicense_portal", "provider_office", "psc"]
    applicant: MaskedIin
    at: Instant = Field(description="when the status was reached (simulated time)")
    request_number: str | None = Field(None, description="E-licensing's number, once registered")
    psc_desk: str | None = Field(
        None, description="the Public Service Center desk the request was filed at"
    )
    result: ResultRef | None = Field(None, description="on completed/refused with a document")
    refusal: Refusal | None = Field(None, description="on refused")
    overdue: Literal["step", "request"] | None = Field(None, description="on overdue")
    deadline: Instant | None = Field(None, description="overdue: the deadline missed")
    reason: str | None = Field(
        None, description="awaiting_registry / registry_not_found: why the registry check failed"
    )
    retry_at: Instant | None = Field(
        None, description="awaiting_registry: when the check is tried again"
    )
    message: Localized | None = Field(
        None, description="registry_not_found: the text shown to the applicant"
    )
    permit: PermitRef | None = Field(None, description="permit_*: the permit and its state")

    def as_body(self) -> dict[str, Any]:
        """The JSON body a producer signs: every field it set, the unset optional ones left
        out (a v2 reader treats a missing optional field as None)."""
        return self.model_dump(mode="json", exclude_defaults=True)


StatusBody = StatusChanged


def mask_iin(iin: str) -> str:
    """Statuses are public (``egov.status``): the applicant appears masked, 88******0411."""
    return iin[:2] + "*" * 6 + iin[-4:] if len(iin) == 12 else "*" * len(iin)
