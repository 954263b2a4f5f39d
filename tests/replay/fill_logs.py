"""Fill event logs for measuring ``egov replay SERVICE``.

    .venv/bin/python -m tests.replay.fill_logs stack 200 /tmp/replay-bench
    .venv/bin/python -m tests.replay.fill_logs elicense 300 /tmp/replay-bench
    EGOV_DATA_DIR=/tmp/replay-bench .venv/bin/egov replay portal   # gateway, registry, ...

``stack N DIR`` runs the embedded topology on DIR (its logs ``DIR/<service>.sqlite3``), seeds
the registry with 20,000 persons and 2,000 legal entities, and files N portal requests that the
Almaty culture workstation registers; the head refuses every fifth with a signed result, and
each request is followed by a registry look-up through the gateway. That fills the portal's,
the gateway's, the registry's and the provider's logs.

``elicense N DIR`` drives E-licensing's handlers directly (as tests/elicense/test_permits.py
does) through N portal requests, each to a signed permit, into ``DIR/elicense.sqlite3``: the
replay benchmark's filler, ``bench.logs.fill_elicense``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import httpx
import pytest

from bench import logs as bench_logs
from portal_svc.registry_lookup import GatewayPersonLookup
from portal_svc.sdk import PortalClient
from provider_svc.domain.documents import signing_bytes as result_signing_bytes
from shared.signing import Signer
from tests.embedded import (
    AKIMAT_BIN,
    APPLICANT,
    CLERK,
    CULTURE,
    Stack,
    prepare,
    running,
    signed_get,
)
from tests.replay.test_stack import (
    GROUNDS,
    HEAD,
    PASSWORD,
    _call,
    _filing,
    _issue,
    _known_person,
    _portal_signer,
)


async def _people(stack: Stack, keys: Path) -> dict[str, Signer]:
    await asyncio.to_thread(keys.mkdir, parents=True, exist_ok=True)
    people = {
        "applicant": await _issue(
            stack, keys / "a.p12", "person", "--iin", APPLICANT, "--name", "Seitkalieva Aigerim"
        )
    }
    for who, iin, role, name in (
        ("clerk", CLERK, "employee", "Omarov Erlan"),
        ("head", HEAD, "first_head", "Abenov Marat"),
    ):
        people[who] = await _issue(
            stack, keys / f"{who}.p12", "entity", "--bin", AKIMAT_BIN, "--iin", iin,
            "--role", role, "--name", name, "--organization", "Almaty Department of Culture",
        )  # fmt: skip
    return people


async def fill_stack(count: int, data_dir: Path) -> None:
    patch = pytest.MonkeyPatch()
    stack = prepare(data_dir, patch)
    await stack.egov("registry", "seed", "--persons", "20000", "--entities", "2000")
    for iin, name, role in ((CLERK, "Omarov Erlan", "office_clerk"), (HEAD, "Head", "head")):
        await stack.egov("provider", "staff", "appoint", CULTURE, iin, name, "--role", role)
    ws = f"/provider/workstations/{CULTURE}"
    began = time.perf_counter()
    async with running(stack):
        people = await _people(stack, data_dir / "people")
        async with (
            httpx.AsyncClient(base_url=stack.urls["portal"], timeout=60) as http,
            httpx.AsyncClient(base_url=stack.urls["provider"], timeout=60) as provider,
            httpx.AsyncClient(base_url=stack.urls["gateway"], timeout=60) as gateway,
        ):
            portal = PortalClient(http)
            await portal.register(people["applicant"], PASSWORD)
            await portal.login(APPLICANT, PASSWORD)
            lookup = GatewayPersonLookup(gateway, _portal_signer(stack))
            ids = []
            for _ in range(count):
                answer = await portal.submit(people["applicant"], *_filing())
                ids.append(str(answer["request_id"]))
                await lookup.person(_known_person())
            while True:
                answer = await signed_get(provider, people["clerk"], f"{ws}/inbox")
                if {r["request_id"] for r in answer.json()["requests"]} >= set(ids):
                    break
                await asyncio.sleep(0.5)
            for index, rid in enumerate(ids):
                body = {"step": "register", "outcome": "registered"}
                path = f"{ws}/requests/{rid}"
                done = await _call(provider, people["clerk"], "POST", f"{path}/actions", body)
                assert done.status_code == 200, done.text
                if index % 5 == 4:
                    outcome = {"outcome": "documents_non_compliant", "grounds": GROUNDS}
                    draft = await _call(provider, people["head"], "POST", f"{path}/draft", outcome)
                    signature = people["head"].sign(result_signing_bytes(draft.json()))
                    act = {"step": "review_and_assign", **outcome, "document_signature": signature}
                    decided = await _call(provider, people["head"], "POST", f"{path}/actions", act)
                    assert decided.status_code == 200, decided.text
            await asyncio.sleep(3)  # the last statuses travel back to the portal
    patch.undo()
    print(f"stack: {count} requests in {time.perf_counter() - began:.1f} s into {data_dir}")


async def fill_elicense(count: int, data_dir: Path) -> None:
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    began = time.perf_counter()
    await bench_logs.fill_elicense(data_dir, count)
    print(f"elicense: {count} permits in {time.perf_counter() - began:.1f} s into {data_dir}")


def main() -> None:
    kind, count, directory = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    if kind == "stack":
        asyncio.run(fill_stack(count, directory))
    elif kind == "elicense":
        asyncio.run(fill_elicense(count, directory))
    else:
        raise SystemExit(
            f"usage: python -m tests.replay.fill_logs stack|elicense N DIR, not {kind}"
        )


if __name__ == "__main__":
    main()
