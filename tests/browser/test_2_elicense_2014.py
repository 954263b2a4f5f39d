"""The Almaty culture department's services of 2014 (000: A and B), which go through
E-licensing: the applicant files at the portal (elicense.kz lists them, but their channels are
the portal and the office), E-licensing registers the request and its staff of the department
work it on their desk. A: a citizen asks for the certificate for the temporary export of a
cultural value; the responsible executor registers the request, the head assigns the executor,
who checks the documents and prepares the result, the head signs the certificate with the EDS
and the office clerk hands it out; the citizen sees every status arrive and opens the signed
certificate. B: a restorer who reads Russian asks for the approval of restoration works; the
executor finds that he does not meet the grounds, and he reads the refusal with the
regulation's ground in Russian."""

from __future__ import annotations

import pytest
import yaml

from elicense_svc.pages.texts import TEXTS
from regulations import definitions_dir
from tests.browser.conftest import (
    AUTUMN_2014,
    ELICENSE_ALMATY,
    LICENSEE,
    RESTORER,
    World,
    expect,
)
from tests.browser.journeys import at_portal, desk_step, file_at_portal

pytestmark = pytest.mark.slow

# The form of 000 is the applicant's IIN, filled in from the registration: only the documents.
SCAN = {
    "code": "standard_p9_documents",
    "file": {"name": "kuzhattar.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 p9"},
}


def ground_name(service: str, code: str, language: str) -> str:
    """The name the definition of ``service`` (Almaty, 2014) gives a refusal ground."""
    path = definitions_dir() / f"{service}@almaty-2014.yaml"
    definition = yaml.safe_load(path.read_text(encoding="utf-8"))
    [ground] = [g for g in definition["refusal_grounds"] if g["code"] == code]
    return str(ground["name"][language])


def test_a_portal_filing_worked_on_elicensings_desk_to_the_certificate(world: World) -> None:
    world.move_to(AUTUMN_2014)
    clerk, executor, head = (ELICENSE_ALMATY[r] for r in ("office_clerk", "executor", "head"))

    # elicense.kz lists A of Almaty but does not take this version: she goes to the portal.
    citizen = world.page(LICENSEE)
    citizen.goto(world.url("elicense", "/apply"))
    listed = citizen.locator('[data-service="cultural_values_export"]')
    expect(listed.locator('[data-test="not-here"]')).to_have_text(
        TEXTS.text("apply.not_here", "kk")
    )
    expect(listed.get_by_role("link")).to_have_count(0)

    at_portal(world, LICENSEE)
    _, request_id = file_at_portal(world, LICENSEE, "cultural_values_export", {}, SCAN)
    citizen.evaluate("window.stillTheSamePage = true")
    status = citizen.locator("#current-status")
    expect(status).to_have_attribute("data-status", "registered")

    desk_step(world, executor, request_id, "act-register_portal-registered")
    expect(status).to_have_attribute("data-status", "under_review")
    desk_step(world, head, request_id, "act-assign_executor-assigned")
    expect(status).to_have_attribute("data-status", "in_progress")
    desk_step(world, executor, request_id, "act-check_documents-complete")
    expect(status).to_have_attribute("data-status", "result_forming")
    desk_step(world, executor, request_id, "act-prepare_result-result_drafted")
    expect(status).to_have_attribute("data-status", "signing")
    signed = desk_step(world, head, request_id, "draft-sign-signed")
    permit = signed.locator("a[href^='/desk/permits/']").inner_text()
    expect(status).to_have_attribute("data-status", "result_forming")
    card = desk_step(world, clerk, request_id, "act-hand_out-issued")
    expect(card.locator('[data-test="status"]')).to_have_attribute("data-status", "completed")
    expect(status).to_have_attribute("data-status", "completed")
    assert citizen.evaluate("window.stillTheSamePage") is True

    # The certificate: the permit the head signed, its signature checked now.
    citizen.locator("#result-link a").click()
    expect(citizen.locator("#result-decision")).to_have_attribute("data-decision", "issued")
    expect(citizen.locator("#result-number")).to_have_text(permit)
    expect(citizen.locator("#result-check")).to_have_attribute("data-code", "OK")
    assert world.signed(head) == 2  # signed in, signed the certificate


def test_b_refused_on_elicensings_desk_with_the_ground_in_russian(world: World) -> None:
    world.move_to(AUTUMN_2014)
    executor, head = ELICENSE_ALMATY["executor"], ELICENSE_ALMATY["head"]
    service = "restoration_approval"

    applicant = at_portal(world, RESTORER)
    _, request_id = file_at_portal(world, RESTORER, service, {}, SCAN)
    applicant.evaluate("window.stillTheSamePage = true")
    status = applicant.locator("#current-status")
    expect(status).to_have_attribute("data-status", "registered")

    desk_step(world, executor, request_id, "act-register_portal-registered")
    desk_step(world, head, request_id, "act-assign_executor-assigned")
    desk_step(world, executor, request_id, "act-check_documents-complete")
    expect(status).to_have_attribute("data-status", "result_forming")
    # The executor finds the applicant does not meet the grounds (000 p.10 condition 3).
    card = desk_step(world, executor, request_id, "act-prepare_result-applicant_non_compliant")
    expect(card.locator('[data-test="status"]')).to_have_attribute("data-status", "refused")
    expect(status).to_have_attribute("data-status", "refused")
    assert applicant.evaluate("window.stillTheSamePage") is True

    # The refusal, with the regulation's ground in the applicant's language (Russian).
    ground = ground_name(service, "APPLICANT_NON_COMPLIANT", "ru")
    expect(applicant.locator("html")).to_have_attribute("lang", "ru")
    expect(applicant.locator("#refusal-reason")).to_contain_text(ground)
    applicant.locator("#result-link a").click()
    expect(applicant.locator("#result-decision")).to_have_attribute("data-decision", "refused")
    expect(applicant.locator("#refusal-reason")).to_contain_text(ground)
