"""What the people of the journeys do over and over, with the mouse and the keyboard: a citizen
registering, signing in and filing at the portal; a workstation's staff member doing a step of a
request from their inbox; E-licensing's staff doing one from their desk."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import (
    Person,
    World,
    expect,
    press_to_sign,
    reload_until,
    screenshot,
    sign_in_here,
)

PASSWORD = "Qazaqstan-2019!"


def register_and_sign_in(world: World, citizen: Person) -> Any:
    """``citizen`` registers at the portal (the exact text signed with their key through their
    signer), signs out, and signs in again with the IIN and password; their page, in the
    cabinet."""
    page = world.page(citizen)
    page.goto(world.url("portal", "/"))
    page.locator("header a[href='/register']").click()
    page.locator("#iin").fill(citizen.iin)
    page.locator("#register-next").click()
    expect(page.locator("#register-text")).to_contain_text(citizen.iin)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password2").fill(PASSWORD)
    press_to_sign(page, "#register-submit")
    expect(page.locator("#signed-in-as")).to_contain_text(citizen.iin)
    world.registered.add(citizen.key)
    page.locator("#sign-out").click()
    page.goto(world.url("portal", "/my/requests"))
    sign_in_with_password(page, citizen)
    return page


def sign_in_with_password(page: Any, citizen: Person) -> None:
    """On the portal's sign-in page: the IIN and the password."""
    page.locator("#password-form #iin").fill(citizen.iin)
    page.locator("#password-form #password").fill(PASSWORD)
    page.locator("#password-submit").click()
    expect(page.locator("#signed-in-as")).to_contain_text(citizen.iin)


def at_portal(world: World, citizen: Person) -> Any:
    """``citizen`` in their cabinet: registered the first time, signed in with the password
    when their session is over (a session does not outlive the clock's move to another
    year)."""
    if citizen.key not in world.registered:
        return register_and_sign_in(world, citizen)
    page = world.page(citizen)
    page.goto(world.url("portal", "/my/requests"))
    if "/sign-in" in page.url:
        sign_in_with_password(page, citizen)
    return page


def file_at_portal(
    world: World, citizen: Person, service: str, form: dict[str, str], document: dict[str, Any]
) -> tuple[Any, str]:
    """``citizen`` (signed in) opens the catalogue, the service's page, fills its form, attaches
    the document and signs the request; their page on the request, and its number."""
    page = world.page(citizen)
    page.locator("#new-request").click()
    page.locator(f"#service-{service}").click()
    page.locator("#apply").click()
    for name, value in form.items():
        field = page.locator(f"#field-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.locator("#apply-submit").click()
    code = document["code"]
    page.locator(f"#file-{code}").set_input_files(files=[document["file"]])
    page.locator(f"#attach-{code}").click()
    expect(page.locator(f'[data-attached="{code}"]')).to_contain_text(document["file"]["name"])
    request_id = request_in(page.url)
    expect(page.locator("#sign-payload")).to_contain_text(citizen.iin)
    press_to_sign(page, "#sign-person")
    expect(page.locator("#sign-person")).to_have_count(0)
    expect(page.locator("#current-status")).not_to_have_attribute("data-status", "draft")
    return page, request_id


def request_in(url: str) -> str:
    """The request's id in a page's address (``.../requests/{id}?...#...``)."""
    return re.split(r"[?#]", url)[0].rsplit("/", 1)[1]


def sign_in_to_workstation(world: World, person: Person) -> Any:
    """``person`` opens their workstation's inbox, signing in with the department's
    certificate when the browser has no session there."""
    page = world.page(person)
    page.goto(world.url("provider", f"/workstations/{person.workstation}/inbox"))
    if "/sign-in" in page.url:
        sign_in_here(page)
    expect(page.locator("#inbox, #inbox-empty")).to_be_visible()
    return page


def do_step(
    world: World,
    person: Person,
    request_id: str,
    action: str,
    *,
    shot: str | None = None,
    **fields: str,
) -> Any:
    """``person`` finds the request in their inbox, opens its card and does ``action`` (the
    form ``action-{step}-{outcome}``), typing ``fields`` into it; a signing action fetches the
    document it issues and has the person's signer sign it. Their page on the card, which says
    the action is recorded. ``shot``: the role whose screenshot the filled form is."""
    page = sign_in_to_workstation(world, person)
    row = page.locator(f'[data-test="request-{request_id}"]')
    reload_until(page, row)
    row.get_by_role("link").click()
    form = page.locator(f"#{action}")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    if shot is not None:
        screenshot(page, shot, at="#current-step")
    press_to_sign(page, f"#{action} button[type=submit]")
    expect(page.locator("#done")).to_be_visible()
    return page


def desk_step(world: World, staff: str, request_id: str, button: str) -> Any:
    """E-licensing's staff member (``staff``, their key file) opens the desk, signing in when
    the browser has no session there, finds the request, opens its card and presses ``button``
    (``act-{step}-{outcome}``); a permit's outcome (``draft-{step}-{outcome}``) drafts the
    document, and the person's signer signs it on the next page. Their page on the card, which
    says the step is recorded."""
    page = world.page(staff)
    page.goto(world.url("elicense", "/desk"))
    if "/sign-in" in page.url:
        sign_in_here(page)
    row = page.locator(f'tr[data-request="{request_id}"]')
    reload_until(page, row)
    row.get_by_role("link").first.click()
    # The registry's answer may still be on its way: the card offers the step once it is in.
    reload_until(page, page.locator(f"#{button}"))
    page.locator(f"#{button}").click()
    if button.startswith("draft-"):
        expect(page.locator('[data-test="document"]')).to_be_visible()
        press_to_sign(page, "#sign-submit")
    expect(page.locator('[data-test="done"]')).to_be_visible()
    return page
