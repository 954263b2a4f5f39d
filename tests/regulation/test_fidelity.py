"""The definitions read true to the seeds on the points an independent review checked: who
registers a 000 request on each channel, the 004 statuses by the act's own names and order,
B's forms, the survey wording per act, the contact lines, and the first day in force. Each test
quotes the Kazakh clause it enforces and checks that the quote is in the seed."""
# ruff: noqa: E501, RUF001  -- the tests quote the Kazakh seed text verbatim

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from portal_svc.domain.survey import QUESTIONS, survey_of
from portal_svc.pdf import contact_lines
from shared.calendar import KzCalendar
from shared.regulation.catalog import Catalog
from shared.regulation.engine import StepEngine
from shared.regulation.errors import ActionRefused
from shared.regulation.model import Channel, Definition

A14 = "cultural_values_export@almaty-2014"
B14 = "restoration_approval@almaty-2014"
E12 = "archive_reference@astana-2012"


def _squash(text: str) -> str:
    # The seeds were extracted from PDFs: words are letter-spaced and broken across lines.
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def seed_text(seeds_dir: Path) -> dict[str, str]:
    return {p.name[:3]: _squash(p.read_text(encoding="utf-8")) for p in seeds_dir.glob("0*.txt")}


def _in_seed(seed_text: dict[str, str], seed: str, quote: str) -> None:
    assert _squash(quote) in seed_text[seed], f"not in seed {seed}: {quote}"


def _get(catalog: Catalog, key: str) -> Definition:
    code, version = key.split("@")
    return catalog.get(code, version)


# --- 000 p.5.1 / p.7: who registers a request, by channel ------------------------------------

P_5_1 = "орындаушы) қызметті пайдаланушылардан портал арқылы түскен мемлекеттік қызмет көрсету жөніндегі өтінішін тіркейді"
P_7_1 = (
    "Алматы қаласы Мәдениет басқармасының кеңсе қызметкері (өтінішті жазбаша түрде берген жағдайда)"
)
P_7_2 = "тіркейтін жауапты орындаушы (өтінішті электронды түрде берген жағдайда)"

