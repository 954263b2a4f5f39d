# ruff: noqa: RUF001 - the Kazakh and Russian texts are Cyrillic on purpose
"""The SLA page of a workstation: for the head and the deputy only, each step's runs on time
and overdue as a bar chart drawn on the server (inline SVG, no script) with the same numbers in
a table beside it."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from tests.provider.conftest import Harness, applicant_body
from tests.provider.pages_support import browser, code_of, sign_in
from tests.provider.test_flows import CULTURE, GREEN, do

SLA = f"/workstations/{CULTURE}/sla"


async def _requests(h: Harness) -> None:
    """Two requests of A 2018: one registered on time, one 20 minutes after its 10 did."""
    for late in (False, True):
        rid = await h.deliver(
            sender="portal",
            recipient=CULTURE,
            service_code="cultural_values_export",
            body=applicant_body(),
        )
        if late:
            await h.clock.advance(timedelta(minutes=20))
        await do(h, CULTURE, rid, "office_clerk", "register", "registered")


def _row(page: str, step: str) -> list[str]:
    """The cells of ``step``'s row in the chart's table."""
    row = re.search(rf"<th scope=\"row\">{re.escape(step)}</th>(.*?)</tr>", page, re.S)
    assert row is not None, step
    return re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))


async def test_the_head_sees_each_steps_runs_on_time_and_overdue(almaty: Harness) -> None:
    h = almaty
    await _requests(h)
    _, head = await h.hire(CULTURE, "head")
    async with browser(h) as http:
        await sign_in(http, head)
        pages = {lang: await http.get(f"{SLA}?lang={lang}") for lang in ("kk", "ru", "en")}
    for language, words in (
        ("kk", ("Мерзімдердің сақталуы", "Мерзімінде", "Мерзімі өткен", "10 мин")),
        ("ru", ("Соблюдение сроков", "В срок", "С просрочкой", "10 мин")),
        ("en", ("Deadlines kept", "On time", "Overdue", "10 min")),
    ):
        page = pages[language]
        assert page.status_code == 200, page.text
        text = unescape(page.text)
        for word in words:
            assert word in text, (language, word)
        assert "<script" not in page.text  # drawn on the server
    page = pages["en"].text
    svg = re.search(r"<svg id=\"chart-1\".*?</svg>", page, re.S)
    assert svg is not None
    assert 'role="img"' in svg.group(0)
    register = "Accept and register documents, pass them to the head"
    # runs, finished, on time, overdue: one registered in its 10 minutes, one 20 minutes late.
    assert _row(page, register)[2:7] == ["2", "2", "1", "1", "00:10"]
    # The review of both is open; the second one's hour is not over either: none overdue yet.
    review = "Review documents and appoint the responsible executor"
    assert _row(page, review)[2:6] == ["2", "0", "2", "0"]
    bars = re.findall(
        r'<rect x="[^"]*" y="20" width="([0-9.]+)" height="16" fill="[^"]*" data-kind="([a-z-]+)"',
        svg.group(0),
    )
    # Both steps had two runs: the busiest fills the width; the register step's is half late.
    assert bars[:2] == [("290.0", "on-time"), ("290.0", "late")]
    assert bars[2:] == [("580.0", "on-time"), ("0.0", "late")]
    assert "Requests: 2, finished: 0, overdue: 0" in page


async def test_the_deputy_may_see_it_and_the_clerk_may_not(almaty: Harness) -> None:
    h = almaty
    await _requests(h)
    _, clerk = await h.hire(CULTURE, "office_clerk")
    _, deputy = await h.hire(GREEN, "deputy")
    async with browser(h) as http:
        await sign_in(http, clerk)
        inbox = await http.get(f"/workstations/{CULTURE}/inbox")
        assert 'id="link-sla"' not in inbox.text
        for language, words in (
            ("kk", "басшы мен оның орынбасары ғана"),
            ("ru", "только руководитель и его заместитель"),
            ("en", "for the head and the deputy only"),
        ):
            refused = await http.get(f"{SLA}?lang={language}")
            assert (refused.status_code, code_of(refused)) == (403, "not_a_supervisor")
            assert words in refused.text
            assert "<svg" not in refused.text
    async with browser(h) as http:
        await sign_in(http, deputy)
        own = await http.get(f"/workstations/{GREEN}/sla?lang=en")
        other = await http.get(f"{SLA}?lang=en")
    assert own.status_code == 200
    assert "This workstation has no requests yet." in unescape(own.text)
    assert (other.status_code, code_of(other)) == (403, "wrong_bin")
