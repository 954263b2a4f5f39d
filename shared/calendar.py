"""The Kazakhstan working-day calendar: which days state bodies work, and regulation deadlines.

Sources of truth, in the order they apply to a date:

1. ``overrides`` given to :class:`KzCalendar` (``True`` = working day, ``False`` = day off), so
   users can add a transfer resolution published after our data, or correct one;
2. the shipped transfer table ``shared/kz_transfers.yaml`` (Government day-off transfers, each
   entry citing its resolution), unless ``use_shipped_transfers=False``;
3. the ``holidays`` package (country ``KZ``): public holidays, the rule that a holiday falling
   on a Saturday or Sunday moves the day off to the next working day (not for Orthodox
   Christmas, 7 January, nor Kurban Ait, which the package already leaves unmoved), and the
   transfers it knows ("Day off (substituted from ...)" plus the weekend days worked instead);
4. Monday to Friday otherwise.

All instants in and out are aware datetimes; results are UTC. Days are counted in the
calendar's zone (``Asia/Almaty`` by default, UTC+5 since 1 March 2024).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml
from pydantic import BaseModel, ConfigDict, StrictBool

from shared.clock import as_utc

TRANSFERS_RESOURCE = "kz_transfers.yaml"

# Guard against a calendar whose overrides make no day a working day: scanning stops after
# ten years instead of looping forever.
_MAX_SCAN_DAYS = 3660


class Transfer(BaseModel):
    """One side of a day-off transfer: ``day`` becomes a working day or a day off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date
    working: StrictBool
    note: str
    source: str
    # Why the entry says otherwise than the `holidays` package for this day (the table wins);
    # None where the two agree, which tests/test_transfers.py checks.
    disagrees_with_holidays: str | None = None


class _TransferTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    transfers: tuple[Transfer, ...]


def load_transfers() -> tuple[Transfer, ...]:
    """Read the shipped transfer table; refuse a table that names one day twice."""
    text = resources.files("shared").joinpath(TRANSFERS_RESOURCE).read_text(encoding="utf-8")
    table = _TransferTable.model_validate(yaml.safe_load(text))
    seen: set[date] = set()
    for entry in table.transfers:
        if entry.day in seen:
            raise ValueError(f"{TRANSFERS_RESOURCE}: {entry.day} is listed more than once")
        seen.add(entry.day)
    return table.transfers