# Monday 7 July 2014, 10:00 in Almaty: the 2014 versions are in force.
MONDAY = datetime(2014, 7, 7, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize("key", [A14, B14])
@pytest.mark.parametrize(
    ("channel", "registrar"),
    [(Channel.PORTAL, "executor"), (Channel.PROVIDER_OFFICE, "office_clerk")],
)
def test_000_executor_registers_portal_requests_and_the_clerk_paper_ones(
    catalog: Catalog, seed_text: dict[str, str], key: str, channel: Channel, registrar: str
) -> None:
    for quote in (P_5_1, P_7_1, P_7_2):
        _in_seed(seed_text, "000", quote)
    definition = _get(catalog, key)
    engine = StepEngine(definition, KzCalendar())
    state = engine.state(engine.submit("r-1", channel, MONDAY))
    first = definition.entry_step(channel)
    assert first.role == registrar
    at = MONDAY + timedelta(minutes=5)
    # Everyone else is refused the registration, with the reason.
    for role in (r.id for r in definition.roles if r.id != registrar):
        with pytest.raises(ActionRefused) as refused:
            engine.act(state, role=role, step=first.id, outcome="registered", at=at)
        assert refused.value.reason == "WRONG_ROLE", role
    done = engine.act(state, role=registrar, step=first.id, outcome="registered", at=at)
    assert done[0].data["role"] == registrar
    # Both channels go on to the same steps: the head assigns the executor (p.5.2).
    assert done[-1].data["step"] == "assign_executor"


# --- 004 appendix 2: the statuses by their own names, in the act's order ----------------------

# (status id, kk name, ru, en, the phrase of 004 that names it)
E_STATUSES = [
    (
        "registered",
        "түскен",
        "поступило",
        "received",
        "Өтінішке нөмір беру. Түскен туралы мәртебесін көрсете отырып ескерту",
    ),
    (
        "in_progress",
        "іске алынған",
        "принято в работу",
        "taken into work",
        "ЭҮП пен ХҚКО АЖ арасындағы мәртебесі «іске алынған» туралы ескертуді бағыттау",
    ),
    (
        "result_forming",
        "қалыптастыруда",
        "формируется",
        "being formed",
        "Өтініштің мәртебесі қалыптастыруда",
    ),
    (
        "completed",
        "аяқталды",
        "завершено",
        "completed",
        "Қызмет көрсету аяқталғаны туралы мәртебені",
    ),
]


def test_004_statuses_carry_the_acts_names_in_its_order(
    catalog: Catalog, seed_text: dict[str, str]
) -> None:
    definition = _get(catalog, E12)
    for *_, quote in E_STATUSES:
        _in_seed(seed_text, "004", quote)
    named = [(n.id, n.name.kk, n.name.ru, n.name.en) for n in definition.status_names]
    assert named == [row[:4] for row in E_STATUSES]
    order = [s for s in definition.statuses if s in {row[0] for row in E_STATUSES}]
    assert order == [row[0] for row in E_STATUSES]


def test_004_taken_into_work_only_after_the_decision(
    catalog: Catalog, seed_text: dict[str, str]
) -> None:
    # Table 3: number and «түскен» (action 3); the archive takes it in and searches, decides
    # (actions 5-6: «Шешім қабылдау»), makes the output document (7); then «іске алынған» (8).
    for quote in (
        "Өтінішті орындауға қабылдау",
        "Мұрағаттық анықтама берудегі жауапты немесе негізделген бас тартуды құрастыру. Шешім қабылдау.",
        "ЭҮП пен ХҚКО АЖ арасындағы мәртебесі «іске алынған» туралы ескертуді бағыттау",
    ):
        _in_seed(seed_text, "004", quote)
    definition = _get(catalog, E12)
    register = definition.entry_step(Channel.PORTAL)
    assert register.status == "registered"
    assert {o.status for o in register.outcomes} == {"registered"}
    deciding = [
        s
        for s in definition.steps
        if {"reference_prepared", "refusal_prepared"} & {o.name for o in s.outcomes}
    ]
    assert deciding, "no step takes the decision"
    for step in deciding:
        assert step.status == "registered", step.id  # still «түскен» while the archive searches
        for outcome in step.outcomes:
            if outcome.name in {"reference_prepared", "refusal_prepared"}:
                assert outcome.status == "in_progress"
                assert outcome.next is not None
                assert definition.step(outcome.next).status == "in_progress"
    # Nothing reports «іске алынған» before the decision.
    before = {register.id, *(s.id for s in deciding)}
    for step in definition.steps:
        if step.id in before:
            assert step.status != "in_progress", step.id


# --- 000 B p.2, p.3: B is electronic and on paper ----------------------------------------------


def test_000_b_is_provided_electronically_and_on_paper(
    catalog: Catalog, seed_text: dict[str, str]
) -> None:
    _in_seed(
        seed_text,
        "000",
        "2. Мемлекеттік қызмет көрсету түрі: электрондық (жартылай автоматтандырылған) және қағаз жүзінде.",
    )
    _in_seed(
        seed_text, "000", "Мемлекеттік қызмет көрсету нәтижесін беру түрі: электрондық және қағаз"
    )
    definition = _get(catalog, B14)
    assert (
        definition.service_type.kk == "Электрондық (жартылай автоматтандырылған) және қағаз жүзінде"
    )
    assert set(definition.result_form) == {"electronic", "paper"}
    assert {Channel.PORTAL, Channel.PROVIDER_OFFICE} <= set(definition.channels)
    # A (the same act, p.2-3 of its own regulation) is electronic only.
    a = _get(catalog, A14)
    assert a.result_form == ("electronic",)


# --- the quality survey: each act in its own words --------------------------------------------

SURVEY_004 = [
    (
        "process",
        "Электрондық мемлекеттік қызметті көрсету үдерісінің сапасына және нәтижесіне қанағаттанасыз ба?",
    ),
    (
        "information",
        "Электрондық мемлекеттік қызметті көрсету тәртібі туралы ақпараттың сапасына қанағаттанасыз ба?",
    ),
]
ANSWERS_004 = ["қанағаттанған жоқпын", "ішінара қанағаттанамын", "қанағаттанамын"]
SURVEY_003 = [
    (
        "process",
        "Электрондық мемлекеттік қызмет көрсету үдерісі және сапасының нәтижесіне сіз қанағаттанасыз ба?",
    ),
    (
        "information",
        "Электрондық мемлекеттік қызмет көрсету тәртібі туралы ақпараттың сапалығына сіз қанағаттанасыз ба?",
    ),
]
ANSWERS_003 = ["қанағаттанбадым", "жартылай қанағаттандым", "қанағаттандым"]


@pytest.mark.parametrize(
    ("key", "seed", "questions", "answers"),
    [
        (E12, "004", SURVEY_004, ANSWERS_004),
        ("cultural_values_export@akmola-2013", "003", SURVEY_003, ANSWERS_003),
    ],
)
def test_the_survey_is_the_acts_own_form(
    catalog: Catalog,
    seed_text: dict[str, str],
    key: str,
    seed: str,
    questions: list[tuple[str, str]],
    answers: list[str],
) -> None:
    for _, text in questions:
        _in_seed(seed_text, seed, text)
    for text in answers:
        _in_seed(seed_text, seed, f"{text};" if text != answers[-1] else f"{text}.")
    definition = _get(catalog, key)
    asked, offered = survey_of(definition)
    assert [(q, t["kk"]) for q, t in asked.items()] == questions
    assert [offered[v]["kk"] for v in sorted(offered)] == answers
    assert all(t["ru"] and t["en"] for t in asked.values())


def test_004_survey_is_not_the_003_wording(catalog: Catalog) -> None:
    asked, offered = survey_of(_get(catalog, E12))
    assert asked["process"]["kk"] != QUESTIONS["process"]["kk"]
    assert offered[1]["kk"] == "қанағаттанған жоқпын"
    # A regulation with no survey form of its own gets the portal's default.
    assert survey_of(_get(catalog, A14))[0] is QUESTIONS


# --- the contact lines ---------------------------------------------------------------------

CONTACTS = [
    (
        A14,
        "000",
        ["1414"],
        "Электрондық мемлекеттік қызмет көрсету туралы қажетті ақпаратты 1414 телефоны арқылы алуға болады.",
    ),
    (
        B14,
        "000",
        ["1414"],
        "Электрондық мемлекеттік қызмет көрсету туралы қажетті ақпаратты 1414 телефоны арқылы алуға болады.",
    ),
    (
        "cultural_values_export@akmola-2013",
        "003",
        ["1414"],
        "Электрондық мемлекеттік қызметті көрсету бойынша қажет ақпаратты және консультацияны ЭҮП саll – орталығының телефоны (1414) бойынша алуға болады.",
    ),
    (
        E12,
        "004",
        ["8(7172) 216616", "8(7172) 796197", "1414"],
        "байланыс телефонының нөмірі: 8(7172) 216616; 8(7172) 796197, сондай-ақ call-центр: 1414.",
    ),
]


@pytest.mark.parametrize(
    ("key", "seed", "numbers", "clause"), CONTACTS, ids=[row[0] for row in CONTACTS]
)
def test_the_contact_lines_of_the_act_are_data_and_rendered(
    catalog: Catalog,
    seed_text: dict[str, str],
    key: str,
    seed: str,
    numbers: list[str],
    clause: str,
) -> None:
    _in_seed(seed_text, seed, clause)
    definition = _get(catalog, key)
    assert [c.number for c in definition.contacts] == numbers
    for contact in definition.contacts:
        assert contact.source.clause.startswith(seed)
    lines = contact_lines(definition.contacts, "kk")
    assert [n for n in numbers if any(n in line for line in lines)] == numbers


def test_acts_without_contact_lines_have_none(catalog: Catalog, seed_text: dict[str, str]) -> None:
    for seed in ("001", "002"):
        assert "1414" not in seed_text[seed]
    for d in catalog.definitions:
        if d.trace and d.trace[0].source.clause[:3] in {"001", "002"}:
            assert d.contacts == ()


# --- the first day in force ----------------------------------------------------------------

# «... алғаш ресми жарияланғаннан кейін күнтізбелік он күн өткен соң қолданысқа енгізіледі»:
# the ten calendar days are D+1..D+10 after publication day D (a period in days runs from the
# day after the event), so the act applies from D+11. 003 applies from the day of publication.
TEN_DAYS = timedelta(days=11)
IN_FORCE = [
    # (definition, seed, the clause, days after publication, repeal deferred by ten days)
    (
        A14,
        "000",
        "алғаш ресми жарияланғаннан кейін күнтізбелік он күн өткен соң қолданысқа енгізіледі",
        TEN_DAYS,
        True,
    ),
    (
        B14,
        "000",
        "алғаш ресми жарияланғаннан кейін күнтізбелік он күн өткен соң қолданысқа енгізіледі",
        TEN_DAYS,
        True,
    ),
    (
        "cultural_values_export@almaty-2018",
        "001",
        "алғаш ресми жарияланғаннан кейін күнтізбелік он күн өткен соң қолданысқа енгізіледі",
        TEN_DAYS,
        True,
    ),
    (
        "minerals_absence_conclusion@almaty-2019",
        "002",
        "4. Осы қаулы алғаш ресми жарияланғаннан кейін күнтізбелік он күн өткен соң қолданысқа енгізіледі.",
        TEN_DAYS,
        True,
    ),
    (
        "minerals_building_permit@almaty-2019",
        "002",
        "4. Осы қаулы алғаш ресми жарияланғаннан кейін күнтізбелік он күн өткен соң қолданысқа енгізіледі.",
        TEN_DAYS,
        True,
    ),
    (
        "cultural_values_export@akmola-2013",
        "003",
        "ресми жарияланған күнінен бастап қолданысқа енгізіледі",
        timedelta(0),
        False,
    ),
    (
        E12,
        "004",
        "алғашқы ресми жарияланған күннен бастап күнтізбелік он күн өткен соң қолданысқа енгізіледі",
        TEN_DAYS,
        False,
    ),
]
# The repeal acts of 000, 001 and 002 carry the same ten-day clause (their notes in the seeds).
REPEAL_CLAUSE = (
    "ресми жарияланған күнінен кейін күнтізбелік он күн өткен соң қолданысқа енгізіледі)"
)


def test_every_definition_is_checked_for_its_first_day(catalog: Catalog) -> None:
    assert {d.key for d in catalog.definitions} == {row[0] for row in IN_FORCE}


@pytest.mark.parametrize(
    ("key", "seed", "clause", "delay", "deferred_repeal"),
    IN_FORCE,
    ids=[row[0] for row in IN_FORCE],
)
def test_first_day_in_force_follows_the_acts_clause(
    catalog: Catalog,
    seed_text: dict[str, str],
    key: str,
    seed: str,
    clause: str,
    delay: timedelta,
    deferred_repeal: bool,
) -> None:
    _in_seed(seed_text, seed, clause)
    d = _get(catalog, key)
    # Publication dates are not in the seeds: each basis assumes publication on the act's
    # registration date.
    published: date = d.act.registration_date
    assert d.in_force.from_ == published + delay
    assert str(d.in_force.from_) in d.in_force.basis
    assert ("D+11" if delay else "D itself") in d.in_force.basis
    assert d.in_force.until is not None
    repeal = max(r.date for r in d.act.repealed_by)
    if deferred_repeal:
        _in_seed(seed_text, seed, REPEAL_CLAUSE)
        assert d.in_force.until == repeal + TEN_DAYS
    else:
        assert d.in_force.until == repeal
    assert d.in_force.covers(d.in_force.from_)
    assert not d.in_force.covers(d.in_force.from_ - timedelta(days=1))
