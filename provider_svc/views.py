"""Shapes of the HTTP API (pydantic v2): what staff send and what they see."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Grounds(_In):
    """The grounds of a refusal, in Kazakh and Russian (001 p.3: a reasoned answer)."""

    kk: str = Field(min_length=1, max_length=4000)
    ru: str = Field(min_length=1, max_length=4000)


class ActionIn(_In):
    step: str = Field(min_length=1, max_length=64)
    outcome: str = Field(min_length=1, max_length=64)
    grounds: Grounds | None = None
    document_signature: str | None = Field(
        default=None,
        description="the signer's signature over the draft (POST .../draft): a detached JWS, "
        "or a CMS as NCALayer makes it (PEM or base64 DER)",
    )


class ExtensionIn(_In):
    step: str = Field(min_length=1, max_length=64)
    until: date = Field(description="the step's new last day (local); at most the act's maximum")
    reason: str = Field(min_length=1, max_length=1000, description="why more time is needed")


class DraftIn(_In):
    outcome: str = Field(min_length=1, max_length=64)
    grounds: Grounds | None = None


class ScannedDocument(_In):
    code: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=500)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="hash of the scan")
    pages: int | None = Field(default=None, ge=1, le=10_000)


class PaperApplicationIn(_In):
    """A paper application taken at the office (000 appendix 1, 004 diagram 1)."""

    service: str = Field(min_length=1, max_length=64, description="code or DIGEST letter")
    applicant_iin: str = Field(pattern=r"^[0-9]{12}$")
    form: dict[str, Any] = Field(default_factory=dict)
    documents: list[ScannedDocument] = Field(default_factory=list, max_length=100)


class RequestOut(BaseModel):
    request_id: str
    workstation: str
    service: str
    version: str
    channel: str
    status: str
    step: str | None
    role: str | None
    step_deadline: str | None
    request_deadline: str
    finished: str | None
    refusal: str | None
    allowed: list[dict[str, Any]]
    result: dict[str, Any] | None
    history: list[dict[str, Any]]
