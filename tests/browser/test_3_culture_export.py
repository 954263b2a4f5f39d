"""A citizen exports a dombra for an exhibition (001: A, Almaty, 2018): she registers at the
portal and signs in, files the request with its scan and signs it through her signer; at the
Almaty culture department the clerk registers it, the head appoints the executor, the executor
sends it to the expert commission, the commission examines it, the executor writes the
conclusion up and drafts the certificate, the head signs it, the clerk hands it out. The
citizen watches each status arrive on her request's page without reloading it, then opens the
result, its signature checked, and downloads the PDF."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    AUTUMN_2019,
    CITIZEN,
    CULTURE_STAFF,
    World,
    expect,
    reload_until,
    screenshot,
)
from tests.browser.journeys import (
    do_step,
    file_at_portal,
    register_and_sign_in,
    sign_in_to_workstation,
)

pytestmark = pytest.mark.slow

FORM = {
    "item_description": "Домбыра, XIX ғасыр, ұзындығы 98 см",
    "destination_country": "Қырғызстан",
    "return_date": "2020-03-01",
}
SCAN = {
    "code": "standard_p9_documents",
    "file": {"name": "qujattar.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 p9"},
}


def test_a_citizen_files_a_and_the_culture_department_works_it_to_the_certificate(
    world: World,
) -> None:
    world.move_to(AUTUMN_2019)
    citizen = register_and_sign_in(world, CITIZEN)
    _, request_id = file_at_portal(world, CITIZEN, "cultural_values_export", FORM, SCAN)
    world.filed["A"] = request_id
    # From here on the citizen only watches: a mark that a reload would wipe.
    citizen.evaluate("window.stillTheSamePage = true")
    status = citizen.locator("#current-status")
    expect(status).to_have_attribute("data-status", "registered")

    clerk, head = CULTURE_STAFF["clerk"], CULTURE_STAFF["head"]
    executor, expert = CULTURE_STAFF["executor"], CULTURE_STAFF["expert"]
    inbox = sign_in_to_workstation(world, clerk)
    reload_until(inbox, inbox.locator(f'[data-test="request-{request_id}"]'))
    screenshot(inbox, "workstation-clerk")
    do_step(world, clerk, request_id, "action-register-registered")
    expect(status).to_have_attribute("data-status", "under_review")
    do_step(world, head, request_id, "action-review_and_assign-executor_assigned")
    expect(status).to_have_attribute("data-status", "in_progress")
    do_step(world, executor, request_id, "action-send_to_commission-sent")
    do_step(world, expert, request_id, "action-expertise-examined")
    do_step(world, executor, request_id, "action-write_up_conclusion-conclusion_written")
    expect(status).to_have_attribute("data-status", "result_forming")
    do_step(
        world, executor, request_id, "action-draft_result-certificate_drafted",
        shot="workstation-executor",
    )  # fmt: skip
    expect(status).to_have_attribute("data-status", "signing")
    signed = do_step(world, head, request_id, "action-sign-signed", shot="workstation-head")
    expect(signed.locator("#result")).to_contain_text(head.surname.upper())
    expect(status).to_have_attribute("data-status", "result_forming")
    do_step(world, clerk, request_id, "action-hand_out-certificate_issued")
    expect(status).to_have_attribute("data-status", "completed")

    # Every status arrived on the page the citizen kept open.
    assert citizen.evaluate("window.stillTheSamePage") is True
    expect(citizen.locator("#result-link")).to_be_visible()
    screenshot(citizen, "citizen")

    # The result: the certificate, its signature checked now, and its PDF.
    citizen.locator("#result-link a").click()
    expect(citizen.locator("#result-decision")).to_have_attribute("data-decision", "issued")
    expect(citizen.locator("#result-check")).to_have_attribute("data-code", "OK")
    with citizen.expect_download() as download:
        citizen.locator("#result-pdf").click()
    pdf = download.value
    assert pdf.path().read_bytes()[:5] == b"%PDF-"
    assert world.signed(head.key) == 2  # signed in, signed the certificate
