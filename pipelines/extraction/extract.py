"""``extract(html, url) -> dict``: one page in, one record out. Pure: no Scrapy, no network.

The page is decoded and parsed (:func:`parse_document`; unreadable input gives an
:class:`~pipelines.extraction.items.Unusable` item), then the first page object of
:data:`pipelines.extraction.pages.PAGE_TYPES` that applies reads it into its item; an
article's officials are read from its lead, body and captions. :func:`extract_item` gives
the typed item, :func:`extract` its JSON record (keys in ``CONVENTIONS.md`` beside
:mod:`pipelines.extraction.items`). Never raises on bad HTML.
"""

from __future__ import annotations

import codecs
import re
import threading

from lxml import etree

from pipelines.extraction import officials as _officials_module
from pipelines.extraction.decode import UnreadableInput, declared_charset, decode_html, looks_binary
from pipelines.extraction.dom import Doc
from pipelines.extraction.items import Article, Listing, Unusable, empty_record
from pipelines.extraction.pages import PAGE_TYPES
from pipelines.extraction.pages.error import ERROR_BYTES, error_text
from pipelines.extraction.pages.tandan import is_article

__all__ = ["extract", "extract_item", "empty_record", "parse_document", "UnreadableInput"]

# Pages longer than this are cut before parsing (real articles are < 1 MB; multi-megabyte
# pages are word-processor soup or junk, and parsing time grows with size).
MAX_HTML_CHARS = 8_000_000

# (collect_ids=False: nothing looks elements up by id through libxml2's table, and building it
# costs about 4 % of the parse; duplicate ids then log no errors either)
_PARSER = etree.HTMLParser(recover=True, no_network=True, remove_pis=True, default_doctype=False, collect_ids=False)
_UTF8_PARSER = etree.HTMLParser(recover=True, no_network=True, remove_pis=True, default_doctype=False,
                                collect_ids=False, encoding="utf-8")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
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


def extract(html: bytes | str, url: str, *, content_type: str | None = None,
            with_officials: bool = True) -> dict:
    """Extract one page. ``html`` as bytes (any encoding) or str; ``url`` the page's URL."""
    return extract_item(html, url, content_type=content_type, with_officials=with_officials).to_record()


def extract_item(html: bytes | str, url: str, *, content_type: str | None = None,
                 with_officials: bool = True) -> Article | Listing | Unusable:
    """The typed item of one page (see :func:`extract`)."""
    try:
        root, _ = parse_document(html, content_type)
    except UnreadableInput as exc:
        return Unusable(url, "empty" if "empty" in str(exc) else "not-html", str(exc))
    try:
        doc = Doc(root)
        for page in PAGE_TYPES:
            if page.applies(doc, url):
                item = page.extract(doc, url)
                break
        if isinstance(item, Article) and item.is_article and with_officials:
            detail = _officials(item)
            item.officials = _officials_module.officials_brief(detail)
            item.officials_detail = detail
        return item
    except RecursionError:
        return Unusable(url, "too-deep")


def _officials(article: Article) -> list[dict]:
    """Officials named in lead, body and captions (full detail: parsed positions, mentions)."""
    captions = [im["caption"] for im in article.images if im.get("caption")]
    paragraphs = ([article.summary] if article.summary else []) + article.body_paragraphs
    # the article's texts are clean_text output already
    return _officials_module.extract_officials(paragraphs, captions, site_name=article.site_name, clean=True)


def looks_like_error_page(body: bytes | str, content_type: str | None = None) -> bool:
    """Is this response a server error page served with status 200? Cheap byte test first,
    then the same check :func:`extract` applies, on the parsed page."""
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    low = raw.lower()
    if not any(marker in low for marker in ERROR_BYTES):
        return False
    try:
        root, _ = parse_document(body, content_type)
    except UnreadableInput:
        return False
    return not is_article(Doc(root)) and error_text(root)
