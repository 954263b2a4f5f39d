"""The bench harness without servers: rows, ratios, sizes, choosing and skipping benchmarks."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import MODULES, available, main, table
from bench.harness import BenchConfig, Result, Size, ratios


def test_ratios_divide_each_row_by_every_reference_of_its_case_and_metric() -> None:
    rows = [
        Result("b", "append", "raw", "events/s", 400.0, reference=True),
        Result("b", "append", "library", "events/s", 100.0, reference=True),
        Result("b", "append", "ours", "events/s", 200.0),
        Result("b", "read", "ours", "events/s", 50.0),  # no reference in its case: no ratio
        Result("b", "append", "ours", "ms", 3.0),  # another metric: no ratio
    ]
    assert ratios(rows) == {2: {"raw": 0.5, "library": 2.0}}


def test_a_reference_of_zero_gives_no_ratio() -> None:
    rows = [
        Result("b", "c", "ref", "s", 0.0, reference=True),
        Result("b", "c", "ours", "s", 1.0),
    ]
    assert ratios(rows) == {}


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_a_result_refuses_a_value_that_is_not_a_number(value: float) -> None:
    with pytest.raises(ValueError, match="value"):
        Result("b", "c", "ours", "s", value)


def test_a_result_refuses_an_empty_name() -> None:
    with pytest.raises(ValueError, match="needs bench, case, subject and metric"):
        Result("b", "", "ours", "s", 1.0)


def test_a_result_survives_its_json() -> None:
    row = Result("b", "c", "ours", "s", 1.5, True, {"runs": [1, 2]})
    assert Result.from_json(json.loads(json.dumps(row.to_json()))) == row


def test_pick_follows_the_size_and_smoke_falls_back_to_quick() -> None:
    def config(size: Size) -> BenchConfig:
        return BenchConfig(None, None, size)

    assert config(Size.FULL).pick(full=100, quick=10, smoke=1) == 100
    assert config(Size.QUICK).pick(full=100, quick=10, smoke=1) == 10
    assert config(Size.SMOKE).pick(full=100, quick=10, smoke=1) == 1
    assert config(Size.SMOKE).pick(full=100, quick=10) == 10
    assert not config(Size.FULL).quick
    assert config(Size.SMOKE).quick


def test_a_benchmark_asking_for_a_server_not_given_says_which_variable() -> None:
    config = BenchConfig(None, None)
    with pytest.raises(RuntimeError, match="EGOV_PG_DSN"):
        config.postgres()
    with pytest.raises(RuntimeError, match="EGOV_AMQP_URL"):
        config.rabbitmq()


def test_every_written_benchmark_has_a_unique_name_and_says_what_it_needs() -> None:
    found = available()
    assert {"eventlog", "gateway", "pki", "replay", "startup", "bus"} <= set(found)
    for name, (module, benchmark) in found.items():
        assert module in MODULES
        assert name == benchmark.name
        assert "," not in name
        assert benchmark.needs <= {"pg", "amqp"}
        assert benchmark.title


def test_the_table_shows_the_ratio_beside_the_row_compared() -> None:
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(
        table(
            "t",
            [
                Result("b", "append", "raw", "events/s", 400.0, reference=True),
                Result("b", "append", "ours", "events/s", 200.0),
            ],
        )
    )
    text = console.export_text()
    assert "raw (ref)" in text
    assert "0.50x raw" in text


def test_unknown_benchmark_names_are_refused_naming_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--only", "eventlog,nosuch"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "unknown benchmark(s) nosuch" in err
    assert "eventlog" in err


def test_a_benchmark_whose_server_is_missing_is_skipped_with_the_reason(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--smoke",
            "--only",
            "eventlog,gateway",
            "--out",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "latest.json").read_text())
    assert [(b["name"], b["status"]) for b in report["benchmarks"]] == [
        ("eventlog", "skipped"),
        ("gateway", "skipped"),
    ]
    assert report["benchmarks"][0]["reason"] == "EGOV_PG_DSN not set"
    assert report["benchmarks"][1]["reason"] == "EGOV_AMQP_URL, EGOV_PG_DSN not set"
    assert report["machine"]["postgresql"] is None


def test_a_saved_report_prints_as_markdown_with_its_ratios(tmp_path: Path) -> None:
    from bench.__main__ import markdown

    rows = [
        Result("b", "append", "raw", "events/s", 400.0, reference=True),
        Result("b", "append", "ours", "events/s", 200.0),
    ]
    found = ratios(rows)
    report = {
        "started_at": "2026-11-24T08:00:00+00:00",
        "size": "full",
        "seconds": 1.0,
        "machine": {
            "cpu": "CPU", "cores_logical": 2, "memory_gib": 1.0, "os": "Linux",
            "python": "CPython 3.11", "postgresql": "15", "rabbitmq": "3.10",
            "git": {"commit": "a" * 40, "dirty": False},
        },
        "benchmarks": [
            {"name": "b", "title": "t", "status": "ok", "seconds": 1.0,
             "load_average_at_start": [0.5, 0.5, 0.5],
             "results": [r.to_json() | {"ratios": found.get(i, {})} for i, r in enumerate(rows)]},
            {"name": "c", "title": "u", "status": "skipped", "reason": "EGOV_PG_DSN not set"},
        ],
    }  # fmt: skip
    text = markdown(report)
    assert "| append | ours | 200 | events/s | 0.50x raw |" in text
    assert "| append | raw (reference) | 400 | events/s |  |" in text
    assert "**c**: u: skipped (EGOV_PG_DSN not set)" in text


def test_markdown_of_a_file_that_is_not_a_report_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(SystemExit) as exited:
        main(["--markdown", str(bad)])
    assert exited.value.code == 2
    assert "not a bench report" in capsys.readouterr().err


def test_a_server_that_does_not_answer_fails_its_benchmarks_at_once(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "EGOV_AMQP_URL": "amqp://guest:guest@127.0.0.1:9/",  # nothing listens on port 9
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--only", "bus", "--out", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert done.returncode == 1
    [run] = json.loads((tmp_path / "latest.json").read_text())["benchmarks"]
    assert run["status"] == "failed"
    assert run["reason"].startswith("RabbitMQ unreachable: ")
    assert run["reason"].endswith(" at the start of the run")
