"""Request and response bodies of registry_svc's HTTP API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.pki.keys import KeyAlgorithm
from shared.pki.profiles import EntityRole, KeyPurpose


class HolderKind(StrEnum):
    INDIVIDUAL = "individual"
    LEGAL_ENTITY = "legal_entity"
    SYSTEM = "system"


class IssueCertificate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: HolderKind
    purpose: KeyPurpose = KeyPurpose.SIGNING
    algorithm: KeyAlgorithm = KeyAlgorithm.ES256
    password: str = Field(min_length=1, description="protects the returned PKCS#12 file")
    iin: str | None = None
    surname: str | None = None
    given_name: str | None = None
    patronymic: str = ""
    bin: str | None = None
    organization: str | None = None
    role: EntityRole | None = None
    system_id: str | None = None
    reissue: bool = Field(
        False,
        description="a system that still has a valid certificate gets a new key only when "
        "this is true (recorded in the issuance event); otherwise 409 system_certificate_valid",
    )


class IssuedCertificateOut(BaseModel):
    serial: str
    subject: str
    certificate_pem: str
    pkcs12_base64: str = Field(description="password-protected PKCS#12 with key and chain")


class CertificateStatusOut(BaseModel):
    serial: str
    subject: str
    iin: str | None
    bin: str | None
    holder_kind: str
    role: str | None
    purpose: str
    not_before: datetime
    not_after: datetime
    status: str = Field(description="good or revoked")
    revoked_at: datetime | None = None
    revocation_reason: str | None = None


class RevokeCertificate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        "unspecified", description="RFC 5280 reason, e.g. keyCompromise, superseded"
    )
