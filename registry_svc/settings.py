"""Settings of the registry service: the shared ``EGOV_*`` ones plus ``EGOV_REGISTRY_*``."""

# ruff: noqa: RUF001 - the Kazakh and Russian names are Cyrillic on purpose

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings, password_from_file


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_REGISTRY_")

    service: ClassVar[str] = "registry"

    port: int = Field(8084, ge=1, le=65535, description="HTTP port of registry (ЖТ/ЗТ МДБ + ҰКО)")
    public_url: str | None = Field(
        None,
        description="the НУЦ's address as the certificates it issues name it (OCSP responder, "
        "CRLs, CA certificates), which every relying party must reach; unset = "
        "http://EGOV_HOST:EGOV_REGISTRY_PORT. A process that reaches it otherwise sets "
        "EGOV_REGISTRY_URL",
        pattern=r"^https?://[^\s/?#]+/?$",
    )
    key_file: Path | None = Field(
        None,
        description="the registry's PKCS#12 system key file (signs the pki.revoked events); "
        "unset = the registry issues itself one, kept in <EGOV_DATA_DIR>/ca/",
    )
    key_password: SecretStr | None = Field(None, description="password of the key file")
    key_password_file: Path | None = Field(
        None,
        description="file holding that password instead (egov provision writes one); set "
        "this or EGOV_REGISTRY_KEY_PASSWORD, not both",
    )

    def published_url(self) -> str:
        """The address the certificates name (``public_url``, else this server's own)."""
        if self.public_url is not None:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    @model_validator(mode="after")
    def _key_password_from_file(self) -> Self:
        password_from_file(self)
        return self
