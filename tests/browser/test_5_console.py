"""The gateway's operator follows the journeys in the console: the portal's request of 001
(portal → the gateway → the Almaty regional gateway → the culture department's workstation,
and every status back to the portal) and the elicense.kz filing (E-licensing's statuses through
the gateway), each drawn as a sequence diagram with a hop per arrow, its state and the signer
the gateway checked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import (
    CULTURE,
    GATEWAY_OPERATOR,
    World,
    expect,
    screenshot,
    sign_in_here,
)

pytestmark = pytest.mark.slow


def journey(world: World, which: str) -> str:
    """The request a journey of this session filed (the files run in their names' order)."""
    if which not in world.filed:
        pytest.skip(f"the console shows the {which} journey's trace: its test did not file it")
    return world.filed[which]


def hops(page: Any, source: str, target: str, state: str) -> Any:
    return page.locator(f'g.hop[data-from="{source}"][data-to="{target}"][data-state="{state}"]')


def traced(page: Any, correlation_id: str) -> None:
    page.locator("#f-correlation_id").fill(correlation_id)
    page.locator("#trace-submit").click()
    expect(page.locator("#sequence-diagram")).to_be_visible()


def test_the_console_draws_each_journeys_hops(world: World) -> None:
    culture, licensed = journey(world, "A"), journey(world, "elicense")
    console = world.page(GATEWAY_OPERATOR)
    console.goto(world.url("gateway", "/console/trace"))
    sign_in_here(console)

    # The portal's request: out to the workstation through the Almaty regional gateway...
    traced(console, culture)
    lanes = console.locator("g.lane").evaluate_all("lanes => lanes.map(l => l.dataset.lane)")
    assert lanes == ["portal", "@central", "@regional.almaty", CULTURE.system_id], lanes
    expect(hops(console, "portal", "@central", "accepted")).to_have_count(1)
    expect(hops(console, "@central", "@regional.almaty", "relayed")).to_have_count(1)
    expect(hops(console, "@regional.almaty", CULTURE.system_id, "DELIVERED")).to_have_count(1)
    # ...and each status of its way back, from the workstation to the citizen's cabinet.
    statuses = hops(console, CULTURE.system_id, "@central", "accepted")
    assert statuses.count() >= 8  # registered, under review, ..., completed, the result
    expect(hops(console, "@central", "portal", "DELIVERED")).to_have_count(statuses.count())
    expect(console.locator("#hops")).to_contain_text("portal / ")  # the portal's signature
    screenshot(console, "gateway-operator")

    # The elicense.kz filing: E-licensing's statuses, through the gateway, to the portal.
    traced(console, licensed)
    expect(hops(console, "elicense", "@central", "accepted").first).to_be_visible()
    expect(hops(console, "@central", "portal", "DELIVERED").first).to_be_visible()
