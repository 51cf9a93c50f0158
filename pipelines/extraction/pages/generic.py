"""Fallback for pages outside the platform's layout (other provinces' CMSs, WordPress,
Joomla, Drupal, DNN, Liferay/VNPT portals, news sites).

Title: the heading the ``<title>``/``og:title`` agrees with, the only ``h1``, ``<title>``.
Date (``CONVENTIONS.md``, other CMSs): the article's own — published-time meta and JSON-LD;
``itemprop=datePublished``; an element the CMS marks as the publish date (Liferay's
``metadata-publish-date``, WordPress's ``time.published``); a ``<time datetime>`` of the
article; the first date written after the title (its meta line) — never one in the page's
header, navigation, sidebars, related-news boxes or footer; then the URL. Body: a known
content container of common CMSs, else the element holding most paragraph text, read with
the same block rules as the platform's body (captions, credits, bylines); when nothing is
found, trafilatura (a well-kept boilerplate remover) finds the text.
"""

from __future__ import annotations

import re

from lxml import etree

from pipelines.extraction.blocks import BLOCK_TAGS, SKIP_TAGS, assemble, linearize
from pipelines.extraction.dates import date_from_url, parse_datetime_text, parse_iso, to_iso
from pipelines.extraction.dom import Doc, drop, has_class, text_of
from pipelines.extraction.items import Article
from pipelines.extraction.pages.head import jsonld_date, meta_date, site_name as tandan_site_name, title_from_head
from pipelines.extraction.text import clean_text

__all__ = ["GenericArticlePage", "GenericBody", "generic_body"]


# Content containers of common CMSs, most specific first.
_CONTAINERS = [etree.XPath(x) for x in (
    "//*[@itemprop='articleBody']",
    f"//*[{has_class('entry-content')}]",
    f"//*[{has_class('journal-content-article')}]",
    f"//*[{has_class('asset-content')}]",
    f"//*[{has_class('field-name-body')}]//*[{has_class('field-item')}]",
    f"//*[{has_class('field--name-body')}]",
    f"//*[{has_class('edn_articleContent')}]",
    f"//*[{has_class('article-content')}]",
    f"//*[{has_class('article-contents')}]",
    f"//*[{has_class('article__body')}]",
    f"//*[{has_class('post-content')}]",
    f"//*[{has_class('post-body')}]",
    f"//*[{has_class('news-content')}]",
    f"//*[{has_class('detail-content')}]",
    f"//*[{has_class('content-detail')}]",
    f"//*[{has_class('article-body')}]",
    f"//*[{has_class('item-page')}]//*[{has_class('article-content')} or @itemprop='articleBody']",
)]
# broad containers, used when no paragraph-dense element is found
_BROAD = [etree.XPath(x) for x in (
    "//article//*[contains(@class, 'content')]",
    "//article",
    f"//*[{has_class('main-content')} or {has_class('content')}]",
)]
_H1 = etree.XPath("//h1")
# headings some CMSs use for the article title instead of h1 (Liferay: h3.header-title)
_TITLE_HEADINGS = etree.XPath("//h1|//h2[contains(@class, 'title')]|//h3[contains(@class, 'title')]")
_SITE = etree.XPath("//meta[@property='og:site_name']/@content")
_TAGS = etree.XPath(f"//*[{has_class('tags')} or {has_class('tag-links')} or {has_class('post-tags')} or {has_class('tags-links')}]//a")
_LOWER = "translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_DROP = etree.XPath(  # relative: inside the element it is applied to
    ".//script|.//style|.//noscript|.//nav|.//footer|.//header|.//aside|.//form|"
    f".//*[{has_class('share')} or {has_class('social')} or contains(@class, 'related') or {has_class('comments')} "
    f"or {has_class('sharedaddy')} or contains({_LOWER}, 'share') or contains({_LOWER}, 'tags') "
    f"or contains({_LOWER}, 'social') or contains({_LOWER}, 'print')]"
)
_PARAGRAPHS = etree.XPath("//p|//li")
_CAPTION_CLASS = etree.XPath(
    ".//*[contains(translate(@class, 'CAPTION', 'caption'), 'caption') or contains(@class, 'chu-thich') "
    "or contains(@class, 'chuthich')][not(self::figure)][not(self::table)]")


class GenericArticlePage:
    """An article of another CMS (or of no known layout): the fallback page type."""

    applies = staticmethod(lambda doc, url: True)

    @staticmethod
    def extract(doc: Doc, url: str) -> Article:
        return _article(doc.root, url, doc)


