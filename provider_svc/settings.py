"""Settings of the provider service: the shared ``EGOV_*`` ones plus ``EGOV_PROVIDER_*``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings, password_from_file


class ProviderSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_PROVIDER_")

    service: ClassVar[str] = "provider"

    port: int = Field(8085, ge=1, le=65535, description="HTTP port of provider (ЭҮӨШ АЖО / ЖАО АЖ)")
    keys_dir: Path | None = Field(
        None,
        description="directory of the workstations' key files, <system id>.p12 each "
        "(egov pki issue system provider.almaty.culture ...); unset = no messages can be signed",
    )
    key_password: SecretStr | None = Field(None, description="password of those key files")
    key_password_file: Path | None = Field(
        None,
        description="file holding that password instead (egov provision writes one); set "
        "this or EGOV_PROVIDER_KEY_PASSWORD, not both",
    )
    simulated_date: date | None = Field(
        None,
        description="the day the workstations takes as today (which regulation is in force, "
        "deadlines, records), running at real speed from 09:00 Almaty; the seeds' regulations "
        "were in force 2012-2020; unset = the real date",
    )
    trust_anchors: Path | None = Field(
        None,
        description="PEM file of the НУЦ root(s) that staff and system certificates chain to; "
        "unset = every signature is refused",
    )
    gateway_url: str = Field(
        "http://127.0.0.1:8082",
        description="the gateway, for registry look-ups through POST /sync/registry.person",
    )
    http_timeout_s: float = Field(
        5.0, gt=0, le=120, description="timeout of the registry look-up and revocation calls"
    )

    @model_validator(mode="after")
    def _key_password_from_file(self) -> Self:
        password_from_file(self)
        return self
