# ruff: noqa: RUF001, RUF003  (Kazakh and Russian text: Cyrillic letters are meant here)
"""A deterministic synthetic population for the registries: valid IIN/BIN check digits,
plausible Kazakh names in Kazakh and Russian spelling, no real people.

Names are random combinations of common given names with surnames and patronymics built from
other given names, so a record matches a living person only by coincidence. The same seed always
gives the same population and the same event ids, so re-running a seed writes nothing new.

Bulk loading writes the registrations in chunks of ``CHUNK`` events per append (one transaction
each) to ``seed-<seed>-<kind>-<n>`` streams: one stream per person would mean 100,000
transactions. Later changes to a seeded person go to its own ``person-<iin>`` stream as usual.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from registry_svc.domain.registry import (
    ENTITY_REGISTERED,
    PERSON_REGISTERED,
    EntityStatus,
    LegalEntity,
    LocalizedText,
    Person,
    PersonStatus,
    RegistryView,
)
from shared.eventlog.port import EventStore, NewEvent
from shared.ids import BinAttribute, EntityType, Gender, IdError, make_bin, make_iin

CHUNK = 2000
_NAMESPACE = uuid.UUID("5b1c6f0e-3f7c-4a59-9d0e-8f1c2a7e4b11")

# (Kazakh spelling, Russian spelling)
MALE_NAMES = [
    ("Айдос", "Айдос"), ("Ерлан", "Ерлан"), ("Нұрлан", "Нурлан"), ("Асқар", "Аскар"),
    ("Бауыржан", "Бауыржан"), ("Дәурен", "Даурен"), ("Ерболат", "Ерболат"), ("Қайрат", "Кайрат"),
    ("Мұрат", "Мурат"), ("Серік", "Серик"), ("Талғат", "Талгат"), ("Жандос", "Жандос"),
    ("Арман", "Арман"), ("Бекзат", "Бекзат"), ("Ғалым", "Галым"), ("Дархан", "Дархан"),
    ("Ержан", "Ержан"), ("Нұржан", "Нуржан"), ("Санжар", "Санжар"), ("Темірлан", "Темирлан"),
    ("Әлихан", "Алихан"), ("Рауан", "Рауан"), ("Ислам", "Ислам"), ("Алмас", "Алмас"),
]  # fmt: skip
FEMALE_NAMES = [
    ("Айгерім", "Айгерим"), ("Әсел", "Асель"), ("Гүлнар", "Гульнар"), ("Динара", "Динара"),
    ("Жанар", "Жанар"), ("Қарлығаш", "Карлыгаш"), ("Мәдина", "Мадина"), ("Назерке", "Назерке"),
    ("Салтанат", "Салтанат"), ("Томирис", "Томирис"), ("Ұлжан", "Улжан"), ("Айжан", "Айжан"),
    ("Балжан", "Балжан"), ("Гүлмира", "Гульмира"), ("Ақбота", "Акбота"), ("Жансая", "Жансая"),
    ("Іңкәр", "Инкар"), ("Аружан", "Аружан"), ("Дана", "Дана"), ("Камила", "Камила"),
]  # fmt: skip
SURNAMES = [  # masculine form; the feminine adds "а"
    ("Сейітов", "Сеитов"), ("Қасымов", "Касымов"), ("Омаров", "Омаров"), ("Ахметов", "Ахметов"),
    ("Жұмабаев", "Жумабаев"), ("Серікбаев", "Серикбаев"), ("Нұрланов", "Нурланов"),
    ("Тоқтаров", "Токтаров"), ("Әбенов", "Абенов"), ("Бекболатов", "Бекболатов"),
    ("Есенов", "Есенов"), ("Қалиев", "Калиев"), ("Мұратов", "Муратов"), ("Оспанов", "Оспанов"),
    ("Сәрсенов", "Сарсенов"), ("Төлеуов", "Тулеуов"), ("Жақыпов", "Жакупов"),
    ("Байжанов", "Байжанов"), ("Құдайбергенов", "Кудайбергенов"), ("Иманов", "Иманов"),
    ("Рахымов", "Рахимов"), ("Исабеков", "Исабеков"), ("Дүйсенов", "Дюсенов"),
]  # fmt: skip
CITIES = [
    "Астана", "Алматы", "Шымкент", "Караганда", "Актобе", "Тараз", "Павлодар", "Семей",
    "Атырау", "Костанай", "Кызылорда", "Уральск", "Петропавловск", "Актау", "Туркестан",
]  # fmt: skip
STREETS = [
    "Абая", "Сатпаева", "Жамбыла", "Толе би", "Кенесары", "Достык", "Бейбитшилик",
    "Жибек жолы", "Тауелсиздик", "Желтоксан", "Байтурсынова", "Ауэзова",
]  # fmt: skip
COMPANY_WORDS = [
    ("Алтын", "Алтын"), ("Жұлдыз", "Жулдыз"), ("Береке", "Береке"), ("Шұғыла", "Шугыла"),
    ("Тұлпар", "Тулпар"), ("Бастау", "Бастау"), ("Өркен", "Оркен"), ("Сәулет", "Саулет"),
    ("Іргетас", "Иргетас"), ("Арна", "Арна"), ("Дала", "Дала"), ("Көктем", "Коктем"),
]  # fmt: skip
COMPANY_TRADES = [
    ("Агро", "Агро"), ("Сервис", "Сервис"), ("Транс", "Транс"), ("Құрылыс", "Курылыс"),
    ("Медиа", "Медиа"), ("Фарм", "Фарм"), ("Консалт", "Консалт"), ("Логистика", "Логистика"),
]  # fmt: skip

_BIRTH_FIRST = date(1940, 1, 1)
_BIRTH_DAYS = (date(2007, 12, 31) - _BIRTH_FIRST).days
_REG_FIRST = date(1996, 1, 1)
_REG_DAYS = (date(2025, 12, 31) - _REG_FIRST).days


class SeedError(ValueError):
    """Seeding was asked for something it cannot produce."""


@dataclass(frozen=True)
class Population:
    seed: int
    persons: list[Person]
    entities: list[LegalEntity]


def _address(rng: random.Random) -> str:
    return (
        f"г. {rng.choice(CITIES)}, ул. {rng.choice(STREETS)}, д. {rng.randint(1, 250)}, "
        f"кв. {rng.randint(1, 180)}"
    )


def _person(rng: random.Random, taken: set[str]) -> Person:
    gender = Gender.MALE if rng.random() < 0.5 else Gender.FEMALE
    while True:
        birth = _BIRTH_FIRST + timedelta(days=rng.randrange(_BIRTH_DAYS + 1))
        try:
            iin = make_iin(birth, gender, rng.randrange(10000))
        except IdError:
            continue  # a serial whose check digit does not exist: draw again
        if iin not in taken:
            taken.add(iin)
            break
    given = rng.choice(MALE_NAMES if gender is Gender.MALE else FEMALE_NAMES)
    father = rng.choice(MALE_NAMES)
    surname = rng.choice(SURNAMES)
    female = gender is Gender.FEMALE
    return Person(
        iin=iin,
        surname=LocalizedText(
            kk=surname[0] + ("а" if female else ""), ru=surname[1] + ("а" if female else "")
        ),
        name=LocalizedText(kk=given[0], ru=given[1]),
        patronymic=LocalizedText(
            kk=father[0] + ("қызы" if female else "ұлы"),
            ru=father[1] + ("овна" if female else "ович"),
        ),
        birth_date=birth,
        gender=gender,
        address=_address(rng),
        status=PersonStatus.DECEASED if rng.random() < 0.01 else PersonStatus.ACTIVE,
    )


def _entity(rng: random.Random, taken: set[str], heads: list[Person]) -> LegalEntity:
    attribute = BinAttribute.BRANCH if rng.random() < 0.1 else BinAttribute.HEAD_UNIT
    while True:
        registered = _REG_FIRST + timedelta(days=rng.randrange(_REG_DAYS + 1))
        try:
            bin_ = make_bin(
                registered, EntityType.RESIDENT_LEGAL_ENTITY, attribute, rng.randrange(100000)
            )
        except IdError:
            continue
        if bin_ not in taken:
            taken.add(bin_)
            break
    word, trade = rng.choice(COMPANY_WORDS), rng.choice(COMPANY_TRADES)
    return LegalEntity(
        bin=bin_,
        name=LocalizedText(
            kk=f'"{word[0]} {trade[0]}" жауапкершілігі шектеулі серіктестігі',
            ru=f'Товарищество с ограниченной ответственностью "{word[1]} {trade[1]}"',
        ),
        registration_date=registered,
        head_iin=rng.choice(heads).iin,
        address=_address(rng),
        status=EntityStatus.LIQUIDATED if rng.random() < 0.03 else EntityStatus.ACTIVE,
    )


def generate_population(persons: int, entities: int, seed: int) -> Population:
    if persons < 0 or entities < 0:
        raise SeedError("the numbers of persons and entities cannot be negative")
    if entities and not persons:
        raise SeedError("legal entities need persons to head them: seed at least one person")
    if persons > 2_000_000:
        raise SeedError("at most 2,000,000 persons per seed (the IIN space per day is small)")
    rng = random.Random(seed)
    iins: set[str] = set()
    people = [_person(rng, iins) for _ in range(persons)]
    adults = [p for p in people if p.birth_date.year <= 2005] or people
    bins: set[str] = set()
    companies = [_entity(rng, bins, adults) for _ in range(entities)]
    return Population(seed, people, companies)


@dataclass(frozen=True)
class SeedReport:
    persons_written: int
    entities_written: int
    persons_skipped: int  # already in the registry (an earlier run of this or another seed)
    entities_skipped: int
    seconds: float


async def load_population(
    store: EventStore, population: Population, view: RegistryView
) -> SeedReport:
    """Append the population's registrations, skipping numbers ``view`` already holds. ``view``
    must be caught up with ``store``."""
    started = time.perf_counter()
    counts: list[tuple[int, int]] = []
    batches = (
        ("persons", PERSON_REGISTERED, population.persons, view.persons, "iin"),
        ("entities", ENTITY_REGISTERED, population.entities, view.entities, "bin"),
    )
    for kind, event_type, records, existing, key in batches:
        fresh = [r.model_dump(mode="json") for r in records]
        fresh = [r for r in fresh if r[key] not in existing]
        for start in range(0, len(fresh), CHUNK):
            chunk = fresh[start : start + CHUNK]
            events = [
                NewEvent(
                    event_type,
                    data,
                    event_id=uuid.uuid5(_NAMESPACE, f"{population.seed}:{kind}:{data[key]}"),
                )
                for data in chunk
            ]
            await store.append(f"seed-{population.seed}-{kind}-{start // CHUNK}", events)
        counts.append((len(fresh), len(records) - len(fresh)))
    return SeedReport(
        persons_written=counts[0][0],
        entities_written=counts[1][0],
        persons_skipped=counts[0][1],
        entities_skipped=counts[1][1],
        seconds=time.perf_counter() - started,
    )