def _article(root, url: str, doc: Doc) -> Article:
    art = Article(url, "generic")
    site = _SITE(root)
    art.site_name = (clean_text(site[0]) if site else None) or tandan_site_name(root, doc) or _unit_name(doc)
    title_el, art.title = _title(root, art.site_name)
    lead_el = _lead_element(root, doc, title_el)
    lead = text_of(lead_el) if lead_el is not None else ""

    d, t, source, date_el = _date(root, doc, title_el, url, art.title, lead_el)
    if d:
        art.published_date = d.isoformat()
        art.published_at = to_iso(d, t)
        art.date_source = source

    art.tags = [x for x in (text_of(a) for a in _TAGS(root)) if x]
    art.category = _category(root, art.title)

    body = generic_body(root, url, art.title, lead, date_el)
    if not lead and body.lead:
        lead = body.lead
    art.summary = lead
    art.body_paragraphs = body.paragraphs
    art.images = body.images
    art.byline = body.byline
    art.is_article = bool(art.title) and bool(body.paragraphs)
    return art


def _title(root, site: str | None):
    """(element, text) of the article's title."""
    heads = [(h, t) for h, t in ((h, text_of(h)) for h in _TITLE_HEADINGS(root)) if t]
    head_title = title_from_head(root, site)
    # the first h1 is often the site logo: prefer the heading that the <title>/og:title agrees with
    if head_title:
        for h, t in heads:
            if len(t) > 12 and (t == head_title or head_title.startswith(t) or head_title in t):
                return h, t
    plain = [(h, t) for h, t in ((h, text_of(h)) for h in _H1(root)) if t]
    if len(plain) == 1:
        return plain[0]
    return None, head_title


def _unit_name(doc: Doc) -> str | None:
    units = doc.cls("unit-name")
    return text_of(units[0]) or None if units else None


# --- the page's regions ----------------------------------------------------------------

_CHROME_TAGS = frozenset(("nav", "aside", "script", "style", "noscript", "select", "button", "template", "svg"))
_HEADER_TAGS = frozenset(("header", "footer"))
_PAGE_TAGS = frozenset(("body", "html", "main", "article"))
# class or id words of the page's chrome: header bars, menus, tickers, sidebars, related and
# other-news boxes, footers
_CHROME_WORD = re.compile(
    r"(?:^|[-_\s])(?:topbar|top-bar|top-links|ticker|marquee|menu|nav|navbar|navigation|sidebar|side|aside|widget|"
    r"related|relate|other|others|lien-?quan|tin-?khac|tin-?moi|most|latest|newest|copyright|"
    r"breadcrumbs?|banner|clock|today|date-?now|currentdate|complementary)(?:$|[-_\s\d])|"
    r"right-?pane|left-?pane|col-side|col-right|rightcol|box-right|relatedarticles|datetoken|sidebar",
    re.I)
_HEADER_WORD = re.compile(r"(?:^|[-_\s])(?:header|footer|masthead|contentinfo)(?:$|[-_\s\d])", re.I)


def _chrome(el) -> bool:
    """Is ``el`` a region of the page's chrome (header, navigation, sidebar, related news,
    footer), by its tag or the words of its class, id and role? A header or footer of the
    article itself (inside an ``<article>``, or holding the title's heading) is not."""
    tag = el.tag
    if not isinstance(tag, str):
        return True
    tag = tag.lower()
    if tag in _CHROME_TAGS:
        return True
    if tag in _PAGE_TAGS:
        return False  # (a page's body class says what the page has: "one-sidebar sidebar-second")
    header = tag in _HEADER_TAGS
    for attr in ("class", "id", "role"):
        value = el.get(attr)
        if value:
            if _CHROME_WORD.search(value):
                return True
            if not header and _HEADER_WORD.search(value):
                header = True
    if header:
        return not _article_part(el)
    return False


def _article_part(el) -> bool:
    """Is this header or footer the article's own: inside an ``<article>`` or holding an h1?"""
    parent = el.getparent()
    while parent is not None:
        if parent.tag == "article":
            return True
        parent = parent.getparent()
    return next(el.iter("h1"), None) is not None


def _in_chrome(el, stop=None) -> bool:
    while el is not None and el is not stop:
        if _chrome(el):
            return True
        el = el.getparent()
    return False


def _after(order: dict, el, anchor) -> bool:
    return anchor is None or order.get(el, 0) > order.get(anchor, 0)


def _order(doc: Doc) -> dict:
    order = doc.memo.get("order")
    if order is None:
        order = doc.memo["order"] = {el: i for i, el in enumerate(doc.root.iter())}
    return order


# --- date -------------------------------------------------------------------------------

