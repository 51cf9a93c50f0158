"""Pure extraction: page bytes + URL → one record. No Scrapy, no files, no network.

``extract(html, url)`` (:mod:`pipelines.extraction.extract`) decodes and parses a page and
hands it to the page object that applies (:mod:`pipelines.extraction.pages`). Normalization
lives in small modules by concern: ``decode`` (charsets), ``text`` (Unicode, tones, keys),
``dates``, ``urls``, ``dom`` (the page's class index), ``blocks`` (body → paragraphs,
images, captions), ``officials`` and ``orgs`` (people, positions, organisations).
"""

from pipelines.extraction.extract import extract

__all__ = ["extract"]
