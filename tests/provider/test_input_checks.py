"""A paper application's input is checked before anything is asked, numbered or stored: a number
JSON cannot carry (``1e999``, ``NaN``, ``-Infinity``) and a file name that is a path or holds
control characters are refused with 422 and a specific code, nothing reaches the registry or
the log; an action's fields take only what their type allows."""

from __future__ import annotations

import httpx
import pytest

from tests.provider.conftest import APPLICANT, Harness
from tests.provider.test_api import call, client
from tests.provider.test_flows import CULTURE

__all__ = ["client"]

PATH = f"/provider/workstations/{CULTURE}/paper-applications"


async def _log_size(h: Harness) -> int:
    return len(await h.store.read_all(limit=100_000))


@pytest.mark.parametrize("number", ["1e999", "NaN", "-Infinity"])
async def test_a_paper_form_number_json_cannot_carry_is_refused_before_anything_is_stored(
    almaty: Harness, client: httpx.AsyncClient, number: str
) -> None:
    _, clerk = await almaty.hire(CULTURE, "office_clerk")
    before = await _log_size(almaty)
    # ``float("1e999")`` is infinity: the JSON sent reads ``Infinity``, parsed to the same float.
    body = {
        "service": "A",
        "applicant_iin": APPLICANT,
        "form": {"item": "vase", "weight": float(number)},
        "documents": [{"code": "standard_p9_documents", "sha256": "cd" * 32}],
    }
    refused = await call(client, clerk, "POST", PATH, body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "not_a_json_number"
    assert "form.weight" in refused.json()["message"]
    assert almaty.registry.asked == []
    assert await _log_size(almaty) == before


@pytest.mark.parametrize("name", ["../../x\r\nX-Injected: 1", "..", "scan\u202efdp.exe"])
async def test_a_paper_scan_named_as_a_path_or_with_control_characters_is_refused(
    almaty: Harness, client: httpx.AsyncClient, name: str
) -> None:
    _, clerk = await almaty.hire(CULTURE, "office_clerk")
    body = {
        "service": "A",
        "applicant_iin": APPLICANT,
        "form": {"item": "vase"},
        "documents": [{"code": "standard_p9_documents", "sha256": "cd" * 32, "name": name}],
    }
    refused = await call(client, clerk, "POST", PATH, body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_file_name"
    assert almaty.registry.asked == []


@pytest.mark.parametrize("number", ["1e999", "NaN", "-Infinity"])
async def test_an_action_with_a_number_where_a_name_belongs_is_refused(
    almaty: Harness, client: httpx.AsyncClient, number: str
) -> None:
    _, clerk = await almaty.hire(CULTURE, "office_clerk")
    path = f"/provider/workstations/{CULTURE}/requests/any/actions"
    refused = await call(
        client, clerk, "POST", path, {"step": "register", "outcome": float(number)}
    )
    assert refused.status_code == 422, refused.text
