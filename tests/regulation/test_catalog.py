from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.clock import SimulatedClock
from shared.regulation.catalog import Catalog
from shared.regulation.errors import ServiceNotProvided, UnknownService


@pytest.mark.parametrize(
    ("submitted", "version"),
    [
        (datetime(2013, 5, 2, 5, 0, tzinfo=UTC), "akmola-2013"),
        (datetime(2014, 6, 9, 3, 0, tzinfo=UTC), "almaty-2014"),
        (datetime(2015, 9, 19, 17, 59, tzinfo=UTC), "almaty-2014"),  # 23:59 local, last day
        (datetime(2018, 7, 10, 4, 0, tzinfo=UTC), "almaty-2018"),
        (datetime(2020, 9, 26, 10, 0, tzinfo=UTC), "almaty-2018"),
    ],
)
def test_request_follows_the_version_in_force_on_submission(
    catalog: Catalog, submitted: datetime, version: str
) -> None:
    assert catalog.in_force("A", submitted).version == version


def test_local_date_decides_not_utc_date(catalog: Catalog) -> None:
    # 2015-09-19 18:30 UTC is already 2015-09-20 in Almaty (UTC+6): the 2014 version is repealed.
    with pytest.raises(ServiceNotProvided):
        catalog.in_force("A", datetime(2015, 9, 19, 18, 30, tzinfo=UTC))


@pytest.mark.parametrize(
    "submitted",
    [
        datetime(2016, 3, 1, 6, 0, tzinfo=UTC),  # between Almaty 2014 (repealed) and 2018
        datetime(2012, 1, 1, 6, 0, tzinfo=UTC),  # before any version
        datetime(2021, 1, 1, 6, 0, tzinfo=UTC),  # after the last repeal
    ],
)
def test_date_without_a_version_is_not_provided(catalog: Catalog, submitted: datetime) -> None:
    with pytest.raises(ServiceNotProvided, match="not provided on") as info:
        catalog.in_force("cultural_values_export", submitted)
    assert info.value.code == "cultural_values_export"
    assert "almaty-2018: 2018-07-10..2020-09-27" in str(info.value)


def test_letter_and_code_both_resolve(catalog: Catalog) -> None:
    assert catalog.resolve_code("E") == "archive_reference"
    assert catalog.versions("archive_reference")[0].letter == "E"
    with pytest.raises(UnknownService, match="known services"):
        catalog.resolve_code("Z")


def test_naive_datetime_is_refused(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        catalog.in_force("E", datetime(2013, 1, 1))


async def test_version_follows_the_simulated_clock_across_a_repeal(catalog: Catalog) -> None:
    # 000 is applied until 2015-09-20 (Almaty); that day nothing is in force for A.
    clock = SimulatedClock(datetime(2015, 9, 19, 12, 0, tzinfo=UTC))
    assert catalog.in_force("A", clock.now()).version == "almaty-2014"
    await clock.advance(timedelta(hours=6))  # 2015-09-20 00:00 Almaty
    with pytest.raises(ServiceNotProvided):
        catalog.in_force("A", clock.now())
