"""Every definition against the Kazakh originals: each step's role and norm, each role, each
quoted phrase. The expected values below are typed from the seed texts and the DIGEST tables,
independently of the YAML files; each row also quotes the Kazakh phrase that states the value,
and the test checks the phrase is really in the seed."""
# ruff: noqa: E501, RUF001  -- rows quote the Kazakh seed text verbatim

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from shared.regulation.catalog import Catalog
from shared.regulation.model import Definition, Norm, Source

A13 = "cultural_values_export@akmola-2013"
A14 = "cultural_values_export@almaty-2014"
A18 = "cultural_values_export@almaty-2018"
B14 = "restoration_approval@almaty-2014"
C19 = "minerals_absence_conclusion@almaty-2019"
D19 = "minerals_building_permit@almaty-2019"
E12 = "archive_reference@astana-2012"

# (definition, step, role, amount, unit, seed file, Kazakh phrase stating the role/norm)
STEPS: list[tuple[str, str, str, int, str, str, str]] = [
    (
        A18,
        "register",
        "office_clerk",
        10,
        "minutes",
        "001",
        "кеңсе маманы құжаттарды қабылдауды, оларды тіркеуді және көрсетілетін қызметті берушінің басшысына тапсыруды жүзеге асыруы - 10 (он) минут",
    ),
    (
        A18,
        "review_and_assign",
        "head",
        1,
        "hours",
        "001",
        "көрсетілетін қызметті берушінің басшысы құжаттарды қарауы және жауапты орындаушыны анықтауы - 1 (бір) сағат",
    ),
    (
        A18,
        "send_to_commission",
        "executor",
        2,
        "working_days",
        "001",
        "сараптама комиссиясы) жолдауы – 2 (екі) жұмыс күні",
    ),
    (
        A18,
        "expertise",
        "expert_commission",
        5,
        "working_days",
        "001",
        "сараптама комиссиясы ұсынған затқа сараптаманы жүзеге асыруы – 5 (бес) жұмыс күні",
    ),
    (
        A18,
        "write_up_conclusion",
        "executor",
        1,
        "hours",
        "001",
        "жауапты орындаушысының сараптама қорытындысын ресімдеуі – 1 (бір) сағат",
    ),
    (
        A18,
        "draft_result",
        "executor",
        3,
        "working_days",
        "001",
        "көрсетуден бас тарту туралы дәлелдi жауапты әзірлеуі – 3 (үш) жұмыс күн",
    ),
    (
        A18,
        "sign",
        "head",
        1,
        "hours",
        "001",
        "басшысының куәлікке немесе мемлекеттiк қызметтi көрсетуден бас тарту туралы дәлелдi жауапқа қол қоюы – 1 (бір) сағат",
    ),
    (
        A18,
        "hand_out",
        "office_clerk",
        15,
        "minutes",
        "001",
        "мемлекеттік қызмет көрсету нәтижесін беруі – 15 (он бес) минут",
    ),
    (
        C19,
        "register",
        "employee",
        15,
        "minutes",
        "002",
        "көрсетілетін қызметті берушінің қызметкері өтінім түскен сәттен бастап 15 (он бес) минут ішінде тіркейді",
    ),
    (
        C19,
        "head_review",
        "head",
        2,
        "hours",
        "002",
        "көрсетілетін қызметті берушінің басшысы 2 (екі) сағат ішінде",
    ),
    (
        C19,
        "deputy_review",
        "deputy",
        2,
        "hours",
        "002",
        "көрсетілетін қызметті беруші басшысының орынбасары 2 (екі) сағат ішінде өтінімді ұсынылған талаптарға сәйкестігін қарайды",
    ),
    (
        C19,
        "prepare_result",
        "department_employee",
        8,
        "working_days",
        "002",
        "бөлім қызметкері көрсетілетін қызметті алушының өтінімін 8 (сегіз) жұмыс күні ішінде қарайды",
    ),
    (
        C19,
        "endorse",
        "deputy",
        1,
        "hours",
        "002",
        "басшысының орынбасары 1 (бір) сағат ішінде мемлекеттік қызмет көрсету нәтижесіне бұрыштама қояды",
    ),
    (
        C19,
        "sign",
        "head",
        1,
        "hours",
        "002",
        "көрсетілетін қызметті берушінің басшысы 1 (бір) сағат ішінде мемлекеттік қызмет көрсету нәтижесіне қол қояды",
    ),
    (
        D19,
        "register",
        "employee",
        15,
        "minutes",
        "002",
        "өтінім түскен сәттен бастап 15 (он бес) минут ішінде тіркейді",
    ),
    (
        D19,
        "head_review",
        "head",
        2,
        "hours",
        "002",
        "басшысы 2 (екі) сағат ішінде көрсетілетін қызметті алушының өтінішін қарайды",
    ),
    (D19, "deputy_review", "deputy", 2, "hours", "002", "орынбасары 2 (екі) сағат ішінде өтінімді"),
    (
        D19,
        "prepare_result",
        "department_employee",
        8,
        "working_days",
        "002",
        "8 (сегіз) жұмыс күні ішінде қарайды",
    ),
    (
        D19,
        "endorse",
        "deputy",
        1,
        "hours",
        "002",
        "орынбасары 1 (бір) сағат ішінде мемлекеттік қызмет көрсету нәтижесіне бұрыштама қояды",
    ),
    (
        D19,
        "sign",
        "head",
        1,
        "hours",
        "002",
        "басшысы 1 (бір) сағат ішінде мемлекеттік қызметті көрсету нәтижесіне қол қояды",
    ),
    # 000 appendix 1: office 10 min → head 10 min → specialist → head 10 min → office 10 min;
    # p.8.2 check within ten minutes; p.8.3 answer within ten working days.
    (A14, "register", "office_clerk", 10, "minutes", "000", "Реестр бойынша құжаттарды қабылдау"),
    (
        A14,
        "register_portal",
        "executor",
        10,
        "minutes",
        "000",
        "орындаушы) қызметті пайдаланушылардан портал арқылы түскен мемлекеттік қызмет көрсету жөніндегі өтінішін тіркейді",
    ),
    (
        A14,
        "assign_executor",
        "head",
        10,
        "minutes",
        "000",
        "Қызмет ұсынушы маманның қарауына құжаттарды белгілейді",
    ),
    (
        A14,
        "check_documents",
        "executor",
        10,
        "minutes",
        "000",
        "он минут ішінде ұсынылған құжаттардың толықтығы мен нақтылығын тексеру",
    ),
    (
        A14,
        "prepare_result",
        "executor",
        10,
        "working_days",
        "000",
        "жауабын он жұмыс күні ішінде дайындау",
    ),
    (
        A14,
        "sign",
        "head",
        10,
        "minutes",
        "000",
        "Тиісті құжаттарға қол қою, қызмет ұсынушының таңбалық мөрін басу",
    ),
    (A14, "hand_out", "office_clerk", 10, "minutes", "000", "Дайын құжаттарды беру"),
    (B14, "register", "office_clerk", 10, "minutes", "000", "Реестр бойынша құжаттарды қабылдау"),
    (
        B14,
        "register_portal",
        "executor",
        10,
        "minutes",
        "000",
        "орындаушы) қызметті пайдаланушылардан портал арқылы түскен мемлекеттік қызмет көрсету жөніндегі өтінішін тіркейді",
    ),
    (
        B14,
        "check_documents",
        "executor",
        10,
        "minutes",
        "000",
        "он минут ішінде ұсынылған құжаттардың толықтығы",
    ),
    (B14, "prepare_result", "executor", 10, "working_days", "000", "он жұмыс күні ішінде дайындау"),
    (B14, "sign", "head", 10, "minutes", "000", "қызмет ұсынушының таңбалық мөрін басу"),
    # 003 appendix 1: "1,5 мин", "10 - 15 сек", "10 жұмыс күні".
    (
        A13,
        "enter_applicant_data",
        "provider_employee",
        90,
        "seconds",
        "003",
        "Қызметті қызмет беруші қызметкерімен таңдау",
    ),
    (
        A13,
        "registry_check",
        "registry",
        90,
        "seconds",
        "003",
        "ЖТМДБ/ЗТМДБ қызмет алушының деректерін тексеруге сұрау салуды жолдау",
    ),
    (
        A13,
        "attach_documents",
        "provider_employee",
        15,
        "seconds",
        "003",
        "Құжаттарды бекітумен сұрау салу нысанын толтыру",
    ),
    (
        A13,
        "register_in_elicensing",
        "elicensing",
        90,
        "seconds",
        "003",
        "Арызға номер берумен сұрау салуды тіркеу",
    ),
    (A13, "decide", "provider_employee", 10, "working_days", "003", "10 жұмыс күні"),
    # 004 appendix 2: human actions "15 минуттан артық емес", system actions "1 минуттан
    # артық емес", the archive search "15 тен 30 күн күнтізбелік күнге дейін".
    (
        E12,
        "accept_at_provider",
        "provider_employee",
        15,
        "minutes",
        "004",
        "Өтініш пен құжаттардың түпнұсқалылығын тексеру, ЖАО АЖ-ға мәліметтер енгізу",
    ),
    (
        E12,
        "accept_at_psc",
        "psc_operator",
        15,
        "minutes",
        "004",
        "Өтініш пен құжаттардың шынайылығын тексеру",
    ),
    (
        E12,
        "register",
        "lea_is",
        1,
        "minutes",
        "004",
        "Өтінішке нөмір беру. Түскен туралы мәртебесін көрсете отырып ескерту",
    ),
    (
        E12,
        "search_and_decide",
        "provider_employee",
        30,
        "calendar_days",
        "004",
        "15 тен 30 күн күнтізбелік күнге дейін (жекелеген жағдайларда 6 айға дейін)",
    ),
    (
        E12,
        "sign_output",
        "provider_employee",
        1,
        "minutes",
        "004",
        "Шығыс құжатты ЖАО қызметкерінің ЭЦҚ-мен қол қою",
    ),
    (
        E12,
        "hand_out_at_psc",
        "psc_operator",
        15,
        "minutes",
        "004",
        "ХҚКО қызметкерлерінің электрондық мемлекеттік қызмет нәтижесін қолма-қол",
    ),
]

