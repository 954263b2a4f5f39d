"""Only the right role acts at the НУЦ and the registries: the registration authority issues and
revokes (a holder revokes their own certificate), a system's key leaves the CA once per valid
certificate, registrars write the registries, and registrars and the gateway read them."""

from __future__ import annotations

import base64

import httpx
import pytest

from registry_svc.components import RegistryComponents
from registry_svc.domain.ca import CA_STREAM, CERTIFICATE_ISSUED
from shared.eventlog.sqlite import SqliteEventStore
from shared.pki import oids
from shared.pki.jws import JwsSigner
from shared.pki.pkcs12 import load_pkcs12
from shared.pki.profiles import Individual, simulator_operator
from tests.registry.conftest import person_signer, system_signer
from tests.registry.test_api_registry import ENTITY, PERSON, call

PORTAL = {"kind": "system", "system_id": "portal", "password": "pw"}


def refused(response: httpx.Response, needed: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["code"] == "ROLE_REQUIRED"
    assert needed in body["message"]


# --- the НУЦ --------------------------------------------------------------------------------


async def test_citizen_cannot_get_the_portals_key(
    client: httpx.AsyncClient, citizen: JwsSigner
) -> None:
    refused(await call(client, citizen, "POST", "/ca/certificates", PORTAL), "ra_operator")


async def test_citizen_cannot_revoke_anothers_certificate(
    client: httpx.AsyncClient, components: RegistryComponents, citizen: JwsSigner
) -> None:
    other = await system_signer(components, "portal")
    target = f"/ca/certificates/{other.identity.serial}/revocation"
    refused(await call(client, citizen, "POST", target, {"reason": "keyCompromise"}), "holder")
    status = await call(client, other, "GET", f"/ca/certificates/{other.identity.serial}")
    assert status.json()["status"] == "good"


async def test_holder_revokes_their_own_certificate(
    client: httpx.AsyncClient, citizen: JwsSigner
) -> None:
    target = f"/ca/certificates/{citizen.identity.serial}/revocation"
    response = await call(client, citizen, "POST", target, {"reason": "keyCompromise"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked"


async def test_ra_issues_a_system_certificate_once_then_only_as_a_reissue(
    client: httpx.AsyncClient, ra: JwsSigner, store: SqliteEventStore
) -> None:
    first = await call(client, ra, "POST", "/ca/certificates", PORTAL)
    assert first.status_code == 201, first.text
    key = load_pkcs12(base64.b64decode(first.json()["pkcs12_base64"]), password="pw")
    assert key.certificate.subject.rfc4514_string().startswith("C=KZ")

    again = await call(client, ra, "POST", "/ca/certificates", PORTAL)
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "system_certificate_valid"
    assert first.json()["serial"] in again.json()["message"]

    reissued = await call(client, ra, "POST", "/ca/certificates", {**PORTAL, "reissue": True})
    assert reissued.status_code == 201, reissued.text
    events = [e for e in await store.read_stream(CA_STREAM) if e.type == CERTIFICATE_ISSUED]
    flagged = {e.data["serial"]: e.data.get("reissue", False) for e in events}
    assert flagged[first.json()["serial"]] is False
    assert flagged[reissued.json()["serial"]] is True
    assert str(events[-1].data["requested_by"]).startswith("OPERATOR REGISTRATION")


async def test_a_revoked_systems_certificate_is_replaced_without_the_flag(
    client: httpx.AsyncClient, ra: JwsSigner
) -> None:
    first = (await call(client, ra, "POST", "/ca/certificates", PORTAL)).json()
    target = f"/ca/certificates/{first['serial']}/revocation"
    assert (await call(client, ra, "POST", target, {"reason": "superseded"})).status_code == 200
    assert (await call(client, ra, "POST", "/ca/certificates", PORTAL)).status_code == 201


async def test_an_operator_of_another_role_is_not_the_ra(
    client: httpx.AsyncClient, components: RegistryComponents
) -> None:
    gateway_operator = await person_signer(
        components,
        simulator_operator(
            Individual("800101300125", "Operator", "Gateway"), (oids.ROLE_GATEWAY_OPERATOR,)
        ),
    )
    refused(await call(client, gateway_operator, "POST", "/ca/certificates", PORTAL), "ra_operator")


# --- ГБД ФЛ / ГБД ЮЛ ------------------------------------------------------------------------


@pytest.fixture
async def registered(client: httpx.AsyncClient, ra: JwsSigner) -> None:
    assert (await call(client, ra, "POST", "/persons", PERSON)).status_code == 201
    assert (await call(client, ra, "POST", "/legal-entities", ENTITY)).status_code == 201


@pytest.mark.usefixtures("registered")
async def test_citizen_reads_no_one_elses_record(
    client: httpx.AsyncClient, citizen: JwsSigner
) -> None:
    refused(await call(client, citizen, "GET", "/persons/900101300126"), "system:gateway")
    refused(await call(client, citizen, "GET", "/legal-entities/050140000656"), "registrar")


@pytest.mark.usefixtures("registered")
async def test_citizen_changes_no_record(client: httpx.AsyncClient, citizen: JwsSigner) -> None:
    change = {"status": "deceased"}
    refused(await call(client, citizen, "PATCH", "/persons/900101300126", change), "registrar")
    takeover = {"head_iin": "851231400011"}
    refused(
        await call(client, citizen, "PATCH", "/legal-entities/050140000656", takeover),
        "registrar",
    )


async def test_citizen_registers_no_one(client: httpx.AsyncClient, citizen: JwsSigner) -> None:
    refused(await call(client, citizen, "POST", "/persons", PERSON), "registrar")


@pytest.mark.usefixtures("registered")
async def test_the_gateway_reads_and_an_other_system_does_not(
    client: httpx.AsyncClient, components: RegistryComponents, gateway: JwsSigner
) -> None:
    found = await call(client, gateway, "GET", "/persons/900101300126")
    assert found.status_code == 200
    assert (await call(client, gateway, "GET", "/legal-entities/050140000656")).status_code == 200
    refused(await call(client, gateway, "PATCH", "/persons/900101300126", {}), "registrar")
    portal = await system_signer(components, "portal")
    refused(await call(client, portal, "GET", "/persons/900101300126"), "system:gateway")


@pytest.mark.usefixtures("registered")
async def test_registrar_changes_a_company_head(client: httpx.AsyncClient, ra: JwsSigner) -> None:
    changed = await call(
        client, ra, "PATCH", "/legal-entities/050140000656", {"head_iin": "851231400011"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["head_iin"] == "851231400011"
