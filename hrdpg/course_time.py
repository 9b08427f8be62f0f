"""The one rule for showing a race's time: in its course's zone, with the zone's abbreviation.

The contract carries a country per race, not a zone; a country with one racing zone maps to it,
any other shows UTC and says so.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

COUNTRY_ZONES = {"GB": "Europe/London", "IE": "Europe/Dublin", "FR": "Europe/Paris",
                 "ES": "Europe/Madrid", "HK": "Asia/Hong_Kong", "NZ": "Pacific/Auckland",
                 "JP": "Asia/Tokyo", "SG": "Asia/Singapore", "ZA": "Africa/Johannesburg"}


def course_zone(country: str | None) -> ZoneInfo:
    return ZoneInfo(COUNTRY_ZONES.get((country or "").upper(), "UTC"))


def local_off(off: dt.datetime, country: str | None) -> str:
    """'14:30 GMT', '19:15 HKT' (UTC where the country has no single zone)."""
    local = off.astimezone(course_zone(country))
    return f"{local:%H:%M} {local.tzname()}"
