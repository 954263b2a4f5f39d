"""Every numbered process and condition of each act is traced to the event or check that
records it: numbers 1..n without gaps or repeats, n as in the seed text."""
# ruff: noqa: RUF001  -- rows quote the Kazakh seed text verbatim

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from shared.regulation.catalog import Catalog

# (definition, diagram, processes, conditions, seed, phrase naming the last process)
EXPECTED = [
    (
        "cultural_values_export@almaty-2018",
        "portal",
        8,
        3,
        "001",
        "8 процесс – көрсетілетін қызметті алушының ЭҮӨШ АЖО",
    ),
    (
        "minerals_absence_conclusion@almaty-2019",
        "portal",
        7,
        3,
        "002",
        "7 - үдеріс - көрсетілетін қызметті алушының",
    ),
    (
        "minerals_building_permit@almaty-2019",
        "portal",
        7,
        3,
        "002",
        "7 - үдеріс - көрсетілетін қызметті алушының",
    ),
    ("cultural_values_export@almaty-2014", "portal", 9, 3, "000", "9 үдеріс – «Е-лицензиялаумен»"),
    (
        "cultural_values_export@almaty-2014",
        "provider",
        8,
        2,
        "000",
        "8 үдеріс – «Е-лицензиялау» жүйесінде қызметті",
    ),
    ("restoration_approval@almaty-2014", "portal", 9, 3, "000", "9 үдеріс – «Е-лицензиялаумен»"),
    (
        "restoration_approval@almaty-2014",
        "provider",
        8,
        2,
        "000",
        "8 үдеріс – «Е-лицензиялау» жүйесінде қызметті",
    ),
    (
        "cultural_values_export@akmola-2013",
        "portal",
        9,
        3,
        "003",
        '9-үдеріс - "Е-лицензиялау" МДБ АЖ-да қалыптастырылған',
    ),
    (
        "cultural_values_export@akmola-2013",
        "provider",
        9,
        3,
        "003",
        '12) 9-үдеріс - "Е-лицензиялау"',
    ),
    (
        "archive_reference@astana-2012",
        "provider",
        8,
        2,
        "004",
        "8-үдеріс – ЖАО қызметкерінің электрондық",
    ),
    (
        "archive_reference@astana-2012",
        "psc",
        8,
        2,
        "004",
        "8-үдеріс – ХҚКО қызметкерінің шығыс құжатты",
    ),
    ("archive_reference@astana-2012", "portal", 7, 2, "004", "жеке кабинетке жіберіледі"),
]


@pytest.mark.parametrize(("key", "diagram", "processes", "conditions", "seed", "phrase"), EXPECTED)
def test_numbered_processes_and_conditions_are_all_traced(
    catalog: Catalog,
    seeds_dir: Path,
    key: str,
    diagram: str,
    processes: int,
    conditions: int,
    seed: str,
    phrase: str,
) -> None:
    text = re.sub(r"\s+", "", next(seeds_dir.glob(f"{seed}_*.txt")).read_text(encoding="utf-8"))
    assert re.sub(r"\s+", "", phrase) in text
    code, version = key.split("@")
    numbers: dict[str, list[int]] = defaultdict(list)
    for entry in catalog.get(code, version).trace:
        if entry.diagram == diagram and entry.number is not None:
            numbers[entry.kind.value].append(entry.number)
            assert entry.records.strip()
    assert sorted(numbers["process"]) == list(range(1, processes + 1))
    assert sorted(numbers["condition"]) == list(range(1, conditions + 1))


def test_every_diagram_of_every_definition_is_checked(catalog: Catalog) -> None:
    checked = {(k, g) for k, g, *_ in EXPECTED}
    present = {(d.key, t.diagram) for d in catalog.definitions for t in d.trace}
    assert present == checked


def test_condition_2_is_traced_to_the_three_signature_checks(catalog: Catalog) -> None:
    for d in catalog.definitions:
        for entry in d.trace:
            if (
                entry.kind.value == "condition"
                and entry.number == 2
                and "Signature" in entry.records
            ):
                for code in ("CERTIFICATE_EXPIRED", "CERTIFICATE_REVOKED", "SUBJECT_MISMATCH"):
                    assert code in entry.records
                    assert code in {g.code for g in d.refusal_grounds}
