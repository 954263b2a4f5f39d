# ruff: noqa: RUF001 - the Kazakh and Russian texts are Cyrillic on purpose
"""The Almaty green economy department's services of 2019 (002), filed at the portal and worked
on its workstation. C: a citizen who reads Russian asks for a conclusion on the absence of
minerals under a building site; the department registers it, the head sends it to the deputy,
the deputy accepts it, the specialist finds the applicant does not meet the grounds and drafts
a reasoned refusal, the deputy endorses it and the head signs it. The citizen sees the statuses
arrive without reloading, and the refusal with its ground in Russian. D: a citizen asks for the
permit to build where minerals lie; the same steps, the specialist drafting the permit, which
the head signs with the EDS; she sees it arrive, opens the permit and its signature is
checked."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from regulations import definitions_dir
from tests.browser.conftest import (
    AUTUMN_2019,
    CITIZEN,
    CITIZEN_RU,
    GREEN_STAFF,
    Person,
    World,
    expect,
)
from tests.browser.journeys import at_portal, do_step, file_at_portal, register_and_sign_in

pytestmark = pytest.mark.slow

SERVICE = "minerals_absence_conclusion"
FORM = {"site_address": "Алматы, ул. Жандосова, 58", "cadastral_number": "20-321-045-112"}
PLAN = {
    "code": "standard_p9_documents",
    "file": {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 plan"},
}
GROUNDS = {
    "grounds_kk": "Учаскеде пайдалы қазбалардың кен орны тіркелген.",
    "grounds_ru": "На участке зарегистрировано месторождение полезных ископаемых.",
}


def ground_name(code: str, language: str) -> str:
    """The name the definition gives a refusal ground, in ``language``."""
    path = definitions_dir() / f"{SERVICE}@almaty-2019.yaml"
    definition = yaml.safe_load(path.read_text(encoding="utf-8"))
    [ground] = [g for g in definition["refusal_grounds"] if g["code"] == code]
    return str(ground["name"][language])


def reviewed(world: World, request_id: str, status: Any) -> tuple[Person, Person, Person]:
    """The green economy department's first steps on ``request_id``, the applicant's status
    (``status``, her page's) following each: registered, sent by the head to the deputy,
    accepted; the head, the deputy and the specialist who take it on."""
    employee, head = GREEN_STAFF["employee"], GREEN_STAFF["head"]
    deputy, specialist = GREEN_STAFF["deputy"], GREEN_STAFF["specialist"]
    do_step(world, employee, request_id, "action-register-registered")
    expect(status).to_have_attribute("data-status", "under_review")
    do_step(world, head, request_id, "action-head_review-sent_to_deputy")
    do_step(world, deputy, request_id, "action-deputy_review-accepted")
    expect(status).to_have_attribute("data-status", "in_progress")
    return head, deputy, specialist


def test_a_citizen_files_c_and_is_refused_with_the_ground_in_russian(world: World) -> None:
    world.move_to(AUTUMN_2019)
    citizen = register_and_sign_in(world, CITIZEN_RU)
    _, request_id = file_at_portal(world, CITIZEN_RU, SERVICE, FORM, PLAN)
    citizen.evaluate("window.stillTheSamePage = true")
    status = citizen.locator("#current-status")
    expect(status).to_have_attribute("data-status", "registered")

    head, deputy, specialist = reviewed(world, request_id, status)
    # The specialist gives the refusal's grounds in Kazakh and in Russian (a reasoned answer).
    drafted = do_step(
        world, specialist, request_id, "action-prepare_result-reasoned_refusal_drafted", **GROUNDS
    )
    expect(drafted.locator("#grounds")).to_contain_text(GROUNDS["grounds_ru"])
    expect(status).to_have_attribute("data-status", "signing")
    do_step(world, deputy, request_id, "action-endorse-endorsed")
    card = do_step(world, head, request_id, "action-sign-reasoned_refusal_issued")
    expect(card.locator("#result")).to_contain_text(head.surname.upper())
    expect(status).to_have_attribute("data-status", "refused")
    assert citizen.evaluate("window.stillTheSamePage") is True

    # The refusal, with the regulation's ground in the citizen's language (Russian).
    ground = ground_name("APPLICANT_NON_COMPLIANT", "ru")
    expect(citizen.locator("#result-link")).to_be_visible()
    citizen.locator("#result-link a").click()
    expect(citizen.locator("html")).to_have_attribute("lang", "ru")
    expect(citizen.locator("#refusal-reason")).to_contain_text(ground)
    expect(citizen.locator("#result-check")).to_have_attribute("data-code", "OK")


def test_a_citizen_files_d_and_the_head_signs_the_permit(world: World) -> None:
    world.move_to(AUTUMN_2019)
    citizen = at_portal(world, CITIZEN)
    form = {
        "site_address": "Алматы, Медеу ауданы, Алатау к-сі, 12",
        "cadastral_number": "20-315-118-041",
    }
    _, request_id = file_at_portal(world, CITIZEN, "minerals_building_permit", form, PLAN)
    citizen.evaluate("window.stillTheSamePage = true")
    status = citizen.locator("#current-status")
    expect(status).to_have_attribute("data-status", "registered")

    head, deputy, specialist = reviewed(world, request_id, status)
    do_step(world, specialist, request_id, "action-prepare_result-permit_drafted")
    expect(status).to_have_attribute("data-status", "signing")
    do_step(world, deputy, request_id, "action-endorse-endorsed")
    card = do_step(world, head, request_id, "action-sign-permit_issued")
    expect(card.locator("#result")).to_contain_text(head.surname.upper())
    expect(status).to_have_attribute("data-status", "completed")
    assert citizen.evaluate("window.stillTheSamePage") is True

    # The permit: issued, signed by the head, its signature checked now.
    citizen.locator("#result-link a").click()
    expect(citizen.locator("#result-decision")).to_have_attribute("data-decision", "issued")
    expect(citizen.locator("#result-document")).to_contain_text(form["cadastral_number"])
    expect(citizen.locator("#result-check")).to_have_attribute("data-code", "OK")
    expect(citizen.locator("#result-check")).to_contain_text(head.surname.upper())
