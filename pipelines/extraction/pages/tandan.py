"""Article pages of the Tân Dân SharePoint portal platform (the reference layout and its skins)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, unquote

from lxml import etree

from pipelines.extraction.blocks import assemble, linearize
from pipelines.extraction.dom import Doc, drop, text_of
from pipelines.extraction.items import Article
from pipelines.extraction.pages.head import meta_datetime, site_name, title_from_head
from pipelines.extraction.dates import date_from_url, parse_datetime_text, to_iso
from pipelines.extraction.text import clean_text
from pipelines.extraction.urls import ARTICLE_PATH, join_url

__all__ = ["TandanArticlePage", "is_article", "site_name", "title_from_head"]


_OTHER_BOXES = ("tandan-div-article-other", "channel-news")


def titles(doc: Doc) -> list:
    """The platform's article title elements (not the ones of the related-news boxes); the
    newer template's ``tandan-title-view`` when the page has none."""
    # listing skins reuse the class on linked items: an article title does not wrap a link
    found = doc.memo.get("titles")
    if found is None:  # (asked twice per page: by the dispatcher and by the extractor)
        found = doc.memo["titles"] = [
            el for el in doc.cls("tandan-p-article-news-title") or doc.cls("tandan-title-view")
            # (no <a> inside, asked of the iterator only when el has children; el is not one)
            if el.tag != "a" and (not len(el) or next(el.iter("a"), None) is None)
            and not doc.has_ancestor_class(el, _OTHER_BOXES)]
    return list(found)


def is_article(doc: Doc, url: str | None = None) -> bool:
    """The platform's article title marks the layout, even when the body is missing; without
    a title, the platform's body markers do (:func:`body_only`)."""
    return bool(titles(doc)) or body_only(doc, url)


def _rich_fields(doc: Doc) -> list:
    """The page's rich-text fields of the article body (``…__ControlWrapper_RichHtmlField``)."""
    return [el for el in doc.cls("ms-rtestate-field") if "RichHtmlField" in (el.get(b"id") or "")]


def body_only(doc: Doc, url: str | None) -> bool:
    """An article area without the platform's title: a capture of the lead and body alone
    (no ``<head>``), or a page at an article URL whose title markup is gone. Its markers: the
    main-text element, a rich-text field, the lead element, or the newer template's content
    view."""
    if doc.cls("tandan-content-view"):
        return True
    if not (doc.cls("tandan-p-article-main") or doc.cls("ms-rtestate-field")
            or doc.cls("tandan-p-article-news-summary")):
        return False
    if url and ARTICLE_PATH.search(urlsplit(url).path):
        return True
    return doc.root.find("head") is None


def _path_key(path: str) -> str:
    return (unquote(path) if "%" in path else path).rstrip("/").lower()  # (no "%": unquote changes nothing)


def _url_path(url: str) -> str:
    """``urlsplit(url).path`` of an http(s) URL, read without urlsplit's general machinery
    when the URL is plain (scheme, host, path, query, fragment)."""
    if url.startswith(("http://", "https://")):
        rest = url[url.index("//") + 2:]
        cut = len(rest)
        for ch in "/?#":
            i = rest.find(ch)
            if 0 <= i < cut:
                cut = i
        if rest[cut:cut + 1] != "/":
            return ""
        path = rest[cut:]
        for ch in "?#":
            i = path.find(ch)
            if i >= 0:
                path = path[:i]
        if ";" not in path and "\\" not in path and "[" not in rest[:cut]:
            return path
    return urlsplit(url).path


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
    boxes = doc.cls("tandan-div-article-other")
    if not boxes:
        return None, None
    page = _path_key(_url_path(url))
    # the page's last path segment (its slug and id): a link without it, lower-cased, is to
    # another page, known without working out the link's path (not when percent-escapes
    # could hide it)
    last = page.rsplit("/", 1)[-1]
    quick = bool(last) and "%" not in url
    for box in boxes:
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
            href = link.get(b"href") or ""  # (bytes attribute names: lxml need not encode them)
            if quick and "%" not in href and last not in href.lower():
                same = False
            else:
                same = _path_key(_href_path(href.strip(), url)) == page
            if not same and title:
                raw = link.get(b"title")
                same = bool(raw) and _clean_link_title(raw) == title  # (clean_text("") == "")
            if not same:
                continue
            d, t = parse_datetime_text(text_of(li))
            if d:
                return d, t
    return None, None


