"""Every benchmark runs at a tiny size against the real servers, through ``python -m bench`` as
``make bench`` runs it, and writes a report that holds its rows, their ratios and the machine.
The figures themselves are not checked: at this size they mean nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

pytestmark = [pytest.mark.infra, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
OURS = "eventlog,gateway,pki,replay,startup,bus"


async def _bench_schemas(dsn: str) -> set[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench%'")
    finally:
        await conn.close()
    return {row["nspname"] for row in rows}


def bench_schemas(dsn: str) -> set[str]:
    return asyncio.run(_bench_schemas(dsn))


def test_every_benchmark_runs_at_smoke_size_and_writes_its_report(
    pg_dsn: str, amqp_url: str, tmp_path: Path
) -> None:
    before = bench_schemas(pg_dsn)
    env = dict(os.environ, EGOV_PG_DSN=pg_dsn, EGOV_AMQP_URL=amqp_url)
    env.pop("EGOV_BENCH_RESULT_FILE", None)
    out = tmp_path / "out"
    done = subprocess.run(
        # e2e (bench/e2e_bench.py) starts an egov up stack: tests/load runs it, not this file.
        [sys.executable, "-m", "bench", "--smoke", "--only", OURS, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    latest = json.loads((out / "latest.json").read_text())
    [stamped] = [p for p in out.glob("*.json") if p.name != "latest.json"]
    assert json.loads(stamped.read_text()) == latest
    assert latest["size"] == "smoke"
    machine = latest["machine"]
    assert machine["cores_logical"] >= 1
    assert machine["memory_gib"] > 0
    assert machine["postgresql"][:2].isdigit(), machine["postgresql"]
    assert machine["rabbitmq"][:1].isdigit(), machine["rabbitmq"]
    assert len(machine["git"]["commit"]) == 40

    runs = {b["name"]: b for b in latest["benchmarks"]}
    assert set(runs) == set(OURS.split(","))
    for name, run in runs.items():
        assert run["status"] == "ok", (name, run)
        assert run["results"], name
        for row in run["results"]:
            assert row["bench"] == name
            assert row["value"] >= 0
            if not row["reference"]:
                assert isinstance(row["ratios"], dict)

    def subjects(name: str) -> set[str]:
        return {row["subject"] for row in runs[name]["results"]}

    assert any(s.startswith("eventsourcing ") for s in subjects("eventlog"))
    assert {"ours (shared.eventlog)", "raw asyncpg"} <= subjects("eventlog")
    compared = [r for r in runs["eventlog"]["results"] if not r["reference"]]
    assert all(len(r["ratios"]) == 2 for r in compared)  # to eventsourcing and to raw
    assert all(r["ratios"] for r in runs["gateway"]["results"] if not r["reference"])
    assert all(r["ratios"] for r in runs["pki"]["results"] if not r["reference"])

    assert bench_schemas(pg_dsn) == before, "a benchmark left its schema behind"
    assert not (out / "work").exists()
