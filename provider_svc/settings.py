"""Settings of the provider service: the shared ``EGOV_*`` ones plus ``EGOV_PROVIDER_*``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings


class ProviderSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_PROVIDER_")

    service: ClassVar[str] = "provider"

    port: int = Field(8085, ge=1, le=65535, description="HTTP port of provider (ЭҮӨШ АЖО / ЖАО АЖ)")
