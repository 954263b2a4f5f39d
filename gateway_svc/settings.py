"""Settings of the gateway service: the shared ``EGOV_*`` ones plus ``EGOV_GATEWAY_*``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_GATEWAY_")

    service: ClassVar[str] = "gateway"

    port: int = Field(8082, ge=1, le=65535, description="HTTP port of gateway (ЭҮШ/ЭҮАШ)")
