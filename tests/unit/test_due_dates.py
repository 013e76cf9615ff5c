"""Due-date arithmetic: months clamped to the month's end, leap days, and the instant a local
day ends across time zones and summer-time changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from lms_app.services.due_dates import add_months, end_of_day, local_date

UTC = timezone.utc


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2026, 3, 31), 1, date(2026, 4, 30)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 5, 10), 0, date(2026, 5, 10)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 1, 15), -13, date(2024, 12, 15)),
])
def test_add_months_clamps_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_a_day_ends_at_the_next_local_midnight():
    assert end_of_day(date(2026, 6, 30), "UTC") == datetime(2026, 7, 1, tzinfo=UTC)
    assert end_of_day(date(2026, 6, 30), "Europe/Paris") == datetime(2026, 6, 30, 22, tzinfo=UTC)  # summer: UTC+2
    assert end_of_day(date(2026, 12, 31), "Europe/Paris") == datetime(2026, 12, 31, 23, tzinfo=UTC)  # winter: UTC+1
    # Kiritimati (UTC+14) ends its day before UTC's has properly started; Los Angeles long after.
    assert end_of_day(date(2026, 3, 14), "Pacific/Kiritimati") == datetime(2026, 3, 14, 10, tzinfo=UTC)
    assert end_of_day(date(2026, 3, 14), "America/Los_Angeles") == datetime(2026, 3, 15, 7, tzinfo=UTC)
    assert end_of_day(date(2026, 1, 14), "America/Los_Angeles") == datetime(2026, 1, 15, 8, tzinfo=UTC)
    # The same calendar day ends 24 hours apart at the two ends of the world.
    assert end_of_day(date(2026, 1, 14), "America/Los_Angeles") - end_of_day(date(2026, 1, 14), "Pacific/Kiritimati") == timedelta(hours=22)


def test_summer_time_days_are_23_and_25_hours_long():
    # Los Angeles springs forward on 8 March 2026 and falls back on 1 November 2026.
    spring = end_of_day(date(2026, 3, 8), "America/Los_Angeles") - end_of_day(date(2026, 3, 7), "America/Los_Angeles")
    autumn = end_of_day(date(2026, 11, 1), "America/Los_Angeles") - end_of_day(date(2026, 10, 31), "America/Los_Angeles")
    assert spring == timedelta(hours=23)
    assert autumn == timedelta(hours=25)
    # Paris changes on the last Sundays of March and October.
    assert end_of_day(date(2026, 3, 29), "Europe/Paris") - end_of_day(date(2026, 3, 28), "Europe/Paris") == timedelta(hours=23)
    assert end_of_day(date(2026, 10, 25), "Europe/Paris") - end_of_day(date(2026, 10, 24), "Europe/Paris") == timedelta(hours=25)


def test_a_zone_that_skips_midnight_ends_the_day_at_the_jump():
    # Havana moves its clocks from 00:00 to 01:00 on 8 March 2026: 7 March ends at that jump.
    ends = end_of_day(date(2026, 3, 7), "America/Havana")
    assert ends == datetime(2026, 3, 8, 5, tzinfo=UTC)
    assert local_date(ends, "America/Havana") == date(2026, 3, 8)
    assert local_date(ends - timedelta(seconds=1), "America/Havana") == date(2026, 3, 7)


@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris", "Pacific/Kiritimati", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"])
def test_end_of_day_and_local_date_agree(tz):
    day = date(2026, 3, 8)
    ends = end_of_day(day, tz)
    assert local_date(ends - timedelta(microseconds=1), tz) == day
    assert local_date(ends, tz) == day + timedelta(days=1)


def test_local_date_of_an_instant_depends_on_the_zone():
    instant = datetime(2026, 3, 14, 11, 30, tzinfo=UTC)
    assert local_date(instant, "Pacific/Kiritimati") == date(2026, 3, 15)
    assert local_date(instant, "America/Los_Angeles") == date(2026, 3, 14)
    assert local_date(instant.replace(tzinfo=None), "UTC") == date(2026, 3, 14)  # naive is UTC
    assert local_date(instant, "No/Such_Zone") == date(2026, 3, 14)  # an unknown zone reads as UTC


def test_a_leap_day_due_date_and_its_recertification():
    # Completed on 29 Feb 2024 in Los Angeles, valid 12 months: valid through 28 Feb 2025 local.
    completed = datetime(2024, 2, 29, 20, tzinfo=UTC)
    valid_until = add_months(local_date(completed, "America/Los_Angeles"), 12)
    assert valid_until == date(2025, 2, 28)
    assert end_of_day(valid_until, "America/Los_Angeles") == datetime(2025, 3, 1, 8, tzinfo=UTC)
