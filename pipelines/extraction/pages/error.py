"""Server error pages served with HTTP 200 (SharePoint's "Xin lỗi, đã xảy ra lỗi",
"Sorry, something went wrong", a correlation ID)."""

from __future__ import annotations

import re
import unicodedata

from pipelines.extraction.dom import Doc
from pipelines.extraction.items import Unusable
from pipelines.extraction.text import clean_text

__all__ = ["ErrorPage", "ERROR_BYTES", "error_text"]

_ERROR_MARKERS = (
    "xin lỗi, đã xảy ra lỗi",
    "sorry, something went wrong",
    "an unexpected error has occurred",
    "đã xảy ra lỗi không mong muốn",
)
_CORRELATION = re.compile(r"correlation id|mã tương quan", re.I)

# the markers as bytes (NFC and NFD), for a cheap test on a response before parsing it
ERROR_BYTES = tuple({m.encode("utf-8") for m in _ERROR_MARKERS}
                    | {unicodedata.normalize("NFD", m).encode("utf-8") for m in _ERROR_MARKERS}
                    | {b"correlation id"})


def error_text(root) -> bool:
    """Does the page read as a SharePoint error page? (Asked of pages without the
    platform's article title: an article that merely quotes the phrase keeps its title.)"""
    body = root.find(".//body")
    if body is None:
        return False
    # only the visible text near the top matters; error pages are short
    text = clean_text(" ".join(body.itertext())[:6000]).lower()
    if any(marker in text for marker in _ERROR_MARKERS):
        return True
    return bool(_CORRELATION.search(text)) and len(text) < 3000


class ErrorPage:
    """A server error page served with HTTP 200."""

    applies = staticmethod(lambda doc, url: error_text(doc.root))

    @staticmethod
    def extract(doc: Doc, url: str) -> Unusable:
        return Unusable(url, "error-page")
