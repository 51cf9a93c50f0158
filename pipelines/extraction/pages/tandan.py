"""Article pages of the Tân Dân SharePoint portal platform (the reference layout and its skins)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit, unquote

from lxml import etree

from pipelines.extraction.blocks import assemble, linearize
from pipelines.extraction.dom import Doc, text_of
from pipelines.extraction.items import Article
from pipelines.extraction.dates import date_from_url, parse_datetime_text, parse_iso, to_iso
from pipelines.extraction.text import clean_text
from pipelines.extraction.urls import join_url

__all__ = ["TandanArticlePage", "is_article", "site_name", "title_from_head"]


_OTHER_BOXES = ("tandan-div-article-other", "channel-news")
_WEBTITLE = re.compile(r'webTitle\s*:\s*"((?:[^"\\]|\\.)*)"')


def titles(doc: Doc) -> list:
    """The platform's article title elements (not the ones of the related-news boxes)."""
    # listing skins reuse the class on linked items: an article title does not wrap a link
    found = doc.memo.get("titles")
    if found is None:  # (asked twice per page: by the dispatcher and by the extractor)
        found = doc.memo["titles"] = [
            el for el in doc.cls("tandan-p-article-news-title")
            # (no <a> inside, asked of the iterator only when el has children; el is not one)
            if el.tag != "a" and (not len(el) or next(el.iter("a"), None) is None)
            and not doc.has_ancestor_class(el, _OTHER_BOXES)]
    return list(found)


def is_article(doc: Doc) -> bool:
    """The platform's article title marks the layout, even when the body is missing."""
    return bool(titles(doc))



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
        key = (meta.get("property") or meta.get("name") or "").lower()
        if key in ("og:title", "twitter:title"):
            value = clean_text(meta.get("content"))
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


def _path_key(path: str) -> str:
    return (unquote(path) if "%" in path else path).rstrip("/").lower()  # (no "%": unquote changes nothing)


def _href_path(href: str, url: str) -> str:
    """Path of a link; absolute-path links (the platform's usual form) need no urljoin."""
    if href.startswith("/") and not href.startswith("//"):
        return href.split("#", 1)[0].split("?", 1)[0]
    joined = join_url(url, href)
    return urlsplit(joined).path if joined else ""


# link title -> clean_text(link title): a site's sidebar lists the same latest articles on
# every page of it, and cleaning a title costs more than looking it up
_LINK_TITLES: dict = {}


def _clean_link_title(raw: str) -> str:
    clean = _LINK_TITLES.get(raw)
    if clean is None:
        clean = clean_text(raw)
        if len(_LINK_TITLES) >= 4096:
            _LINK_TITLES.clear()
        _LINK_TITLES[raw] = clean
    return clean


def sidebar_time(doc: Doc, url: str, title: str | None):
    """(date, time) of this article as listed in the page's own "Tin mới nhất" sidebar."""
    page = _path_key(urlsplit(url).path)
    for box in doc.cls("tandan-div-article-other"):
        for li in box.iter("li"):
            # == li.find(".//a"), without the path machinery; the usual first child that is the
            # link is taken without setting up an iterator
            if not len(li):
                continue
            link = li[0]
            if link.tag != "a":
                link = next(li.iter("a"), None)
                if link is None:
                    continue
            same = _path_key(_href_path((link.get("href") or "").strip(), url)) == page
            if not same and title:
                raw = link.get("title")
                same = bool(raw) and _clean_link_title(raw) == title  # (clean_text("") == "")
            if not same:
                continue
            d, t = parse_datetime_text(text_of(li))
            if d:
                return d, t
    return None, None


class TandanArticlePage:
    """An article page of the Tân Dân platform: it has the platform's article title element."""

    applies = staticmethod(lambda doc, url: is_article(doc))

    @staticmethod
    def extract(doc: Doc, url: str) -> Article:
        return _article(doc, url)


def _article(doc: Doc, url: str) -> Article:
    root = doc.root
    art = Article(url, "tandan")
    art.site_name = site_name(root, doc)
    found = titles(doc)
    title = text_of(found[0]) if found else ""
    art.title = title or title_from_head(root, art.site_name)

    _dates(doc, url, art)

    summaries = doc.cls("tandan-p-article-news-summary")
    summary = text_of(summaries[0]) if summaries else ""
    body_root = _body_root(doc)
    skip = (summary,) if summary else ()
    body = assemble(linearize(body_root, url), want_lead=not summary, skip_texts=skip) if body_root is not None else None
    if body is not None:
        art.body_paragraphs = body.paragraphs
        art.images = body.images
        art.byline = body.byline
        if not summary and body.lead:
            summary = body.lead
    art.summary = summary
    art.tags = [t for t in (text_of(a) for box in doc.cls("td-tags") for a in box.iter("a")) if t]
    art.category = _category(doc, art.title)
    art.is_article = bool(art.title)
    return art


def _body_root(doc: Doc):
    rich = doc.cls("ms-rtestate-field")
    mains = doc.cls("tandan-p-article-main")
    if mains:
        inside = [el for el in rich if Doc.contains(mains[0], el)]
        return inside[0] if inside else mains[0]
    rich = [el for el in rich if "RichHtmlField" in (el.get("id") or "")]
    return rich[0] if rich else None


def _dates(doc: Doc, url: str, art: Article) -> None:
    root = doc.root
    page_date = page_time = None
    for el in doc.cls("tandan-span-date-publish", "tandan-date-publish", "tandan-p-article-date"):
        page_date, page_time = parse_datetime_text(text_of(el))
        if page_date:
            break
    if page_date:
        art.published_date = page_date.isoformat()
        art.date_source = "page"
        if page_time is not None:
            art.published_at = to_iso(page_date, page_time)
            return  # the sidebar is not needed
        side_date, side_time = sidebar_time(doc, url, art.title)
        if side_time is not None and side_date == page_date:
            art.published_at = to_iso(side_date, side_time)
            art.date_source = "sidebar"
        return
    side_date, side_time = sidebar_time(doc, url, art.title)
    if side_date:
        art.published_date = side_date.isoformat()
        art.published_at = to_iso(side_date, side_time)
        art.date_source = "sidebar"
        return
    meta_date, meta_time = meta_datetime(root)
    if meta_date:
        art.published_date = meta_date.isoformat()
        art.published_at = to_iso(meta_date, meta_time)
        art.date_source = "meta"
        return
    url_date = date_from_url(url)
    if url_date:
        art.published_date = url_date.isoformat()
        art.date_source = "url"


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
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in _META_DATE_KEYS:
            d, t = parse_iso(meta.get("content") or meta.get("datetime"))
            if d:
                return d, t
    for script in _JSONLD_SCRIPTS(root):
        d, t = _jsonld_date(script.text or "")
        if d:
            return d, t
    for el in _DATE_ELEMENTS(root):
        d, t = parse_iso(el.get("datetime") or el.get("content") or text_of(el))
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


def _category(doc: Doc, title: str | None) -> str | None:
    crumbs = doc.cls("tandan-breadcrumb", "breadcrumb", "tandan-breadcrumbs", "breadcrumbs") or \
        doc.cls(*(k for k in doc.by_class if "breadcrumb" in k.lower()))
    if not crumbs:
        return None
    # the last link that names a category: read from the end, the others need no reading
    for a in reversed(list(crumbs[0].iter("a"))):
        n = text_of(a)
        if n and n.lower() not in ("trang chủ", "home", "trang chu") and n != title:
            return n
    return None
