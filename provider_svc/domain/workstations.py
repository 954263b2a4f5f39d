"""The workstations behind the regional gateways (ЭҮӨШ АЖО / ЖАО АЖ): one information system per
provider, each with its own certificate (its system id is the certificate's CN) and its own
delivery queue ``to.<system id>``.

Which services each provider renders is a fact of the seeds (001 p.1, 002 p.1, 004 p.1); the
system ids are those of gateway_svc/rules.yaml. The Astana state archive works inside the
Astana department's system (004 p.1: the department "with the State archive of Astana"), so it
has no system of its own.

Each department is a legal entity with a BIN, and its staff sign their calls with the employee
certificate of that entity (``OU=BIN<bin>``), not with a personal one: the workstation refuses
another entity's certificate. The seeds give no BINs, so these are synthetic ones with valid
check digits, made by ``shared.ids.make_bin(date(2019, 3, 1), serial=12345)`` (12346, 12347
for the others): resident legal entities, head units, registered March 2019
(``tests/provider/test_workstations.py`` checks them). E-licensing's directory gives the
Almaty Department of Culture and Archives, which it also knows, the same BIN.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.regulation.catalog import Catalog
from shared.regulation.model import Route


@dataclass(frozen=True)
class Workstation:
    system_id: str
    region: str
    name: str
    services: tuple[str, ...]  # definition codes this provider renders through the gateway
    # The department's BIN: its staff's certificates carry it (OU=BIN...), see the module text.
    bin: str
    # The PSC desk that also receives the statuses of requests filed at the portal: 004 p.8
    # process 6 ("ЖАО АЖ ескертуді бағыттау және ХҚКО АЖ"): the LEB IS sends the notification
    # to the PSC IS too. The other seeds send statuses to the portal only.
    status_desk: str | None = None


WORKSTATIONS: tuple[Workstation, ...] = (
    Workstation(
        "provider.almaty.culture",
        "almaty",
        "Almaty Department of Culture and Archives",
        ("cultural_values_export",),  # 001
        bin="190340123459",
    ),
    Workstation(
        "provider.almaty.green_economy",
        "almaty",
        "Almaty Department of Green Economy",
        ("minerals_absence_conclusion", "minerals_building_permit"),  # 002 C, D
        bin="190340123469",
    ),
    Workstation(
        "provider.astana.archives",
        "astana",
        "Astana Department of Archives and Documentation, with the Astana State Archive",
        ("archive_reference",),  # 004
        bin="190340123479",
        status_desk="psc.astana",
    ),
)


def workstation(system_id: str) -> Workstation:
    for ws in WORKSTATIONS:
        if ws.system_id == system_id:
            return ws
    known = ", ".join(w.system_id for w in WORKSTATIONS)
    raise KeyError(f"no workstation {system_id!r}; known: {known}")


def check_against(catalog: Catalog) -> None:
    """Every service a workstation claims has a version routed through the regional gateway in
    the same region, so a typo here fails at start-up, not at the first request."""
    for ws in WORKSTATIONS:
        for code in ws.services:
            versions = [
                d
                for d in catalog.versions(code)
                if d.route is Route.REGIONAL_GATEWAY and d.provider.region == ws.region
            ]
            if not versions:
                raise ValueError(
                    f"{ws.system_id}: {code} has no version routed through the regional "
                    f"gateway of {ws.region}"
                )
