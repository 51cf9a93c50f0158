"""Listing pages of the platform: category listings (``?PageIndex=N``) and the home page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from pipelines.extraction.dom import Doc, has_class
from pipelines.extraction.items import Listing
from pipelines.extraction.urls import ARTICLE_PATH, join_url, url_origin

__all__ = ["ListingPage", "is_listing", "article_links", "next_page", "ARTICLE_PATH"]

_CURRENT = etree.XPath(f"//*[{has_class('CurrentPage')}]")


def _dedupe(urls):
    return list(dict.fromkeys(urls))  # first occurrence of each, in order


# listing items; home and box listings: p.tandan-p-module-news-title / -second > a
_ITEM_CLASSES = ("channel-news-title", "tandan-p-article-news-title", "tandan-p-module-news-title",
                 "tandan-p-module-news-second")
_SIDEBAR_CLASSES = frozenset(("tandan-div-article-other", "tandan-col-right", "tandan-footer"))


def _item_links(doc: Doc) -> set:
    """Links of listing items: inside, or being, an element of an item class (an ``h1`` of
    the article-title class is the page's title, not an item)."""
    items = set()
    for name in _ITEM_CLASSES:
        for el in doc.cls(name):
            if el.tag == "a":
                items.add(el)
            if name == "channel-news-title" or el.tag != "h1":
                items.update(a for a in el.iter("a") if a is not el)
    return items


def _sidebar_links(root, doc: Doc) -> set:
    """Links inside a sidebar ("Tin mới nhất"), the right column or a footer."""
    boxes = [el for name in _SIDEBAR_CLASSES for el in doc.cls(name)] + list(root.iter("footer"))
    return {a for box in boxes for a in box.iter("a") if a is not box}


def article_links(root, url: str, doc: Doc | None = None) -> list[str]:
    """Absolute article URLs of a listing or home page, in page order, de-duplicated: the
    listing items, and every other link of the platform's article URL shape outside the
    sidebars ("Tin mới nhất", right column, footer)."""
    doc = doc or Doc(root)
    items, sidebar = _item_links(doc), _sidebar_links(root, doc)
    origin = url_origin(url)  # None unless an http(s) page URL
    prefix = origin + "/" if origin else None
    links = []
    for a in root.iter("a"):
        href = a.get("href")
        if href is None or a in sidebar:
            continue
        href = join_url(url, href.strip())
        if href is None:
            continue
        if prefix and href.startswith(prefix):
            path = href[len(origin):].split("#", 1)[0].split("?", 1)[0]
        else:
            parts = urlsplit(href)
            if parts.scheme not in ("http", "https"):
                continue
            path = parts.path
        if a in items or ARTICLE_PATH.search(path):
            links.append(href)
    return _dedupe(links)


def _is_page_link(link, current_text: str) -> bool:
    href = link.get("href") or ""
    if "pageindex=" in href.lower():
        return True
    text = "".join(link.itertext()).strip()
    return text.isdigit() and current_text.isdigit() and int(text) == int(current_text) + 1


def next_page(root, url: str) -> str | None:
    """The next listing page: the link right after ``span.CurrentPage`` (a page link:
    ``?PageIndex=N`` or the next number). ASP.NET DataPagers link by
    ``javascript:__doPostBack(…)``, never a URL: then the pager's real ``?PageIndex=N`` link
    to the page after the current one, or — a pager of postback links only with a next
    control — the listing URL with ``PageIndex`` set to current + 1."""
    for current in _CURRENT(root):
        current_text = "".join(current.itertext()).strip()
        nxt = _next_page_link(current)
        if nxt is not None and _is_page_link(nxt, current_text):
            href = nxt.get("href").strip()
            if href and not _is_postback(href):
                return join_url(url, href)
        number = _NUMBER.search(current_text)  # ("3", "Trang 3", "[3]")
        if number is None:
            continue
        target = int(number.group()) + 1
        links = _pager_links(current)
        for a in links:
            href = a.get("href").strip()
            if not _is_postback(href) and _page_index(href) == target:
                return join_url(url, href)
        if any(_is_postback(a.get("href").strip()) and _is_next_control(a, target) for a in links):
            return with_page_index(url, target)
    return None


_NUMBER = re.compile(r"\d+")


def _is_postback(href: str) -> bool:
    return href[:11].lower() == "javascript:"


_PAGE_INDEX = re.compile(r"[?&]pageindex=(\d+)", re.I)


def _page_index(href: str) -> int | None:
    m = _PAGE_INDEX.search(href)
    return int(m.group(1)) if m else None


def _pager_links(current) -> list:
    """Links (with an href) of the pager holding the current-page marker: its parent, or the
    nearest ancestor (a pager table or list) that has any."""
    el = current.getparent()
    for _ in range(4):
        if el is None:
            return []
        links = [a for a in el.iter("a") if a.get("href")]
        if links:
            return links
        el = el.getparent()
    return []


_NEXT_WORDS = re.compile(r"^(?:sau|trang sau|tiếp|tiếp theo|next)\b|^(?:>|›|»|→)|(?:>|›|»|→)$", re.I)


def _is_next_control(link, target: int) -> bool:
    """A pager control to the next page: ``Sau >>``, ``>``, ``»``, ``Next`` or a number
    above the current page's."""
    text = " ".join("".join(link.itertext()).split())
    if text.isdigit():
        return int(text) >= target
    return bool(text) and bool(_NEXT_WORDS.search(text))


def with_page_index(url: str, index: int) -> str:
    """``url`` with its ``PageIndex`` query parameter set to ``index`` (added when absent;
    a fragment dropped)."""
    base = url.partition("#")[0]
    path, sep, query = base.partition("?")
    params = [p for p in query.split("&") if p] if sep else []
    out, done = [], False
    for p in params:
        if p.split("=", 1)[0].lower() == "pageindex":
            if not done:
                out.append(p.split("=", 1)[0] + "=" + str(index))
                done = True
        else:
            out.append(p)
    if not done:
        out.append(f"PageIndex={index}")
    return path + "?" + "&".join(out)


def _next_page_link(current):
    """The first link after the current-page marker: a following sibling (or the link inside
    it), else the link in the wrapper's next sibling (``<td><span class=CurrentPage>…</td><td><a>``)."""
    sib = current.getnext()
    while sib is not None:
        if isinstance(sib.tag, str):
            if sib.tag.lower() == "a":
                return sib if sib.get("href") else None
            link = sib.find(".//a")
            if link is not None:
                return link if link.get("href") else None
        sib = sib.getnext()
    parent = current.getparent()
    nxt = parent.getnext() if parent is not None else None
    if nxt is None or not isinstance(nxt.tag, str):
        return None
    link = nxt if nxt.tag.lower() == "a" else nxt.find(".//a")
    return link if link is not None and link.get("href") else None


def is_listing(root, url: str, doc: Doc | None = None) -> bool:
    """A listing or home page: listing items, a pager, or — on a page of the platform (a
    ``/portal/`` path or the platform's classes) — links of the platform's article shape.
    Another CMS's page that merely links to platform articles is not one."""
    doc = doc or Doc(root)
    items = any(a.get("href") is not None for a in _item_links(doc))
    path = urlsplit(url).path
    if ARTICLE_PATH.search(path) and not items:
        return False
    if items or doc.cls("CurrentPage"):
        return True
    platform = "/portal/" in path.lower() or any(k.startswith("tandan-") for k in doc.by_class)
    return platform and bool(article_links(root, url, doc))


class ListingPage:
    """A category listing or home page of the platform: article items, or a pager."""

    applies = staticmethod(lambda doc, url: is_listing(doc.root, url, doc))

    @staticmethod
    def extract(doc: Doc, url: str) -> Listing:
        from pipelines.extraction.pages.head import site_name

        root = doc.root
        return Listing(url, site_name(root, doc), article_links(root, url, doc), next_page(root, url))
