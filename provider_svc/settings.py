"""Settings of the provider service: the shared ``EGOV_*`` ones plus ``EGOV_PROVIDER_*``."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings


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
