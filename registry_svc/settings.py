"""Settings of the registry service: the shared ``EGOV_*`` ones plus ``EGOV_REGISTRY_*``."""

# ruff: noqa: RUF001 - the Kazakh and Russian names are Cyrillic on purpose

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_REGISTRY_")

    service: ClassVar[str] = "registry"

    port: int = Field(8084, ge=1, le=65535, description="HTTP port of registry (ЖТ/ЗТ МДБ + ҰКО)")
