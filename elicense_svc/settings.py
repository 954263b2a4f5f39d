"""Settings of the elicense service: the shared ``EGOV_*`` ones plus ``EGOV_ELICENSE_*``."""

# ruff: noqa: RUF001 - the Kazakh and Russian names are Cyrillic on purpose

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings, password_from_file

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "directory.yaml"


class ElicenseSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_ELICENSE_")

    service: ClassVar[str] = "elicense"

    port: int = Field(
        8083, ge=1, le=65535, description="HTTP port of elicense («Е-лицензиялау» МДБ)"
    )
    gateway_url: str = Field(
        "http://127.0.0.1:8082", description="the gateway's HTTP base URL (sync channel)"
    )
    key_file: Path | None = Field(
        None,
        description="elicense's PKCS#12 system key file (signs envelopes and sync requests); "
        "unset = the service serves /health only and processes nothing",
    )
    key_password: SecretStr | None = Field(None, description="password of the key file")
    key_password_file: Path | None = Field(
        None,
        description="file holding that password instead (egov provision writes one); set "
        "this or EGOV_ELICENSE_KEY_PASSWORD, not both",
    )
    simulated_date: date | None = Field(
        None,
        description="the day E-licensing takes as today (which regulation is in force, "
        "deadlines, records), running at real speed from 09:00 Almaty; the seeds' regulations "
        "were in force 2012-2020; unset = the real date",
    )
    trust_anchors: Path | None = Field(
        None, description="PEM file of the trusted root certificates (НУЦ)"
    )
    # None rather than the shipped file's path: a default must not depend on where the
    # checkout lies (the settings table in docs/runtime.md is generated from these fields).
    directory_file: Path | None = Field(
        None,
        description="providers and staff (IIN, provider, roles), YAML; unset = the shipped "
        "elicense_svc/directory.yaml",
    )
    registry_retry_base_s: float = Field(
        30.0, gt=0, le=3600, description="first wait before asking an unreachable registry again"
    )
    registry_retry_max_s: float = Field(
        3600.0, gt=0, le=86400, description="longest wait between registry attempts"
    )
    sync_timeout_s: float = Field(
        10.0, gt=0, le=120, description="timeout of one registry look-up through the gateway"
    )
    public_per_address: int = Field(
        60,
        ge=1,
        le=100_000,
        description="public permit checks (GET /permits/{number}) per minute from one client "
        "address; beyond: 429 with Retry-After",
    )
    public_memory_keys: int = Field(
        10_000,
        ge=100,
        le=1_000_000,
        description="how many client addresses the public check's in-memory counter holds",
    )

    def resolved_directory_file(self) -> Path:
        return self.directory_file if self.directory_file is not None else DEFAULT_DIRECTORY

    @model_validator(mode="after")
    def _key_password_from_file(self) -> Self:
        password_from_file(self)
        return self
