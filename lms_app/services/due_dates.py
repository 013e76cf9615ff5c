"""Date arithmetic for due dates and expiries. Pure: no database.

A due date is a calendar day in the learner's time zone; it is overdue from the moment that
local day ends (the next local midnight), whatever the zone's summer-time rules say."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, timezone

from lms_app.services.timefmt import zone


def add_months(d: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 = Feb 28/29,
    Feb 29 + 12 = Feb 28). Negative `months` go back."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def end_of_day(d: date, tz: str | None) -> datetime:
    """The aware UTC instant at which local day `d` ends in zone `tz`: the next local midnight.
    Built from the local wall clock, so a 23- or 25-hour day ends at the right instant; where a
    zone skips midnight (clocks jump from 00:00 to 01:00) the day ends at that jump, and where
    midnight happens twice the day ends at the first one (zoneinfo's fold=0 gives both)."""
    local_midnight = datetime.combine(d + timedelta(days=1), time(0), tzinfo=zone(tz))
    return local_midnight.astimezone(timezone.utc)


def local_date(instant: datetime, tz: str | None) -> date:
    """The calendar day `instant` falls on in zone `tz` (naive instants are taken as UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(zone(tz)).date()
