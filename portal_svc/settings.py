"""Settings of the portal service: the shared ``EGOV_*`` ones plus ``EGOV_PORTAL_*``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings


class PortalSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_PORTAL_")

    service: ClassVar[str] = "portal"

    port: int = Field(8081, ge=1, le=65535, description="HTTP port of portal (ЭҮП)")
