"""``egov calendar add-working-days|add-calendar-days|deadlines``, run in-process.

Expected dates are worked out by hand from the published calendar (the holidays law and the
Government transfers in shared/kz_transfers.yaml). Step deadlines of ``deadlines`` are the
step engine's; the tests check that the command chains the engine's own answers, not its own
arithmetic.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from egov.cli import build_cli
from regulations import definitions_dir
from shared.calendar import KzCalendar
from shared.regulation.catalog import Catalog
from shared.regulation.engine import StepEngine
from shared.regulation.model import Channel

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(build_cli(), ["calendar", *args])
    return result.exit_code, result.stdout, result.stderr


def _json(*args: str) -> dict[str, Any]:
    code, out, err = _run(*args, "--json")
    assert code == 0, err
    report: dict[str, Any] = json.loads(out)
    return report


# --- add-working-days / add-calendar-days -----------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "deadline", "why"),
    [
        (
            "2024-05-02 10:00",
            "4",
            "2024-05-10T18:30:00+05:00",
            "Fri 3, Sat 4 (worked, resolution No. 109 of 2024), Mon 6, 7-9 May off, Fri 10",
        ),
        (
            "2018-08-23 10:00",
            "3",
            "2018-08-27T18:30:00+06:00",
            "Fri 24, Sat 25 (worked, resolution No. 864 of 2017), Mon 27",
        ),
        (
            "2018-08-29 10:00",
            "1",
            "2018-09-03T18:30:00+06:00",
            "30 Aug Constitution Day, Fri 31 the moved day off, then the weekend",
        ),
        (
            "2024-05-03 19:00",
            "0",
            "2024-05-04T18:30:00+05:00",
            "after closing time: accepted on the next working day, the worked Saturday",
        ),
        ("2025-03-07", "1", "2025-03-11T18:30:00+05:00", "8 March (Sat) moves to Mon 10"),
    ],
)
def test_add_working_days(start: str, n: str, deadline: str, why: str) -> None:
    report = _json("add-working-days", start, n)
    assert report["deadline"] == deadline, why
    assert report["unit"] == "working_days"
    assert report["days"] == int(n)


def test_add_working_days_json_shape() -> None:
    # Accepted on Saturday 4 May 2024 (worked by transfer); Mon 6 May (1); 7 May Defender of
    # the Fatherland Day, 8 May the moved day off, 9 May Victory Day; Fri 10 May (2).
    report = _json("add-working-days", "2024-05-03 19:00", "2")
    assert report == {
        "start": "2024-05-03T19:00:00+05:00",
        "accepted_on": "2024-05-04",
        "days": 2,
        "unit": "working_days",
        "deadline": "2024-05-10T18:30:00+05:00",
        "deadline_utc": "2024-05-10T13:30:00+00:00",
        "time_zone": "Asia/Almaty",
    }


def test_add_working_days_prints_almaty_time() -> None:
    code, out, _ = _run("add-working-days", "2024-05-02 10:00", "4")
    assert code == 0
    assert "accepted:  2024-05-02 Thu" in out
    assert "deadline:  2024-05-10 18:30 Fri (Asia/Almaty) = 2024-05-10T13:30:00+00:00" in out


def test_add_calendar_days_moves_a_last_day_off_to_the_next_working_day() -> None:
    # A bare date is the start of that day: accepted Thu 2 May 2024; 5 calendar days end on
    # Tue 7 May, a holiday, then 8 May (moved day off) and 9 May (Victory Day): Fri 10 May.
    report = _json("add-calendar-days", "2024-05-02", "5")
    assert report["start"] == "2024-05-02T00:00:00+05:00"
    assert report["deadline"] == "2024-05-10T18:30:00+05:00"
    assert report["unit"] == "calendar_days"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add-working-days", "2024-13-01", "3"), "'2024-13-01' is not a date"),
        (("add-working-days", "tomorrow", "3"), "expected YYYY-MM-DD or 'YYYY-MM-DD HH:MM'"),
        (("add-working-days", "2024-05-02", "-1"), "N must be 0 or more, got -1"),
        (("add-calendar-days", "2024-05-02 25:00", "1"), "is not a date"),
        (("add-calendar-days", "2024-05-02", "-3"), "N must be 0 or more, got -3"),
    ],
)
def test_bad_input_is_refused_with_exit_2(args: tuple[str, ...], message: str) -> None:
    code, out, err = _run(*args)
    assert code == 2
    assert message in err
    assert out == ""


# --- deadlines --------------------------------------------------------------------------------


def test_deadlines_chain_the_main_path_with_the_engines_deadlines() -> None:
    report = _json(
        "deadlines", "cultural_values_export@almaty-2018", "--submitted", "2019-11-04 10:00"
    )
    assert report["service"] == "cultural_values_export"
    assert report["version"] == "almaty-2018"
    assert report["channel"] == "portal"
    assert report["submitted"] == "2019-11-04T10:00:00+06:00"
    # 11 working days from Monday 4 November 2019 (no holiday that month): Tue 19 November.
    assert report["term"] == {"norm": "11 working days", "deadline": "2019-11-19T18:30:00+06:00"}
    assert report["result"] == "certificate"
    steps = report["steps"]
    assert [s["id"] for s in steps] == [
        "register",
        "review_and_assign",
        "send_to_commission",
        "expertise",
        "write_up_conclusion",
        "draft_result",
        "sign",
        "hand_out",
    ]
    assert set(steps[0]) == {"seq", "id", "role", "norm", "start", "deadline", "outcome"}
    assert steps[0]["role"] == "office_clerk"
    assert steps[0]["norm"] == "10 min"
    # 001 p.5.1: 10 minutes of working time from 10:00.
    assert (steps[0]["start"], steps[0]["deadline"]) == (
        "2019-11-04T10:00:00+06:00",
        "2019-11-04T10:10:00+06:00",
    )
    # Each step starts when the one before it runs out ...
    for before, after in itertools.pairwise(steps):
        assert after["start"] == before["deadline"], after["id"]
    # ... and its deadline is the engine's for that start.
    definition = Catalog.from_directory(definitions_dir()).get(
        "cultural_values_export", "almaty-2018"
    )
    engine = StepEngine(definition, KzCalendar())
    state = engine.state(
        engine.submit("r", Channel.PORTAL, datetime.fromisoformat(report["submitted"]))
    )
    assert datetime.fromisoformat(report["term"]["deadline"]) == state.deadline
    run = state.runs[0]
    assert datetime.fromisoformat(steps[0]["deadline"]) == run.deadline


def test_deadlines_table_output() -> None:
    code, out, _ = _run(
        "deadlines", "cultural_values_export@almaty-2018", "--submitted", "2019-11-04 10:00"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "cultural_values_export@almaty-2018 via portal, submitted 2019-11-04 10:00 Mon "
        "(Asia/Almaty)"
    )
    assert lines[1] == "term: 11 working days, deadline 2019-11-19 18:30 Tue"
    assert lines[2].split() == ["#", "step", "role", "norm", "start", "deadline"]
    assert lines[3].split() == [
        "1",
        "register",
        "office_clerk",
        "10",
        "min",
        "2019-11-04",
        "10:00",
        "Mon",
        "2019-11-04",
        "10:10",
        "Mon",
    ]
    assert lines[-1] == "result: certificate"


def test_deadlines_by_letter_without_version_takes_the_version_in_force() -> None:
    report = _json("deadlines", "A", "--submitted", "2014-07-01 09:00")
    assert (report["service"], report["version"]) == ("cultural_values_export", "almaty-2014")


def test_deadlines_through_another_channel() -> None:
    report = _json(
        "deadlines",
        "cultural_values_export@almaty-2018",
        "--submitted",
        "2019-11-04 10:00",
        "--channel",
        "provider_office",
    )
    assert report["channel"] == "provider_office"
    assert report["steps"][0]["id"] == "register"


@pytest.mark.parametrize(
    ("args", "messages"),
    [
        (
            ("nope@almaty-2018", "--submitted", "2019-11-04 10:00"),
            ["unknown service 'nope'", "cultural_values_export (A): akmola-2013, almaty-2014"],
        ),
        (
            ("cultural_values_export@almaty-2099", "--submitted", "2019-11-04 10:00"),
            [
                "cultural_values_export has no version 'almaty-2099'",
                "cultural_values_export@almaty-2018 (in force 2018-07-10..",
            ],
        ),
        (
            ("cultural_values_export@almaty-2014", "--submitted", "2019-11-04 10:00"),
            [
                "cultural_values_export@almaty-2014 was not in force on 2019-11-04",
                "cultural_values_export@almaty-2018 (in force",
            ],
        ),
        (
            ("cultural_values_export", "--submitted", "2025-01-01 10:00"),
            ["is not provided on 2025-01-01", "almaty-2018: 2018-07-10.."],
        ),
        (
            (
                "minerals_absence_conclusion@almaty-2019",
                "--submitted",
                "2019-11-04 10:00",
                "--channel",
                "psc",
            ),
            ["is not offered through 'psc'; channels: portal"],
        ),
        (
            ("cultural_values_export@", "--submitted", "2019-11-04 10:00"),
            ["is not SERVICE@VERSION"],
        ),
        (
            ("cultural_values_export@almaty-2018", "--submitted", "4 Nov 2019"),
            ["'4 Nov 2019' is not a date"],
        ),
    ],
)
def test_deadlines_refuses_with_a_specific_message(
    args: tuple[str, ...], messages: list[str]
) -> None:
    code, out, err = _run("deadlines", *args)
    assert code == 2
    assert out == ""
    for message in messages:
        assert message in err
