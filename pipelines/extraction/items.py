"""What extraction yields: one typed item per page, by page type.

- :class:`Article` — an article page (the platform's layout, or another CMS's);
- :class:`Listing` — a category listing or home page: article links and the next page;
- :class:`Unusable` — a page that cannot be used: an error page served with HTTP 200, bytes
  that are not HTML, an empty document, a tree too deep to walk.

``Image`` and ``Official`` are parts of an article. Every item turns into the JSON record of
``extract()`` with :meth:`to_record` (the same keys for every kind, so a record's consumer
never has to ask which kind it holds). What each field means — what is a caption, a lead, a
byline, which date counts — is written down beside this module, in ``CONVENTIONS.md``; the
gold pages in ``tests/gold/`` and the replica's truth follow the same conventions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Article", "Image", "Listing", "Official", "Unusable", "empty_record"]


def empty_record(url: str) -> dict:
    """The record of a page nothing could be said of; every item's record has these keys."""
    return {
        "url": url,
        "is_article": False,
        "extractor": None,
        "error": None,
        "site_name": None,
        "title": None,
        "published_date": None,
        "published_at": None,
        "date_source": None,
        "summary": "",
        "body_paragraphs": [],
        "images": [],
        "tags": [],
        "category": None,
        "byline": None,
        "officials": [],
        "listing_links": [],
        "next_page": None,
    }


@dataclass
class Image:
    """An image of an article's body: absolute ``url`` and its caption (None when it has none)."""

    url: str
    caption: str | None = None


@dataclass
class Official:
    """A person named with a post: ``positions`` as written in the text."""

    name: str
    honorific: str | None
    positions: list[str]


@dataclass
class Article:
    """An article page. ``extractor`` says which page type read it (``tandan`` for the
    platform's layout, ``generic`` for other CMSs); ``is_article`` is False when the layout
    matched but the page holds no article (no title, or no body on another CMS)."""

    url: str
    extractor: str
    is_article: bool = False
    site_name: str | None = None
    title: str | None = None
    published_date: str | None = None     # YYYY-MM-DD
    published_at: str | None = None       # ISO 8601 with +07:00, only when the page gives the time
    date_source: str | None = None        # page | sidebar | meta | url
    summary: str = ""
    body_paragraphs: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)    # {"url", "caption"} (Image as a dict)
    tags: list[str] = field(default_factory=list)
    category: str | None = None
    byline: str | None = None
    officials: list[dict] = field(default_factory=list)         # Official as a dict
    officials_detail: list[dict] | None = None   # parsed positions and mentions, when extracted

    def to_record(self) -> dict:
        # == empty_record(self.url) updated with the article's fields: the same keys in the
        # same order (update() keeps a key where it is), built once instead of filled twice
        record = {
            "url": self.url,
            "is_article": self.is_article,
            "extractor": self.extractor,
            "error": None,
            "site_name": self.site_name,
            "title": self.title,
            "published_date": self.published_date,
            "published_at": self.published_at,
            "date_source": self.date_source,
            "summary": self.summary,
            "body_paragraphs": self.body_paragraphs,
            "images": self.images,
            "tags": self.tags,
            "category": self.category,
            "byline": self.byline,
            "officials": self.officials,
            "listing_links": [],
            "next_page": None,
        }
        if self.officials_detail is not None:
            record["officials_detail"] = self.officials_detail
        return record


@dataclass
class Listing:
    """A listing or home page: the article links it lists, in page order, and the next page."""

    url: str
    site_name: str | None = None
    listing_links: list[str] = field(default_factory=list)
    next_page: str | None = None

    def to_record(self) -> dict:
        record = empty_record(self.url)
        record.update(extractor="listing", site_name=self.site_name, listing_links=self.listing_links,
                      next_page=self.next_page)
        return record


@dataclass
class Unusable:
    """A page that cannot be used. ``error``: ``error-page`` (a server error page served with
    HTTP 200), ``not-html``, ``empty``, ``too-deep``; ``detail`` says more when known."""

    url: str
    error: str
    detail: str | None = None

    def to_record(self) -> dict:
        record = empty_record(self.url)
        record.update(extractor="error", error=self.error)
        if self.detail is not None:
            record["error_detail"] = self.detail
        return record
