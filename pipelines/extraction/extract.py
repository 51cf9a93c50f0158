"""``extract(html, url) -> dict``: one page in, one record out. Pure: no Scrapy, no network.

Dispatch: unreadable input → ``error`` record; SharePoint error page served as 200 →
``error-page``; the Tân Dân article layout → :mod:`pipelines.extraction.pages.tandan`; a listing page →
:mod:`pipelines.extraction.pages.listing`; anything else → :mod:`pipelines.extraction.pages.generic`. The record's keys are
documented in ``tests/gold/CONVENTIONS.md`` and the README. Never raises on bad HTML.
"""

from __future__ import annotations

import codecs
import re
import threading

from lxml import etree

from pipelines.extraction.decode import UnreadableInput, declared_charset, decode_html, looks_binary
from pipelines.extraction.text import clean_text

__all__ = ["extract", "empty_record", "parse_document", "UnreadableInput"]

# Pages longer than this are cut before parsing (real articles are < 1 MB; multi-megabyte
# pages are word-processor soup or junk, and parsing time grows with size).
MAX_HTML_CHARS = 8_000_000

_PARSER = etree.HTMLParser(recover=True, no_network=True, remove_pis=True, default_doctype=False)
_UTF8_PARSER = etree.HTMLParser(recover=True, no_network=True, remove_pis=True, default_doctype=False,
                                encoding="utf-8")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_ERROR_MARKERS = (
    "xin lỗi, đã xảy ra lỗi",
    "sorry, something went wrong",
    "an unexpected error has occurred",
    "đã xảy ra lỗi không mong muốn",
)
_CORRELATION = re.compile(r"correlation id|mã tương quan", re.I)


def empty_record(url: str) -> dict:
    return {
        "url": url,
        "is_article": False,
        "extractor": None,
        "error": None,
        "site_name": None,
        "title": None,
        "published_date": None,
        "published_at": None,
        "date_source": None,
        "summary": "",
        "body_paragraphs": [],
        "images": [],
        "tags": [],
        "category": None,
        "byline": None,
        "officials": [],
        "listing_links": [],
        "next_page": None,
    }


_BOM_PREFIXES = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_LOCAL = threading.local()  # one UTF-8 parser per thread: its error log is read after parsing


