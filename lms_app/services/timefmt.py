"""Times are stored in UTC and shown in the viewer's time zone."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def show(dt: datetime | None, tz: str | None, *, never: str = "Never") -> str:
    """'26 Nov 2026, 14:05' in the viewer's zone."""
    if dt is None:
        return never
    local = dt.astimezone(zone(tz))
    return f"{local.day} {local:%b %Y, %H:%M}"


def day(d: date | None, *, never: str = "—") -> str:
    """'26 Nov 2026': a calendar date (due dates are dates, not instants)."""
    return never if d is None else f"{d.day} {d:%b %Y}"


def local_day(dt: datetime | None, tz: str | None, *, never: str = "—") -> str:
    """'26 Nov 2026': the day an instant falls on in the viewer's zone."""
    return never if dt is None else day(dt.astimezone(zone(tz)).date())


def utc_offset(tz: str | None, at: datetime | None = None) -> str:
    """'UTC+01:00': how far the zone is from UTC now (summer time included)."""
    offset = (at or datetime.now(timezone.utc)).astimezone(zone(tz)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def ago(dt: datetime | None, *, never: str = "Never") -> str:
    if dt is None:
        return never
    seconds = (datetime.now(timezone.utc) - dt).total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def time_spent(seconds: float | None) -> str:
    """Time spent for people: '45 s', '3 min', '2 h 05 min' ('0 min' for none, '—' unknown)."""
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    if seconds <= 0:
        return "0 min"
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
