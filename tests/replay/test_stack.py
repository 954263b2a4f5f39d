"""A stack rebuilt from exported logs answers the same queries the same way.

The embedded topology runs on one data directory; requests are driven to a result, a refusal at
the workstation, a refused signature at the portal and registry look-ups through the gateway.
A fixed set of read endpoints of all five services is recorded (the cabinet, the workstation's
inboxes and request views, the gateway's message log and traces, registry and CA look-ups,
E-licensing's permit check). Every service's log is exported with ``egov eventlog export``,
imported with ``egov eventlog import`` into fresh logs of a second data directory (the keys, the
CA and the portal's attachments copied: they are not in the logs), and the topology started
there answers the same queries with the same bodies. On the way: a second export of the
imported logs is byte for byte the first, the gateway's replay-protection claims are restored,
and ``egov replay SERVICE --from FILE`` gives the digest of the replay of the live log, for each
service."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from egov.cli import build_cli
from egov.client.keys import GATEWAY_OPERATOR_KEY, admin_signer, operator_signer
from egov.commands.replay import replay_log
from gateway_svc.messagelog import REPLAY_CONSUMER
from portal_svc.registry_lookup import GatewayPersonLookup
from portal_svc.sdk import Attachment, PortalClient, PortalRefused
from provider_svc.domain.documents import signing_bytes
from registry_svc.seed import generate_population
from shared.clock import SimulatedClock
from shared.eventlog.export import export_log
from shared.eventlog.factory import open_event_store
from shared.ids import Gender, make_iin
from shared.pki.http_signing import sign_request
from shared.pki.setup import signer_from_key_file
from shared.signing import Signer
from tests.embedded import (
    AKIMAT_BIN,
    APPLICANT,
    CLERK,
    CULTURE,
    DOMBRA_FORM,
    DOMBRA_SCAN,
    SERVICES,
    Stack,
    eventually,
    prepare,
    running,
    signed_get,
)

pytestmark = pytest.mark.slow

HEAD = make_iin(date(1975, 5, 5), Gender.MALE, 43)
OTHER = make_iin(date(1990, 1, 2), Gender.FEMALE, 44)
PASSWORD = "Qazaqstan2019"
GROUNDS = {"kk": "Құжаттар толық емес", "ru": "Документы неполные"}
EXPORTED_AT = datetime(2019, 11, 5, 12, tzinfo=UTC)


async def _issue(stack: Stack, out: Path, kind: str, *args: str) -> Signer:
    await stack.egov("pki", "issue", kind, *args, "--password", "pw", "--out", str(out))
    return signer_from_key_file(out, "pw")


async def _call(
    http: httpx.AsyncClient, signer: Signer, method: str, path: str, body: Any = None
) -> httpx.Response:
    content = b"" if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json", **sign_request(signer, method, path, content)}
    return await http.request(method, path, content=content, headers=headers)


async def _cli(*args: str) -> Result:
    # The command runs its own event loop (asyncio.run), so not on the test's.
    return await asyncio.to_thread(CliRunner().invoke, build_cli(), list(args))


def _portal_signer(stack: Stack) -> Signer:
    keys = stack.data_dir / "keys" / "portal"
    return signer_from_key_file(keys / "portal.p12", (keys / "password").read_text())


def _ra_signer(stack: Stack) -> Signer:
    """The registration authority's operator (also a registrar): the registry's reads and the
    CA's certificate statuses are theirs (shared.authz)."""
    return admin_signer(stack.data_dir)