@dataclass(frozen=True)
class WorkingHours:
    """Daily working hours in the calendar's local time.

    The default, 09:00-18:30 with a 13:00-14:30 lunch break (8 working hours), is the schedule
    public-service standards of Kazakh state bodies print (working days 9.00 to 18.30 with a
    lunch break from 13.00 to 14.30, Saturday, Sunday and holidays off). Some akimats use
    other hours (Astana moved some offices to 07:30 or 08:00 in 2025; East Kazakhstan districts
    to 08:00-17:30 with a 12:00-13:30 break), hence configurable.
    """

    start: time = time(9, 0)
    end: time = time(18, 30)
    breaks: tuple[tuple[time, time], ...] = ((time(13, 0), time(14, 30)),)
    periods: tuple[tuple[time, time], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        moments = [self.start, self.end, *(t for pair in self.breaks for t in pair)]
        if any(t.tzinfo is not None for t in moments):
            raise ValueError("working hours are local wall-clock times; drop the tzinfo")
        if not self.start < self.end:
            raise ValueError(f"working day must start before it ends ({self.start}-{self.end})")
        cursor = self.start
        periods: list[tuple[time, time]] = []
        for brk_start, brk_end in self.breaks:
            if not cursor <= brk_start < brk_end <= self.end:
                raise ValueError(
                    f"break {brk_start}-{brk_end} must lie within {self.start}-{self.end}, "
                    "after the previous break, and end after it starts"
                )
            if cursor < brk_start:
                periods.append((cursor, brk_start))
            cursor = brk_end
        if cursor < self.end:
            periods.append((cursor, self.end))
        object.__setattr__(self, "periods", tuple(periods))

    @property
    def per_day(self) -> timedelta:
        """Working time in one full working day."""
        day = date(2000, 1, 3)
        return sum(
            (datetime.combine(day, e) - datetime.combine(day, s) for s, e in self.periods),
            timedelta(0),
        )


def _require_date(d: date) -> None:
    # datetime is a subclass of date; accepting one would silently use its UTC date instead of
    # the local one.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}: {d!r}")


class KzCalendar:
    """Working days and deadlines of Kazakh state bodies (five-day week)."""

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        *,
        tz: str = "Asia/Almaty",
        working_hours: WorkingHours | None = None,
        use_shipped_transfers: bool = True,
    ) -> None:
        try:
            self._tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        self._hours = working_hours if working_hours is not None else WorkingHours()
        table: dict[date, bool] = {}
        if use_shipped_transfers:
            table.update((t.day, t.working) for t in load_transfers())
        for day, working in (overrides or {}).items():
            _require_date(day)
            if not isinstance(working, bool):
                raise TypeError(f"override for {day} must be a bool, got {working!r}")
            table[day] = working
        self._overrides: Mapping[date, bool] = MappingProxyType(table)
        # Years are populated lazily on first lookup (expand=True is the package default).
        self._holidays = holidays.country_holidays("KZ", language="en_US")

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    @property
    def working_hours(self) -> WorkingHours:
        return self._hours

    @property
    def overrides(self) -> Mapping[date, bool]:
        """The effective override table (shipped transfers merged with the user's)."""
        return self._overrides

    # --- days -----------------------------------------------------------------------------

    def holiday_name(self, d: date) -> str | None:
        """The public holiday (or substituted day off) on ``d`` per ``holidays``, if any."""
        _require_date(d)
        name: str | None = self._holidays.get(d)
        return name

    def is_working_day(self, d: date) -> bool:
        _require_date(d)
        if d in self._overrides:
            return self._overrides[d]
        # The membership test populates d's year, which also fills weekend_workdays for it.
        is_holiday = d in self._holidays
        if d.weekday() >= 5:
            return d in self._holidays.weekend_workdays
        return not is_holiday

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return next(
            day for day in self._days_from(d + timedelta(days=1)) if self.is_working_day(day)
        )

    def receipt_day(self, received: datetime) -> date:
        """The working day a request received at ``received`` counts as accepted on.

        Public-service standards: a request submitted after the end of working hours, on a day
        off or a holiday is accepted on the next working day. Before opening time on a working
        day it is accepted that same day.
        """
        local = as_utc(received, "received").astimezone(self._tz)
        day = local.date()
        if not self.is_working_day(day) or local.time() >= self._hours.end:
            return self.next_working_day(day)
        return day

    # --- deadlines ------------------------------------------------------------------------

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Deadline of a term of ``days`` working days for a request received at ``start``.

        The request counts as accepted on :meth:`receipt_day` (the next working day if it came
        after working hours or on a day off). The term runs from the day after acceptance (the
        Civil Code rule: a term set as a period starts the day after the event), so the day of
        acceptance itself is not counted. The deadline is the end of working hours
        (``working_hours.end``, 18:30 by default) of the ``days``-th working day after
        acceptance, in the calendar's zone, returned in UTC. An action due at an organisation
        can be done until it stops work on the last day. ``days == 0`` gives the end of the
        acceptance day.
        """
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        day = self.receipt_day(start)
        for _ in range(days):
            day = self.next_working_day(day)
        return self._at(day, self._hours.end)

    def add_calendar_days(
        self, start: datetime, days: int, *, from_receipt_day: bool = True
    ) -> datetime:
        """Deadline of a term of ``days`` calendar days for a request received at ``start``.

        Counting starts the day after :meth:`receipt_day`; every calendar day counts. If the
        last day is not a working day the term ends on the next working day (Civil Code: a term
        ending on a non-working day ends on the next working day). The deadline is the end of
        working hours of that day, returned in UTC.

        ``from_receipt_day=False`` counts from the local date of ``start`` itself, for an
        action inside a request that is already accepted (a step started at 18:40 counts its
        days from that date: the after-hours rule is about accepting applications).
        """
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        first = self.receipt_day(start) if from_receipt_day else self.local_date(start)
        return self.day_end(first + timedelta(days=days))

    def add_calendar_months(self, start: datetime, months: int) -> datetime:
        """Deadline of a period of ``months`` months started at ``start``.

        Civil Code: a period in months ends on the same date of its last month (the last day
        of that month when it has no such date), on the next working day if that date is not
        one, at the end of working hours. Counted from the local date of ``start``.
        """
        if months < 1:
            raise ValueError(f"months must be >= 1, got {months}")
        first = self.local_date(start)
        index = first.month - 1 + months
        year, month = first.year + index // 12, index % 12 + 1
        day = min(first.day, calendar.monthrange(year, month)[1])
        return self.day_end(date(year, month, day))

    def local_date(self, instant: datetime) -> date:
        """The calendar's local date of ``instant``."""
        return as_utc(instant, "instant").astimezone(self._tz).date()

    def day_end(self, day: date) -> datetime:
        """End of working hours of ``day``, or of the next working day if ``day`` is not one
        (Civil Code: a term ending on a non-working day ends on the next working day)."""
        _require_date(day)
        if not self.is_working_day(day):
            day = self.next_working_day(day)
        return self._at(day, self._hours.end)

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant when ``duration`` of working time has elapsed since ``start``.

        Only time inside working hours of working days counts (a 2-hour norm started at 12:00
        ends at 15:30 with the default lunch break). Started outside working hours, counting
        begins when work next begins. A norm that ends exactly at a break or at the end of the
        day returns that instant, not the next opening. ``duration == 0`` returns ``start``.
        """
        if duration < timedelta(0):
            raise ValueError(f"duration must be >= 0, got {duration}")
        cursor = as_utc(start, "start")
        if duration == timedelta(0):
            return cursor
        remaining = duration
        for day in self._days_from(cursor.astimezone(self._tz).date()):
            for period_start, period_end in self._periods(day):
                if period_end <= cursor:
                    continue
                begin = max(cursor, period_start)
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        raise AssertionError("unreachable: _days_from raises first")  # pragma: no cover

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time inside ``[a, b)``; ``b`` must not be before ``a``."""
        begin = as_utc(a, "a")
        end = as_utc(b, "b")
        if end < begin:
            raise ValueError(f"b ({end.isoformat()}) is before a ({begin.isoformat()})")
        total = timedelta(0)
        day = begin.astimezone(self._tz).date()
        last = end.astimezone(self._tz).date()
        while day <= last:
            for period_start, period_end in self._periods(day):
                overlap = min(period_end, end) - max(period_start, begin)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    # --- helpers --------------------------------------------------------------------------

    def _at(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self._tz).astimezone(UTC)

    def _periods(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return []
        return [(self._at(day, s), self._at(day, e)) for s, e in self._hours.periods]

    @staticmethod
    def _days_from(first: date) -> Iterator[date]:
        for offset in range(_MAX_SCAN_DAYS):
            yield first + timedelta(days=offset)
        raise ValueError(
            f"no working day within {_MAX_SCAN_DAYS} days of {first}; check the overrides"
        )
