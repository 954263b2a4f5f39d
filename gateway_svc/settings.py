"""Settings of the gateway service: the shared ``EGOV_*`` ones plus ``EGOV_GATEWAY_*``."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from gateway_svc.rules import DEFAULT_RULES
from shared.config import ServiceSettings, password_from_file


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_GATEWAY_")

    service: ClassVar[str] = "gateway"

    port: int = Field(8082, ge=1, le=65535, description="HTTP port of gateway (ЭҮШ/ЭҮАШ)")
    rules_file: Path | None = Field(
        None,
        description="access rules and routes (versioned YAML, reloadable); unset = the rules "
        "shipped with the gateway (gateway_svc/rules.yaml)",
    )

    def resolved_rules_file(self) -> Path:
        return self.rules_file if self.rules_file is not None else DEFAULT_RULES

    trust_anchors: Path | None = Field(
        None,
        description="PEM file of the trusted root certificates (НУЦ); unset = every message is "
        "refused with UNTRUSTED_CHAIN (fail closed)",
    )
    key_file: Path | None = Field(
        None, description="the gateway's own PKCS#12 key file (checked by /health)"
    )
    key_password: SecretStr | None = Field(None, description="password of the key file")
    key_password_file: Path | None = Field(
        None,
        description="file holding that password instead (egov provision writes one); set "
        "this or EGOV_GATEWAY_KEY_PASSWORD, not both",
    )
    max_message_bytes: int = Field(
        1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="largest message accepted"
    )
    log_bodies: bool = Field(
        True, description="keep message bodies in the message log (hashes are always kept)"
    )
    declare_recipient_queues: bool = Field(
        True, description="declare a to.<system> queue for every registered system"
    )
    health_interval_s: float = Field(
        10.0, gt=0, le=3600, description="how often the gateway re-checks itself"
    )

    @model_validator(mode="after")
    def _key_password_from_file(self) -> Self:
        password_from_file(self)
        return self
