"""Extraction, normalization and Parquet writing for portal-news.

``from pipelines import extract`` gives the pure extraction function; the Scrapy item
pipelines live in :mod:`pipelines.scrapy`.
"""

from pipelines.extract import extract

__all__ = ["extract"]