_PUBLISHED_ITEMPROP = etree.XPath("/descendant::*/@itemprop[. = 'datePublished']/..")
_TIMES = etree.XPath("/descendant::time")
# class words of an element holding the publication date (not the creation or update date)
_PUBLISH_CLASS = re.compile(r"publish-?(?:ed|date|time|on)|(?:date|time)-?publish|post-?date|entry-?date|"
                            r"article_?-?date|news-?date|date-?detail|ngay-?dang|posted-?on", re.I)
_NOT_PUBLISH_CLASS = re.compile(r"updated|modified|create-date|date-?create", re.I)
_NOT_PUBLISH_PROP = frozenset(("datecreated", "datemodified", "dateupdated"))


def _date(root, doc: Doc, title_el, url: str, title: str | None = None, lead_el=None):
    """(date, time, source, element) of the article's own publication date."""
    d, t = meta_date(root)
    if not d:
        d, t = jsonld_date(root)
    if d:
        return d, t, "meta", None
    order = _order(doc)
    for el in _PUBLISHED_ITEMPROP(root):
        if el.tag != "meta" and _in_chrome(el):
            continue
        d, t = parse_iso(el.get("datetime") or el.get("content")) if (el.get("datetime") or el.get("content")) \
            else parse_datetime_text(text_of(el))
        if d:
            return d, t, "page" if text_of(el) else "meta", el
    for el in _marked_dates(doc, order, title_el):
        d, t = _read_date(el)
        if d:
            return d, t, "page", el
    for el in _TIMES(root):
        prop = (el.get("itemprop") or "").lower()
        if (prop in _NOT_PUBLISH_PROP or _NOT_PUBLISH_CLASS.search(el.get("class") or "")
                or not _after(order, el, title_el) or _in_chrome(el)):
            continue
        d, t = _read_date(el)
        if d:
            return d, t, "page", el
    for el in _LABELLED(root):
        if _in_chrome(el):
            continue
        d, t = _read_date(el)
        if d:
            return d, t, "page", el
    anchor = title_el if title_el is not None else _title_anchor(root, title)
    d, t, el = _date_after_title(root, anchor, lead_el)
    if d:
        return d, t, "page", el
    d, t, el = _date_before_title(anchor)
    if d:
        return d, t, "page", el
    d = date_from_url(url)
    return (d, None, "url", None) if d else (None, None, None, None)


def _marked_dates(doc: Doc, order: dict, title_el) -> list:
    """Elements whose class marks a publication date, outside the chrome, in document order
    (those after the title first)."""
    found = []
    for token, els in doc.by_class.items():
        if _PUBLISH_CLASS.search(token) and not _NOT_PUBLISH_CLASS.search(token):
            found.extend(el for el in els if not _in_chrome(el))
    found = sorted(set(found), key=lambda el: order.get(el, 0))
    return [el for el in found if _after(order, el, title_el)] + [el for el in found if not _after(order, el, title_el)]


def _read_date(el):
    """The date an element states: its ``datetime`` (or a meta's ``content``), else its text
    when that is short (a date line, not a region holding one)."""
    value = el.get("datetime") or (el.get("content") if el.tag == "meta" else None)
    if not value and len(el):
        inner = next((t for t in el.iter("time") if t.get("datetime")
                      and not _NOT_PUBLISH_CLASS.search(t.get("class") or "")), None)
        value = inner.get("datetime") if inner is not None else None
    if value:
        d, t = parse_iso(value)
        if d:
            return d, t
    text = text_of(el)
    return parse_datetime_text(text) if len(text) <= 100 else (None, None)


# the meta line is right after the title: a date further on is the body's
_META_LINE_CHARS = 300


# dates labelled as the publication's: "Ngày đăng: …", "Đăng ngày …", "Ngày xuất bản …"
_LABELLED = etree.XPath(
    "/descendant::text()[contains(., 'Ngày đăng') or contains(., 'ngày đăng') or contains(., 'Đăng ngày') "
    "or contains(., 'đăng ngày') or contains(., 'Ngày xuất bản') or contains(., 'Xuất bản ngày') "
    "or contains(., 'Đăng lúc') or contains(., 'đăng lúc')]/..")


def _date_after_title(root, title_el, skip=None):
    """The first date written after the title (its meta line), outside the chrome; the lead
    element ``skip`` is passed over (a meta line may follow it)."""
    if title_el is None:
        return None, None, None
    size = 0
    node = title_el
    while node is not None:
        for sib in node.itersiblings():
            if sib is skip:
                continue
            for el, text in _texts(sib):
                d, t = parse_datetime_text(text)
                if d:
                    return d, t, el
                size += len(text.strip())
                if size > _META_LINE_CHARS:
                    return None, None, None
        node = node.getparent()
    return None, None, None


