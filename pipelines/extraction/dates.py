"""Date and time parsing: the one place that reads dates off portal pages and URLs.

Every date is local time in Asia/Ho_Chi_Minh, which has been UTC+07:00 without daylight
saving since 1975, so a fixed offset is exact for every article we can meet.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")

__all__ = ["TZ", "parse_datetime_text", "parse_iso", "date_from_url", "to_iso"]

# 24 - 03 - 2021 | 24/03/2021 | 24.3.2021 | 24-3-2021, optional time after it:
#  2:27 CH | 08:15 | 14h30 | 10:06:59 SA
_DMY = re.compile(
    r"(?<!\d)(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?!\d)"
    r"(?:[\s,|-]*(?:lúc\s*)?(\d{1,2})\s*(?::|h|giờ)\s*(\d{2})(?:\s*:\s*(\d{2}))?\s*(SA|CH|AM|PM|sáng|chiều|tối)?)?",
    re.IGNORECASE,
)
# 2021-03-24, 2021-03-24T14:27:00+07:00, 2021-03-24 14:27
_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
# ngày 24 tháng 3 năm 2021
_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
# time before date: 08:15 24/03/2021, 14:27 - 24/3/2021
_TIME_FIRST = re.compile(
    r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(SA|CH|AM|PM)?\s*[-,|]?\s*(?:ngày\s*)?(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")  # (the same digits as \d in the patterns above: Unicode decimals)
_URL_DATE = re.compile(r"/(\d{4})-(\d{1,2})-(\d{1,2})/")
_URL_DATE_SLASH = re.compile(r"/(\d{4})/(\d{1,2})/(\d{1,2})/")

_PM = {"ch", "pm", "chiều", "tối"}
_AM = {"sa", "am", "sáng"}


def _mkdate(y: str, m: str, d: str) -> date | None:
    try:
        value = date(int(y), int(m), int(d))
    except ValueError:
        return None
    return value if 1990 <= value.year <= 2100 else None


def _mktime(h: str | None, mi: str | None, s: str | None = None, ampm: str | None = None) -> time | None:
    if h is None or mi is None:
        return None
    hour, minute, second = int(h), int(mi), int(s or 0)
    if ampm:
        marker = ampm.lower()
        if marker in _PM and hour < 12:
            hour += 12
        elif marker in _AM and hour == 12:
            hour = 0
    try:
        return time(hour, minute, second)
    except ValueError:
        return None


def parse_datetime_text(text: str | None) -> tuple[date | None, time | None]:
    """First date (and its time, if written next to it) in a piece of visible text."""
    if not text:
        return None, None
    # Every pattern needs a digit, and the searches start where a match can start at the
    # earliest: each pattern begins with a look-behind, so the regex engine tries it at every
    # position (lookbehinds still see the text before the start position).
    first = _DIGIT.search(text)
    if first is None:
        return None, None
    start = first.start()
    colon = text.find(":", start)  # a time-first match starts at most two digits before its ":"
    m = _TIME_FIRST.search(text, max(start, colon - 2)) if colon >= 0 else None
    first = None
    if m:
        d = _mkdate(m.group(7), m.group(6), m.group(5))
        if d:
            first = m.start(), d, _mktime(m.group(1), m.group(2), m.group(3), m.group(4))
    # the first date written wins, whether its time is before it or after it
    for m in _DMY.finditer(text, start):
        if first is not None and m.start() >= first[0]:
            break
        d = _mkdate(m.group(3), m.group(2), m.group(1))
        if d:
            return d, _mktime(m.group(4), m.group(5), m.group(6), m.group(7))
    if first is not None:
        return first[1], first[2]
    m = _WORDS.search(text)
    if m:
        d = _mkdate(m.group(3), m.group(2), m.group(1))
        if d:
            return d, None
    m = _ISO.search(text, start)
    if m:
        return _iso_match(m)
    return None, None


def _iso_match(m: re.Match) -> tuple[date | None, time | None]:
    d = _mkdate(m.group(1), m.group(2), m.group(3))
    if d is None:
        return None, None
    t = _mktime(m.group(4), m.group(5), m.group(6))
    if t is not None and m.group(7):
        # convert an explicit offset to local time
        off = m.group(7)
        if off == "Z":
            delta = timedelta(0)
        else:
            sign = 1 if off[0] == "+" else -1
            hh, mm = int(off[1:3]), int(off[-2:])
            delta = sign * timedelta(hours=hh, minutes=mm)
        local = datetime.combine(d, t, timezone(delta)).astimezone(TZ)
        return local.date(), local.time()
    return d, t


def parse_iso(value: str | None) -> tuple[date | None, time | None]:
    """A machine-readable date (meta tags, ``<time datetime>``, JSON-LD), converted to local time."""
    if not value:
        return None, None
    m = _ISO.search(value.strip())
    if not m:
        return parse_datetime_text(value)
    return _iso_match(m)


def date_from_url(url: str | None) -> date | None:
    """Publication day from an article URL: ``/Pages/2021-3-24/…`` or ``/2021/03/24/…``."""
    if not url:
        return None
    for pattern in (_URL_DATE, _URL_DATE_SLASH):
        m = pattern.search(url)
        if m:
            d = _mkdate(*m.groups())
            if d:
                return d
    return None


def to_iso(d: date | None, t: time | None) -> str | None:
    """``2021-03-24T14:27:00+07:00`` when the time is known, else None."""
    if d is None or t is None:
        return None
    return datetime.combine(d, t, TZ).isoformat()
