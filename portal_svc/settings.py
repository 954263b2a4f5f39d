"""Settings of the portal service: the shared ``EGOV_*`` ones plus ``EGOV_PORTAL_*``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings, password_from_file


class PortalSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_PORTAL_")

    service: ClassVar[str] = "portal"

    port: int = Field(8081, ge=1, le=65535, description="HTTP port of portal (ЭҮП)")
    trust_anchors: Path | None = Field(
        None,
        description="PEM file of the trusted root certificates (НУЦ); unset = the portal's "
        "own routes are not served (nothing could be verified)",
    )
    key_file: Path | None = Field(
        None, description="the portal's PKCS#12 key file (signs envelopes to the gateway)"
    )
    key_password: SecretStr | None = Field(None, description="password of the key file")
    key_password_file: Path | None = Field(
        None,
        description="file holding that password instead (egov provision writes one); set "
        "this or EGOV_PORTAL_KEY_PASSWORD, not both",
    )
    ocsp_max_age_s: int = Field(
        60,
        ge=10,
        le=3600,
        description="how old an OCSP answer may be, fetched or reused; condition 2 checks "
        "revocation when the request is signed, so a revocation must count soon",
    )
    psc_key_dir: Path | None = Field(
        None,
        description="directory of the PSC desks' key files, <desk>.p12 (e.g. psc.astana.p12), "
        "opened with the key password; unset = no desk is served",
    )
    gateway_url: str = Field(
        "http://127.0.0.1:8082", description="the gateway's HTTP address (registry look-ups)"
    )
    attachments_dir: Path = Field(
        Path("var/portal/attachments"), description="content-addressed store of attachments"
    )
    max_attachment_bytes: int = Field(
        10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024, description="largest attachment"
    )
    argon2_memory_kib: int = Field(
        65536, ge=1024, le=4 * 1024 * 1024, description="Argon2id memory cost of a password hash"
    )
    argon2_time_cost: int = Field(3, ge=1, le=20, description="Argon2id passes")
    public_url: str = Field(
        "http://127.0.0.1:8081",
        description="the portal's public address (the result PDF's QR code links here)",
    )
    simulated_date: date | None = Field(
        None,
        description="the day the portal takes as today (catalog, deadlines, records), running "
        "at real speed from 09:00 Almaty; the seeds' regulations were in force 2012-2020; "
        "unset = the real date",
    )
    session_minutes: int = Field(30, ge=1, le=24 * 60, description="session lifetime")
    anonymous_per_address: int = Field(
        60,
        ge=1,
        le=100_000,
        description="calls per minute one client address may make to the anonymous routes "
        "together (registration, GET /auth/challenge, the two logins); beyond: 429 with "
        "Retry-After",
    )
    anonymous_per_iin: int = Field(
        10,
        ge=1,
        le=100_000,
        description="registration and login calls per minute naming one IIN, from anywhere",
    )
    address_free_failures: int = Field(
        10,
        ge=1,
        le=1000,
        description="failed logins from one client address before each further attempt waits "
        "1 s x 2^(n - this), at most 15 minutes (429 login_throttled)",
    )
    auth_memory_keys: int = Field(
        10_000,
        ge=100,
        le=1_000_000,
        description="how many client addresses, IINs and open login challenges the portal's "
        "in-memory counters hold (the least recently used are forgotten first)",
    )
    stream_heartbeat_s: float = Field(
        15.0,
        gt=0,
        le=15,
        description="seconds without an event after which the cabinet's live stream "
        "(GET /cabinet/stream, SSE) sends a ': keep-alive' comment; at most 15",
    )

    @model_validator(mode="after")
    def _key_password_from_file(self) -> Self:
        password_from_file(self)
        return self
