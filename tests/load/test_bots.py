"""The bots' choice among the engine's allowed outcomes, for every step of every version a
workstation renders: an application meant to be refused is refused where the definition
allows it, one meant to complete never is."""

from __future__ import annotations

import pytest

from egov.load.bots import Intent, choose, refusing
from egov.load.runner import staff_roles
from provider_svc.domain.workstations import WORKSTATIONS
from regulations import definitions_dir
from shared.regulation.catalog import Catalog
from shared.regulation.model import Definition, Route

CATALOG = Catalog.from_directory(definitions_dir())
ROUTED = [d for d in CATALOG.definitions if d.route is Route.REGIONAL_GATEWAY]


def _steps(definition: Definition) -> list[tuple[str, list[str]]]:
    return [(s.id, [o.name for o in s.outcomes]) for s in definition.steps]


@pytest.mark.parametrize("definition", ROUTED, ids=[d.key for d in ROUTED])
def test_the_intent_decides_between_refusing_and_going_on(definition: Definition) -> None:
    for step, outcomes in _steps(definition):
        by_name = {o.name: o for o in definition.step(step).outcomes}
        kinds = {refusing(definition, step, by_name[name]) for name in outcomes}
        done = choose(definition, step, outcomes, Intent.COMPLETE)
        refused = choose(definition, step, outcomes, Intent.REFUSE)
        assert done in outcomes
        assert refused in outcomes
        if kinds == {True, False}:
            assert not refusing(definition, step, by_name[done]), (step, done)
            assert refusing(definition, step, by_name[refused]), (step, refused)
        else:  # no choice at this step: both take what there is
            assert done == refused


def test_every_routed_version_offers_a_refusal_somewhere() -> None:
    """Otherwise an outcome mix could never refuse (the test above would pass vacuously)."""
    for definition in ROUTED:
        assert any(
            refusing(definition, step.id, outcome)
            for step in definition.steps
            for outcome in step.outcomes
        ), definition.key


def test_only_allowed_outcomes_are_chosen() -> None:
    a = CATALOG.get("cultural_values_export", "almaty-2018")
    step = a.steps[1]
    only = [step.outcomes[-1].name]
    assert choose(a, step.id, only, Intent.COMPLETE) == only[0]
    with pytest.raises(ValueError, match="no outcome allowed"):
        choose(a, step.id, [], Intent.COMPLETE)


def test_a_workstation_bot_holds_every_human_role_of_its_services_and_no_desk_role() -> None:
    culture = next(w for w in WORKSTATIONS if w.system_id == "provider.almaty.culture")
    roles = staff_roles(culture.system_id, CATALOG)
    assert "psc_operator" not in roles
    a = CATALOG.get("cultural_values_export", "almaty-2018")
    needed = {s.role for s in a.steps if a.role(s.role).kind.value == "human"}
    assert needed - {"psc_operator"} <= set(roles)
