"""Scrapy item pipelines: adapt the pure extraction to a crawl and write the datasets.

``ExtractionPipeline`` turns each :class:`~crawler.items.RawPage` into its dataset rows
(:func:`pipelines.storage.rows.page_rows`: extraction and row building, in worker processes),
or a :class:`~crawler.items.FetchFailure` when the page is not an article;
``ParquetPipeline`` de-duplicates, decides new / updated / unchanged against what is
stored, and commits rows through :class:`pipelines.storage.dataset.DatasetWriter`. At the end of a
run it writes ``runs/`` and ``failures/`` rows and rebuilds ``people/``.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from concurrent.futures import Future
from datetime import datetime, timezone
from pathlib import Path

from scrapy.exceptions import DropItem

from crawler.items import FetchFailure, RawPage
from pipelines.storage.dataset import DatasetWriter
from pipelines.storage.people import rebuild_people
from pipelines.storage.rows import page_kwargs, page_rows
from pipelines.storage.run import new_run_id, run_rows

logger = logging.getLogger(__name__)

SETTINGS_RECORDED = ("OUTPUT_DIR", "USER_AGENT", "ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS",
                     "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
                     "DOWNLOAD_TIMEOUT", "RETRY_TIMES", "JOBDIR")


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
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.root = Path(settings.get("OUTPUT_DIR", "output"))
        self.flush_rows = settings.getint("PARQUET_FLUSH_ROWS", 2000)
        self.run_id = settings.get("RUN_ID") or new_run_id()
        self.started = datetime.now(timezone.utc).replace(microsecond=0)
        self.writer: DatasetWriter | None = None
        self.written: set[str] = set()
        self.failures: list[FetchFailure] = []
        self.counts: dict[str, Counter] = {}
        self._people_dirty = False  # article rows added since people/ was last (re)built
        self._people_job = None     # that rebuild, when it runs in the commit thread

    @classmethod
    def from_crawler(cls, crawler):
        pipe = cls(crawler)
        from scrapy import signals

        crawler.signals.connect(pipe._idle, signal=signals.spider_idle)
        return pipe

    def open_spider(self):
        spider = self.crawler.spider
        if getattr(spider, "dataset_error", None) or getattr(spider, "usage_error", None):
            return  # nothing will be crawled: write nothing, not even a runs/ row
        self.writer = DatasetWriter(self.root, self.run_id, self.flush_rows,
                                    background=self.crawler.settings.getbool("PARQUET_BACKGROUND_COMMIT", True))

    def _count(self, site: str, key: str):
        self.counts.setdefault(site, Counter())[key] += 1

    def process_item(self, item):
        if self.writer is None:
            raise DropItem("dataset not open")
        if isinstance(item, FetchFailure):
            self.failures.append(item)
            return item
        rows, page = item["rows"], item["page"]
        spider = self.crawler.spider
        article = rows["article"]
        canon = article["url"]
        if canon in self.written:
            raise DropItem(f"duplicate article in this run: {canon}")
        article["run_id"] = self.run_id
        images, officials = rows["images"], rows["officials"]
        previous = spider.known.get(canon) if hasattr(spider, "known") else None
        if previous is not None and previous == article["content_hash"]:
            self._count(page.site, "articles_unchanged")
            self.written.add(canon)
            return item
        self._count(page.site, "articles_updated" if previous is not None else "articles_new")
        self.writer.add_article(article, images, officials)
        self._people_dirty = True
        self.written.add(canon)
        if hasattr(spider, "known"):
            spider.known[canon] = article["content_hash"]
        return item

    def close_spider(self):
        if self.writer is None:
            return
        spider = self.crawler.spider
        t0 = time.monotonic()
        self.writer.close()
        finished = datetime.now(timezone.utc).replace(microsecond=0)
        reason = self.crawler.stats.get_value("finish_reason") or "finished"
        rows = self._run_rows(spider, finished, reason)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        failure_rows = [{"run_id": self.run_id, "site": f.site, "url": f.url, "kind": f.kind,
                         "reason": f.reason, "failed_at": now} for f in self.failures]
        self.writer.add("runs", rows)
        self.writer.add("failures", failure_rows)
        self.writer.close()
        t1 = time.monotonic()
        people = self._people_job.result() if self._people_job is not None else None
        if people is None or self._people_dirty:  # rows came after the idle-time rebuild
            people = self._rebuild_people()
        logger.info("datasets closed: last rows committed in %.1f s, people/ (%d persons) ready %.1f s later",
                    t1 - t0, people, time.monotonic() - t1)
        self.crawler.stats.set_value("portal/run_id", self.run_id)
        self.crawler.stats.set_value("portal/files_written", len(self.writer.files_written))

    def _idle(self, spider=None):
        """Nothing left to fetch but retries waiting out their backoff (or the crawl is about
        to close): commit what is buffered and rebuild ``people/`` in the commit thread now,
        instead of after the last retry. Rows that arrive later make close rebuild again."""
        if self.writer is None or not self._people_dirty:
            return
        if self._people_job is not None and not self._people_job.done():
            return
        self._people_dirty = False
        self.writer.flush(wait=False)
        job = self.writer.after_commits(self._rebuild_people)
        if not isinstance(job, Future):  # no commit thread: it ran here
            done, job = job, Future()
            job.set_result(done)
        self._people_job = job

    def _rebuild_people(self) -> int:
        try:
            return rebuild_people(self.root)
        except Exception as exc:  # people/ is derived; never lose a crawl over it
            logger.error("people/ not rebuilt: %s: %s", type(exc).__name__, exc)
            return 0

    def _run_rows(self, spider, finished, reason):
        settings = {k: self.crawler.settings.get(k) for k in SETTINGS_RECORDED}
        return run_rows(self.run_id, self.started, finished, reason, getattr(spider, "site_stats", {}),
                        self.counts, self.failures, settings)
