"""Text transformations the replica applies to pages: old-style tones, NFD, windows-1258,
HTML entities, slugs and the portal's date/time formats."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime
from html.entities import codepoint2name

from .content import WEEKDAYS

_TONES = "\u0300\u0301\u0303\u0309\u0323"
_NEW_TO_OLD = re.compile(r"(?<![qQ])([oO])([" + _TONES + r"])([aAeE])(?!\w)|(?<![qQ])([uU])([" + _TONES + r"])([yY])(?!\w)")


def _old(m: re.Match) -> str:
    if m.group(1):
        return m.group(1) + m.group(3) + m.group(2)
    return m.group(4) + m.group(6) + m.group(5)


def old_tones(text: str) -> str:
    """New-style tone placement → old style, NFC: "hóa" → "hoá", "thủy" → "thuỷ"."""
    return unicodedata.normalize("NFC", _NEW_TO_OLD.sub(_old, unicodedata.normalize("NFD", text)))


_OLD_TO_NEW = re.compile(r"(?<![qQ])([oO])([aAeE])([" + _TONES + r"])(?!\w)|(?<![qQ])([uU])([yY])([" + _TONES + r"])(?!\w)")


def _new(m: re.Match) -> str:
    if m.group(1):
        return m.group(1) + m.group(3) + m.group(2)
    return m.group(4) + m.group(6) + m.group(5)


def new_tones(text: str) -> str:
    """Old-style tone placement → new style, NFC: "hoá" → "hóa", "thuỷ" → "thủy"."""
    return unicodedata.normalize("NFC", _OLD_TO_NEW.sub(_new, unicodedata.normalize("NFD", text)))


# Marks cp1258 keeps composed with their base letter (â ê ô ơ ư ă); tone marks stay combining.
_LETTER_MARKS = re.compile("([A-Za-z])([\u0300-\u036f]+)")
_SHAPE_MARKS = "\u0302\u0306\u031b"  # circumflex, breve, horn


def _cp1258_letter(m: re.Match) -> str:
    marks = m.group(2)
    shape = "".join(c for c in marks if c in _SHAPE_MARKS)
    tones = "".join(c for c in marks if c not in _SHAPE_MARKS)
    return unicodedata.normalize("NFC", m.group(1) + shape) + tones


def encode_cp1258(text: str) -> bytes:
    """Encode as windows-1258 the way old Vietnamese pages did: base letter (with its
    circumflex, breve or horn) followed by a combining tone mark."""
    nfd = unicodedata.normalize("NFD", text)
    mixed = _LETTER_MARKS.sub(_cp1258_letter, nfd)
    return mixed.encode("cp1258", errors="xmlcharrefreplace")


def _entity(cp: int) -> str:
    name = codepoint2name.get(cp)
    return f"&{name};" if name else f"&#{cp};"


# Every non-ASCII letter (in NFC) as an HTML entity, as the quangxuong editor wrote them.
_ENTITY_TABLE = {cp: _entity(cp) for cp in range(0xA0, 0x2000)
                 if unicodedata.category(chr(cp)).startswith("L")}


def esc(text: str) -> str:
    """HTML-escape text content (quotes left as written)."""
    return html.escape(text, quote=False)


def esc_entities(text: str) -> str:
    """HTML-escape and write Vietnamese letters as entities (``&acirc;``, ``&#7871;``)."""
    return html.escape(text, quote=False).translate(_ENTITY_TABLE)


def strip_diacritics(text: str) -> str:
    """ASCII-fold Vietnamese text: "Mường Lát" → "Muong Lat", "Đ" → "D"."""
    text = unicodedata.normalize("NFD", text or "").replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in text if not unicodedata.combining(c))


def title_slug(title: str, limit: int = 55) -> str:
    """The platform's URL slug of a title: ASCII words joined by ``-``, case kept, cut at a
    word boundary ("Huyen-Muong-Lat-chung-suc-hien-thuc-hoa")."""
    words = re.findall(r"[A-Za-z0-9]+", strip_diacritics(title))
    out: list[str] = []
    size = 0
    for w in words:
        if out and size + len(w) + 1 > limit:
            break
        out.append(w)
        size += len(w) + 1
    return "-".join(out) or "bai-viet"


def hour12(dt: datetime) -> str:
    """``2:27 CH`` / ``10:06 SA`` / ``12:05 CH`` / ``12:05 SA``."""
    h = dt.hour % 12 or 12
    return f"{h}:{dt.minute:02d} {'SA' if dt.hour < 12 else 'CH'}"


def sidebar_time(dt: datetime) -> str:
    return f"({dt:%d/%m/%Y} {hour12(dt)})"


def date_text(form: str, dt: datetime) -> str | None:
    """The on-page date in one of the platform's forms (None: no date element)."""
    if form == "date-dang-ngay":
        return f"Đăng ngày {dt:%d} - {dt:%m} - {dt:%Y}"
    if form == "date-ngay-dang-time":
        return f"Ngày đăng: {dt:%d/%m/%Y %H:%M}"
    if form == "date-weekday":
        return f"{WEEKDAYS[dt.weekday()]}, {dt:%d/%m/%Y}"
    return None
