"""Fallback for pages outside the platform's layout (other provinces' CMSs, WordPress,
Joomla, Liferay/VNPT portals, news sites).

Title: ``og:title`` / first ``h1`` / ``<title>``. Date: meta tags, JSON-LD, ``<time>``,
then visible text near the title, then the URL. Body: a known content container of common
CMSs, read with the same block rules as the platform's body (captions, credits, bylines);
when no container is known, trafilatura (a well-kept boilerplate remover) finds the text.
"""

from __future__ import annotations

import re

from lxml import etree

from pipelines.extraction.blocks import assemble, linearize
from pipelines.extraction.dom import Doc, has_class, text_of
from pipelines.extraction.items import Article
from pipelines.extraction.dates import date_from_url, parse_datetime_text, to_iso
from pipelines.extraction.pages.tandan import meta_datetime, site_name as tandan_site_name, title_from_head
from pipelines.extraction.text import clean_text

__all__ = ["GenericArticlePage"]



# Content containers of common CMSs, most specific first.
_CONTAINERS = [etree.XPath(x) for x in (
    "//*[@itemprop='articleBody']",
    f"//*[{has_class('entry-content')}]",
    f"//*[{has_class('journal-content-article')}]",
    f"//*[{has_class('asset-content')}]",
    f"//*[{has_class('field-name-body')}]//*[{has_class('field-item')}]",
    f"//*[{has_class('field--name-body')}]",
    f"//*[{has_class('article-content')}]",
    f"//*[{has_class('post-content')}]",
    f"//*[{has_class('news-content')}]",
    f"//*[{has_class('detail-content')}]",
    f"//*[{has_class('content-detail')}]",
    f"//*[{has_class('article-body')}]",
    f"//*[{has_class('item-page')}]//*[{has_class('article-content')} or @itemprop='articleBody']",
    "//article//*[contains(@class, 'content')]",
    "//article",
    f"//*[{has_class('main-content')} or {has_class('content')}]",
)]
_LEADS = [etree.XPath(x) for x in (
    "//*[contains(@class, 'sapo')]", f"//*[{has_class('summary')}]",
    f"//*[{has_class('lead')}]", f"//*[{has_class('article-summary')}]", f"//*[{has_class('entry-summary')}]",
    "//*[@itemprop='description'][not(self::meta)]",
)]
_H1 = etree.XPath("//h1")
# headings some CMSs use for the article title instead of h1 (Liferay: h3.header-title)
_TITLE_HEADINGS = etree.XPath("//h1|//h2[contains(@class, 'title')]|//h3[contains(@class, 'title')]")
_SITE = etree.XPath("//meta[@property='og:site_name']/@content")
_TAGS = etree.XPath(f"//*[{has_class('tags')} or {has_class('tag-links')} or {has_class('post-tags')} or {has_class('tags-links')}]//a")
_DROP = etree.XPath(  # relative: inside the element it is applied to
    ".//script|.//style|.//noscript|.//nav|.//footer|.//header|.//aside|.//form|"
    f".//*[{has_class('share')} or {has_class('social')} or contains(@class, 'related') or {has_class('comments')} or {has_class('sharedaddy')}]"
)



class GenericArticlePage:
    """An article of another CMS (or of no known layout): the fallback page type."""

    applies = staticmethod(lambda doc, url: True)

    @staticmethod
    def extract(doc: Doc, url: str) -> Article:
        return _article(doc.root, url, doc)


