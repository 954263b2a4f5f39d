"""Settings of the elicense service: the shared ``EGOV_*`` ones plus ``EGOV_ELICENSE_*``."""

# ruff: noqa: RUF001 - the Kazakh and Russian names are Cyrillic on purpose

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import ServiceSettings


class ElicenseSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EGOV_ELICENSE_")

    service: ClassVar[str] = "elicense"

    port: int = Field(
        8083, ge=1, le=65535, description="HTTP port of elicense («Е-лицензиялау» МДБ)"
    )