class TandanArticlePage:
    """An article page of the Tân Dân platform: it has the platform's article title element."""

    applies = staticmethod(lambda doc, url: is_article(doc, url))

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

    art.tags = _tags(doc)
    art.category = _category(doc, art.title)
    summaries = doc.cls("tandan-p-article-news-summary")
    summary = text_of(summaries[0]) if summaries else ""
    body_root = _body_root(doc)
    if body_root is not None:
        _drop_junk(doc, body_root)
        skip = (summary,) if summary else ()
        body = assemble(linearize(body_root, url), want_lead=not summary, skip_texts=skip, alt_captions=True)
        art.body_paragraphs = body.paragraphs
        art.images = body.images
        art.byline = body.byline
        if not summary and body.lead:
            summary = body.lead
    if not (art.body_paragraphs or art.images):
        summary = _generic_fallback(doc, url, art, summary)
    art.summary = summary
    art.is_article = bool(art.title) or bool(art.body_paragraphs or art.images)
    return art


# The platform's chrome around the article: never its body (header, menus, search,
# breadcrumb, title, date and zoom line, lead, tags, share links, related boxes, right
# column, footer; the newer template's views of the same)
_CHROME_CLASS = re.compile(
    r"^tandan-(?:header|banner|site-title|portal-name|unit-name|logo|menu|search|breadcrumb|col-right|right|footer|"
    r"div-article-other|title-other|ul-article-other|div-social|social|div-date|span-date|date|zoom|print|back|"
    r"p-article-news-title|p-article-news-summary|title-view|tool|top|box|counter|paging|home)|"
    r"^(?:breadcrumb|social-share|td-tags|aspNetHidden|ms-webpart-chrome-title)$", re.I)


def _generic_fallback(doc: Doc, url: str, art: Article, summary: str) -> str:
    """The platform's body markers are missing or hold nothing: the generic path looks for
    the body among what is left once the platform's chrome is taken out. When it finds one,
    the item says so (``extractor: generic``). Returns the lead."""
    from pipelines.extraction.pages.generic import generic_body  # (generic imports this module)

    for token, els in list(doc.by_class.items()):
        if _CHROME_CLASS.search(token):
            for el in els:
                drop(el)
    body = generic_body(doc.root, url, art.title, summary, alt_captions=True)
    if body.paragraphs or body.images:
        art.extractor = "generic"
        art.body_paragraphs = body.paragraphs
        art.images = body.images
        art.byline = body.byline
        if not summary and body.lead:
            return body.lead
    return summary


_ART_CONTENT = etree.XPath("/descendant::*[@id = 'art-content']")


def _body_root(doc: Doc):
    """The element holding the article's body: the rich-text field inside the main-text
    element, the main-text element itself, or — when that is empty (``<p class=…main>&nbsp;</p>``,
    the body div split out of it or written after it) — the rich-text field that follows it;
    the newer template's content view; a rich-text field; ``#art-content``."""
    rich = doc.cls("ms-rtestate-field")
    mains = doc.cls("tandan-p-article-main")
    if mains:
        main = mains[0]
        inside = [el for el in rich if Doc.contains(main, el)]
        if inside:
            return inside[0]
        if not _empty_main(main):
            return main
        following = _following_field(main, rich)
        if following is not None:
            return following
    views = doc.cls("tandan-content-view")
    if views:
        return views[0]
    fields = _rich_fields(doc)
    if fields:
        return fields[0]
    found = _ART_CONTENT(doc.root)
    if found:
        return found[0]
    if mains:
        return mains[0]
    # a rich-text field without the body's id (a capture that lost it): the one with most text
    return max(rich, key=lambda el: len(text_of(el))) if rich else None


