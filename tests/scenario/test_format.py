"""The scenario format: what a valid file gives, and how a bad one is reported (file, line, path
in the document, what is wrong) before anything runs; the published JSON Schema is the models'
and every shipped file conforms to it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from egov.cli import build_cli
from egov.scenario.loader import (
    ScenarioFileError,
    load_scenarios,
    parse_scenario,
    scenario_files,
)
from egov.scenario.model import Submit, step_body, step_kind
from egov.scenario.schema import schema_text

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"

GOOD = """
scenario: good-one
title: A good one
start: 2019-11-04
actors:
  applicant: {kind: applicant}
  clerk: {kind: provider_staff, workstation: provider.almaty.culture, roles: [office_clerk]}
steps:
  - register: {actor: applicant}
  - login: {actor: applicant}
  - submit: {actor: applicant, service: cultural_values_export, form: {a: 1}}
  - act: {actor: clerk, step: register, outcome: registered}
expect:
  - statuses: {in_order: [submitted, registered]}
  - refusal: {code: null}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScenarioFileError) as caught:
        parse_scenario(text, source="bad.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_valid_file_gives_its_steps_in_order_and_its_start_at_9_in_almaty() -> None:
    scenario = parse_scenario(GOOD)
    assert [step_kind(s) for s in scenario.steps] == ["register", "login", "submit", "act"]
    submit = step_body(scenario.steps[2])
    assert isinstance(submit, Submit)
    assert (submit.channel.value, submit.request, submit.form) == ("portal", "request", {"a": 1})
    assert scenario.start_instant() == datetime(2019, 11, 4, 9, tzinfo=ZoneInfo("Asia/Almaty"))
    assert not scenario.exclusive


def test_moving_the_clock_or_stopping_a_service_makes_a_scenario_run_alone() -> None:
    for step in ("- advance: {working_days: 3}", "- stop: {service: registry}"):
        assert parse_scenario(GOOD.replace("expect:", f"  {step}\nexpect:")).exclusive


def test_each_problem_names_the_file_line_path_and_what_is_wrong() -> None:
    bad = """scenario: bad-one
title: A bad one
actors:
  applicant: {kind: applicant, iin: "880612400412"}
  clerk: {kind: provider_staff, workstation: provider.almaty.culture, roles: []}
steps:
  - submit: {actor: applicant, service: x, channel: fax}
  - act: {actor: clerk, step: register, outcome: registered, colour: red}
  - advance: {working_days: 2, hours: 3}
  - fly: {}
"""
    found = problems_of(bad)
    assert found == [
        "bad.yaml:4: actors.applicant.iin: not a valid IIN: BAD_CHECK_DIGIT: 880612400412: "
        "check digit is 2, expected 1",
        "bad.yaml:5: actors.clerk.roles: Tuple should have at least 1 item after validation, not 0",
        "bad.yaml:7: steps[0].submit.channel: Input should be 'portal', 'psc' or "
        "'provider_office', got 'fax'",
        "bad.yaml:8: steps[1].act.colour: unknown key",
        "bad.yaml:9: steps[2].advance: give exactly one of working_days, calendar_days, hours, "
        "to (got working_days, hours)",
        "bad.yaml:10: steps[3]: a step is one of register, login, submit, act, hand_out, wait, "
        "advance, revoke, stop, start, written as a one-key mapping",
    ]


def test_references_to_unknown_actors_and_requests_and_misused_actors_are_errors() -> None:
    text = GOOD.replace(
        "  - act: {actor: clerk, step: register, outcome: registered}",
        "  - act: {actor: applicant, request: other, step: register, outcome: registered}\n"
        "  - revoke: {actor: nobody}",
    )
    assert problems_of(text) == [
        "bad.yaml:12: steps[3].act.request: 'other' is not filed by an earlier submit step",
        "bad.yaml:12: steps[3].act.actor: act is done by provider_staff or elicense_staff, "
        "not applicant",
        "bad.yaml:13: steps[4].revoke.actor: no actor 'nobody' in actors",
    ]


def test_not_yaml_and_not_a_mapping_are_reported_with_their_line() -> None:
    assert problems_of("scenario: [unclosed\n") == [
        "bad.yaml:2: (document): not YAML: expected ',' or ']', but got '<stream end>'"
    ]
    assert problems_of("- a list\n") == ["bad.yaml:1: (document): a scenario is a YAML mapping"]


def test_all_files_are_checked_and_ids_used_twice_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "c.yaml").write_text("scenario: c\n", encoding="utf-8")
    with pytest.raises(ScenarioFileError) as caught:
        load_scenarios([tmp_path])
    found = [str(p) for p in caught.value.problems]
    assert f"{tmp_path / 'c.yaml'}:1: title: required, missing" in found
    assert f"{tmp_path / 'b.yaml'}: scenario: scenario id 'good-one' is also used by " in "".join(
        found
    )
    with pytest.raises(ScenarioFileError, match="no such file or directory"):
        scenario_files([tmp_path / "missing"])


def test_the_cli_refuses_bad_files_before_running_anything(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("scenario: Bad Id\ntitle: x\n", encoding="utf-8")
    result = CliRunner().invoke(build_cli(), ["scenario", "run", str(tmp_path)])
    assert result.exit_code == 2
    assert "bad.yaml:1: scenario: String should match pattern" in result.output
    assert "nothing was run" in result.output


def test_the_published_schema_is_the_models() -> None:
    """``egov scenario schema --out scenarios/schema.json`` regenerates it."""
    assert (SCENARIOS / "schema.json").read_text(encoding="utf-8") == schema_text()


def test_every_shipped_scenario_is_valid_by_the_models_and_the_json_schema() -> None:
    schema = json.loads((SCENARIOS / "schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    loaded = load_scenarios([SCENARIOS])
    assert len(loaded) >= 60
    for item in loaded:
        document = yaml.safe_load(item.path.read_text(encoding="utf-8"))
        errors = [
            e.message for e in validator.iter_errors(json.loads(json.dumps(document, default=str)))
        ]
        assert errors == [], item.path


def test_the_schema_rejects_what_the_models_reject() -> None:
    schema = json.loads((SCENARIOS / "schema.json").read_text(encoding="utf-8"))
    document = yaml.safe_load(GOOD)
    document["steps"].append({"fly": {}})
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(document))
