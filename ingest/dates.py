"""Find a publication date in free text and normalise it to ISO 8601 (pure, no I/O).

Conservative by design: anything invalid or ambiguous gives ``None`` rather than a guess.
Numeric dates are read day first (Indonesian convention); two-digit years are accepted only
next to a month name; a day name that contradicts the date rejects it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple

MONTHS: dict[str, int] = {
    # Indonesian (with common spellings and abbreviations)
    "januari": 1, "jan": 1, "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "maret": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "agus": 8, "agst": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11, "desember": 12, "des": 12,
    # English (only the forms that differ)
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "aug": 8, "october": 10, "oct": 10, "december": 12, "dec": 12,
}

DAYS: dict[str, int] = {  # name -> date.weekday() (Monday = 0)
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "jum’at": 4,
    "sabtu": 5, "minggu": 6, "ahad": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5,
    "sun": 6,
}

ZONES: dict[str, int] = {"wib": 7 * 60, "wita": 8 * 60, "wit": 9 * 60, "utc": 0, "gmt": 0, "z": 0}


class DateParts(NamedTuple):
    """A parsed date; hour is None for a date only, offset (minutes) None for local time."""

    year: int
    month: int
    day: int
    hour: int | None = None
    minute: int = 0
    second: int = 0
    offset: int | None = None


_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = "|".join(re.escape(d) for d in sorted(DAYS, key=len, reverse=True))

# Each date pattern names its groups y, m (number) or mon (name), d.
_DATE_PATTERNS = [
    re.compile(r"(?<![\d/.-])(?P<y>\d{4})([-/.])(?P<m>\d{1,2})\2(?P<d>\d{1,2})(?!\d)(?![/.-]\d)"),
    re.compile(r"(?<![\d/.-])(?P<d>\d{1,2})([-/.])(?P<m>\d{1,2})\2(?P<y>\d{4})(?!\d)(?![/.-]\d)"),
    re.compile(rf"(?<![\w.])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s-]*(?P<mon>{_MONTH})\b\.?[\s,-]*"
               rf"(?P<y>\d{{4}}|\d{{2}})(?!\d)", re.IGNORECASE),
    re.compile(rf"(?<![\w.])(?P<mon>{_MONTH})\b\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})(?!\d)",
               re.IGNORECASE),
]

# A time right after the date; "21.08" (dot) needs "pukul"/"jam" before it or a zone after it.
_TIME = re.compile(
    r"\s*\)?\s*(?:T|[,|/–—-]\s*|\s)?\s*\(?\s*(?P<kw>(?:pukul|pkl\.?|jam|at)\s*)?"
    r"(?P<h>\d{1,2})(?P<sep>[:.])(?P<mi>\d{2})(?:(?P=sep)(?P<s>\d{2})(?:[.,]\d+)?)?(?!\d)"
    r"(?:\s*(?P<ampm>[ap]\.?m\b\.?))?"
    r"(?:\s*(?P<zone>WITA|WIB|WIT|UTC|GMT|Z)(?![a-z]))?"
    r"(?:\s*(?P<off>[+-]\d{1,2}(?::?\d{2})?)(?!\d))?",
    re.IGNORECASE,
)
_DAY_BEFORE = re.compile(rf"(?<![\w'’])(?P<day>{_DAY})\b\.?\s*,?\s*\(?\s*$", re.IGNORECASE)
_TWO_DIGIT_YEAR_END = re.compile(r"\s*[)\].,;]?\s*$")


def _offset(zone: str | None, off: str | None) -> int | None:
    """Offset in minutes from a zone name and/or a numeric "+07:00"/"+0700"/"+7"; ValueError if bad."""
    named = ZONES[zone.lower()] if zone else None
    if not off:
        return named
    digits = off[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    value = (hours * 60 + minutes) * (-1 if off[0] == "-" else 1)
    if hours > 14 or minutes > 59 or (named not in (None, 0) and value not in (0, named)):
        raise ValueError(f"bad or contradictory offset {zone or ''}{off}")
    return named if named and not value else value


def _time(text: str, pos: int) -> tuple[tuple[int, int, int, int | None] | None, bool]:
    """(hour, minute, second, offset) of a time at ``text[pos:]``; the bool says an invalid time was seen."""
    m = _TIME.match(text, pos)
    if not m or (m["sep"] == "." and not (m["kw"] or m["zone"] or m["off"])):
        return None, False
    hour, minute, second = int(m["h"]), int(m["mi"]), int(m["s"] or 0)
    if m["ampm"]:
        if not 1 <= hour <= 12:
            return None, True
        hour = hour % 12 + (12 if m["ampm"][0].lower() == "p" else 0)
    try:
        offset = _offset(m["zone"], m["off"])
    except ValueError:
        return None, True
    if hour > 23 or minute > 59 or second > 59:
        return None, True
    return (hour, minute, second, offset), False


def _candidate(text: str, m: re.Match[str]) -> DateParts | None:
    """Validate one date match (plus a following time and a preceding day name)."""
    groups = m.groupdict()
    month = MONTHS[groups["mon"].lower()] if groups.get("mon") else int(groups["m"])
    day, year_text = int(groups["d"]), groups["y"]
    if len(year_text) == 2:
        if not groups.get("mon"):
            return None
        if not _TWO_DIGIT_YEAR_END.match(text, m.end()) and not _time(text, m.end())[0]:
            return None  # "6 Agustus 25 orang" is a count, not a year
        year = 2000 + int(year_text) if int(year_text) < 70 else 1900 + int(year_text)
    else:
        year = int(year_text)
    if not 1900 <= year <= 2099:
        return None
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    named = _DAY_BEFORE.search(text, max(0, m.start() - 20), m.start())
    if named and DAYS[named["day"].lower().rstrip(".")] != found.weekday():
        return None
    time, invalid = _time(text, m.end())
    if invalid:
        return None
    if time is None:
        return DateParts(year, month, day)
    hour, minute, second, offset = time
    return DateParts(year, month, day, hour, minute, second, offset)


def parse_date_parts(text: str) -> DateParts | None:
    """The earliest valid date (with its time, if any) found in ``text``, or None."""
    if not text:
        return None
    found: list[tuple[int, int, DateParts]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            parts = _candidate(text, m)
            if parts is not None:
                found.append((m.start(), m.start() - m.end(), parts))
                break
    return min(found, key=lambda f: f[:2])[2] if found else None


def format_date_parts(parts: DateParts) -> str:
    """ISO 8601: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS" or with a "+HH:MM" offset."""
    if parts.hour is None:
        return date(parts.year, parts.month, parts.day).isoformat()
    tz = timezone(timedelta(minutes=parts.offset)) if parts.offset is not None else None
    stamp = datetime(parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second, tzinfo=tz)
    return stamp.isoformat()


def parse_date(text: str) -> str | None:
    """Find a publication date in ``text`` and return it as ISO 8601, or None if there is none.

    >>> parse_date("Rabu 06 Aug 2025 - 21:08 WIB")
    '2025-08-06T21:08:00+07:00'
    """
    parts = parse_date_parts(text)
    return format_date_parts(parts) if parts else None
