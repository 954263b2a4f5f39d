"""A short real run through ``egov up`` (five processes, the real PostgreSQL and RabbitMQ):
a handful of applications of A, C and D, some meant to be refused, filed at the portal and
worked by the bots; each ends as its intent says, exactly once at the workstation and exactly
once in the cabinet (one final status notification, one result), with every stage timed. Then
``egov load --target stack.json`` on the same stack, as a user runs it."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from egov.load.arrivals import Process
from egov.load.bots import Intent
from egov.load.mix import parse_mix
from egov.load.runner import FINAL, LoadOptions, LoadRun
from egov.load.topology import Topology
from egov.stack import Stack, StackOptions, egov_command, running_stack, write_manifest
from regulations import definitions_dir
from shared.eventlog.factory import open_event_store
from shared.regulation.catalog import Catalog

pytestmark = [pytest.mark.infra, pytest.mark.slow]  # ~30 s: one stack, two short runs

# Registration hashes passwords with Argon2 at its default cost; the population's setup is not
# what these tests measure.
CHEAP_HASHING = {"EGOV_PORTAL_ARGON2_MEMORY_KIB": "1024", "EGOV_PORTAL_ARGON2_TIME_COST": "1"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(
    tmp_path_factory: pytest.TempPathFactory, pg_dsn: str, amqp_url: str
) -> AsyncIterator[Stack]:
    options = StackOptions(
        data_dir=tmp_path_factory.mktemp("load") / "var",
        pg_dsn=pg_dsn,
        amqp_url=amqp_url,
        namespace=f"tload_{secrets.token_hex(4)}",
        env=CHEAP_HASHING,
    )
    async with running_stack(options, drop=True) as started:
        yield started


@pytest.mark.asyncio(loop_scope="module")
async def test_every_application_reaches_its_final_status_exactly_once(stack: Stack) -> None:
    mix = parse_mix("A=1,C=1,D=1", Catalog.from_directory(definitions_dir()))
    options = LoadOptions(
        rate=3.0, duration=3.0, mix=mix, refuse_share=0.4, process=Process.UNIFORM, seed=5,
        drain_s=60.0,
    )  # fmt: skip
    result = await LoadRun(Topology.from_manifest(stack.manifest()), options).run()

    apps = result.applications
    assert len(apps) == 9  # uniform: exactly rate x duration
    assert result.ok, result.summary()
    assert {a.intent for a in apps} == {Intent.COMPLETE, Intent.REFUSE}  # both branches ran
    for app in apps:
        expected = "refused" if app.intent is Intent.REFUSE else "completed"
        assert (app.status, app.terminal_events) == (expected, 1), app.request_id
        stages = app.stages()
        assert {"submit call", "to gateway", "to provider", "to cabinet", "total"} <= set(stages)
        assert any(name.startswith("step ") for name in stages)
        assert stages["total"] > 0

    # The cabinet's own log: one final status notification and one result per application.
    portal = await open_event_store(stack.event_store_url("portal"))
    try:
        for app in apps:
            events = await portal.read_stream(f"request-{app.request_id}")
            kinds = Counter(
                e.type for e in events if e.type.startswith("ResultReceived")
                or (e.type.startswith("StatusChanged") and e.data.get("status") in FINAL)
            )  # fmt: skip
            assert sorted(kinds.values()) == [1, 1], (app.request_id, kinds)
    finally:
        await portal.close()

    summary = result.summary()
    # Bots' transient errors (a poll that timed out on a busy machine) are retried, not lost:
    # what must hold is above. No submission may have failed, though.
    assert not [code for code in summary["errors"] if code.startswith("submit")]
    assert summary["throughput_per_s"] > 0
    assert set(summary["cpu_s"]) == {"registry", "gateway", "elicense", "provider", "portal"}
    assert summary["cpu_s_per_application"] > 0


@pytest.mark.asyncio(loop_scope="module")
async def test_the_command_runs_against_a_stack_manifest(stack: Stack, tmp_path: Path) -> None:
    manifest = write_manifest(stack)
    out = tmp_path / "load.json"
    process = await asyncio.create_subprocess_exec(
        *egov_command(), "load", "--target", str(manifest), "--rate", "2", "--duration", "1.5",
        "--mix", "C=1", "--arrivals", "uniform", "--json", str(out),
        env=stack.cli_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, (stderr + stdout).decode()
    summary = json.loads(out.read_text(encoding="utf-8"))
    assert (summary["ok"], summary["sent"], summary["done"]) == (True, 3, 3)
    assert summary["by_service"] == {"minerals_absence_conclusion": 3}
    assert "latency per stage" in stdout.decode()
