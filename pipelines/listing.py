"""Listing pages of the platform: category listings (``?PageIndex=N``) and the home page."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from pipelines.dom import has_class

__all__ = ["is_listing", "extract_into", "article_links", "next_page", "ARTICLE_PATH"]

# /portal/Pages/2021-3-24/Slug-abc123.aspx
ARTICLE_PATH = re.compile(r"/Pages/\d{4}-\d{1,2}-\d{1,2}/[^/?#]+\.aspx$", re.I)



_ITEMS = etree.XPath(
    f"//*[{has_class('channel-news-title')}]//a[@href] | "
    f"//*[{has_class('tandan-p-article-news-title')}][not(self::h1)]//a[@href] | "
    f"//a[{has_class('tandan-p-article-news-title')}][@href] | "
    f"//*[{has_class('channel-news-title')}][self::a][@href]"
)
_CURRENT = etree.XPath(f"//*[{has_class('CurrentPage')}]")
_SIDEBAR = f"ancestor::*[{has_class('tandan-div-article-other')} or {has_class('tandan-col-right')} or self::footer or {has_class('tandan-footer')}]"
_ALL_LINKS = etree.XPath(f"//a[@href][not({_SIDEBAR})]")


def _dedupe(urls):
    seen, out = set(), []
    for u in urls:
        if u not in seen:
            seen.add(u)
            out.append(u)
    return out


def article_links(root, url: str) -> list[str]:
    """Absolute article URLs of a listing or home page, in page order, de-duplicated: the
    listing items, and every other link of the platform's article URL shape outside the
    sidebars ("Tin mới nhất", right column, footer)."""
    items = set(_ITEMS(root))
    links = []
    for a in _ALL_LINKS(root):
        href = urljoin(url, a.get("href").strip())
        if urlsplit(href).scheme not in ("http", "https"):
            continue
        if a in items or ARTICLE_PATH.search(urlsplit(href).path):
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
                return urljoin(url, href)
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


def is_listing(root, url: str) -> bool:
    items = _ITEMS(root)
    if ARTICLE_PATH.search(urlsplit(url).path) and not items:
        return False
    return bool(items or _CURRENT(root) or article_links(root, url))


def extract_into(root, url: str, record: dict) -> None:
    from pipelines.tandan import site_name

    record["extractor"] = "listing"
    record["is_article"] = False
    record["site_name"] = site_name(root)
    record["listing_links"] = article_links(root, url)
    record["next_page"] = next_page(root, url)
