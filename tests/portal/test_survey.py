"""Point 5: the quality survey of 003 appendix 3 (two questions, three answers) once the
service is over, and the indicators aggregated per service."""

from __future__ import annotations

from tests.portal.conftest import World
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
