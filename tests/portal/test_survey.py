"""Point 5: the quality survey of 003 appendix 3 (two questions, three answers) once the
service is over, and the indicators aggregated per service."""

# ruff: noqa: RUF001, RUF003  -- the survey is quoted in Kazakh

from __future__ import annotations

import pytest

from tests.portal.conftest import ASTANA_2013, World
from tests.portal.test_cabinet import PROVIDER, _submitted


async def _finish(world: World, request_id: str) -> None:
    await world.deliver(
        PROVIDER,
        request_id,
        "result.issued.v1",
        {"document": {"number": f"N-{request_id}", "decision": "issued"}},
    )


async def test_survey_after_completion_and_indicators(world: World) -> None:
    answers = [{"process": 3, "information": 2}, {"process": 1, "information": 2}]
    for serial, given in zip((50, 51), answers, strict=True):
        request_id, headers = await _submitted(world, serial)
        url = f"/requests/{request_id}/survey"
        early = await world.client.post(url, json={"answers": given}, headers=headers)
        assert (early.status_code, early.json()["code"]) == (409, "survey_not_open")
        await _finish(world, request_id)
        bad = await world.client.post(
            url, json={"answers": {"process": 4, "information": 1}}, headers=headers
        )
        assert bad.json()["code"] == "invalid_answer"
        for typed in (True, 3.0, "3", None, [3]):
            wrong = await world.client.post(
                url, json={"answers": {"process": typed, "information": 1}}, headers=headers
            )
            assert (wrong.status_code, wrong.json()["code"]) == (422, "invalid_answer"), typed
        ok = await world.client.post(url, json={"answers": given}, headers=headers)
        assert ok.status_code == 201
        twice = await world.client.post(url, json={"answers": given}, headers=headers)
        assert twice.json()["code"] == "survey_answered"
    indicators = (await world.client.get("/survey/indicators")).json()
    assert indicators == {
        "cultural_values_export": {
            "process": {
                "answers": {"1": 1, "2": 0, "3": 1},
                "total": 2,
                "satisfied_share": 0.5,
                "at_least_partly_share": 0.5,
            },
            "information": {
                "answers": {"1": 0, "2": 2, "3": 0},
                "total": 2,
                "satisfied_share": 0.0,
                "at_least_partly_share": 1.0,
            },
        }
    }


async def test_survey_form_in_the_readers_language(world: World) -> None:
    ru = (await world.client.get("/survey", headers={"Accept-Language": "ru-RU,ru;q=0.9"})).json()
    assert ru["answers"] == {
        "1": "не удовлетворён",
        "2": "частично удовлетворён",
        "3": "удовлетворён",
    }
    kk = (await world.client.get("/survey")).json()  # no header: the state language
    assert kk["answers"]["3"] == "қанағаттандым"
    assert kk["questions"]["process"].startswith("Электрондық мемлекеттік қызмет көрсету үдерісі")


async def test_survey_form_of_a_version_is_its_acts_own_wording(world: World) -> None:
    # 004 appendix 6: «Электрондық мемлекеттік қызметті көрсету үдерісінің сапасына және
    # нәтижесіне қанағаттанасыз ба?» ... «1) қанағаттанған жоқпын;», not 003's wording.
    form = (await world.client.get("/survey?service=archive_reference&version=astana-2012")).json()
    assert form["service"] == "archive_reference@astana-2012"
    assert form["questions"]["process"] == (
        "Электрондық мемлекеттік қызметті көрсету үдерісінің сапасына және нәтижесіне "
        "қанағаттанасыз ба?"
    )
    assert form["answers"] == {
        "1": "қанағаттанған жоқпын",
        "2": "ішінара қанағаттанамын",
        "3": "қанағаттанамын",
    }
    unknown = await world.client.get("/survey?service=archive_reference&version=astana-1999")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_service")


@pytest.mark.parametrize("start", [ASTANA_2013])
async def test_service_page_shows_the_acts_statuses_and_contact_lines(world: World) -> None:
    # 004 p.11: «байланыс телефонының нөмірі: 8(7172) 216616; 8(7172) 796197, сондай-ақ
    # call-центр: 1414»; appendix 2: «түскен», «іске алынған», «қалыптастыруда», аяқталғаны.
    catalog = (await world.client.get("/catalog")).json()
    [page] = [s for s in catalog["services"] if s["code"] == "archive_reference"]
    assert [c["number"] for c in page["contacts"]] == ["8(7172) 216616", "8(7172) 796197", "1414"]
    assert all(c["clause"] == "004 p.11" for c in page["contacts"])
    named = [s["name"]["kk"] for s in page["statuses"] if s["name"] is not None]
    assert named == ["түскен", "іске алынған", "қалыптастыруда", "аяқталды"]
    form = (await world.client.get("/survey?service=E")).json()
    assert form["service"] == "archive_reference@astana-2012"
    assert form["answers"]["1"] == "қанағаттанған жоқпын"