def _empty_main(main) -> bool:
    """A main-text element holding nothing of the article: white space, ``&nbsp;``, or only
    the rich-text field's label (``ctl00_PlaceHolderMain_ctlNN_label``)."""
    if not len(main):
        return not text_of(main)
    if next(main.iter("img"), None) is not None:
        return False
    text = text_of(main)
    if not text:
        return True
    labels = [el for el in main.iter() if (el.get("id") or "").endswith("_label")]
    return bool(labels) and text == " ".join(t for t in (text_of(el) for el in labels) if t)


def _following_field(main, rich: list):
    """The rich-text field after an empty main-text element: a following sibling, or inside one."""
    if not rich:
        return None
    for sib in main.itersiblings():
        for el in rich:
            if el is sib or Doc.contains(sib, el):
                return el
    return None


# Never body text, even inside the body's element: share and print controls, the related
# articles box, tags, the rich-text field's label (``ctl00_PlaceHolderMain_ctlNN_label``).
_JUNK_CLASSES = ("social-share", "tandan-div-social", "tandan-social-view", "tandan-div-article-other",
                 "tandan-zoom", "tandan-print", "tandan-tool-view", "td-tags")
_FIELD_LABELS = etree.XPath("descendant::*[starts-with(@id, 'ctl00_PlaceHolderMain_')]"
                            "[substring(@id, string-length(@id) - 5) = '_label']")


def _drop_junk(doc: Doc, body_root) -> None:
    """Take the junk out of the body's element. (A rich-text field holds the editor's text
    only: the junk of the article area sits beside it, so it is not searched.)"""
    if "ms-rtestate-field" in (body_root.get(b"class") or ""):
        return
    junk = [el for name in _JUNK_CLASSES for el in doc.cls(name) if Doc.contains(body_root, el)]
    if len(body_root):
        junk += _FIELD_LABELS(body_root)
    for el in junk:
        drop(el)


_TAG_LABELS = frozenset(("tags", "tag", "từ khóa", "từ khoá", "từ khoá", "keywords"))


def _tags(doc: Doc) -> list[str]:
    """``.td-tags a`` texts, without the label link some skins put first (``Tags``, ``Từ khóa``)."""
    tags = []
    for box in doc.cls("td-tags"):
        texts = [(a, text_of(a)) for a in box.iter("a")]
        texts = [(a, t) for a, t in texts if t]
        if texts:
            a, t = texts[0]
            if t.rstrip(" :").lower() in _TAG_LABELS or any(w in (a.get(b"class") or "") for w in ("title", "label")):
                texts = texts[1:]
        tags.extend(t for _, t in texts)
    return tags


def _dates(doc: Doc, url: str, art: Article) -> None:
    root = doc.root
    page_date = page_time = None
    for el in doc.cls("tandan-span-date-publish", "tandan-date-publish", "tandan-p-article-date", "tandan-date-view"):
        page_date, page_time = parse_datetime_text(text_of(el))
        if page_date:
            break
    if not page_date:
        page_date, page_time = _date_line(doc, url)
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


# where the article's date line ends: the lead, the body, the tags
_AFTER_DATE_LINE = frozenset(("tandan-p-article-news-summary", "tandan-p-article-main", "ms-rtestate-field",
                              "tandan-content-view", "td-tags", "tandan-div-article-other"))


_BODY_WORDS = re.compile(r"summary|main|content|body|detail|sapo|tags|other|social", re.I)


def _date_line(doc: Doc, url: str):
    """A skin whose date element has none of the known classes: the first date written in
    the elements between the title and the lead or body (its date line), when it is the day
    of the article's URL (another date is the lead's or the body's)."""
    found = titles(doc)
    if not found:
        return None, None
    url_day = date_from_url(url)
    for sib in found[0].itersiblings():
        c = sib.get(b"class")
        if c and (not _AFTER_DATE_LINE.isdisjoint(c.split()) or _BODY_WORDS.search(c)):
            break
        text = text_of(sib)
        if len(text) > 200:
            break
        d, t = parse_datetime_text(text)
        if d:
            return (d, t) if url_day is None or d == url_day else (None, None)
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
