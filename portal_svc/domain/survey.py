# ruff: noqa: RUF001  -- the questions are quoted in Kazakh and Russian
"""The quality survey after a service (003 appendix 3; 004's appendix has the same two
questions): two questions, three answers each."""

from __future__ import annotations

from typing import Final

from portal_svc.domain.texts import Language

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
