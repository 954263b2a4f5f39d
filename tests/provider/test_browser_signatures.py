"""The workstation's result document signed in a browser (NCALayer or `egov signer`: a detached
CMS) is accepted as the staff member's EDS, and refused with the JWS path's codes when it is over
other bytes or by another person. The staff's signed calls stay JWS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from provider_svc.domain.documents import signing_bytes
from tests.provider.conftest import Harness, applicant_body
from tests.provider.test_api import _client, call
from tests.provider.test_flows import CULTURE
from tests.signer.support import BrowserSigner

GROUNDS = {"kk": "Құжаттар толық емес", "ru": "Документы неполные"}
BASE = f"/provider/workstations/{CULTURE}"


@pytest.fixture
async def client(almaty: Harness) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _client(almaty):
        yield http


async def _at_review(h: Harness, client: httpx.AsyncClient) -> tuple[str, Any, dict[str, Any]]:
    """A request registered and at the head's review; the head, and the refusal's draft."""
    rid = await h.deliver(
        sender="portal", recipient=CULTURE, service_code="A", body=applicant_body()
    )
    _, clerk = await h.hire(CULTURE, "office_clerk")
    _, head = await h.hire(CULTURE, "head")
    registered = await call(
        client,
        clerk,
        "POST",
        f"{BASE}/requests/{rid}/actions",
        {"step": "register", "outcome": "registered"},
    )
    assert registered.status_code == 200, registered.text
    draft = await call(
        client,
        head,
        "POST",
        f"{BASE}/requests/{rid}/draft",
        {"outcome": "documents_non_compliant", "grounds": GROUNDS},
    )
    assert draft.status_code == 200, draft.text
    return rid, head, draft.json()


async def _refuse(
    h: Harness, client: httpx.AsyncClient, rid: str, head: Any, signature: str
) -> httpx.Response:
    return await call(
        client,
        head,
        "POST",
        f"{BASE}/requests/{rid}/actions",
        {
            "step": "review_and_assign",
            "outcome": "documents_non_compliant",
            "grounds": GROUNDS,
            "document_signature": signature,
        },
    )


def _browser(h: Harness, role: str) -> BrowserSigner:
    staff_iin, _ = h.staff[(CULTURE, role)]
    return BrowserSigner(h.key_files[staff_iin])


async def test_the_head_signs_the_result_in_a_browser(
    almaty: Harness, client: httpx.AsyncClient
) -> None:
    rid, head, draft = await _at_review(almaty, client)
    signature = _browser(almaty, "head").sign(signing_bytes(draft))
    done = await _refuse(almaty, client, rid, head, signature)
    assert done.status_code == 200, done.text
    assert done.json()["finished"] == "refused"
    assert done.json()["result"]["signature"] == signature
    assert signature.startswith("-----BEGIN CMS-----")


async def test_another_persons_cms_is_refused_as_their_jws_is(
    almaty: Harness, client: httpx.AsyncClient
) -> None:
    rid, head, draft = await _at_review(almaty, client)
    _, clerk = almaty.staff[(CULTURE, "office_clerk")]
    by_jws = await _refuse(almaty, client, rid, head, clerk.sign(signing_bytes(draft)))
    cms = _browser(almaty, "office_clerk").sign(signing_bytes(draft))
    by_cms = await _refuse(almaty, client, rid, head, cms)
    assert (by_jws.status_code, by_jws.json()["code"]) == (422, "signature_subject_mismatch")
    assert (by_cms.status_code, by_cms.json()["code"]) == (422, "signature_subject_mismatch")


async def test_a_cms_over_other_bytes_is_refused_as_a_jws_is(
    almaty: Harness, client: httpx.AsyncClient
) -> None:
    rid, head, draft = await _at_review(almaty, client)
    other = signing_bytes({**draft, "grounds": {"kk": "басқа", "ru": "другое"}})
    by_jws = await _refuse(almaty, client, rid, head, head.sign(other))
    by_cms = await _refuse(almaty, client, rid, head, _browser(almaty, "head").sign(other))
    assert (by_jws.status_code, by_jws.json()["code"]) == (422, "signature_bad_signature")
    assert (by_cms.status_code, by_cms.json()["code"]) == (422, "signature_bad_signature")