# a date line above the title ("Thứ Hai, 04/11/2024 | Xã hội" over the heading) is short
_ABOVE_TITLE_CHARS = 150


def _date_before_title(title_el):
    """A date written right before the title, in the elements beside it (not above its
    container: the header's day is not the article's)."""
    if title_el is None:
        return None, None, None
    size = 0
    for sib in title_el.itersiblings(preceding=True):
        for el, text in reversed(list(_texts(sib))):
            d, t = parse_datetime_text(text)
            if d:
                return d, t, el
            size += len(text)
            if size > _ABOVE_TITLE_CHARS:
                return None, None, None
    return None, None, None


def _title_anchor(root, title: str | None):
    """The element showing the title when no heading does (a bold line of a static page)."""
    body = root.find(".//body")
    if body is None or not title:
        return None
    key = title.casefold()
    for el in body.iter():
        if isinstance(el.tag, str) and el.text and text_of(el).casefold() == key:
            return el
    return None


def _texts(el):
    """(element, text) of the visible text of ``el`` in document order, chrome left out;
    each element's own text with the text of its inline children."""
    if not isinstance(el.tag, str) or _chrome(el):
        return
    pieces = [el.text or ""]
    for child in el:
        if not isinstance(child.tag, str):
            pieces.append(child.tail or "")
            continue
        tag = child.tag.lower()
        if tag in BLOCK_TAGS or tag in SKIP_TAGS or _chrome(child):
            text = clean_text("".join(pieces))
            if text:
                yield el, text
            pieces = []
            yield from _texts(child)
        else:
            pieces.append("".join(child.itertext()))
        pieces.append(child.tail or "")
    text = clean_text("".join(pieces))
    if text:
        yield el, text


# --- lead -------------------------------------------------------------------------------

_LEAD_CLASS = re.compile(r"(?:^|[-_]|article|news|post|entry|detail)(?:sapo|summary|lead|description|excerpt|"
                         r"chapeau|tomtat|trichyeu)(?:$|[-_])", re.I)
_LEADS = etree.XPath("//*[@itemprop='description'][not(self::meta)]")


def _lead_element(root, doc: Doc, title_el):
    """An element the CMS marks as the lead (sapo, summary, lead, description, excerpt):
    the first after the title outside the chrome."""
    order = _order(doc)
    found = [el for token, els in doc.by_class.items() if _LEAD_CLASS.search(token.lower()) for el in els]
    found += [el for el in _LEADS(root)]
    found = sorted(set(found), key=lambda el: order.get(el, 0))
    for el in found:
        if el.tag in ("meta", "a") or not _after(order, el, title_el) or _in_chrome(el):
            continue
        # a lead is one paragraph: not the body field that has a summary ("text-with-summary")
        if sum(1 for _ in el.iter("p")) > 2:
            continue
        if text_of(el):
            return el
    return None


# --- category ---------------------------------------------------------------------------

_CRUMBS = etree.XPath(
    "//*[contains(translate(@class, 'BREADCUMS', 'breadcums'), 'breadcrumb') "
    "or contains(translate(@id, 'BREADCUMS', 'breadcums'), 'breadcrumb') "
    "or contains(translate(@aria-label, 'BREADCUMS', 'breadcums'), 'breadcrumb') "
    "or contains(@itemtype, 'BreadcrumbList') "
    f"or {has_class('path')} or {has_class('pathway')}][not(self::a)][not(self::script)]")
_HOME = frozenset(("trang chủ", "home", "trang chu", "trang nhất"))


def _category(root, title: str | None) -> str | None:
    """The last breadcrumb link that is not the home page or the article itself."""
    for crumbs in _CRUMBS(root):
        links = list(crumbs.iter("a"))
        if not links:
            continue
        for a in reversed(links):
            name = text_of(a)
            if not name or name.lower() in _HOME:
                continue
            if title and (name == title or (len(name) > 20 and title.startswith(name.rstrip(". …")))):
                continue
            return name
        return None
    return None


# --- body -------------------------------------------------------------------------------

class GenericBody:
    __slots__ = ("paragraphs", "images", "byline", "lead")

    def __init__(self, paragraphs=None, images=None, byline=None, lead=None):
        self.paragraphs = paragraphs or []
        self.images = images or []
        self.byline = byline
        self.lead = lead


