"""Page-level metadata every page type reads the same way: the unit's name from the header,
the title from ``<head>``, and publication dates from meta tags, JSON-LD and ``<time>``."""

from __future__ import annotations

import json
import re

from lxml import etree

from pipelines.extraction.dates import parse_iso
from pipelines.extraction.dom import Doc, text_of
from pipelines.extraction.text import clean_text

_WEBTITLE = re.compile(r'webTitle\s*:\s*"((?:[^"\\]|\\.)*)"')

__all__ = ["jsonld_date", "meta_date", "meta_datetime", "site_name", "title_from_head"]


def site_name(root, doc: Doc | None = None) -> str | None:
    units = (doc or Doc(root)).cls("tandan-unit-name")
    if units:
        name = text_of(units[0])
        if name:
            return name
    for script in root.iter("script"):
        m = _WEBTITLE.search(script.text or "")
        if m:
            try:
                return clean_text(json.loads('"' + m.group(1) + '"'))
            except ValueError:
                pass
    return None


def title_from_head(root, site: str | None = None) -> str | None:
    for meta in root.iter("meta"):
        key = (meta.get(b"property") or meta.get(b"name") or "").lower()
        if key in ("og:title", "twitter:title"):
            value = clean_text(meta.get(b"content"))
            if value:
                return _strip_site_suffix(value, site)
    title = root.find(".//title")
    if title is not None:
        value = text_of(title)
        if value:
            return _strip_site_suffix(value, site)
    return None


# "<title> - Sở Nông nghiệp …", "<title> | Báo Thanh Hóa", "<title> - Cổng thông tin điện tử …"
_SITE_WORDS = re.compile(r"^(cổng|portal|trang|huyện|tỉnh|thành phố|thị xã|báo|sở|bộ|ubnd|ủy ban|uỷ ban|"
                         r"tạp chí|đài|website|trung tâm)\b", re.I)


def _strip_site_suffix(title: str, site: str | None) -> str:
    for sep in (" | ", " - ", " – ", " — ", " :: "):
        if sep in title:
            parts = [p.strip() for p in title.split(sep)]
            keep = max(parts, key=len)
            if site and any(site.lower() in p.lower() for p in parts if p is not keep):
                return keep
            if len(parts) == 2 and _SITE_WORDS.match(parts[1]):
                return parts[0]
    return title


_META_DATE_KEYS = ("article:published_time", "datepublished", "og:published_time", "pubdate",
                   "publishdate", "date", "dc.date.issued", "dc.date", "article:published")


# ("/descendant::x" selects what "//x" does here, predicates without position(), and libxml2
# evaluates it about a third faster: "//x" is "/descendant-or-self::node()/child::x". The
# elements with itemprop="datePublished" are found as the owners of such attributes: the same
# elements, in a third of the time of a predicate on every element.)
_JSONLD_SCRIPTS = etree.XPath("/descendant::script[@type='application/ld+json']")


_DATE_ELEMENTS = etree.XPath("/descendant::*/@itemprop[. = 'datePublished']/..|/descendant::time[@datetime]")


def meta_datetime(root):
    """Publication date from meta tags, JSON-LD, ``<time datetime>`` or itemprop."""
    d, t = meta_date(root)
    if d:
        return d, t
    d, t = jsonld_date(root)
    if d:
        return d, t
    for el in _DATE_ELEMENTS(root):
        d, t = parse_iso(el.get("datetime") or el.get("content") or text_of(el))
        if d:
            return d, t
    return None, None


def meta_date(root):
    """Publication date of the published-time ``<meta>`` tags."""
    for meta in root.iter("meta"):
        # (bytes attribute names: lxml need not encode them)
        key = (meta.get(b"property") or meta.get(b"name") or meta.get(b"itemprop") or "").lower()
        if key in _META_DATE_KEYS:
            d, t = parse_iso(meta.get(b"content") or meta.get(b"datetime"))
            if d:
                return d, t
    return None, None


def jsonld_date(root):
    """``datePublished`` of the page's JSON-LD."""
    for script in _JSONLD_SCRIPTS(root):
        d, t = _jsonld_date(script.text or "")
        if d:
            return d, t
    return None, None


def _jsonld_date(text: str):
    try:
        data = json.loads(text)
    except ValueError:
        return None, None
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "datePublished" in item:
                return parse_iso(str(item["datePublished"]))
            stack.extend(v for v in item.values() if isinstance(v, (list, dict)))
    return None, None
