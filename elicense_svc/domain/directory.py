"""Who works where: the providers whose requests E-licensing keeps, and their staff.

A provider is an information system of the gateway (``provider.<region>.<dept>``) with a short
code for its request numbers. A staff member is known by the IIN in their certificate (the
certificate proves who they are; this directory says what they may do) and holds roles of the
regulation definitions (``office_clerk``, ``executor``, ``head``, ``provider_employee``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from elicense_svc.domain.errors import Forbidden, Invalid

_PROVIDER_ID = re.compile(r"^provider\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class Provider(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=_PROVIDER_ID.pattern)
    code: str = Field(pattern=r"^[A-Z]{2,5}(-[A-Z]{2,5})?$", description="request number prefix")
    region: str
    services: tuple[str, ...] = Field(min_length=1, description="definition codes it provides")
    bin: str | None = Field(None, pattern=r"^[0-9]{12}$")


class StaffMember(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    iin: str = Field(pattern=r"^[0-9]{12}$")
    provider: str
    roles: tuple[str, ...] = Field(min_length=1)


class Directory(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    providers: tuple[Provider, ...]
    staff: tuple[StaffMember, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Directory:
        ids = [p.id for p in self.providers]
        if len(set(ids)) != len(ids):
            raise ValueError("a provider is listed twice")
        codes = [p.code for p in self.providers]
        if len(set(codes)) != len(codes):
            raise ValueError("two providers share a request number code")
        for member in self.staff:
            if member.provider not in ids:
                raise ValueError(f"staff {member.iin}: unknown provider {member.provider!r}")
        iins = [m.iin for m in self.staff]
        if len(set(iins)) != len(iins):
            raise ValueError("a staff member is listed twice")
        return self

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "directory") -> Directory:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise Invalid("INVALID_DIRECTORY", f"{source}: {exc}") from exc

    def provider(self, provider_id: str) -> Provider:
        for provider in self.providers:
            if provider.id == provider_id:
                return provider
        raise Invalid("UNKNOWN_PROVIDER", f"no provider {provider_id!r} in the directory")

    def provider_for(self, service: str, region: str) -> Provider:
        """The provider of ``service`` in ``region`` (the definition names the region)."""
        for provider in self.providers:
            if service in provider.services and provider.region == region:
                return provider
        raise Invalid(
            "NO_PROVIDER", f"no provider in the directory offers {service!r} in region {region!r}"
        )

    def member(self, iin: str | None) -> StaffMember:
        for member in self.staff:
            if member.iin == iin:
                return member
        raise Forbidden("NOT_STAFF", f"the certificate holder (IIN {iin}) is not E-licensing staff")
