# ruff: noqa: RUF001  -- the Russian message is Cyrillic on purpose
"""The SDK a script uses (client-side signing), and ``egov replay portal``: the cabinet rebuilt
from the log equals the one the running service built incrementally."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from egov.cli import build_cli
from egov.commands.replay import replay_log
from portal_svc.domain import events
from portal_svc.projections import rebuild
from portal_svc.sdk import Attachment, PortalClient, PortalRefused
from shared.eventlog.port import NewEvent
from shared.eventlog.sqlite import SqliteEventStore
from tests.portal.conftest import PASSWORD, World
from tests.portal.test_cabinet import PROVIDER
from tests.portal.test_requests import EXPORT_FORM

SCAN = Attachment("standard_p9_documents", "scan.pdf", "application/pdf", b"%PDF-1.4 scan")


async def test_sdk_signs_on_the_client_side_and_replay_gives_the_same_cabinet(
    world: World, tmp_path: Path
) -> None:
    keys = world.person(80)
    client = PortalClient(world.client, language="ru")
    await client.register(keys.signing, PASSWORD)
    await client.login_with_key(keys.auth)
    answer = await client.submit(keys.signing, "cultural_values_export", EXPORT_FORM, [SCAN])
    assert answer["status"] == "submitted"
    request_id = answer["request_id"]
    with pytest.raises(PortalRefused) as refused:
        await client.submit(world.person(81).signing, "cultural_values_export", EXPORT_FORM, [SCAN])
    assert refused.value.code == "SUBJECT_MISMATCH"
    assert refused.value.body["message"] == "ИИН/БИН в заявке не совпадает с ИИН/БИН в сертификате."
    await world.deliver(PROVIDER, request_id, "status.changed.v1", {"status": "registered"})
    await world.deliver(
        PROVIDER,
        request_id,
        "result.issued.v1",
        {"document": {"number": "N-1", "decision": "issued"}},
    )
    await world.deliver(PROVIDER, request_id, "status.changed.v1", {"status": "completed"})
    headers = await world.login(keys)
    await world.client.post(
        f"/requests/{request_id}/survey",
        json={"answers": {"process": 3, "information": 3}},
        headers=headers,
    )
    assert [h["status"] for h in (await client.request(request_id))["history"]] == [
        "draft",
        "submitted",
        "registered",
        "completed",
    ]
    live = await world.portal.cabinet.refresh()
    report = await replay_log("portal", url=f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    assert report["sha256"] == live.digest()
    assert report["events"] == live.position
    assert (report["requests"], report["results"], report["surveys"]) == (2, 1, 1)
    # And the pure fold of the whole log gives the same again.
    assert rebuild(await world.store.read_all(limit=10_000)).digest() == live.digest()


def test_replay_command_prints_events_and_digest(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"

    async def populate() -> None:
        store = SqliteEventStore(path)
        await store.open()
        at = datetime(2019, 11, 4, 3, tzinfo=UTC).isoformat()
        draft = {
            "request_id": "P1",
            "owner": "900101300126",
            "service": "cultural_values_export",
            "version": "almaty-2018",
            "channel": "portal",
            "recipient": PROVIDER,
            "applicant_iin": "900101300126",
            "at": at,
        }
        status = {"request_id": "P1", "status": "registered", "step": "register", "at": at}
        await store.append(
            events.request_stream("P1"),
            [NewEvent(events.DRAFT_CREATED, draft), NewEvent(events.STATUS_CHANGED, status)],
        )
        await store.close()

    asyncio.run(populate())
    result = CliRunner().invoke(
        build_cli(), ["replay", "portal", "--url", f"sqlite:///{path}", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["events"], report["requests"]) == (2, 1)
    assert len(report["sha256"]) == 64
    bad = CliRunner().invoke(build_cli(), ["replay", "portal", "--url", "mysql://nowhere"])
    assert bad.exit_code == 2


def test_submit_command_refuses_a_bad_key_file(tmp_path: Path) -> None:
    broken = tmp_path / "key.p12"
    broken.write_bytes(b"not a key file")
    result = CliRunner().invoke(
        build_cli(),
        [
            "portal",
            "submit",
            "cultural_values_export",
            "--p12",
            str(broken),
            "--p12-password",
            "x",
            "--password",
            PASSWORD,
        ],
    )
    assert result.exit_code == 2
    assert "PKCS#12" in result.output