# (definition, total term amount, unit, seed, phrase)
TERMS: list[tuple[str, int, str, str, str]] = [
    (A14, 15, "working_days", "000", "бастап – 15 (он бес) жұмыс күні"),
    (B14, 15, "working_days", "000", "бастап – 15 (он бес) жұмыс күні"),
    (
        C19,
        9,
        "working_days",
        "002",
        "порталға құжаттар берілген сәттен бастап 9 (тоғыз) жұмыс күні",
    ),
    (
        D19,
        9,
        "working_days",
        "002",
        "құжаттар топтамасы тапсырылған сәттен бастап – 9 (тоғыз) жұмыс күні",
    ),
    (A13, 10, "working_days", "003", "10 жұмыс күні"),
    (E12, 30, "calendar_days", "004", "15 тен 30 күн күнтізбелік күнге дейін"),
]

# (definition, role, seed, phrase naming the role in the act's list of participants)
ROLES: list[tuple[str, str, str, str]] = [
    (A18, "office_clerk", "001", "1) көрсетілетін қызметті берушінің кеңсе қызметкері;"),
    (A18, "head", "001", "2) көрсетілетін қызметті берушінің басшысы;"),
    (A18, "executor", "001", "3) көрсетілетін қызметті берушінің жауапты орындаушысы;"),
    (A18, "expert_commission", "001", "4) сараптамалық комиссия."),
    (C19, "employee", "002", "1) көрсетілетін қызметті берушінің қызметкері;"),
    (C19, "deputy", "002", "3) көрсетілетін қызметті беруші басшысының орынбасары;"),
    (C19, "department_employee", "002", "4) көрсетілетін қызметті беруші бөлімінің қызметкері."),
    (A14, "office_clerk", "000", "1) Алматы қаласы Мәдениет басқармасының кеңсе қызметкері"),
    (A14, "executor", "000", "2) тіркейтін жауапты орындаушы"),
    (A14, "head", "000", "3) қызмет көрсетуші басшысы."),
    (E12, "psc_operator", "004", "ХҚКО операторының авторизациялау үдерісі"),
]


