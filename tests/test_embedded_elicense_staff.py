"""E-licensing's staff on a fresh ``egov run`` topology: provisioning gives every role of the
definitions E-licensing serves a person on its roster and a key file beside the workstations'
keys, so an office clerk can file a request at once; ``egov elicense staff appoint|dismiss|list``
keeps the roster, and a dismissal refuses the very next call (000 appendix 1 process 1,
condition 1: staff act with their own EDS)."""

from __future__ import annotations

import json
import stat
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from shared.ids import Gender, make_iin
from shared.pki.http_signing import sign_request
from shared.pki.setup import signer_from_key_file
from shared.signing import Signer
from tests.embedded import APPLICANT, Stack, prepare, running, signed_get

pytestmark = pytest.mark.slow

# A Monday when cultural_values_export@almaty-2014 (000, through E-licensing) was in force.
ELICENSE_DAY = date(2014, 11, 3)
ALMATY = "provider.almaty.culture"
STAFF_KEYS = Path("keys") / "elicense-staff"


@pytest.fixture
async def topology(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stack]:
    topology = prepare(tmp_path / "var", monkeypatch)
    async with running(topology, ELICENSE_DAY):
        yield topology


def staff_key(topology: Stack, role: str, provider: str = ALMATY) -> Signer:
    directory = topology.data_dir / STAFF_KEYS
    password = (directory / "password").read_text(encoding="ascii").strip()
    return signer_from_key_file(directory / f"{provider}.{role}.p12", password)


async def signed_post(
    http: httpx.AsyncClient, signer: Signer, path: str, body: dict[str, object]
) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = {**sign_request(signer, "POST", path, raw), "content-type": "application/json"}
    return await http.post(path, content=raw, headers=headers)


async def test_a_fresh_topology_has_elicense_staff_for_every_role(topology: Stack) -> None:
    directory = topology.data_dir / STAFF_KEYS
    for role in ("office_clerk", "executor", "head"):
        path = directory / f"{ALMATY}.{role}.p12"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (directory / "provider.akmola.culture.provider_employee.p12").exists()
    listed = await topology.egov("elicense", "staff", "list", ALMATY)
    iins = {line.split()[0] for line in listed.splitlines() if line.strip()}
    assert len(iins) == 3
    for role in ("office_clerk", "executor", "head"):
        assert staff_key(topology, role).identity.iin in iins


async def test_the_provisioned_clerk_files_a_request_and_a_dismissal_takes_effect(
    topology: Stack,
) -> None:
    clerk = staff_key(topology, "office_clerk")
    request_id = f"office-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=topology.urls["elicense"], timeout=30) as http:
        filed = await signed_post(
            http,
            clerk,
            "/staff/requests",
            {"request_id": request_id, "service": "A", "applicant_iin": APPLICANT},
        )
        assert filed.status_code == 201, filed.text
        assert filed.json()["version"] == "almaty-2014"
        seen = await signed_get(http, clerk, f"/staff/requests/{request_id}")
        assert seen.status_code == 200, seen.text

        assert clerk.identity.iin is not None
        await topology.egov("elicense", "staff", "dismiss", ALMATY, clerk.identity.iin)
        refused = await signed_get(http, clerk, f"/staff/requests/{request_id}")
        assert refused.status_code == 401
        assert refused.json()["reason"] == "NOT_STAFF"
        listed = await topology.egov("elicense", "staff", "list", ALMATY)
        assert clerk.identity.iin not in listed


async def test_appoint_puts_a_new_person_on_the_roster(topology: Stack) -> None:
    newcomer = make_iin(date(1990, 5, 5), Gender.MALE, 77)
    out = await topology.egov(
        "elicense", "staff", "appoint", ALMATY, newcomer, "Nurlan Bekov", "--role", "executor"
    )
    assert f"{newcomer} appointed" in out
    listed = await topology.egov("elicense", "staff", "list", ALMATY)
    [line] = [line for line in listed.splitlines() if line.startswith(newcomer)]
    assert "executor" in line
    assert "Nurlan Bekov" in line
