"""The languages and time zones a person can choose. Plain constants, shared by the services
that validate a choice and the pages that offer it (compiled into the page once, so a select
of ~500 zones is not part of any state and not re-sent or re-rendered with it)."""

from __future__ import annotations

from zoneinfo import available_timezones

LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español"}

# The zones people pick from: region/city names, no legacy aliases.
_KNOWN_ZONES = frozenset(available_timezones())  # the system's list is read from disk: once
TIME_ZONES: list[str] = sorted(tz for tz in _KNOWN_ZONES if "/" in tz and not tz.startswith(("Etc/", "SystemV/"))) + ["UTC"]


def is_time_zone(name: str) -> bool:
    """Any zone the system knows, aliases included (imports may carry them)."""
    return name in _KNOWN_ZONES