def _squash(text: str) -> str:
    # The seeds were extracted from PDFs: words are letter-spaced and broken across lines.
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def seed_text(seeds_dir: Path) -> dict[str, str]:
    return {p.name[:3]: _squash(p.read_text(encoding="utf-8")) for p in seeds_dir.glob("0*.txt")}


@pytest.mark.parametrize(("key", "step_id", "role", "amount", "unit", "seed", "phrase"), STEPS)
def test_step_role_and_norm_match_the_seed(
    catalog: Catalog,
    seed_text: dict[str, str],
    key: str,
    step_id: str,
    role: str,
    amount: int,
    unit: str,
    seed: str,
    phrase: str,
) -> None:
    assert _squash(phrase) in seed_text[seed], f"phrase not in seed {seed}: {phrase}"
    code, version = key.split("@")
    step = catalog.get(code, version).step(step_id)
    assert step.role == role
    assert step.norm is not None
    assert (step.norm.amount, step.norm.unit.value) == (amount, unit)


@pytest.mark.parametrize(("key", "amount", "unit", "seed", "phrase"), TERMS)
def test_request_term_matches_the_seed(
    catalog: Catalog,
    seed_text: dict[str, str],
    key: str,
    amount: int,
    unit: str,
    seed: str,
    phrase: str,
) -> None:
    assert _squash(phrase) in seed_text[seed]
    code, version = key.split("@")
    norm = catalog.get(code, version).term.norm
    assert (norm.amount, norm.unit.value) == (amount, unit)


