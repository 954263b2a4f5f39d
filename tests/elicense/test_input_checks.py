"""Staff intake input is checked before a request number is allocated: a number that JSON
cannot carry canonically (``1e999``, ``NaN``, ``-Infinity``) or a file name that is a path or
carries control characters is refused with 422 and a specific code, and the next good request
still gets the next number in the gap-free sequence."""

from __future__ import annotations

import httpx
import pytest

from shared.bus.memory import InMemoryBus
from shared.envelope import Envelope
from tests.elicense.conftest import ALMATY_CULTURE_BIN, APPLICANT_IIN, CLERK_IIN, Pki
from tests.elicense.test_app import signed_call, world

__all__ = ["world"]

World = tuple[httpx.AsyncClient, InMemoryBus, list[Envelope]]


@pytest.mark.parametrize("number", ["1e999", "NaN", "-Infinity"])
async def test_a_number_json_cannot_carry_is_refused_before_numbering(
    world: World, pki: Pki, number: str
) -> None:
    client, _, _ = world
    call = signed_call(client)
    clerk = pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN)
    # ``float("1e999")`` is infinity: the JSON sent reads ``Infinity``, which Python's parser
    # takes as the same float ``1e999`` gives.
    body = {
        "request_id": "desk-bad",
        "service": "B",
        "applicant_iin": APPLICANT_IIN,
        "form": {"quantity": float(number)},
    }
    refused = await call(clerk, "POST", "/staff/requests", body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "NOT_A_JSON_NUMBER"
    assert "form.quantity" in refused.json()["message"]
    good = await call(
        clerk,
        "POST",
        "/staff/requests",
        {"request_id": "desk-1", "service": "B", "applicant_iin": APPLICANT_IIN},
    )
    assert good.status_code == 201, good.text
    assert good.json()["number"] == "ALA-CUL-2014-000001"  # no number was burnt


@pytest.mark.parametrize("name", ["../../x\r\nX-Injected: 1", "..", "a/b.pdf", "scan\u202efdp.exe"])
async def test_a_file_name_that_is_a_path_or_holds_control_characters_is_refused(
    world: World, pki: Pki, name: str
) -> None:
    client, _, _ = world
    call = signed_call(client)
    clerk = pki.staff(CLERK_IIN, ALMATY_CULTURE_BIN)
    scan = {"code": "standard_p9_documents", "name": name, "content_base64": "JVBERi0x"}
    refused = await call(
        clerk,
        "POST",
        "/staff/requests",
        {
            "request_id": "desk-n",
            "service": "B",
            "applicant_iin": APPLICANT_IIN,
            "documents": [scan],
        },
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "INVALID_FILE_NAME"
    good = await call(
        clerk,
        "POST",
        "/staff/requests",
        {"request_id": "desk-1", "service": "B", "applicant_iin": APPLICANT_IIN},
    )
    assert good.json()["number"] == "ALA-CUL-2014-000001"
    attached = await call(clerk, "POST", "/staff/requests/desk-1/documents", {"documents": [scan]})
    assert attached.status_code == 422
    assert attached.json()["code"] == "INVALID_FILE_NAME"