async def _drive(stack: Stack, people: dict[str, Signer]) -> dict[str, str]:
    """Requests to a registered status, a refusal with its signed result, a refused signature;
    registry look-ups through the gateway. Returns the request ids and the applicant's token."""
    ws = f"/provider/workstations/{CULTURE}"
    async with (
        httpx.AsyncClient(base_url=stack.urls["portal"], timeout=30) as http,
        httpx.AsyncClient(base_url=stack.urls["provider"], timeout=30) as provider,
        httpx.AsyncClient(base_url=stack.urls["gateway"], timeout=30) as gateway,
    ):
        portal = PortalClient(http)
        await portal.register(people["applicant"], PASSWORD)
        await portal.login(APPLICANT, PASSWORD)
        kept = str((await portal.submit(people["applicant"], *_filing()))["request_id"])
        refused = str((await portal.submit(people["applicant"], *_filing()))["request_id"])
        with pytest.raises(PortalRefused) as mismatch:
            await portal.submit(people["other"], *_filing())
        assert mismatch.value.code == "SUBJECT_MISMATCH"

        async def both_in_the_inbox() -> bool:
            answer = await signed_get(provider, people["clerk"], f"{ws}/inbox")
            ids = {row["request_id"] for row in answer.json()["requests"]}
            return {kept, refused} <= ids

        await eventually(both_in_the_inbox, "both requests in the clerk's inbox")
        for rid in (kept, refused):
            done = await _call(
                provider,
                people["clerk"],
                "POST",
                f"{ws}/requests/{rid}/actions",
                {"step": "register", "outcome": "registered"},
            )
            assert done.status_code == 200, done.text
        draft = await _call(
            provider,
            people["head"],
            "POST",
            f"{ws}/requests/{refused}/draft",
            {"outcome": "documents_non_compliant", "grounds": GROUNDS},
        )
        assert draft.status_code == 200, draft.text
        decided = await _call(
            provider,
            people["head"],
            "POST",
            f"{ws}/requests/{refused}/actions",
            {
                "step": "review_and_assign",
                "outcome": "documents_non_compliant",
                "grounds": GROUNDS,
                "document_signature": people["head"].sign(signing_bytes(draft.json())),
            },
        )
        assert decided.json()["finished"] == "refused", decided.text

        async def statuses_home() -> bool:
            first = [h["status"] for h in (await portal.request(kept))["history"]]
            second = [h["status"] for h in (await portal.request(refused))["history"]]
            return "registered" in first and second[-1] == "refused"

        await eventually(statuses_home, "the statuses and the refusal in the cabinet")
        lookup = GatewayPersonLookup(gateway, _portal_signer(stack))
        assert await lookup.person(_known_person()) is not None
        assert await lookup.person(APPLICANT) is None
        login = await http.post("/auth/login", json={"iin": APPLICANT, "password": PASSWORD})
        token = str(login.json()["token"])
    return {"kept": kept, "refused": refused, "token": token}


def _filing() -> tuple[str, dict[str, str], list[Attachment]]:
    return "cultural_values_export", DOMBRA_FORM, [DOMBRA_SCAN]


def _known_person() -> str:
    return generate_population(3, 0, 1).persons[0].iin


async def _answers(stack: Stack, people: dict[str, Signer], ids: dict[str, str]) -> dict[str, Any]:
    """The fixed set of read queries, as (status, body). The gateway's log is read first: the
    registry look-ups below go through nothing that writes to it, but keep the order anyway."""
    out: dict[str, Any] = {}

    def record(name: str, response: httpx.Response) -> None:
        out[name] = (response.status_code, response.json())

    ws = f"/provider/workstations/{CULTURE}"
    bearer = {"Authorization": f"Bearer {ids['token']}"}
    ra_key = _ra_signer(stack)
    operator = operator_signer(stack.data_dir, GATEWAY_OPERATOR_KEY)  # shared.authz
    async with httpx.AsyncClient(timeout=30) as http:
        gateway = httpx.AsyncClient(base_url=stack.urls["gateway"], timeout=30)
        async with gateway:
            messages = await _call(gateway, operator, "GET", "/messages?limit=1000")
            record("gateway messages", messages)
            correlations = sorted(
                {e["correlation_id"] for e in out["gateway messages"][1] if e.get("correlation_id")}
            )
            assert len(correlations) >= 2
            for cid in correlations:
                trace = await _call(gateway, operator, "GET", f"/trace/{cid}")
                record(f"gateway trace {cid}", trace)
            record("gateway parked", await _call(gateway, operator, "GET", "/parked"))

        portal = stack.urls["portal"]
        record("cabinet", await http.get(f"{portal}/cabinet/requests", headers=bearer))
        assert len(out["cabinet"][1]["requests"]) == 3
        for key in ("kept", "refused"):
            base = f"{portal}/cabinet/requests/{ids[key]}"
            record(f"cabinet {key}", await http.get(base, headers=bearer))
            record(f"cabinet {key} result", await http.get(f"{base}/result", headers=bearer))
        assert out["cabinet refused result"][0] == 200
        assert out["cabinet kept result"][0] == 404

        provider = httpx.AsyncClient(base_url=stack.urls["provider"], timeout=30)
        async with provider:
            for role in ("clerk", "head"):
                record(f"inbox {role}", await signed_get(provider, people[role], f"{ws}/inbox"))
            record("overdue", await signed_get(provider, people["head"], f"{ws}/overdue"))
            for key in ("kept", "refused"):
                path = f"{ws}/requests/{ids[key]}"
                record(f"workstation {key}", await signed_get(provider, people["head"], path))
        assert [r["request_id"] for r in out["inbox head"][1]["requests"]] == [ids["kept"]]

        registry = httpx.AsyncClient(base_url=stack.urls["registry"], timeout=30)
        async with registry:
            for iin in (_known_person(), APPLICANT):
                record(f"person {iin}", await signed_get(registry, ra_key, f"/persons/{iin}"))
            for who in ("applicant", "head"):
                serial = people[who].identity.serial
                path = f"/ca/certificates/{serial}"
                record(f"certificate {who}", await signed_get(registry, ra_key, path))
        assert out[f"person {APPLICANT}"][0] == 404

        elicense = stack.urls["elicense"]
        record("permit", await http.get(f"{elicense}/permits/KZ-2019-A-000001"))
    return out