@pytest.mark.parametrize(("key", "role", "seed", "phrase"), ROLES)
def test_roles_of_the_act_are_defined(
    catalog: Catalog, seed_text: dict[str, str], key: str, role: str, seed: str, phrase: str
) -> None:
    assert _squash(phrase) in seed_text[seed]
    code, version = key.split("@")
    assert catalog.get(code, version).role(role).kind.value == "human"


def test_every_step_of_every_version_is_checked_above(catalog: Catalog) -> None:
    # Steps whose norm is only the table's generic ceiling are covered by their sibling rows.
    checked = {(k, s) for k, s, *_ in STEPS}
    generic = {(E12, "hand_out_at_provider"), (B14, "assign_executor"), (B14, "hand_out")}
    for d in catalog.definitions:
        for step in d.steps:
            assert (d.key, step.id) in checked | generic, f"{d.key} {step.id} has no seed row"


def test_000_keeps_both_terms_with_their_clauses(catalog: Catalog) -> None:
    for key in (A14, B14):
        code, version = key.split("@")
        term = catalog.get(code, version).term
        figures = {(term.norm.amount, term.norm.source.clause)} | {
            (alt.norm.amount, alt.norm.source.clause) for alt in term.alternatives
        }
        assert {amount for amount, _ in figures} == {10, 15}
        assert any("appendix 1" in clause for _, clause in figures)
        assert any("p.8.3" in clause for _, clause in figures)


def _sources(node: Any) -> Iterator[Source]:
    if isinstance(node, Source):
        yield node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _sources(getattr(node, name))
    elif isinstance(node, tuple):
        for item in node:
            yield from _sources(item)


_NUMBER_WORDS = {1: "бір", 2: "екі", 3: "үш", 8: "сегіз", 9: "тоғыз", 10: "он", 15: "он бес"}


