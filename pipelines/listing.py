"""Listing pages of the platform: category listings (``?PageIndex=N``) and the home page."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

__all__ = ["is_listing", "extract_into", "article_links", "next_page", "ARTICLE_PATH"]

# /portal/Pages/2021-3-24/Slug-abc123.aspx
ARTICLE_PATH = re.compile(r"/Pages/\d{4}-\d{1,2}-\d{1,2}/[^/?#]+\.aspx$", re.I)


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


_ITEMS = etree.XPath(
    f"//*[{_cls('channel-news-title')}]//a[@href] | "
    f"//*[{_cls('tandan-p-article-news-title')}][not(self::h1)]//a[@href] | "
    f"//a[{_cls('tandan-p-article-news-title')}][@href] | "
    f"//*[{_cls('channel-news-title')}][self::a][@href]"
)
_CURRENT = etree.XPath(f"//*[{_cls('CurrentPage')}]")
_SIDEBAR = f"ancestor::*[{_cls('tandan-div-article-other')} or {_cls('tandan-col-right')} or self::footer or {_cls('tandan-footer')}]"
_ALL_LINKS = etree.XPath(f"//a[@href][not({_SIDEBAR})]")


def _dedupe(urls):
    seen, out = set(), []
    for u in urls:
        if u not in seen:
            seen.add(u)
            out.append(u)
    return out


def article_links(root, url: str) -> list[str]:
    """Absolute article URLs of a listing or home page, in page order, de-duplicated."""
    links = [urljoin(url, a.get("href").strip()) for a in _ITEMS(root)]
    links = [u for u in links if urlsplit(u).scheme in ("http", "https")]
    if links:
        return _dedupe(links)
    found = [urljoin(url, a.get("href").strip()) for a in _ALL_LINKS(root)]
    return _dedupe(u for u in found if ARTICLE_PATH.search(urlsplit(u).path))


def next_page(root, url: str) -> str | None:
    for current in _CURRENT(root):
        sib = current.getnext()
        while sib is not None and not (isinstance(sib.tag, str) and sib.tag.lower() == "a"):
            # a wrapper (li/span) around the link may follow the current page marker
            link = sib.find(".//a") if isinstance(sib.tag, str) else None
            if link is not None:
                sib = link
                break
            sib = sib.getnext()
        if sib is None:
            # the marker may itself be wrapped (li > span.CurrentPage): look at the wrapper's sibling
            parent = current.getparent()
            nxt = parent.getnext() if parent is not None else None
            sib = nxt.find(".//a") if nxt is not None and nxt.tag != "a" else nxt
        if sib is not None and sib.get("href"):
            href = sib.get("href").strip()
            if href and not href.startswith("javascript"):
                return urljoin(url, href)
    return None


def is_listing(root, url: str) -> bool:
    if ARTICLE_PATH.search(urlsplit(url).path) and not _ITEMS(root):
        return False
    return bool(_ITEMS(root) or _CURRENT(root)) or bool(article_links(root, url))


def extract_into(root, url: str, record: dict) -> None:
    from pipelines.tandan import site_name

    record["extractor"] = "listing"
    record["is_article"] = False
    record["site_name"] = site_name(root)
    record["listing_links"] = article_links(root, url)
    record["next_page"] = next_page(root, url)
