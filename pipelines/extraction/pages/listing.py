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


_ITEM_CLASSES = frozenset(("channel-news-title", "tandan-p-article-news-title"))
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
    """The link right after ``span.CurrentPage`` (a page link: ``?PageIndex=N`` or the next number)."""
    for current in _CURRENT(root):
        nxt = _next_page_link(current)
        if nxt is not None and _is_page_link(nxt, "".join(current.itertext()).strip()):
            href = nxt.get("href").strip()
            if href and not href.startswith("javascript"):
                return join_url(url, href)
    return None


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
    doc = doc or Doc(root)
    items = any(a.get("href") is not None for a in _item_links(doc))
    if ARTICLE_PATH.search(urlsplit(url).path) and not items:
        return False
    return bool(items or doc.cls("CurrentPage") or article_links(root, url, doc))


class ListingPage:
    """A category listing or home page of the platform: article items, or a pager."""

    applies = staticmethod(lambda doc, url: is_listing(doc.root, url, doc))

    @staticmethod
    def extract(doc: Doc, url: str) -> Listing:
        from pipelines.extraction.pages.tandan import site_name

        root = doc.root
        return Listing(url, site_name(root, doc), article_links(root, url, doc), next_page(root, url))
