"""An applicant at elicense.kz (003, Akmola, 2013): signs in with her certificate, files the
cultural values export with its document and signs it; E-licensing's staff at the Akmola culture
department decide, draft the permit and sign it; the applicant sees her permit, and anybody can
check it on the public permit page."""

from __future__ import annotations

import re

import pytest

from elicense_svc.pages.texts import TEXTS
from tests.browser.conftest import (
    ELICENSE_EMPLOYEE,
    END_OF_003,
    LICENSEE,
    World,
    expect,
    press_to_sign,
    reload_until,
    screenshot,
    sign_in_here,
)
from tests.browser.journeys import request_in

pytestmark = pytest.mark.slow

SERVICE = "cultural_values_export"
DOCUMENT = {
    "name": "kuzhattar.pdf",
    "mimeType": "application/pdf",
    "buffer": b"%PDF-1.4 the Standard's documents",
}


def test_an_elicense_kz_filing_to_a_permit_checked_on_the_public_page(world: World) -> None:
    world.before(END_OF_003, "elicense.kz's cultural values export (003, April-June 2013)")
    applicant = world.page(LICENSEE)

    # She opens elicense.kz's services; filing asks her to sign in with her certificate.
    applicant.goto(world.url("elicense", "/apply"))
    applicant.locator(f"#apply-{SERVICE}").click()
    sign_in_here(applicant)
    expect(applicant.locator("#apply-form")).to_be_visible()
    expect(applicant.locator("[id='field.applicant_iin_bin']")).to_have_value(LICENSEE.iin)

    # The form comes back with its message when the document is missing; then with it.
    applicant.locator("#apply-next").click()
    expect(applicant.locator('[data-test="field-problem"]')).to_have_text(
        TEXTS.text("field.DOCUMENT_MISSING", "kk")
    )
    applicant.locator("[id='doc.standard_documents']").set_input_files(files=[DOCUMENT])
    applicant.locator("#apply-next").click()
    expect(applicant.locator('[data-test="application"]')).to_contain_text("kuzhattar.pdf")
    press_to_sign(applicant, "#sign-submit")

    # Filed: her request under the Akmola department's number, followed on her own page.
    expect(applicant.locator('[data-test="status"]')).to_be_visible()
    number = applicant.locator("h1").inner_text().split()[-1]
    assert re.fullmatch(r"AKM-CUL-2013-\d{6}", number), number

    # The department's employee signs in at E-licensing's desk and opens the request.
    staff = world.page(ELICENSE_EMPLOYEE)
    staff.goto(world.url("elicense", "/desk"))
    sign_in_here(staff)
    staff.get_by_role("link", name=number).click()
    # The registry's answer comes back through the gateway; then the step offers its outcomes.
    reload_until(staff, staff.locator("#draft-decide-certificate_issued"))
    staff.locator("#draft-decide-certificate_issued").click()
    expect(staff.locator('[data-test="document"]')).to_contain_text(LICENSEE.iin)
    screenshot(staff, "elicense-staff")
    press_to_sign(staff, "#sign-submit")
    expect(staff.locator('[data-test="status"]')).to_have_attribute("data-status", "completed")
    permit = staff.locator("a[href^='/desk/permits/']").inner_text()

    # The applicant updates her request's page: the permit is hers.
    applicant.locator("#refresh-status").click()
    expect(applicant.locator("#my-permit")).to_have_text(permit)
    screenshot(applicant, "elicense-applicant")

    # Anybody checks it on the public page: valid, its signature verified today.
    public = world.anonymous("ru")
    public.goto(world.url("elicense", "/check"))
    public.locator("#permit-number").fill(permit)
    public.locator("#check-submit").click()
    expect(public.locator('[data-test="permit-state"]')).to_have_attribute("data-state", "valid")
    expect(public.locator('[data-test="signature"]')).to_have_attribute("data-code", "OK")
    expect(public.locator('[data-test="permit-full"]')).to_have_count(0)  # never the holder
    expect(public.locator("main")).not_to_contain_text(LICENSEE.iin)
    screenshot(public, "permit-check")
    world.filed["elicense"] = request_in(applicant.url)