async def _export_all(stack: Stack, into: Path) -> dict[str, bytes]:
    """Each service's log exported with a fixed ``exported_at``, as bytes."""
    await asyncio.to_thread(into.mkdir)
    out: dict[str, bytes] = {}
    for service in SERVICES:
        store = await open_event_store(stack.log_url(service))
        path = into / f"{service}.jsonl"
        try:
            with path.open("wb") as handle:
                await export_log(store, handle, service=service, clock=SimulatedClock(EXPORTED_AT))
        finally:
            await store.close()
        out[service] = path.read_bytes()
    return out


def _gateway_claims(stack: Stack) -> set[str]:
    with closing(sqlite3.connect(stack.data_dir / "gateway.sqlite3")) as db:
        rows = db.execute("SELECT message_id FROM inbox WHERE consumer = ?", (REPLAY_CONSUMER,))
        return {row[0] for row in rows}


async def test_a_stack_rebuilt_from_exported_logs_answers_the_same_queries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = prepare(tmp_path / "first", monkeypatch)
    await first.egov("registry", "seed", "--persons", "3", "--entities", "0")
    for iin, name, role in ((CLERK, "Omarov Erlan", "office_clerk"), (HEAD, "Head", "head")):
        await first.egov("provider", "staff", "appoint", CULTURE, iin, name, "--role", role)
    async with running(first):
        keys = tmp_path / "people"
        keys.mkdir()
        people = {
            "applicant": await _issue(
                first, keys / "a.p12", "person", "--iin", APPLICANT, "--name", "Seitkalieva Aigerim"
            ),
            "other": await _issue(
                first, keys / "o.p12", "person", "--iin", OTHER, "--name", "Other Person"
            ),
        }
        staff = (
            ("clerk", CLERK, "employee", "Omarov Erlan"),
            ("head", HEAD, "first_head", "Abenov Marat"),
        )
        for who, iin, role, name in staff:
            people[who] = await _issue(
                first, keys / f"{who}.p12", "entity", "--bin", AKIMAT_BIN, "--iin", iin,
                "--role", role, "--name", name, "--organization", "Almaty Department of Culture",
            )  # fmt: skip
        ids = await _drive(first, people)
        before = await _answers(first, people, ids)

    # Export with the CLI (the service's log found from its settings, as audit verify does).
    exports = tmp_path / "exports"
    exports.mkdir()
    for service in SERVICES:
        result = await _cli("eventlog", "export", service, "--to", str(exports / service))
        assert result.exit_code == 0, result.output
        assert " events of " in result.output
    expected = await _export_all(first, tmp_path / "fixed-first")

    second = prepare(tmp_path / "second", monkeypatch, ports=first.ports)
    # The keys, the CA's own keys and the portal's attachments live beside the logs.
    shutil.copytree(first.data_dir, second.data_dir, ignore=shutil.ignore_patterns("*.sqlite3*"))
    for service in SERVICES:
        result = await _cli("eventlog", "import", service, "--from", str(exports / service))
        assert result.exit_code == 0, result.output
        assert "every chain verified" in result.output
    assert await _export_all(second, tmp_path / "fixed-second") == expected
    # The inbox is not exported; the gateway's import restores its replay-protection claims.
    claims = _gateway_claims(first)
    assert len(claims) >= 4
    assert _gateway_claims(second) == claims

    now = datetime(2019, 11, 6, 9, tzinfo=UTC)
    for service in SERVICES:
        live = await replay_log(service, url=first.log_url(service), now=now)
        from_file = await replay_log(service, source=exports / service, now=now)
        imported = await replay_log(service, url=second.log_url(service), now=now)
        assert live["events"] > 0 or service == "elicense", service
        assert from_file["sha256"] == live["sha256"] == imported["sha256"], service
        assert from_file["events"] == live["events"] == imported["events"], service

    async with running(second):
        after = await _answers(second, people, ids)
    assert after.keys() == before.keys()
    for name, answer in before.items():
        assert after[name] == answer, name
