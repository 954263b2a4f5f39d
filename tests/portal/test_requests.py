"""Points 2, 3 and 9: the catalog of versions in force, drafts validated against the form,
content-addressed attachments within limits, and condition 2 before anything is sent."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509

from portal_svc.domain import events
from shared.calendar import KzCalendar
from shared.pki.profiles import EntityRole
from shared.regulation.catalog import Catalog
from shared.regulation.engine import StepEngine
from shared.regulation.model import Channel
from tests.portal.conftest import ALMATY_2014, ORG_BIN, World, iin, person_holder

EXPORT_FORM = {
    "item_description": "A 19th-century dombra",
    "destination_country": "Kyrgyzstan",
    "return_date": "2020-03-01",
}


async def test_catalog_offers_only_versions_in_force_with_names_in_three_languages(
    world: World,
) -> None:
    response = await world.client.get("/catalog")
    assert response.status_code == 200
    offered = {(s["code"], s["version"]) for s in response.json()["services"]}
    # 4 November 2019: A@almaty-2018, C and D; not A@akmola-2013, A@almaty-2014, B or E.
    assert offered == {
        ("cultural_values_export", "almaty-2018"),
        ("minerals_absence_conclusion", "almaty-2019"),
        ("minerals_building_permit", "almaty-2019"),
    }
    export = next(s for s in response.json()["services"] if s["code"] == "cultural_values_export")
    assert set(export["name"]) == {"kk", "ru", "en"}
    assert export["term"] == "11 working days"
    assert [d["code"] for d in export["required_documents"]] == ["standard_p9_documents"]
    assert "portal" in export["channels"]
    assert export["form"][0]["prefilled_from"] == "registration"


@pytest.mark.parametrize("start", [ALMATY_2014])
async def test_catalog_follows_the_simulated_date(world: World) -> None:
    offered = {
        s["code"]: s["version"] for s in (await world.client.get("/catalog")).json()["services"]
    }
    assert offered == {
        "cultural_values_export": "almaty-2014",
        "restoration_approval": "almaty-2014",
    }


async def test_a_service_not_in_force_is_refused(world: World) -> None:
    headers = await world.signed_in(world.person(20))
    old = await world.client.post(
        "/requests", json={"service": "restoration_approval"}, headers=headers
    )
    assert old.status_code == 404
    assert old.json()["code"] == "service_not_in_force"
    unknown = await world.client.post("/requests", json={"service": "no_such"}, headers=headers)
    assert unknown.json()["code"] == "unknown_service"


async def test_form_is_validated_against_the_definition(world: World) -> None:
    headers = await world.signed_in(world.person(21))
    draft = await world.client.post(
        "/requests", json={"service": "cultural_values_export"}, headers=headers
    )
    request_id = draft.json()["request_id"]
    bad = await world.client.put(
        f"/requests/{request_id}/form",
        json={"form": {"item_description": "x", "return_date": "March", "colour": "red"}},
        headers=headers,
    )
    assert bad.status_code == 422
    problems = {(p["field"], p["code"]) for p in bad.json()["problems"]}
    assert problems == {
        ("colour", "UNKNOWN_FIELD"),
        ("destination_country", "REQUIRED"),
        ("return_date", "INVALID"),
    }
    # The applicant cannot put someone else's IIN in the prefilled field.
    good = await world.client.put(
        f"/requests/{request_id}/form",
        json={"form": {**EXPORT_FORM, "applicant_iin_bin": iin(99)}},
        headers=headers,
    )
    assert good.status_code == 200
    assert good.json()["form"]["applicant_iin_bin"] == iin(21)
    types = [e.type for e in await world.store.read_stream(events.request_stream(request_id))]
    assert types == [events.DRAFT_CREATED, events.FORM_FILLED]


async def test_attachments_are_limited_and_content_addressed(world: World) -> None:
    headers = await world.signed_in(world.person(22))
    request_id = await world.draft(headers, "cultural_values_export", EXPORT_FORM, ())
    url = f"/requests/{request_id}/documents/standard_p9_documents"

    async def put(content: bytes, media: str, code_url: str = url) -> tuple[int, str]:
        response = await world.client.put(
            code_url,
            params={"name": "scan.pdf"},
            content=content,
            headers={**headers, "Content-Type": media},
        )
        return response.status_code, response.json().get("code", "")

    assert await put(b"x" * (64 * 1024 + 1), "application/pdf") == (413, "attachment_too_large")
    assert await put(b"MZ\x90\x00", "application/x-msdownload") == (415, "attachment_type")
    assert await put(b"", "application/pdf") == (422, "attachment_empty")
    other = f"/requests/{request_id}/documents/passport"
    assert await put(b"%PDF", "application/pdf", other) == (422, "unknown_document")
    content = b"%PDF-1.4 the export documents"
    ok = await world.client.put(
        url,
        params={"name": "scan.pdf"},
        content=content,
        headers={**headers, "Content-Type": "application/pdf"},
    )
    assert ok.status_code == 200
    digest = hashlib.sha256(content).hexdigest()
    assert ok.json()["sha256"] == digest
    assert world.portal.service.blobs.get(digest) == content
    stream = await world.store.read_stream(events.request_stream(request_id))
    attached = [e for e in stream if e.type == events.DOCUMENT_ATTACHED]
    assert len(attached) == 1  # refused attachments left nothing behind
    assert attached[0].data["sha256"] == digest


async def test_signed_request_goes_to_the_regional_workstation(world: World) -> None:
    keys = world.person(23)
    headers = await world.signed_in(keys)
    request_id = await world.draft(
        headers, "cultural_values_export", EXPORT_FORM, ("standard_p9_documents",)
    )
    response = await world.sign(headers, request_id, keys.signing)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "submitted"
    await world.portal.relay.relay_once()
    [envelope] = world.envelopes()
    assert envelope["type"] == "request.submitted.v1"
    assert envelope["sender"] == "portal"
    assert envelope["recipient"] == "provider.almaty.culture"
    assert envelope["correlation_id"] == request_id
    assert envelope["body"]["applicant_iin"] == iin(23)
    assert envelope["body"]["documents"][0]["code"] == "standard_p9_documents"
    [submitted] = [
        e
        for e in await world.store.read_stream(events.request_stream(request_id))
        if e.type == events.REQUEST_SUBMITTED
    ]
    assert submitted.data["signer"]["iin"] == iin(23)
    assert submitted.data["message_id"] == envelope["message_id"]
    # 11 working days from Monday 4 November 2019 (term counts from the next day).
    assert submitted.data["deadline"].startswith("2019-11-19")
    # Sent: no more changes.
    late = await world.client.put(
        f"/requests/{request_id}/form", json={"form": EXPORT_FORM}, headers=headers
    )
    assert late.json()["code"] == "not_editable"


@pytest.mark.parametrize("start", [ALMATY_2014])
async def test_elicensing_route_sends_the_elicense_submission(world: World) -> None:
    keys = world.org_signer(24)
    headers = await world.signed_in(keys, bin_=ORG_BIN)
    request_id = await world.draft(headers, "restoration_approval", {}, ("standard_p9_documents",))
    assert (await world.sign(headers, request_id, keys.signing)).status_code == 200
    await world.portal.relay.relay_once()
    [envelope] = world.envelopes()
    assert envelope["type"] == "request.elicense.submit.v1"
    assert envelope["recipient"] == "elicense"
    body = envelope["body"]
    assert body["applicant_bin"] == ORG_BIN
    assert body["applicant_iin"] == iin(24)
    assert body["form"] == {"applicant_iin_bin": ORG_BIN}
    assert set(body) == {
        "request_id",
        "service",
        "version",
        "channel",
        "applicant_iin",
        "applicant_bin",
        "submitted_at",
        "form",
        "documents",
        "applicant_signature",
    }


@pytest.mark.parametrize("start", [ALMATY_2014])
async def test_only_who_may_sign_for_a_legal_entity_signs_its_request(world: World) -> None:
    # A certificate of the entity is not enough: its employee, accountant or HR officer may
    # log in and prepare a draft, but the first head or a person with the right to sign signs.
    for serial, role in ((31, EntityRole.EMPLOYEE), (32, EntityRole.FINANCE), (33, EntityRole.HR)):
        keys = world.org_signer(serial, role=role)
        headers = await world.signed_in(keys, bin_=ORG_BIN)
        request_id = await world.draft(
            headers, "restoration_approval", {}, ("standard_p9_documents",)
        )
        refused = await world.sign(headers, request_id, keys.signing)
        assert refused.status_code == 403, (role, refused.text)
        body = refused.json()
        assert body["code"] == "no_right_to_sign"
        assert body["role"] == [role.value]
        assert body["may_sign"] == ["first_head", "signer"]
        assert f"role in the legal entity is {role.value}" in body["detail"]
        [refusal] = [
            e
            for e in await world.store.read_stream(events.request_stream(request_id))
            if e.type == events.SUBMISSION_REFUSED
        ]
        assert refusal.data["code"] == "no_right_to_sign"
        shown = await world.client.get(f"/cabinet/requests/{request_id}", headers=headers)
        assert shown.json()["status"] == "rejected_signature"
    await world.portal.relay.relay_once()
    assert world.envelopes() == []

    signer = world.org_signer(34, role=EntityRole.SIGNER)  # holds the right to sign
    headers = await world.signed_in(signer, bin_=ORG_BIN)
    request_id = await world.draft(headers, "restoration_approval", {}, ("standard_p9_documents",))
    signed = await world.sign(headers, request_id, signer.signing)
    assert signed.status_code == 200, signed.text
    await world.portal.relay.relay_once()
    assert [e["body"]["applicant_bin"] for e in world.envelopes()] == [ORG_BIN]


async def _refusal(world: World, serial: int, signer_for: str) -> tuple[str, dict[str, str]]:
    keys = world.person(serial)
    headers = await world.signed_in(keys)
    request_id = await world.draft(
        headers, "cultural_values_export", EXPORT_FORM, ("standard_p9_documents",)
    )
    return request_id, headers


async def test_condition_2_refusals_are_named_and_nothing_is_sent(world: World) -> None:
    keys = world.person(25)
    headers = await world.signed_in(keys)
    request_id = await world.draft(
        headers, "cultural_values_export", EXPORT_FORM, ("standard_p9_documents",)
    )
    cases = []
    # Someone else's valid key: IIN mismatch.
    cases.append(("SUBJECT_MISMATCH", world.person(26).signing))
    # Expired certificate.
    expired = world.issue(
        person_holder(25),
        not_before=world.clock.now() - timedelta(days=400),
        validity=timedelta(days=365),
    )
    cases.append(("CERTIFICATE_EXPIRED", expired))
    # Revoked certificate.
    revoked, certificate = world.issue_with_certificate(person_holder(25))
    world.endpoint.revoke(certificate, x509.ReasonFlags.key_compromise)
    cases.append(("CERTIFICATE_REVOKED", revoked))
    # The authentication key is not for signing documents.
    cases.append(("SIGNATURE_NOT_CONFIRMED", keys.auth))
    for expected, signer in cases:
        response = await world.sign(headers, request_id, signer)
        assert response.status_code == 422, expected
        assert response.json()["code"] == expected
    # A signature over different content (the form changed after signing).
    payload = await world.client.get(f"/requests/{request_id}/signing-payload", headers=headers)
    stale = keys.signing.sign(payload.json()["payload"].encode())
    changed = {**EXPORT_FORM, "destination_country": "Uzbekistan"}
    await world.client.put(f"/requests/{request_id}/form", json={"form": changed}, headers=headers)
    over_other = await world.client.post(
        f"/requests/{request_id}/sign", json={"signature": stale}, headers=headers
    )
    assert over_other.json()["code"] == "SIGNATURE_NOT_CONFIRMED"
    assert over_other.json()["verification"] == "BAD_SIGNATURE"
    await world.portal.relay.relay_once()
    assert world.envelopes() == []
    refused = [
        e.data["code"]
        for e in await world.store.read_stream(events.request_stream(request_id))
        if e.type == events.SUBMISSION_REFUSED
    ]
    assert refused == [c for c, _ in cases] + ["SIGNATURE_NOT_CONFIRMED"]
    # The applicant signs properly after all.
    assert (await world.sign(headers, request_id, keys.signing)).status_code == 200


async def test_submission_needs_the_required_documents(world: World) -> None:
    keys = world.person(27)
    headers = await world.signed_in(keys)
    request_id = await world.draft(headers, "cultural_values_export", EXPORT_FORM, ())
    response = await world.sign(headers, request_id, keys.signing)
    assert response.status_code == 422
    assert response.json()["code"] == "documents_missing"
    assert response.json()["missing"] == ["standard_p9_documents"]


async def test_an_applicant_sees_only_their_own_requests(world: World) -> None:
    alice = await world.signed_in(world.person(28))
    bob = await world.signed_in(world.person(29))
    request_id = await world.draft(alice, "cultural_values_export", EXPORT_FORM, ())
    for method, url in (
        ("GET", f"/cabinet/requests/{request_id}"),
        ("GET", f"/requests/{request_id}/signing-payload"),
        ("PUT", f"/requests/{request_id}/form"),
    ):
        response = await world.client.request(
            method, url, headers=bob, json={"form": EXPORT_FORM} if method == "PUT" else None
        )
        assert response.status_code == 403, url
        assert response.json()["code"] == "not_yours"
    assert (await world.client.get("/cabinet/requests", headers=bob)).json() == {"requests": []}


async def test_cabinet_term_is_the_providers_for_a_term_counted_from_steps(
    world: World, catalog: Catalog, calendar: KzCalendar
) -> None:
    # 004 sets no term for the whole service, only each action's time, and the archive
    # search alone may take 30 calendar days: the term the cabinet shows before the
    # provider's first status must leave the actions after a full search their time, as the
    # provider's own term does, and depend on the channel.
    definition = catalog.get("archive_reference", "astana-2012")
    at = datetime(2013, 3, 4, 5, 0, tzinfo=UTC)
    full_search = calendar.add_calendar_days(at, 30)
    for channel in (Channel.PORTAL, Channel.PSC):
        shown = world.portal.service.deadline(definition, at, channel)
        assert shown == StepEngine(definition, calendar).request_deadline(at, channel)
        assert shown > full_search
