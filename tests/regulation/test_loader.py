from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from regulations import definitions_dir
from shared.regulation.catalog import Catalog
from shared.regulation.errors import DefinitionError
from shared.regulation.loader import load_definition, parse_definition

SOURCE = definitions_dir() / "cultural_values_export@almaty-2018.yaml"


@pytest.fixture
def raw() -> dict[str, Any]:
    data = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return copy.deepcopy(data)


def test_every_shipped_definition_loads(catalog: Catalog) -> None:
    assert {d.key for d in catalog.definitions} == {
        "cultural_values_export@akmola-2013",
        "cultural_values_export@almaty-2014",
        "cultural_values_export@almaty-2018",
        "restoration_approval@almaty-2014",
        "minerals_absence_conclusion@almaty-2019",
        "minerals_building_permit@almaty-2019",
        "archive_reference@astana-2012",
    }


def test_unknown_role_names_file_and_path(raw: dict[str, Any]) -> None:
    raw["steps"][2]["role"] = "janitor"
    with pytest.raises(DefinitionError) as info:
        parse_definition(raw, "x.yaml")
    assert (info.value.file, info.value.path) == ("x.yaml", "steps[2].role")
    assert "janitor" in info.value.problem


def test_unknown_key_is_refused(raw: dict[str, Any]) -> None:
    raw["steps"][0]["norm"]["amout"] = 3
    with pytest.raises(DefinitionError) as info:
        parse_definition(raw, "x.yaml")
    assert info.value.path == "steps[0].norm.amout"


def test_bad_unit_is_refused_with_its_path(raw: dict[str, Any]) -> None:
    raw["steps"][3]["norm"]["unit"] = "fortnights"
    with pytest.raises(DefinitionError) as info:
        parse_definition(raw, "x.yaml")
    assert info.value.path == "steps[3].norm.unit"


def test_dangling_next_step_is_refused(raw: dict[str, Any]) -> None:
    raw["steps"][0]["outcomes"][0]["next"] = "nowhere"
    with pytest.raises(DefinitionError) as info:
        parse_definition(raw, "x.yaml")
    assert info.value.path == "steps[0].outcomes[0].next"


def test_unreachable_step_is_refused(raw: dict[str, Any]) -> None:
    raw["steps"][1]["outcomes"][0]["next"] = "draft_result"  # skips three steps
    with pytest.raises(DefinitionError, match="unreachable"):
        parse_definition(raw, "x.yaml")


def test_outcome_with_next_and_result_is_refused(raw: dict[str, Any]) -> None:
    raw["steps"][0]["outcomes"][0]["result"] = "certificate"
    with pytest.raises(DefinitionError) as info:
        parse_definition(raw, "x.yaml")
    assert info.value.path.startswith("steps[0].outcomes[0]")


def test_file_name_must_match_code_and_version(tmp_path: Path) -> None:
    target = tmp_path / "wrong.yaml"
    target.write_text(SOURCE.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DefinitionError, match=re.escape("cultural_values_export@almaty-2018.yaml")):
        load_definition(target)


def test_invalid_yaml_is_reported(tmp_path: Path) -> None:
    target = tmp_path / "broken.yaml"
    target.write_text("code: [unclosed", encoding="utf-8")
    with pytest.raises(DefinitionError, match="not valid YAML"):
        load_definition(target)


def test_overlapping_versions_are_refused(catalog: Catalog, raw: dict[str, Any]) -> None:
    raw["version"] = "almaty-2019"
    raw["in_force"]["from"] = "2020-01-01"
    clash = parse_definition(raw, "x.yaml")
    with pytest.raises(DefinitionError, match="overlaps"):
        Catalog.of([*catalog.definitions, clash])
