# ruff: noqa: RUF001  -- the questions are quoted in Kazakh and Russian
"""The quality survey after a service: two questions, three answers each. A regulation that
gives its own survey form (003 appendix 3, 004 appendix 6) is asked in its own words, from the
definition's ``survey``; the others get the portal's default form below, 003's wording. Every
form keeps the question ids ``process`` and ``information`` and the answers 1-3, so the
indicators add up across versions."""

from __future__ import annotations

from typing import Final

from portal_svc.domain.texts import Language
from shared.regulation.model import Definition

QUESTIONS: Final[dict[str, dict[Language, str]]] = {
    "process": {
        "kk": "Электрондық мемлекеттік қызмет көрсету үдерісі және сапасының нәтижесіне сіз "
        "қанағаттанасыз ба?",
        "ru": "Удовлетворены ли вы процессом и результатом оказания электронной "
        "государственной услуги?",
        "en": "Are you satisfied with the process and the result of the electronic state service?",
    },
    "information": {
        "kk": "Электрондық мемлекеттік қызмет көрсету тәртібі туралы ақпараттың сапалығына сіз "
        "қанағаттанасыз ба?",
        "ru": "Удовлетворены ли вы качеством информации о порядке оказания электронной "
        "государственной услуги?",
        "en": "Are you satisfied with the quality of the information on how the electronic "
        "state service is provided?",
    },
}

# Answer value -> wording (003 appendix 3: 1) not satisfied, 2) partly, 3) satisfied).
ANSWERS: Final[dict[int, dict[Language, str]]] = {
    1: {"kk": "қанағаттанбадым", "ru": "не удовлетворён", "en": "not satisfied"},
    2: {"kk": "жартылай қанағаттандым", "ru": "частично удовлетворён", "en": "partly satisfied"},
    3: {"kk": "қанағаттандым", "ru": "удовлетворён", "en": "satisfied"},
}


Questions = dict[str, dict[Language, str]]
Answers = dict[int, dict[Language, str]]


def survey_of(definition: Definition | None) -> tuple[Questions, Answers]:
    """The survey form of ``definition`` (its act's own wording), or the default form."""
    if definition is None or definition.survey is None:
        return QUESTIONS, ANSWERS
    form = definition.survey
    questions: Questions = {
        q.id: {"kk": q.text.kk, "ru": q.text.ru, "en": q.text.en} for q in form.questions
    }
    answers: Answers = {
        a.value: {"kk": a.text.kk, "ru": a.text.ru, "en": a.text.en} for a in form.answers
    }
    return questions, answers
