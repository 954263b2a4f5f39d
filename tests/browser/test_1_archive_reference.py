"""An archive reference (004, Astana, 2013), two ways. A visitor at the Astana Public Service
Center: the operator signs in with the center's certificate, files the reference for the visitor
from their IIN, attaches the scanned application, signs it with their own key; the archivist at
the Astana archives' workstation finds it in the inbox, decides and signs the reference over to
the center; the operator sees the result arrive and hands it out in person. A citizen at the
portal: she files it herself with her scan and signs it, the archivist signs the reference to
her cabinet, and she watches it arrive and checks its signature."""

from __future__ import annotations

import pytest

from portal_svc.pages.texts import PAGE_TEXTS
from tests.browser.conftest import (
    ARCHIVIST,
    END_OF_003,
    LICENSEE,
    PSC_OPERATOR,
    VISITOR,
    World,
    expect,
    press_to_sign,
    reload_until,
    screenshot,
    sign_in_here,
)
from tests.browser.journeys import at_portal, do_step, file_at_portal, request_in

pytestmark = pytest.mark.slow

SCAN = {"name": "otinish.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 otinish"}


def test_a_psc_filing_from_the_visitors_iin_to_the_hand_out(world: World) -> None:
    world.before(END_OF_003, "the PSC desk's archive reference (004, 2012-2014)")
    desk = world.page(PSC_OPERATOR)

    # The operator opens the desk and is sent to sign in with the center's certificate.
    desk.goto(world.url("portal", "/psc/desk"))
    sign_in_here(desk, "#sign-in-submit")
    expect(desk.locator("#operator")).to_contain_text(PSC_OPERATOR.iin)

    # The visitor asks for an archive reference: the form of 004, from their IIN.
    desk.locator("#new-archive_reference").click()
    desk.locator("#applicant-iin").fill(VISITOR.iin)
    desk.locator("#field-subject").fill("Еңбек кітапшасы, 1995-2001, Целиноград")
    desk.locator("#field-delivery").select_option("in_person")
    desk.locator("#desk-new-submit").click()
    expect(desk.locator("#request-applicant")).to_have_text(VISITOR.iin)
    request_id = request_in(desk.url)

    # The scanned application, then the operator's own signature over the exact request.
    desk.locator("#file-application_and_originals").set_input_files(files=[SCAN])
    desk.locator("#attach-application_and_originals").click()
    expect(desk.locator('[data-attached="application_and_originals"]')).to_contain_text(
        "otinish.pdf"
    )
    expect(desk.locator("#sign-payload")).to_contain_text(VISITOR.iin)
    press_to_sign(desk, "#sign-operator")
    expect(desk.locator("#current-status")).not_to_have_attribute("data-status", "draft")
    expect(desk.locator("#sign-operator")).to_have_count(0)

    # The archivist signs in at the Astana archives' workstation; the request is in the inbox.
    archives = world.page(ARCHIVIST)
    archives.goto(world.url("provider", f"/workstations/{ARCHIVIST.workstation}/inbox"))
    sign_in_here(archives)
    row = archives.locator(f'[data-test="request-{request_id}"]')
    reload_until(archives, row)
    expect(row).to_contain_text(VISITOR.iin[:2] + "******" + VISITOR.iin[-4:])
    row.get_by_role("link").click()
    expect(archives.locator("#documents")).to_contain_text("otinish.pdf")

    # The reference is prepared, then signed over to the center (004 process 7).
    archives.locator("#action-search_and_decide-reference_prepared-submit").click()
    expect(archives.locator("#done")).to_be_visible()
    press_to_sign(archives, "#action-sign_output-to_psc button[type=submit]")
    expect(archives.locator("#done")).to_be_visible()
    expect(archives.locator("#no-actions")).to_be_visible()  # it waits for the center now
    assert world.signed(ARCHIVIST.key) == 2  # signed in, signed the reference

    # Back at the desk the result is in: the operator hands it out in person.
    desk.reload()
    reload_until(desk, desk.locator("#hand-out-form"))
    expect(desk.locator("#result-number")).not_to_be_empty()
    screenshot(desk, "psc-operator")
    desk.locator("#how-in-person").check()
    desk.locator("#hand-out-submit").click()
    expect(desk.locator("#handed-out")).to_contain_text(PAGE_TEXTS.text("desk.how.in_person", "kk"))
    reload_until(desk, desk.locator('#current-status[data-status="completed"]'))
    world.filed["psc"] = request_id


def test_a_citizen_files_it_at_the_portal_and_receives_it_in_her_cabinet(world: World) -> None:
    world.before(END_OF_003, "the archive reference of 2013 (004, 2012-2014)")
    citizen = at_portal(world, LICENSEE)
    form = {"subject": "Жер учаскесін бөлу туралы шешім, 1998", "delivery": "cabinet"}
    document = {"code": "application_and_originals", "file": SCAN}
    _, request_id = file_at_portal(world, LICENSEE, "archive_reference", form, document)
    citizen.evaluate("window.stillTheSamePage = true")

    # The archivist prepares the reference and signs it to the citizen's cabinet.
    do_step(world, ARCHIVIST, request_id, "action-search_and_decide-reference_prepared")
    do_step(world, ARCHIVIST, request_id, "action-sign_output-reference_to_cabinet")
    expect(citizen.locator("#current-status")).to_have_attribute("data-status", "completed")
    assert citizen.evaluate("window.stillTheSamePage") is True

    citizen.locator("#result-link a").click()
    expect(citizen.locator("#result-decision")).to_have_attribute("data-decision", "issued")
    expect(citizen.locator("#result-check")).to_have_attribute("data-code", "OK")