def _container(root):
    for xp in _CONTAINERS:
        found = xp(root)
        if found:
            return max(found, key=lambda e: len(text_of(e)))
    dense = _densest(root)
    if dense is not None:
        return dense
    for xp in _BROAD:
        found = xp(root)
        if found:
            return max(found, key=lambda e: len(text_of(e)))
    return None


# the least paragraph text (characters) an element needs to be taken as the body
_MIN_BODY_CHARS = 200


def _densest(root):
    """The element whose paragraphs (``p``, ``li``) hold the most text outside the chrome:
    each paragraph counts fully for its parent and half for its grandparent."""
    scores: dict = {}
    for p in _PARAGRAPHS(root):
        parent = p.getparent()
        if parent is None or _in_chrome(p):
            continue
        n = len(text_of(p))
        if n < 20:
            continue
        scores[parent] = scores.get(parent, 0) + n
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + n / 2
    if not scores:
        return None
    best = max(scores, key=scores.get)
    return best if scores[best] >= _MIN_BODY_CHARS else None


def generic_body(root, url: str, title: str | None, lead: str = "", date_el=None, *,
                 container=None, alt_captions: bool = False) -> GenericBody:
    """Body of an article of no known layout: the content container (or ``container``),
    without the title, the date line, share/tag/related boxes; trafilatura's text when no
    container is found. ``alt_captions``: on a platform page, alt texts are captions of last
    resort."""
    if container is None:
        container = _container(root)
    if container is None:
        paragraphs = _fallback_body(root, url)
        if lead and paragraphs and paragraphs[0] == lead:
            paragraphs = paragraphs[1:]
        return GenericBody(paragraphs)
    if date_el is not None and (date_el is container or _contains(date_el, container)):
        date_el = None
    for el in _DROP(container):
        if el.getparent() is not None:
            drop(el)
    if date_el is not None and _contains(container, date_el):
        line = _meta_line(date_el, container)
        if line is not None and line.getparent() is not None:
            drop(line)
    # an element the CMS marks as a caption (wp-caption-text, image-caption …) is one, even
    # when it reads like a sentence: read as a <figcaption>; a table's row or cell keeps its
    # tag (the table is read by rows and cells) and its content goes into a <figcaption>
    for el in _CAPTION_CLASS(container):
        if next(el.iter("img"), None) is None:
            if el.tag in _TABLE_PARTS:
                for cell in ([el] if el.tag in ("td", "th") else el.iter("td", "th")):
                    _wrap_content(cell, "figcaption")
            else:
                el.tag = "figcaption"
    blocks = [b for b in linearize(container, url) if not _is_heading_or_dateline(b, title)]
    body = assemble(blocks, want_lead=not lead, skip_texts=tuple(x for x in (lead,) if x), alt_captions=alt_captions)
    return GenericBody(body.paragraphs, body.images, body.byline, body.lead)


_TABLE_PARTS = frozenset(("td", "th", "tr", "tbody", "thead", "tfoot"))


def _wrap_content(el, tag: str) -> None:
    """Move the text and children of ``el`` into a new ``tag`` element, its only child."""
    wrapper = el.makeelement(tag)
    wrapper.text, el.text = el.text, None
    for child in list(el):
        wrapper.append(child)  # (moves it, with its tail)
    el.append(wrapper)


def _contains(ancestor, el) -> bool:
    return Doc.contains(ancestor, el)


def _meta_line(date_el, container):
    """The short block holding the date element inside the body container (``19/08/2022
    10:20 · Lượt xem: 731``): not body text."""
    el = date_el
    while el is not None and el is not container:
        if isinstance(el.tag, str) and el.tag.lower() in BLOCK_TAGS:
            return el if len(text_of(el)) < 120 else None
        el = el.getparent()
    return date_el if len(text_of(date_el)) < 120 else None


_DATELINE = re.compile(r"^(?:(?:ngày đăng|đăng ngày|ngày|cập nhật|đăng lúc|thời gian)\s*:?\s*)?"
                       r"(?:(?:thứ\s+\S+|chủ nhật)\s*,?\s*)?(?:ngày\s*)?\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}"
                       r"(?:\s*[-,|]?\s*\d{1,2}[:h]\d{2}(?::\d{2})?(?:\s*(?:SA|CH|AM|PM))?)?$", re.I)


def _is_heading_or_dateline(block, title: str | None) -> bool:
    """The title repeated at the top of the content, or a line that is only a date."""
    if block.kind != "text":
        return False
    text = block.text
    if title and text.casefold().startswith(title.casefold()):
        text = text[len(title):].strip(" -–|,")
        if not text:
            return True
    return len(text) < 60 and bool(_DATELINE.match(text))


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
            drop(el)
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
