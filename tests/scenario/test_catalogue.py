"""The shipped catalogue is in step with the definitions, and covers every version, channel and
ending the step engine can reach, registry-not-found where a registry is asked, and overdue."""

from __future__ import annotations

from pathlib import Path

from egov.scenario.catalogue import NOT_COVERED, catalogue, endings, render, write_catalogue
from egov.scenario.loader import load_scenarios
from regulations import definitions_dir
from shared.regulation.catalog import Catalog
from shared.regulation.model import Channel, Route

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "scenarios" / "catalogue"


def test_the_shipped_files_are_what_the_definitions_generate(tmp_path: Path) -> None:
    """``egov scenario generate`` rewrites them after a definition changes."""
    written = write_catalogue(tmp_path)
    expected = {p.relative_to(tmp_path / "catalogue"): p.read_text("utf-8") for p in written}
    shipped = {p.relative_to(SHIPPED): p.read_text("utf-8") for p in SHIPPED.rglob("*.yaml")}
    assert sorted(shipped) == sorted(expected)
    drifted = [str(p) for p in expected if shipped[p] != expected[p]]
    assert drifted == []


def test_every_version_channel_and_ending_has_a_scenario() -> None:
    generated = catalogue()
    ids = {doc["scenario"] for doc in generated.values()}
    for d in Catalog.from_directory(definitions_dir()).definitions:
        prefix = f"{d.letter.lower()}-{d.version}"
        assert f"{prefix}-portal-overdue" in ids, d.key
        for channel in d.channels:
            if channel in NOT_COVERED:
                continue
            found = endings(d, channel)
            assert {e.finished for e in found} == {"completed", "refused"}, (d.key, channel)
            for ending in found:
                last = ending.moves[-1]
                key = f"{prefix}-{channel.value}-{last.step}-{last.outcome}".replace("_", "-")
                assert key in ids, key
            asks_registry = d.route is Route.ELICENSING or channel is not Channel.PORTAL
            assert (f"{prefix}-{channel.value}-registry-not-found".replace("_", "-") in ids) is (
                asks_registry
            ), (d.key, channel)
    assert "a-almaty-2014-portal-registry-down" in ids
    # What is left out is said: elicense.kz's door is E-licensing's pages, not the runner's.
    assert set(NOT_COVERED) == {Channel.ELICENSE_PORTAL}


def test_the_generated_files_load_as_scenarios(tmp_path: Path) -> None:
    for rel, doc in list(catalogue().items())[:5]:
        path = tmp_path / rel.replace("/", "_")
        path.write_text(render(rel.split("/")[0], doc), encoding="utf-8")
    assert len(load_scenarios([tmp_path])) == 5
