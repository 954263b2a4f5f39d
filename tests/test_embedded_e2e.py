"""``egov run``'s topology as one working network: provisioned keys, the applicant's key from the
embedded НУЦ (``egov pki issue person``), a request filed at the portal and signed by the
applicant, through the gateway and the regional tier to the Almaty culture workstation, where
the office clerk sees it; its "registered" status comes back through the gateway to the
applicant's cabinet. And the sync channel: a registry look-up through the gateway."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from portal_svc.registry_lookup import GatewayPersonLookup
from portal_svc.sdk import PortalClient
from registry_svc.seed import generate_population
from shared.pki.setup import signer_from_key_file
from shared.signing import Signer
from tests.embedded import (
    AKIMAT_BIN,
    APPLICANT,
    CLERK,
    CULTURE,
    DOMBRA_FORM,
    DOMBRA_SCAN,
    Stack,
    eventually,
    inbox_row,
    prepare,
    registered_in_cabinet,
    running,
    signed_get,
)

pytestmark = pytest.mark.slow


@pytest.fixture
async def topology(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stack]:
    topology = prepare(tmp_path / "var", monkeypatch)
    # A few persons in the registry, for the registry look-ups through the gateway.
    await topology.egov("registry", "seed", "--persons", "3", "--entities", "0")
    # The clerk is on the workstation's roster before the workstation starts (the CLI writes
    # to the provider's log; the running service reads the roster from it).
    await topology.egov(
        "provider", "staff", "appoint", CULTURE, CLERK, "Omarov Erlan", "--role", "office_clerk"
    )
    async with running(topology):
        yield topology


async def issue(topology: Stack, kind: str, out: Path, *args: str) -> Signer:
    await topology.egov(
        "pki", "issue", kind, *args, "--password", "applicant-pw", "--out", str(out)
    )
    return signer_from_key_file(out, "applicant-pw")


async def test_a_portal_request_reaches_the_workstation_and_its_status_the_cabinet(
    topology: Stack, tmp_path: Path
) -> None:
    applicant = await issue(
        topology, "person", tmp_path / "applicant.p12",
        "--iin", APPLICANT, "--name", "Seitkalieva Aigerim",
    )  # fmt: skip
    clerk = await issue(
        topology, "entity", tmp_path / "clerk.p12",
        "--bin", AKIMAT_BIN, "--iin", CLERK, "--role", "employee", "--name", "Omarov Erlan",
        "--organization", "Almaty Department of Culture and Archives",
    )  # fmt: skip

    async with httpx.AsyncClient(base_url=topology.urls["portal"], timeout=30) as http:
        portal = PortalClient(http)
        await portal.register(applicant, "Qazaqstan2019")
        await portal.login(APPLICANT, "Qazaqstan2019")
        answer = await portal.submit(
            applicant,
            "cultural_values_export",
            DOMBRA_FORM,
            [DOMBRA_SCAN],
        )
        request_id = str(answer["request_id"])

        async with httpx.AsyncClient(base_url=topology.urls["provider"], timeout=30) as provider:
            row = await eventually(
                lambda: inbox_row(provider, clerk, request_id), f"{request_id} in the clerk's inbox"
            )
        masked = f"{APPLICANT[:2]}******{APPLICANT[-4:]}"  # the inbox masks the IIN
        assert (row["applicant"], row["channel"], row["status"]) == (
            masked,
            "portal",
            "registered",
        )
        # Filed on the simulated day, when A@almaty-2018 was in force (the real date has none).
        assert (row["service"], row["version"], row["received_at"][:10]) == (
            "cultural_values_export",
            "almaty-2018",
            "2019-11-04",
        )

        async with httpx.AsyncClient(base_url=topology.urls["provider"], timeout=30) as provider:
            path = f"/provider/workstations/{CULTURE}/requests/{request_id}"
            view = (await signed_get(provider, clerk, path)).json()
        # One clock for the whole history: every event on the simulated day, as received_at.
        assert view["history"]
        assert {event["at"][:10] for event in view["history"]} == {"2019-11-04"}

        statuses = await eventually(
            lambda: registered_in_cabinet(portal, request_id),
            "the 'registered' status in the cabinet",
        )
        assert statuses[:3] == ["draft", "submitted", "registered"]

    # The gateway operator follows it with egov gateway trace (signed with the provisioned
    # operator key): a table of the hops, the request out and its status back.
    table = await topology.egov("gateway", "trace", request_id, "--url", topology.urls["gateway"])
    rows = [re.split(r"\s{2,}", line.strip()) for line in table.splitlines()]
    assert rows[0] == ["hop", "from", "to", "type", "state", "time (UTC)"]
    hops = {tuple(row[:5]) for row in rows[1:]}
    request = ("portal", CULTURE, "request.submitted.v1")
    assert ("central", *request, "accepted") in hops, table
    assert ("regional.almaty", *request, "relayed") in hops, table
    assert ("regional.almaty", *request, "DELIVERED") in hops, table
    assert ("central", CULTURE, "portal", "status.changed.v2", "DELIVERED") in hops, table
    raw = json.loads(
        await topology.egov(
            "gateway", "trace", request_id, "--url", topology.urls["gateway"], "--json"
        )
    )
    assert {r["correlation_id"] for r in raw} == {request_id}
    assert len(raw) == len([row for row in rows[1:] if len(row) == 6])  # a row per record


async def test_the_sync_channel_reaches_the_registry_on_this_runs_port(topology: Stack) -> None:
    """The portal's PSC look-up: signed with the provisioned portal key, admitted by the gateway
    (trust anchors, rules), forwarded with the gateway's own signature to the registry at the
    port of this run (the rules copy), verified there, answered back."""
    known = generate_population(3, 0, 1).persons[0].iin
    keys = topology.data_dir / "keys" / "portal"
    signer = signer_from_key_file(keys / "portal.p12", (keys / "password").read_text())
    async with httpx.AsyncClient(base_url=topology.urls["gateway"], timeout=30) as http:
        lookup = GatewayPersonLookup(http, signer)
        record = await lookup.person(known)
        assert record is not None
        assert record["iin"] == known
        assert await lookup.person(APPLICANT) is None  # not in the registry: 404 passed on
