"""Extraction, normalization and Parquet writing for portal-news, in layers that only point
down: ``extraction`` (pure: bytes + URL → records) ← ``sites`` (the registry) ← ``storage``
(schema, rows, datasets, people, archives) and ``evaluation``. The Scrapy crawl (``crawler``)
sits above them; the offline replica (``replica``) beside, met only over HTTP.

``from pipelines import extract`` gives the pure extraction function.
"""

from pipelines.extraction import extract

__all__ = ["extract"]