def _article(root, url: str, doc: Doc) -> Article:
    art = Article(url, "generic")
    site = _SITE(root)
    art.site_name = clean_text(site[0]) if site else tandan_site_name(root, doc)
    h1s = [t for t in (text_of(h) for h in _TITLE_HEADINGS(root)) if t]
    head_title = title_from_head(root, art.site_name)
    # the first h1 is often the site logo: prefer the h1 that the <title>/og:title agrees with
    title = None
    if head_title:
        for h in h1s:
            if len(h) > 12 and (h == head_title or head_title.startswith(h) or head_title in h):
                title = h
                break
    plain_h1 = [t for t in (text_of(h) for h in _H1(root)) if t]
    art.title = title or (plain_h1[0] if len(plain_h1) == 1 else None) or head_title

    d, t = meta_datetime(root)
    source = "meta" if d else None
    if not d:
        d, t = _visible_date(root)
        source = "page" if d else None
    if not d:
        d, t = date_from_url(url), None
        source = "url" if d else None
    if d:
        art.published_date = d.isoformat()
        art.published_at = to_iso(d, t)
        art.date_source = source

    lead = ""
    for xp in _LEADS:
        found = xp(root)
        if found:
            lead = text_of(found[0])
            if lead:
                break
    art.tags = [x for x in (text_of(a) for a in _TAGS(root)) if x]

    container = None
    for xp in _CONTAINERS:
        found = xp(root)
        if found:
            container = max(found, key=lambda e: len(text_of(e)))
            break
    if container is not None:
        for el in _DROP(container):
            if el.getparent() is not None:
                el.getparent().remove(el)
        blocks = [b for b in linearize(container, url) if not _is_heading_or_dateline(b, art.title)]
        body = assemble(blocks, want_lead=not lead, skip_texts=tuple(x for x in (lead,) if x))
        paragraphs, images, byline = body.paragraphs, body.images, body.byline
        if not lead and body.lead:
            lead = body.lead
    else:
        paragraphs, images, byline = _fallback_body(root, url), [], None
        if lead and paragraphs and paragraphs[0] == lead:
            paragraphs = paragraphs[1:]
    art.summary = lead
    art.body_paragraphs = paragraphs
    art.images = images
    art.byline = byline
    art.is_article = bool(art.title) and bool(paragraphs)
    return art


_DATELINE = re.compile(r"^(?:(?:thứ\s+\S+|chủ nhật)\s*,?\s*)?(?:ngày\s*)?\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}"
                       r"(?:\s*[-,|]?\s*\d{1,2}[:h]\d{2}(?:\s*(?:SA|CH|AM|PM))?)?$", re.I)


def _is_heading_or_dateline(block, title: str | None) -> bool:
    """The title repeated at the top of the content, or a line that is only a date."""
    if block.kind != "text":
        return False
    text = block.text
    if title and text.casefold().startswith(title.casefold()):
        text = text[len(title):].strip(" -–|,")
        if not text:
            return True
    return len(text) < 40 and bool(_DATELINE.match(text))


def _visible_date(root):
    """A date written near the top of the main text (first 3000 characters after the h1)."""
    h1s = _H1(root)
    start = h1s[0] if h1s else root.find(".//body")
    if start is None:
        return None, None
    texts = []
    size = 0
    for el in start.itersiblings() if h1s else [start]:
        piece = text_of(el)
        texts.append(piece)
        size += len(piece)
        if size > 3000:
            break
    parent = start.getparent()
    if not texts and parent is not None:
        texts.append(text_of(parent))
    return parse_datetime_text(" ".join(texts)[:3000])


# Above this many elements trafilatura's cost grows past a few seconds: read <body> with
# our own block walker instead (bounded time for multi-megabyte word-processor soup).
TRAFILATURA_MAX_ELEMENTS = 20000


def _fallback_body(root, url: str) -> list[str]:
    """trafilatura's text; our block walker over <body> for huge pages or when trafilatura finds nothing."""
    body = root.find(".//body")
    if body is None:
        return []
    if sum(1 for _ in body.iter()) <= TRAFILATURA_MAX_ELEMENTS:
        found = _trafilatura_body(root, url)
        if found:
            return found
    for el in _DROP(body):
        if el.getparent() is not None:
            el.getparent().remove(el)
    return [b.text for b in linearize(body, url) if b.kind == "text" and b.text]


def _trafilatura_body(root, url: str) -> list[str]:
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - a declared dependency
        return []
    try:
        text = trafilatura.extract(root, url=url, include_comments=False, include_tables=False,
                                   favor_precision=True)
    except Exception:  # trafilatura is third-party: never let it break a crawl
        return []
    if not text:
        return []
    return [p for p in (clean_text(line) for line in text.split("\n")) if p]
