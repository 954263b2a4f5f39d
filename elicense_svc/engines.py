"""One step engine per regulation version, and the facts elicense reads off a definition."""

from __future__ import annotations

from datetime import datetime

from shared.regulation.catalog import Catalog
from shared.regulation.engine import StepEngine, WorkingCalendar
from shared.regulation.model import Definition, Route, Step


class Engines:
    def __init__(self, catalog: Catalog, calendar: WorkingCalendar) -> None:
        self.catalog = catalog
        self._calendar = calendar
        self._engines: dict[str, StepEngine] = {}

    def get(self, service: str, version: str) -> StepEngine:
        definition = self.catalog.get(service, version)
        engine = self._engines.get(definition.key)
        if engine is None:
            engine = self._engines[definition.key] = StepEngine(definition, self._calendar)
        return engine

    def in_force(self, service: str, at: datetime) -> StepEngine:
        """The engine of the version in force at submission (a request keeps it to the end)."""
        definition = self.catalog.in_force(service, at)
        return self.get(definition.code, definition.version)


def routes_through_elicensing(definition: Definition) -> bool:
    return definition.route is Route.ELICENSING


def signing_step(definition: Definition) -> Step:
    """The step where the authorized person (the result's ``signed_by_role``) signs: of that
    role's steps, the one closest to the result (000: ``sign`` by the head; 003: ``decide`` by
    the provider's employee, whose outcome is the certificate itself)."""
    distance: dict[str, int] = {}
    changed = True
    while changed:  # shortest distance to a result outcome, over non-refusal outcomes
        changed = False
        for step in definition.steps:
            best = distance.get(step.id)
            for outcome in step.outcomes:
                if outcome.refusal is not None:
                    continue
                if outcome.result is not None:
                    d = 0
                elif outcome.next is not None and outcome.next in distance:
                    d = distance[outcome.next] + 1
                else:
                    continue
                if best is None or d < best:
                    best = d
            if best is not None and distance.get(step.id) != best:
                distance[step.id] = best
                changed = True
    role = definition.results[0].signed_by_role
    candidates = [s for s in definition.steps if s.role == role and s.id in distance]
    if not candidates:
        raise ValueError(f"{definition.key}: no step of role {role!r} leads to the result")
    return min(candidates, key=lambda s: distance[s.id])
