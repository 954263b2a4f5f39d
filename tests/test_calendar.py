"""The Kazakhstan working-day calendar and regulation deadlines.

Dates below are checked by hand against the published calendar: weekdays, the holidays law,
the Government transfer resolutions listed in shared/kz_transfers.yaml, and (for the package's
own data) the ``holidays`` package. Almaty was UTC+6 until 1 March 2024, UTC+5 since.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calendar import KzCalendar, WorkingHours, load_transfers
from shared.clock import NaiveDatetimeError

PLUS5 = timezone(timedelta(hours=5))  # Almaty since 1 March 2024
PLUS6 = timezone(timedelta(hours=6))  # Almaty before


@pytest.fixture(scope="module")
def cal() -> KzCalendar:
    return KzCalendar()


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """An Almaty wall-clock time as an aware datetime with the offset in force that day."""
    offset = PLUS5 if date(y, m, d) >= date(2024, 3, 1) else PLUS6
    return datetime(y, m, d, hh, mm, tzinfo=offset)


# --- working days -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (date(2025, 2, 12), True, "an ordinary Wednesday"),
        (date(2025, 2, 15), False, "an ordinary Saturday"),
        (date(2025, 2, 16), False, "an ordinary Sunday"),
        (date(2025, 1, 1), False, "New Year"),
        (date(2025, 1, 2), False, "New Year, second day"),
        (date(2025, 3, 21), False, "Nauryz"),
        (date(2025, 5, 7), False, "Defender of the Fatherland Day"),
        (date(2025, 12, 16), False, "Independence Day"),
        # Government transfers (kz_transfers.yaml)
        (date(2022, 10, 22), True, "Saturday worked, resolution No. 796 of 2022"),
        (date(2022, 10, 24), False, "Monday off, resolution No. 796 of 2022"),
        (date(2023, 7, 1), True, "Saturday worked, resolution No. 326 of 2023"),
        (date(2023, 7, 7), False, "Friday off, resolution No. 326 of 2023"),
        (date(2024, 5, 4), True, "Saturday worked, resolution No. 109 of 2024"),
        (date(2024, 5, 8), False, "Wednesday off, resolution No. 109 of 2024"),
        (date(2025, 1, 5), True, "Sunday worked, resolution No. 436 of 2024"),
        (date(2025, 1, 3), False, "Friday off, resolution No. 436 of 2024"),
        # a holiday on a day off moves the day off to the next working day
        (date(2025, 3, 10), False, "8 March 2025 was a Saturday"),
        (date(2025, 3, 24), False, "Nauryz 22-23 March 2025 fell on the weekend"),
        (date(2025, 3, 25), False, "Nauryz 22-23 March 2025 fell on the weekend"),
        (date(2025, 3, 26), True, "work resumes after the two moved days"),
        (date(2023, 12, 18), False, "16 December 2023 was a Saturday"),
        (date(2026, 5, 11), False, "9 May 2026 is a Saturday"),
        (date(2025, 10, 27), False, "Republic Day 25 October 2025 was a Saturday"),
        # ... except Orthodox Christmas and Kurban Ait
        (date(2024, 1, 8), True, "7 January 2024 was a Sunday: no day moved"),
        (date(2024, 6, 17), True, "Kurban Ait 16 June 2024 was a Sunday: no day moved"),
        (date(2025, 1, 7), False, "Orthodox Christmas on a Tuesday"),
        (date(2025, 6, 6), False, "Kurban Ait 2025 on a Friday"),
    ],
)
def test_working_days(cal: KzCalendar, day: date, working: bool, why: str) -> None:
    assert cal.is_working_day(day) is working, why


def test_weekday_holidays_agree_with_the_holidays_package(cal: KzCalendar) -> None:
    package = holidays.country_holidays("KZ", years=range(2022, 2027))
    weekday_holidays = [d for d in package if d.weekday() < 5]
    assert len(weekday_holidays) > 40
    assert not any(cal.is_working_day(d) for d in weekday_holidays)


def test_shipped_transfers_are_cited_and_balanced() -> None:
    transfers = load_transfers()
    assert all("adilet" in t.source and "resolution" in t.source for t in transfers)
    # Balanced per resolution, not per calendar year: No. 1322 of 2013 trades Saturday
    # 28 December 2013 for Friday 3 January 2014.
    for source in {t.source for t in transfers}:
        sides = [t.working for t in transfers if t.source == source]
        assert sides.count(True) == sides.count(False), source
    # a transfer makes a weekday a day off, and a weekend day a working day, or a Monday that
    # was off only because a holiday fell on the weekend before it (11 May 2020, after Victory
    # Day on Saturday 9 May: resolution No. 820 of 2019 moved that day off to Friday 8 May)
    package = holidays.country_holidays("KZ")
    for t in transfers:
        if not t.working:
            assert t.day.weekday() < 5, t.day
        elif t.day.weekday() < 5:
            assert t.day.weekday() == 0, t.day
            assert any(t.day - timedelta(days=n) in package for n in (1, 2)), t.day


def test_shipped_transfers_agree_with_the_holidays_package() -> None:
    # Both sources must say the same where both know the year; disagreement means one is stale.
    # An entry with a disagrees_with_holidays note is the recorded exception (the table wins).
    without_table = KzCalendar(use_shipped_transfers=False)
    for transfer in load_transfers():
        if transfer.disagrees_with_holidays is None:
            assert without_table.is_working_day(transfer.day) is transfer.working, transfer.day


def test_user_overrides_add_and_correct_transfers() -> None:
    cal = KzCalendar(
        {
            date(2026, 12, 31): False,  # a weekday made a day off
            date(2026, 12, 26): True,  # a Saturday made a working day
            date(2024, 5, 4): False,  # correcting the shipped table
        }
    )
    assert not cal.is_working_day(date(2026, 12, 31))
    assert cal.is_working_day(date(2026, 12, 26))
    assert not cal.is_working_day(date(2024, 5, 4))
    assert cal.overrides[date(2025, 1, 5)] is True  # the rest of the shipped table still applies


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({datetime(2026, 1, 5, tzinfo=UTC): True}, TypeError),
        ({date(2026, 1, 5): "yes"}, TypeError),
    ],
)
def test_bad_overrides_are_refused(overrides: dict[date, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        KzCalendar(overrides)  # type: ignore[arg-type]


def test_is_working_day_refuses_a_datetime(cal: KzCalendar) -> None:
    with pytest.raises(TypeError, match=r"datetime\.date"):
        cal.is_working_day(datetime(2025, 2, 12, tzinfo=UTC))


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        KzCalendar(tz="Asia/Nowhere")


# --- add_working_days ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "days", "deadline", "why"),
    [
        (local(2025, 2, 13, 10), 3, local(2025, 2, 18, 18, 30), "Fri 14, Mon 17, Tue 18"),
        (
            local(2025, 5, 6, 10),
            3,
            local(2025, 5, 13, 18, 30),
            "7 May holiday; Thu 8 (1); 9 May holiday; Mon 12 (2); Tue 13 (3)",
        ),
        (
            local(2024, 5, 2, 10),
            4,
            local(2024, 5, 10, 18, 30),
            "Fri 3 (1), Sat 4 worked by transfer (2), Mon 6 (3), 7-9 May off, Fri 10 (4)",
        ),
        (
            local(2025, 1, 1, 10),
            3,
            local(2025, 1, 9, 18, 30),
            "received on a holiday: accepted Sun 5 (worked), then Mon 6, (7 Jan off) 8, 9",
        ),
        (local(2025, 2, 10, 19), 1, local(2025, 2, 12, 18, 30), "after hours: accepted Tue 11"),
        (local(2025, 2, 10, 18, 30), 1, local(2025, 2, 12, 18, 30), "18:30 is already closed"),
        (local(2025, 2, 10, 18, 29), 1, local(2025, 2, 11, 18, 30), "one minute before closing"),
        (local(2025, 2, 10, 7), 1, local(2025, 2, 11, 18, 30), "before opening: that same day"),
        (local(2025, 2, 15, 11), 1, local(2025, 2, 18, 18, 30), "Saturday: accepted Mon 17"),
        (local(2025, 2, 10, 11), 0, local(2025, 2, 10, 18, 30), "0 days: end of acceptance day"),
        (local(2024, 2, 1, 10), 1, local(2024, 2, 2, 18, 30), "UTC+6 before March 2024"),
    ],
)
def test_add_working_days(
    cal: KzCalendar, received: datetime, days: int, deadline: datetime, why: str
) -> None:
    result = cal.add_working_days(received.astimezone(UTC), days)
    assert result == deadline, why
    assert result.tzinfo is UTC


def test_fifteen_working_days_across_nauryz(cal: KzCalendar) -> None:
    # Received Mon 10 March 2025 (itself a moved day off for 8 March): accepted Tue 11.
    # Working days: 12 13 14 17 18 19 20 | 21-25 off | 26 27 28 31, 1 2 3 4 -> 4 April.
    result = cal.add_working_days(local(2025, 3, 10, 10), 15)
    assert result == local(2025, 4, 4, 18, 30)


def test_deadline_inputs_must_be_aware_and_non_negative(cal: KzCalendar) -> None:
    with pytest.raises(NaiveDatetimeError):
        cal.add_working_days(datetime(2025, 2, 10, 10), 1)
    with pytest.raises(ValueError, match="days must be >= 0"):
        cal.add_working_days(local(2025, 2, 10, 10), -1)
    with pytest.raises(ValueError, match="days must be >= 0"):
        cal.add_calendar_days(local(2025, 2, 10, 10), -1)


instants = st.datetimes(
    min_value=datetime(2022, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(deadline=None, max_examples=150)
@given(start=instants, days=st.integers(min_value=0, max_value=40))
def test_add_working_days_lands_at_closing_time_on_the_nth_working_day(
    cal: KzCalendar, start: datetime, days: int
) -> None:
    result = cal.add_working_days(start, days)
    in_almaty = result.astimezone(cal.tz)
    assert in_almaty.time() == time(18, 30)
    assert cal.is_working_day(in_almaty.date())
    accepted = cal.receipt_day(start)
    counted = sum(
        cal.is_working_day(accepted + timedelta(days=i))
        for i in range(1, (in_almaty.date() - accepted).days + 1)
    )
    assert counted == days
    assert result > start


@settings(deadline=None, max_examples=100)
@given(a=instants, b=instants, days=st.integers(min_value=0, max_value=30))
def test_add_working_days_is_monotonic(
    cal: KzCalendar, a: datetime, b: datetime, days: int
) -> None:
    early, late = sorted((a, b))
    assert cal.add_working_days(early, days) <= cal.add_working_days(late, days)
    assert cal.add_working_days(early, days) < cal.add_working_days(early, days + 1)


# --- add_calendar_days --------------------------------------------------------------------


def test_add_calendar_days_ends_on_a_working_day(cal: KzCalendar) -> None:
    # Accepted Mon 3 March 2025; +5 days = Sat 8 March (holiday); Sun 9; Mon 10 moved day off.
    assert cal.add_calendar_days(local(2025, 3, 3, 10), 5) == local(2025, 3, 11, 18, 30)
    # Accepted Mon 3 February 2025; +15 = Tue 18 February, a working day.
    assert cal.add_calendar_days(local(2025, 2, 3, 10), 15) == local(2025, 2, 18, 18, 30)


# --- working time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "end", "why"),
    [
        (local(2025, 2, 10, 10), timedelta(minutes=15), local(2025, 2, 10, 10, 15), "inside"),
        (local(2025, 2, 10, 12), timedelta(hours=2), local(2025, 2, 10, 15, 30), "over lunch"),
        (local(2025, 2, 10, 12), timedelta(hours=1), local(2025, 2, 10, 13), "ends at lunch"),
        (local(2025, 2, 10, 13, 30), timedelta(minutes=30), local(2025, 2, 10, 15), "in lunch"),
        (local(2025, 2, 10, 7), timedelta(hours=1), local(2025, 2, 10, 10), "before opening"),
        (
            local(2025, 2, 14, 17, 30),
            timedelta(hours=3),
            local(2025, 2, 17, 11),
            "Fri 1 h, weekend, Mon 2 h",
        ),
        (
            local(2024, 5, 3, 18),
            timedelta(hours=1),
            local(2024, 5, 4, 9, 30),
            "Fri 30 min, then Saturday 4 May 2024 worked by transfer",
        ),
        (
            local(2025, 5, 6, 18),
            timedelta(hours=1),
            local(2025, 5, 8, 9, 30),
            "Tue 30 min, 7 May holiday, Thu 30 min",
        ),
        (local(2025, 2, 10, 20), timedelta(0), local(2025, 2, 10, 20), "zero: unchanged"),
    ],
)
def test_add_working_time(
    cal: KzCalendar, start: datetime, duration: timedelta, end: datetime, why: str
) -> None:
    assert cal.add_working_time(start, duration) == end, why


def test_custom_working_hours() -> None:
    hours = WorkingHours(start=time(8), end=time(17, 30), breaks=((time(12), time(13, 30)),))
    assert hours.per_day == timedelta(hours=8)
    cal = KzCalendar(working_hours=hours)
    assert cal.add_working_time(local(2025, 2, 10, 11, 30), timedelta(hours=1)) == local(
        2025, 2, 10, 14
    )
    assert cal.add_working_days(local(2025, 2, 10, 17, 45), 1) == local(2025, 2, 12, 17, 30)


def test_default_working_day_is_eight_hours() -> None:
    assert WorkingHours().per_day == timedelta(hours=8)
    assert WorkingHours(breaks=()).per_day == timedelta(hours=9, minutes=30)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start": time(18), "end": time(9)},
        {"breaks": ((time(8), time(10)),)},
        {"breaks": ((time(14), time(13)),)},
        {"breaks": ((time(13), time(14)), (time(13, 30), time(15)))},
        {"start": time(9, tzinfo=UTC)},
    ],
)
def test_inconsistent_working_hours_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"break|start before|wall-clock"):
        WorkingHours(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (local(2025, 2, 10, 10), local(2025, 2, 10, 16), timedelta(hours=4, minutes=30)),
        (local(2025, 2, 14, 17), local(2025, 2, 17, 10), timedelta(hours=2, minutes=30)),
        (local(2025, 2, 10), local(2025, 2, 17), timedelta(hours=40)),
        (local(2025, 5, 5), local(2025, 5, 12), timedelta(hours=24)),  # 7 and 9 May off
        (local(2024, 4, 29), local(2024, 5, 6), timedelta(hours=40)),  # 1 May off, Sat 4 worked
        (local(2025, 2, 15, 10), local(2025, 2, 15, 12), timedelta(0)),  # Saturday
        (local(2025, 2, 10, 10), local(2025, 2, 10, 10), timedelta(0)),
    ],
)
def test_working_time_between(
    cal: KzCalendar, a: datetime, b: datetime, expected: timedelta
) -> None:
    assert cal.working_time_between(a, b) == expected


def test_working_time_between_refuses_reversed_interval(cal: KzCalendar) -> None:
    with pytest.raises(ValueError, match="before"):
        cal.working_time_between(local(2025, 2, 11), local(2025, 2, 10))


durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=200)).map(
    lambda d: timedelta(seconds=int(d.total_seconds()))
)


@settings(deadline=None, max_examples=150)
@given(start=instants, duration=durations)
def test_working_time_between_inverts_add_working_time(
    cal: KzCalendar, start: datetime, duration: timedelta
) -> None:
    end = cal.add_working_time(start, duration)
    assert end >= start
    assert cal.working_time_between(start, end) == duration


@settings(deadline=None, max_examples=100)
@given(points=st.lists(instants, min_size=3, max_size=3))
def test_working_time_between_is_additive(cal: KzCalendar, points: list[datetime]) -> None:
    a, b, c = sorted(points)
    assert cal.working_time_between(a, b) + cal.working_time_between(
        b, c
    ) == cal.working_time_between(a, c)
