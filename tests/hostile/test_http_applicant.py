"""A signed-in applicant sending hostile input to the portal, on the live stack: path traversal
and control characters in attachment names, injection strings in form fields, ids of requests
that are not theirs. Each is stored as data exactly or refused with its own code; no file is
written anywhere but the content-addressed attachment store."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import httpx
import pytest

from portal_svc.handlers import registration_bytes
from shared.ids import Gender, make_iin
from tests.hostile import generators
from tests.hostile.stack import Stack
from tests.hostile.test_http_identity import PASSWORD, issued

pytestmark = [pytest.mark.infra, pytest.mark.slow]

SERVICE = "cultural_values_export"  # in force on the stack's simulated day (2019-11-04)
DOCUMENT = "standard_p9_documents"


def is_path_or_control(name: str) -> bool:
    return (
        "/" in name
        or "\\" in name
        or name.strip() in {".", ".."}
        or any(unicodedata.category(c) in {"Cc", "Cf"} for c in name)
    )


async def signed_in(
    stack: Stack, tmp_path: Path, http: httpx.AsyncClient, serial: int
) -> dict[str, str]:
    iin = make_iin(date(1991, 4, 5), Gender.MALE, 800 + serial)
    signer = issued(stack, tmp_path, iin)
    registered = await http.post(
        "/auth/register",
        json={
            "iin": iin,
            "password": PASSWORD,
            "signature": signer.sign(registration_bytes(iin, None)),
        },
    )
    assert registered.status_code == 201, registered.text
    login = await http.post("/auth/login", json={"iin": iin, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


async def test_attachment_names_and_form_values_are_data_or_refused(
    stack: Stack, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=stack.urls["portal"], timeout=30) as http:
        auth = await signed_in(stack, tmp_path, http, 1)
        draft = await http.post("/requests", json={"service": SERVICE}, headers=auth)
        assert draft.status_code == 201, draft.text
        request_id = draft.json()["request_id"]
        names = [*generators.attachment_names(), "scan.pdf", "скан 2019.pdf"]
        for name in names:
            attached = await http.put(
                f"/requests/{request_id}/documents/{DOCUMENT}",
                params={"name": name},
                content=b"%PDF-1.4 a scan",
                headers={**auth, "content-type": "application/pdf"},
            )
            if is_path_or_control(name):
                assert attached.status_code == 422, (name, attached.text)
                assert attached.json()["code"] == "invalid_name", name
            else:
                assert attached.status_code == 200, (name, attached.text)
                assert attached.json()["name"] == name
        outcomes: dict[int, int] = {}
        for label, text in generators.hostile_strings():
            form = {
                "item_description": text,
                "destination_country": "Kyrgyzstan",
                "return_date": "2020-03-01",
            }
            filled = await http.put(
                f"/requests/{request_id}/form", json={"form": form}, headers=auth
            )
            outcomes[filled.status_code] = outcomes.get(filled.status_code, 0) + 1
            if "\x00" in text:
                assert (filled.status_code, filled.json()["code"]) == (400, "invalid_characters")
            elif filled.status_code == 200:
                assert filled.json()["form"]["item_description"] == text, label
            else:
                body = filled.json()
                assert filled.status_code in (413, 422), (label, filled.text)
                assert body["code"] in {"body_too_large", "invalid_form"}, (label, body)
        assert outcomes.get(200, 0) >= 20, outcomes  # the injection strings were stored as data
        # Another applicant's request: refused as not theirs, ids with tricks as unknown.
        other = await signed_in(stack, tmp_path, http, 2)
        theirs = await http.get(f"/cabinet/requests/{request_id}", headers=other)
        assert (theirs.status_code, theirs.json()["code"]) == (403, "not_yours")
        for segment in generators.path_segments():
            tricked = await http.get(f"/cabinet/requests/{segment}", headers=auth)
            assert tricked.status_code in (400, 404, 422), (segment, tricked.text)
    # Attachments are stored by their SHA-256 only: no name reached the file system.
    store = stack.data_dir / "portal" / "attachments"
    stored = [p for p in store.rglob("*") if p.is_file()]
    assert stored, "the accepted attachments were stored"
    assert all(re.fullmatch(r"[0-9a-f]{64}", p.name) for p in stored), stored
