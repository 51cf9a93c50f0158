"""Scrapy item pipelines: adapt the pure extraction to a crawl and write the datasets.

``ExtractionPipeline`` turns each :class:`~crawler.items.RawPage` into its dataset rows
(:func:`pipelines.storage.rows.page_rows`: extraction and row building, in worker processes),
or a :class:`~crawler.items.FetchFailure` when the page is not an article;
``ParquetPipeline`` hands rows and failures to the run's owner (:mod:`crawler.run`), which
decides new / updated / unchanged and commits them.
"""

from __future__ import annotations

import logging
import os
import time

from scrapy.exceptions import DropItem

from crawler.items import FetchFailure, RawPage
from pipelines.storage.rows import page_kwargs, page_rows

logger = logging.getLogger(__name__)


def default_extract_workers() -> int:
    """One extraction process per core beyond the one running Scrapy's reactor (at most 4)."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


class ExtractionPipeline:
    """Runs :func:`pipelines.storage.rows.page_rows` (extraction + rows) on each raw page.

    With ``EXTRACT_WORKERS`` > 0 (default: one per spare core) extraction runs in a pool
    of worker processes, so Scrapy's single reactor thread only fetches and writes; 0
    extracts inline. A worker that dies is replaced and the page extracted inline."""

    def __init__(self, workers: int = 0):
        self.workers = workers
        self.pool = None

    @classmethod
    def from_crawler(cls, crawler):
        value = crawler.settings.get("EXTRACT_WORKERS")
        workers = default_extract_workers() if value in (None, "", "auto") else int(value)
        return cls(workers)

    def open_spider(self):
        if self.workers > 0:
            from crawler.procs import AsyncWorkerPool

            self.pool = AsyncWorkerPool(self.workers)
            self.pool.start()

    def close_spider(self):
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    async def _rows(self, item: RawPage) -> dict:
        """Extraction and row building of one page (:func:`pipelines.storage.rows.page_rows`), in a
        worker process when there is a pool: the reactor thread only unpickles finished rows."""
        kwargs = page_kwargs(item)
        pool = self.pool
        if pool is not None:
            from crawler.procs import WorkerDied

            try:
                return await pool.submit(page_rows, item.body, item.url, **kwargs)
            except WorkerDied as exc:
                if self.pool is pool:  # the first page that notices restarts the pool
                    logger.error("%s; restarting the extraction workers, extracting %s inline", exc, item.url)
                    self.close_spider()
                    self.open_spider()
        return page_rows(item.body, item.url, **kwargs)

    async def process_item(self, item):
        if not isinstance(item, RawPage):
            return item
        rows = await self._rows(item)
        if not rows["is_article"]:
            kind = rows.get("error") or "not-article"
            return FetchFailure(url=item.url, site=item.site, kind=kind,
                                reason=rows.get("error_detail") or f"page is not an article ({kind})",
                                failed_at=time.time())
        return {"rows": rows, "page": item}


class ParquetPipeline:
    """Hands each article's rows and each failure to the run (:class:`crawler.run.RunOwner`),
    which decides new / updated / unchanged and commits the rows."""

    def __init__(self, owner):
        self.owner = owner

    @classmethod
    def from_crawler(cls, crawler):
        from crawler.run import RunOwner

        return cls(RunOwner.of(crawler))

    def process_item(self, item):
        if not self.owner.opened:
            raise DropItem("the run's output root is not open")
        if isinstance(item, FetchFailure):
            self.owner.add_failure(item)
            return item
        outcome = self.owner.add_article(item["page"].site, item["rows"])
        if outcome == "refused":
            raise DropItem(f"not stored (storage failed): {item['page'].url}")
        return item
