"""Bytes → text for HTML pages whose declared charset may be missing or wrong.

Order: byte-order mark; then strict UTF-8 (a page that decodes as UTF-8 and has non-ASCII
bytes is UTF-8 whatever it declares: the common "wrong charset" case on these portals is
UTF-8 declared as iso-8859-1 or windows-1252); then the charset of the HTTP header or the
``<meta>`` tag (windows-1258 included); then windows-1258, whose Vietnamese text comes out
as base letter + combining tone mark and is composed to NFC by the text cleaner.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_html", "UnreadableInput"]


class UnreadableInput(ValueError):
    """Input that is not an HTML page at all (empty, binary)."""


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_ALIASES = {"windows-1258": "cp1258", "x-cp1258": "cp1258", "win-1258": "cp1258", "utf8": "utf-8",
            "unicode": "utf-8", "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252"}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charset(data: bytes, content_type: str | None = None) -> str | None:
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m:
            codec = _codec(m.group(1))  # (one lookup: the same name gives the same codec)
            if codec:
                return codec
    m = _META_CHARSET.search(data[:4096])
    if m:
        return _codec(m.group(1).decode("ascii", "ignore"))
    return None


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)
# every control byte -> 1, every other byte -> 0 (a plain table lookup per byte, then a count:
# cheaper than deleting the control bytes to compare lengths)
_CONTROL_TABLE = bytes(1 if b in _CONTROL_BYTES else 0 for b in range(256))
# every byte to itself but the control bytes (to 0xff): bytes.translate() gives back its
# argument itself when no byte changed, so a head without control bytes is known in one pass
# without making and counting a table of flags
_CONTROL_MARK = bytes(0xFF if b in _CONTROL_BYTES else b for b in range(256))


def looks_binary(data: bytes) -> bool:
    head = data[:2048]
    if not head:
        return False
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if head.translate(_CONTROL_MARK) is head:  # (no control byte: a count of 0)
        return False
    control = head.translate(_CONTROL_TABLE).count(1)
    return control / len(head) > 0.05


def decode_html(data: bytes | str, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used). Raises :class:`UnreadableInput` for empty or binary data."""
    if isinstance(data, str):
        if not data or data.isspace():  # (no copy of the page, unlike strip())
            raise UnreadableInput("empty input")
        return data, "unicode"
    if not data or data.isspace():
        raise UnreadableInput("empty input")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, "replace"), enc
    if looks_binary(data):
        raise UnreadableInput("binary data, not an HTML page")
    declared = declared_charset(data, content_type)
    try:
        text = data.decode("utf-8")
        return text, "utf-8"
    except UnicodeDecodeError:
        pass
    if declared and declared not in ("utf-8",):
        try:
            return data.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass
    if declared == "utf-8":
        # declared UTF-8 but broken: most likely a few bad bytes (truncation, soup); keep the rest
        text = data.decode("utf-8", "replace")
        if text.count("\ufffd") < max(8, len(text) // 200):
            return text, "utf-8"
    return data.decode("cp1258", "replace"), "cp1258"
