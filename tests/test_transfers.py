"""The Government day-off transfers of 2012-2020 in shared/kz_transfers.yaml.

Every entry of those years is checked against the ``holidays`` package (country KZ), which
keeps the same transfers from its own reading of the resolutions: the two must agree day by
day, or the entry carries a ``disagrees_with_holidays`` reason and the table wins. The check
runs both ways, so a transfer the package knows and the table lacks fails too.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import holidays
import pytest

from shared.calendar import KzCalendar, Transfer, load_transfers

YEARS = range(2012, 2021)
ALMATY_BEFORE_2024 = timezone(timedelta(hours=6))  # Almaty was UTC+6 until 1 March 2024


def _table() -> list[Transfer]:
    return [t for t in load_transfers() if t.day.year in YEARS]


def _package_transfers() -> dict[date, bool]:
    """The package's transfers of those years: weekdays it names "Day off (substituted from
    ...)" are days off, the weekend days worked instead are in ``weekend_workdays``."""
    package = holidays.country_holidays("KZ", years=YEARS, language="en_US")
    days: dict[date, bool] = {
        day: False for day, name in package.items() if name.startswith("Day off (substituted")
    }
    days.update((day, True) for day in package.weekend_workdays if day.year in YEARS)
    return days


def test_table_covers_every_year_with_a_transfer() -> None:
    years = {t.day.year for t in _table()}
    # 2015 had no transfer (neither the package nor any resolution we found lists one).
    assert years == set(YEARS) - {2015}
    assert len(_table()) == 40


def test_every_transfer_agrees_with_the_holidays_package_or_says_why_not() -> None:
    without_table = KzCalendar(use_shipped_transfers=False)
    disagreements: list[str] = []
    for transfer in _table():
        package_says = without_table.is_working_day(transfer.day)
        if package_says is transfer.working:
            assert transfer.disagrees_with_holidays is None, (
                f"{transfer.day}: marked as disagreeing, but the package agrees; drop the note"
            )
            continue
        disagreements.append(f"{transfer.day}: table working={transfer.working}")
        assert transfer.disagrees_with_holidays, (
            f"{transfer.day}: the holidays package says working={package_says}, the table "
            f"{transfer.working}; record why in disagrees_with_holidays or fix the entry"
        )
        # ... and the table wins in the calendar.
        assert KzCalendar().is_working_day(transfer.day) is transfer.working
    # Today the two sources agree on every day of 2012-2020; a new disagreement is named here.
    assert disagreements == []


def test_every_transfer_the_package_knows_is_in_the_table() -> None:
    table = {t.day: t.working for t in _table()}
    missing = {
        day: working for day, working in _package_transfers().items() if table.get(day) != working
    }
    assert missing == {}


def test_each_side_cites_the_same_resolution_as_its_counterpart() -> None:
    # Every source (resolution) moves as many days off as it makes working days.
    by_source: dict[str, list[bool]] = {}
    for transfer in _table():
        assert transfer.source.startswith("Government resolution No. "), transfer.day
        assert ", adilet P" in transfer.source, transfer.day
        by_source.setdefault(transfer.source, []).append(transfer.working)
    for source, sides in by_source.items():
        assert sides.count(True) == sides.count(False), source
    assert len(by_source) == 12  # 12 resolutions for 2012-2020


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (date(2018, 8, 25), True, "Saturday worked, resolution No. 864 of 2017"),
        (date(2018, 8, 31), False, "Friday off, resolution No. 864 of 2017"),
        (date(2013, 12, 28), True, "Saturday worked, resolution No. 1322 of 2013"),
        (date(2014, 1, 3), False, "Friday off across the year, resolution No. 1322 of 2013"),
        (date(2014, 5, 11), True, "Sunday worked, resolution No. 365 of 2014"),
        (date(2014, 5, 8), False, "Thursday off, resolution No. 365 of 2014"),
        (date(2020, 5, 11), True, "Monday worked, resolution No. 820 of 2019"),
        (date(2020, 5, 8), False, "Friday off, resolution No. 820 of 2019"),
        (date(2016, 3, 12), False, "a Saturday no resolution touched stays off"),
        (date(2015, 5, 8), True, "2015: no transfer, an ordinary Friday"),
    ],
)
def test_calendar_applies_the_transfers(day: date, working: bool, why: str) -> None:
    assert KzCalendar().is_working_day(day) is working, why


def test_the_calendar_reads_the_table_and_user_overrides_win() -> None:
    # The table's entries are in the calendar's effective override table, so they decide even
    # where the package would say otherwise; a user override still wins over them.
    cal = KzCalendar()
    for transfer in _table():
        assert cal.overrides[transfer.day] is transfer.working, transfer.day
    corrected = KzCalendar({date(2018, 8, 25): False})
    assert not corrected.is_working_day(date(2018, 8, 25))


def test_a_working_day_term_counts_the_worked_saturday_and_skips_the_moved_day_off() -> None:
    # Received Thursday 23 August 2018 10:00 Almaty, 3 working days: Fri 24 (1), Sat 25
    # (worked by transfer, 2), Mon 27 (3). Without the transfer it would end Tue 28.
    received = datetime(2018, 8, 23, 10, tzinfo=ALMATY_BEFORE_2024)
    deadline = KzCalendar().add_working_days(received, 3)
    assert deadline == datetime(2018, 8, 27, 18, 30, tzinfo=ALMATY_BEFORE_2024)
    # Received Wednesday 29 August 2018, 1 working day: Thu 30 is Constitution Day, Fri 31 is
    # the moved day off, so the term ends Monday 3 September.
    received = datetime(2018, 8, 29, 10, tzinfo=ALMATY_BEFORE_2024)
    assert KzCalendar().add_working_days(received, 1) == datetime(
        2018, 9, 3, 18, 30, tzinfo=ALMATY_BEFORE_2024
    )
