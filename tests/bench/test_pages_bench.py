"""The pages benchmark (bench/pages_bench.py) at a tiny size through ``python -m bench``, as
``make bench`` runs it: it needs no server, measures every page beside its API call and puts
the 150 ms target beside each page's p95. The figures themselves are not checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PAGES = {
    "portal /my/requests (the cabinet)": "GET /cabinet/requests",
    "portal /my/requests/{id} (a request)": "GET /cabinet/requests/{id}",
    "provider /workstations/{ws}/inbox": "GET /provider/workstations/{ws}/inbox",
    "provider /workstations/{ws}/requests/{id} (a card)": (
        "GET /provider/workstations/{ws}/requests/{id}"
    ),
    "provider /workstations/{ws}/sla": "GET /provider/workstations/{ws}/sla",
    "elicense /desk (the staff's desk)": "GET /staff/requests",
    "gateway /console/messages": "GET /messages?limit=50",
}


def test_every_page_is_measured_beside_its_api_call_and_the_target(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--only", "pages", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "target p95 <= 150 ms" in done.stdout

    report = json.loads((out / "latest.json").read_text())
    [run] = report["benchmarks"]
    assert (run["name"], run["status"]) == ("pages", "ok"), run
    rows = run["results"]
    assert {row["case"] for row in rows} == set(PAGES)
    for case, api in PAGES.items():
        found = {(r["subject"], r["metric"]): r for r in rows if r["case"] == case}
        assert set(found) == {
            ("ours: the page", "ms p50"),
            ("ours: the page", "ms p95"),
            (f"the API: {api}", "ms p50"),
            (f"the API: {api}", "ms p95"),
            ("target (<= 150 ms)", "ms p95"),
        }, case
        page = found[("ours: the page", "ms p95")]
        assert page["value"] > 0
        assert not page["reference"]
        assert set(page["ratios"]) == {f"the API: {api}", "target (<= 150 ms)"}
        assert page["detail"]["meets_target"] == (page["value"] <= 150)
        assert page["detail"]["requests"] == 5
        assert found[(f"the API: {api}", "ms p95")]["reference"]
        assert found[("target (<= 150 ms)", "ms p95")]["value"] == 150
    assert not (out / "work").exists()
