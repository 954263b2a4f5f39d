"""The gateway's operator routes answer only its operator's signed calls (the simulation
operator may read the log and traces), and the log shows IINs and BINs in full only to the
gateway's operator."""

from __future__ import annotations

import uuid

import pytest

from gateway_svc.routes import masked
from shared.envelope import Envelope
from tests.gateway import test_http
from tests.gateway.conftest import SystemCert, envelope
from tests.gateway.test_http import OperatorAuth, Served

served = test_http.served  # the in-process gateway, as test_http serves it

IIN = "900101300126"
OPERATOR_ROUTES = [
    ("GET", "/trace/c-1", None),
    ("GET", "/messages", None),
    ("GET", "/parked", None),
    ("POST", f"/parked/{uuid.uuid4()}/portal/redrive", None),
    ("POST", f"/parked/{uuid.uuid4()}/portal/stop", {"reason": "gone for good"}),
    ("POST", "/admin/rules/reload", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OPERATOR_ROUTES)
async def test_an_unsigned_call_is_refused(
    served: Served, method: str, path: str, body: object
) -> None:
    response = await served.client.request(method, path, json=body, auth=None)
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "SIGNATURE_MISSING"


@pytest.mark.parametrize(("method", "path", "body"), OPERATOR_ROUTES)
async def test_a_citizen_and_a_system_are_refused_naming_the_role(
    served: Served,
    operators: dict[str, SystemCert],
    systems: dict[str, SystemCert],
    method: str,
    path: str,
    body: object,
) -> None:
    for who in (operators["citizen"], systems["portal"]):
        response = await served.client.request(
            method, path, json=body, auth=OperatorAuth(who.signer)
        )
        assert response.status_code == 403, (who.system_id, response.text)
        assert response.json()["code"] == "ROLE_REQUIRED"
        assert "gateway_operator" in response.json()["message"]


async def test_the_simulation_operator_reads_the_log_but_does_not_operate(
    served: Served, operators: dict[str, SystemCert]
) -> None:
    auth = OperatorAuth(operators["simulation"].signer)
    assert (await served.client.get("/messages", auth=auth)).status_code == 200
    parked = await served.client.get("/parked", auth=auth)
    assert (parked.status_code, parked.json()["code"]) == (403, "ROLE_REQUIRED")
    reload = await served.client.post("/admin/rules/reload", auth=auth)
    assert reload.status_code == 403


async def test_iins_are_masked_for_all_but_the_gateway_operator(
    served: Served, systems: dict[str, SystemCert], operators: dict[str, SystemCert]
) -> None:
    request = envelope(
        "elicense", "registry", type_="registry.query.person.v1", body={"iin": IIN}
    ).signed(systems["elicense"].signer)
    sent = await served.client.post("/sync/registry.person", content=request.model_dump_json())
    assert sent.status_code == 200, sent.text
    path = f"/trace/{request.correlation_id}"

    full = (await served.client.get(path)).json()
    assert IIN in str(full)
    shown = await served.client.get(path, auth=OperatorAuth(operators["simulation"].signer))
    assert shown.status_code == 200
    assert IIN not in shown.text
    assert "90******0126" in shown.text
    # Only identifiers change: the records, hashes and ids are as the operator sees them.
    assert [(e["record"], e["request_sha256"]) for e in shown.json()] == [
        (e["record"], e["request_sha256"]) for e in full
    ]
    kept = Envelope.model_validate_json(shown.json()[0]["raw"])
    assert kept.message_id == request.message_id
    assert kept.body["iin"] == "90******0126"


def test_masking_touches_iins_and_bins_only() -> None:
    entry = {
        "record": "SYNC_REQUEST",
        "url": f"http://registry/persons/{IIN}",
        "subject": f"SERIALNUMBER=IIN{IIN},OU=BIN050140000656",
        "message_id": "4f6c2f7e-0c7b-4b7e-9d39-123456789012",
        "body_sha256": "123456789012" + "a" * 52,
        "nested": [{"iin": IIN}],
        "position": 123456789012,
    }
    assert masked(entry) == {
        "record": "SYNC_REQUEST",
        "url": "http://registry/persons/90******0126",
        "subject": "SERIALNUMBER=IIN90******0126,OU=BIN05******0656",
        "message_id": "4f6c2f7e-0c7b-4b7e-9d39-123456789012",
        "body_sha256": "123456789012" + "a" * 52,
        "nested": [{"iin": "90******0126"}],
        "position": 123456789012,
    }
