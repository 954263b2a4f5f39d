"""What every workstation page shares: the service layer it calls, who the signed-in person is
at the workstation in the address (the roster and the BIN, as for a signed API call), the frame
around a page's content, and the small answers (a redirect after a post, a refusal as JSON)."""

# No ``from __future__ import annotations``: FastAPI reads the dependencies' annotations.
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse

from provider_svc.domain.errors import Forbidden, NotFound
from provider_svc.domain.staff import StaffMember
from provider_svc.domain.workstations import WORKSTATIONS, Workstation
from provider_svc.entrypoints.api import SUPERVISORS
from provider_svc.handlers import ProviderService
from provider_svc.pages import present
from provider_svc.pages.forms import Problem
from provider_svc.projections import ProviderProjection
from shared.authz import Caller
from shared.pages.languages import Language
from shared.pages.render import Pages, language_of
from shared.pages.signin import PageRefused
from shared.regulation.model import Definition, Localized


@dataclass
class Site:
    """The pages' shared parts; ``guard`` is shared.pages' dependency for a signed-in page."""

    service: ProviderService
    projection: ProviderProjection
    pages: Pages
    guard: Callable[..., Any]
    zone: ZoneInfo
    departments: dict[str, Localized] = field(init=False)
    # The dependencies of a workstation's page: staff of ``{workstation}``; its head or deputy.
    member: Callable[..., Any] = field(init=False)
    supervisor: Callable[..., Any] = field(init=False)

    def __post_init__(self) -> None:
        self.departments = {w.system_id: _department(self.service, w) for w in WORKSTATIONS}
        self.member = self._member()
        self.supervisor = self._supervisor()

    def department(self, ws: Workstation, language: Language) -> str:
        return present.localized(self.departments[ws.system_id], language)

    def _member(self) -> Callable[..., Any]:
        """The signed-in person as staff of ``{workstation}``: its roster and its BIN (the
        same check as a signed API call's)."""

        async def member(
            workstation: str, request: Request, caller: Annotated[Caller, Depends(self.guard)]
        ) -> StaffMember:
            try:
                return await self.service.staff_member(workstation, caller.verified())
            except NotFound as exc:
                raise PageRefused(exc.code, "refused.unknown_workstation", status=404) from None
            except Forbidden as exc:
                ws = self.service.workstation(workstation)
                values = {
                    "department": self.department(ws, language_of(request)),
                    "bin": ws.bin,
                    "found": caller.verified().bin or "—",
                }
                # The page names the department and the BIN its staff sign with.
                raise PageRefused(exc.code, f"refused.{exc.code}", values=values) from None

        return member

    def _supervisor(self) -> Callable[..., Any]:
        """The head and the deputy (the API's SUPERVISORS) of ``{workstation}``."""

        async def supervisor(
            member: Annotated[StaffMember, Depends(self.member)],
        ) -> StaffMember:
            if not member.roles & SUPERVISORS:
                raise PageRefused("not_a_supervisor", "refused.not_a_supervisor")
            return member

        return supervisor

    def frame(self, request: Request, ws: Workstation, who: StaffMember) -> dict[str, Any]:
        """What every page of a workstation shows around its content."""
        language = language_of(request)
        return {
            "ws": ws,
            "department": self.department(ws, language),
            "member": who,
            "roles": sorted(_role_names(self.service, ws, who.roles, language)),
            "supervisor": bool(who.roles & SUPERVISORS),
        }

    def json_problem(self, request: Request, problem: Problem, status: int) -> JSONResponse:
        return JSONResponse(
            {
                "code": problem.code or problem.key,
                "message": self.pages.texts.text(
                    problem.key, language_of(request), **problem.values
                ),
                "field": problem.field,
            },
            status_code=status,
        )


def see(path: str, done: str) -> RedirectResponse:
    """POST/redirect/GET: the page that shows what was done."""
    return RedirectResponse(f"{path}?done={done}", status_code=303)


def definition_of(service: ProviderService, code: str) -> Definition:
    """The latest regional-gateway version of ``code`` (for its name)."""
    found = [e.definition for e in service.engines if e.definition.code == code]
    return max(found, key=lambda d: d.in_force.from_)


def _department(service: ProviderService, ws: Workstation) -> Localized:
    """The department's name in the three languages, as its definitions give it."""
    return definition_of(service, ws.services[0]).provider.name


def _role_names(
    service: ProviderService, ws: Workstation, roles: frozenset[str], language: Language
) -> set[str]:
    names = set()
    for role in roles:
        for code in ws.services:
            try:
                role_name = definition_of(service, code).role(role).name
            except KeyError:
                continue
            names.add(present.localized(role_name, language))
            break
        else:
            names.add(role)
    return names
