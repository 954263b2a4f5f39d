"""Who the actors are in one run: IINs and BINs made up for actors that give none (unique per
run and scenario, so scenarios share one topology, and a topology several runs), and the staff
posts a topology must know before the run (provider rosters, E-licensing's directory)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import yaml

from egov.client.staff import StaffPost
from egov.scenario.model import (
    ApplicantActor,
    ElicenseStaffActor,
    ProviderStaffActor,
    PscOperatorActor,
    Scenario,
)
from elicense_svc.domain.directory import Directory
from elicense_svc.settings import DEFAULT_DIRECTORY
from portal_svc.psc import center
from provider_svc.domain.workstations import WORKSTATIONS
from shared.ids import Gender, IdError, make_bin, make_iin

_EPOCH = date(1950, 1, 1)


def _number(*parts: str) -> int:
    return int(hashlib.sha256("\x1f".join(parts).encode()).hexdigest(), 16)


def made_up_iin(*seed: str) -> str:
    """A valid IIN (born 1950-1999) derived from ``seed``."""
    h = _number(*seed)
    for attempt in range(20):  # a few serials give no check digit (NEVER_ISSUED)
        h2 = h >> attempt
        born = _EPOCH + timedelta(days=h2 % 18_000)
        gender = Gender.MALE if (h2 >> 16) % 2 else Gender.FEMALE
        try:
            return make_iin(born, gender, (h2 >> 24) % 10_000)
        except IdError:
            continue
    raise RuntimeError(f"no IIN for {seed!r}")  # pragma: no cover - 20 misses in a row


def made_up_bin(*seed: str, registered: date = date(2010, 5, 1)) -> str:
    h = _number("bin", *seed)
    for attempt in range(20):
        try:
            return make_bin(registered, serial=(h >> attempt) % 100_000)
        except IdError:
            continue
    raise RuntimeError(f"no BIN for {seed!r}")  # pragma: no cover


def department_bin(provider: str) -> str:
    """The akimat department's BIN on its staff's certificates: a workstation's own (the
    workstation refuses any other), else the one E-licensing's shipped directory names (it
    refuses any other there), else a made-up one (E-licensing checks none)."""
    for ws in WORKSTATIONS:
        if ws.system_id == provider:
            return ws.bin
    listed = next((p.bin for p in elicense_directory().providers if p.id == provider), None)
    return listed or made_up_bin("department", provider, registered=date(2008, 1, 1))


@functools.cache
def elicense_directory() -> Directory:
    """E-licensing's shipped directory, which the scenario targets extend with their staff."""
    return Directory.from_mapping(yaml.safe_load(DEFAULT_DIRECTORY.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Identity:
    iin: str
    bin: str | None
    surname: str
    given_name: str
    patronymic: str
    organization: str | None


def identity(scenario: Scenario, actor_name: str, salt: str) -> Identity:
    """The actor's IIN (given, or made up from the run's ``salt``, the scenario and the name),
    BIN and names."""
    actor = scenario.actors[actor_name]
    iin = actor.iin or made_up_iin(salt, scenario.scenario, actor_name)
    surname, given, *rest = actor.name.split()
    bin_: str | None = None
    organization: str | None = None
    if isinstance(actor, ApplicantActor) and (actor.legal_entity or actor.bin):
        bin_ = actor.bin or made_up_bin(salt, scenario.scenario, actor_name)
        organization = actor.organization
    elif isinstance(actor, PscOperatorActor):
        desk = center(actor.desk)
        assert desk is not None  # noqa: S101 - the model allows the known desks only
        bin_, organization = desk.bin, desk.name
    elif isinstance(actor, ProviderStaffActor | ElicenseStaffActor):
        provider = actor.workstation if isinstance(actor, ProviderStaffActor) else actor.provider
        bin_, organization = department_bin(provider), provider
    return Identity(iin, bin_, surname, given, rest[0] if rest else "", organization)


def staff_posts(
    scenarios: Iterable[Scenario], salt: str
) -> tuple[list[StaffPost], list[StaffPost]]:
    """(provider roster posts, E-licensing directory posts) of every staff actor."""
    provider: list[StaffPost] = []
    elicense: dict[str, StaffPost] = {}
    for scenario in scenarios:
        for name, actor in scenario.actors.items():
            if isinstance(actor, ProviderStaffActor):
                who = identity(scenario, name, salt)
                provider.append(StaffPost(actor.workstation, who.iin, actor.name, actor.roles))
            elif isinstance(actor, ElicenseStaffActor):
                who = identity(scenario, name, salt)
                post = StaffPost(actor.provider, who.iin, actor.name, actor.roles)
                known = elicense.get(who.iin)
                if known is not None and known != post:
                    raise ValueError(
                        f"{scenario.scenario}: actor {name}: IIN {who.iin} is already "
                        f"E-licensing staff of {known.provider} with roles {known.roles}"
                    )
                elicense[who.iin] = post
    return provider, list(elicense.values())