def _parse_utf8(data: bytes, content_type: str | None):
    """Root of UTF-8 bytes parsed directly, without decoding the page first; None when
    :func:`decode_html` would not read them as UTF-8 (or might not), or when anything
    else is the matter: the general path of :func:`parse_document` then decides.

    The same bytes and the same parser settings as the general path, which parses valid
    UTF-8 bytes directly too; what this saves is the decoding to check that they are valid.
    libxml2 checks that itself: invalid UTF-8 anywhere in the input is an error in the
    parser's log ("Invalid bytes in character encoding"). It stops logging after 100
    errors, so a page with any error in the log is still decoded to check."""
    if (len(data) > MAX_HTML_CHARS or not data or data.isspace() or data.startswith(_BOM_PREFIXES)
            or looks_binary(data) or b"<" not in data):
        return None
    if declared_charset(data, content_type) not in (None, "utf-8"):
        return None  # (most likely not UTF-8: the general path tries UTF-8 first, then this charset)
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = _UTF8_PARSER.copy()
    try:
        root = etree.fromstring(data, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    if len(parser.error_log):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if root is None or (len(root) == 0 and root.find(".//body") is None):
        return None
    return root


def parse_document(html: bytes | str, content_type: str | None = None):
    """Decode and parse; returns (lxml root, encoding). Raises UnreadableInput."""
    if isinstance(html, bytes):
        root = _parse_utf8(html, content_type)
        if root is not None:
            return root, "utf-8"
    text, encoding = decode_html(html, content_type)
    text = _XML_DECL.sub("", text, count=1)
    if len(text) > MAX_HTML_CHARS:
        text = text[:MAX_HTML_CHARS]
    if "<" not in text:
        raise UnreadableInput("not HTML: no markup found")
    try:
        # plain etree elements: lxml.html's per-element Python class lookup costs ~20 % here
        if encoding == "utf-8" and isinstance(html, bytes) and len(html) <= MAX_HTML_CHARS:
            # valid UTF-8 bytes parse directly, without lxml re-encoding the decoded text
            root = etree.fromstring(html, _UTF8_PARSER)
        else:
            root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise UnreadableInput(f"not HTML: {exc}") from None
    if root is None or (len(root) == 0 and root.find(".//body") is None):  # (no tree search when root has children)
        raise UnreadableInput("not HTML: empty document")
    return root, encoding


def _error_text(root) -> bool:
    """Does the page read as a SharePoint error page? (Asked of pages without the
    platform's article title: an article that merely quotes the phrase keeps its title.)"""
    body = root.find(".//body")
    if body is None:
        return False
    # only the visible text near the top matters; error pages are short
    text = clean_text(" ".join(body.itertext())[:6000]).lower()
    if any(marker in text for marker in _ERROR_MARKERS):
        return True
    return bool(_CORRELATION.search(text)) and len(text) < 3000


def extract(html: bytes | str, url: str, *, content_type: str | None = None,
            with_officials: bool = True) -> dict:
    """Extract one page. ``html`` as bytes (any encoding) or str; ``url`` the page's URL."""
    record = empty_record(url)
    try:
        root, _ = parse_document(html, content_type)
    except UnreadableInput as exc:
        record["extractor"] = "error"
        record["error"] = "empty" if "empty" in str(exc) else "not-html"
        record["error_detail"] = str(exc)
        return record
    try:
        return _extract_root(root, url, record, with_officials)
    except RecursionError:
        record["extractor"] = "error"
        record["error"] = "too-deep"
        return record


_MODULES: list = []  # (generic, listing, tandan, dom) once imported: an import statement per page costs ~1 µs


def _extract_root(root, url, record, with_officials):
    if not _MODULES:
        from pipelines.extraction import dom
        from pipelines.extraction.pages import generic, listing, tandan
        _MODULES[:] = (generic, listing, tandan, dom)
    generic, listing, tandan, dom = _MODULES

    doc = dom.Doc(root)
    if tandan.is_article(doc):
        tandan.extract_into(doc, url, record)
    elif _error_text(root):
        record["extractor"] = "error"
        record["error"] = "error-page"
        return record
    elif listing.is_listing(root, url, doc):
        listing.extract_into(root, url, record, doc)
        return record
    else:
        generic.extract_into(root, url, record, doc)
    if record["is_article"] and with_officials:
        detail = _officials(record)
        record["officials"] = _OFFICIALS[0].officials_brief(detail)
        record["officials_detail"] = detail
    return record


_OFFICIALS: list = []  # the officials module once imported


def _officials(record) -> list[dict]:
    """Officials named in lead, body and captions (full detail: parsed positions, mentions)."""
    if not _OFFICIALS:
        from pipelines.extraction import officials as module

        _OFFICIALS.append(module)
    officials = _OFFICIALS[0]
    captions = [im["caption"] for im in record["images"] if im.get("caption")]
    paragraphs = ([record["summary"]] if record["summary"] else []) + record["body_paragraphs"]
    # the record's texts are clean_text output already
    return officials.extract_officials(paragraphs, captions, site_name=record.get("site_name"), clean=True)


_ERROR_BYTES = tuple({m.encode("utf-8") for m in _ERROR_MARKERS}
                     | {__import__("unicodedata").normalize("NFD", m).encode("utf-8") for m in _ERROR_MARKERS}
                     | {b"correlation id"})


def looks_like_error_page(body: bytes | str, content_type: str | None = None) -> bool:
    """Is this response a server error page served with status 200? Cheap byte test first,
    then the same check :func:`extract` applies, on the parsed page."""
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    low = raw.lower()
    if not any(marker in low for marker in _ERROR_BYTES):
        return False
    try:
        root, _ = parse_document(body, content_type)
    except UnreadableInput:
        return False
    from pipelines.extraction.dom import Doc
    from pipelines.extraction.pages.tandan import is_article

    return not is_article(Doc(root)) and _error_text(root)
