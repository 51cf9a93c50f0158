"""Page objects: one class per page type, each with the same interface —
``applies(doc, url) -> bool`` and ``extract(doc, url) -> item`` (:mod:`pipelines.extraction.items`).

:data:`PAGE_TYPES` is the order in which ``extract()`` asks them: the platform's article
layout first (an article that quotes an error message stays an article), then error pages
served with HTTP 200, listings, and other CMSs' articles as the fallback (it always applies).
"""

from pipelines.extraction.pages.error import ErrorPage
from pipelines.extraction.pages.generic import GenericArticlePage
from pipelines.extraction.pages.listing import ListingPage
from pipelines.extraction.pages.tandan import TandanArticlePage

PAGE_TYPES = (TandanArticlePage, ErrorPage, ListingPage, GenericArticlePage)

__all__ = ["PAGE_TYPES", "ErrorPage", "GenericArticlePage", "ListingPage", "TandanArticlePage"]