def _norms(node: Any) -> Iterator[Norm]:
    if isinstance(node, Norm):
        yield node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _norms(getattr(node, name))
    elif isinstance(node, tuple):
        for item in node:
            yield from _norms(item)


def test_every_quote_in_every_definition_is_in_its_seed(
    catalog: Catalog, seed_text: dict[str, str]
) -> None:
    checked = 0
    for d in catalog.definitions:
        for source in _sources(d):
            if source.quote:
                seed = source.clause[:3]
                assert _squash(source.quote) in seed_text[seed], (d.key, source)
                checked += 1
    assert checked > 150


def test_every_norm_quote_states_its_figure(catalog: Catalog) -> None:
    for d in _all(catalog):
        for norm in _norms(d):
            quote = norm.source.quote
            if quote is None:
                continue
            if norm.unit.value == "seconds" and norm.amount == 90:
                assert "1,5 мин" in quote
                continue
            figure = str(norm.amount)
            word = _NUMBER_WORDS.get(norm.amount, figure)
            assert figure in quote or word in quote.split(), (d.key, norm)


def _all(catalog: Catalog) -> list[Definition]:
    return list(catalog.definitions)


# 003 appendix 1 (DIGEST: "certificate attach 10-15 s, refusal 20 s, form 1.5 min, sign
# 10-15 s / 1.5 min, register in E-licensing 1.5 min, result 10 working days"): the norm of each
# numbered process of the two diagrams. (diagram, process, amount, min, unit, table phrase)
TRACE_NORMS: list[tuple[str, int, int, int | None, str, str]] = [
    (
        "portal",
        1,
        15,
        10,
        "seconds",
        "Қызмет алушының компьютерінің интернет-браузерінде ЭЦҚ тіркеу куәлігін бекіту",
    ),
    ("portal", 2, 20, None, "seconds", "20 сек"),
    (
        "portal",
        3,
        90,
        None,
        "seconds",
        "Қызметті таңдап алады және электрондық түрде қажетті құжаттарды бекітумен деректерді қалыптастырады",
    ),
    ("portal", 4, 15, 10, "seconds", "Сұрау салуды куәландыру (қол қою) үшін ЭЦҚ таңдау"),
    ("portal", 6, 90, None, "seconds", "ЭЦҚ арқылы сұрау салуды куәландыру (қол қою)"),
    ("portal", 7, 90, None, "seconds", "Арызға номер берумен сұрау салуды тіркеу"),
    ("portal", 9, 10, None, "working_days", "10 жұмыс күні"),
    ("provider", 1, 15, 10, "seconds", '"Е-лицензиялау" МДБ АЖ-да авторизацияланады'),
    ("provider", 2, 10, None, "seconds", "10 сек"),
    (
        "provider",
        4,
        90,
        None,
        "seconds",
        "ЖТМДБ/ЗТМДБ қызмет алушының деректерін тексеруге сұрау салуды жолдау",
    ),
    ("provider", 6, 15, 10, "seconds", "Құжаттарды бекітумен сұрау салу нысанын толтыру"),
    ("provider", 7, 90, None, "seconds", "Арызға номер берумен өтінімді тіркеу"),
    ("provider", 9, 10, None, "working_days", "10 жұмыс күні"),
]


@pytest.mark.parametrize(("diagram", "number", "amount", "low", "unit", "phrase"), TRACE_NORMS)
def test_003_action_table_times_every_process(
    catalog: Catalog,
    seed_text: dict[str, str],
    diagram: str,
    number: int,
    amount: int,
    low: int | None,
    unit: str,
    phrase: str,
) -> None:
    assert _squash(phrase) in seed_text["003"]
    entry = next(
        t
        for t in catalog.get("A", "akmola-2013").trace
        if t.diagram == diagram and t.kind.value == "process" and t.number == number
    )
    assert entry.norm is not None
    assert (entry.norm.amount, entry.norm.min_amount, entry.norm.unit.value) == (amount, low, unit)
