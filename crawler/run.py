"""The run's owner in a crawl: :class:`RunOwner`, a Scrapy extension.

Scrapy shares state through the crawler: components built ``from_crawler`` ask
``crawler.get_extension(RunOwner)`` for the run instead of reaching into each other. The
owner reads ``OUTPUT_DIR`` (the only place that does), holds the run's
:class:`~pipelines.storage.run.RunLedger` (lock, what is stored, the new / updated /
unchanged decision, counters, failures, ``runs/``, ``failures/`` and ``people/``), opens it
when the spider opens, lets it commit and rebuild ``people/`` while the spider is idle, and
closes it when the spider closes — after the item pipelines, with Scrapy's finish reason.
A storage failure closes the spider (reason ``storage-error``): fetching pages that cannot
be stored would only lose them.
"""

from __future__ import annotations

import logging

from scrapy import signals

from pipelines.storage.dataset import DatasetError
from pipelines.storage.run import Failure, RootBusy, RunLedger

logger = logging.getLogger(__name__)

SETTINGS_RECORDED = ("OUTPUT_DIR", "USER_AGENT", "ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS",
                     "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
                     "DOWNLOAD_TIMEOUT", "RETRY_TIMES", "JOBDIR", "JOB_ID", "FRONTIER_IDLE_CLOSE")


def close_spider(crawler, reason: str) -> None:
    """Ask the engine to close the spider (Scrapy ≥ 2.14 and earlier)."""
    engine = crawler.engine
    if hasattr(engine, "close_spider_async"):
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason=reason))
    else:
        engine.close_spider(crawler.spider, reason)


class RunOwner:
    """Owns one crawl run (see the module docstring). ``error`` holds the one-line reason
    when the output root cannot be used (locked by another run, unreadable files): the
    spider then crawls nothing and nothing is written."""

    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.root = settings.get("OUTPUT_DIR") or "output"
        recorded = {k: settings.get(k) for k in SETTINGS_RECORDED}
        if settings.get("REDIS_URL"):   # the shared frontier (crawler/frontier.py), never its password
            from urllib.parse import urlsplit

            parts = urlsplit(settings.get("REDIS_URL"))
            recorded["REDIS_URL"] = f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"
        # JOB_ID: a worker of a shared job (the root's lock in job mode); the frontier sets it
        # from its job when it opens
        self.ledger = RunLedger(
            self.root, run_id=settings.get("RUN_ID") or None, command="crawl", job_id=settings.get("JOB_ID") or None,
            settings=recorded,
            flush_rows=settings.getint("PARQUET_FLUSH_ROWS", 2000),
            background=settings.getbool("PARQUET_BACKGROUND_COMMIT", True),
            retry_failed_after_hours=settings.getfloat("RETRY_FAILED_AFTER_HOURS", 20),
            merge_at_close=settings.getbool("MERGE_PART_FILES", True))
        self.error: str | None = None
        self.opened = False

    @classmethod
    def from_crawler(cls, crawler):
        owner = cls(crawler)
        crawler.signals.connect(owner.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(owner.spider_closed, signal=signals.spider_closed)
        return owner

    @staticmethod
    def of(crawler) -> "RunOwner":
        """The crawler's run owner (components call this in their ``from_crawler``)."""
        owner = crawler.get_extension(RunOwner)
        if owner is None:
            raise RuntimeError("crawler.run.RunOwner is not in EXTENSIONS")
        return owner

    @property
    def run_id(self) -> str:
        return self.ledger.run_id

    def open(self) -> bool:
        """Lock the root and read what is stored (once; the spider calls it before its first
        request). False, with ``error`` set, when the root cannot be used."""
        if self.opened or self.error:
            return self.error is None
        try:
            self.ledger.open()
        except RootBusy as exc:
            self.error = str(exc)
            self.crawler.stats.set_value("portal/root_busy", self.error)
            return False
        except DatasetError as exc:
            self.error = str(exc)
            self.crawler.stats.set_value("portal/dataset_error", self.error)
            return False
        self.opened = True
        self.crawler.stats.set_value("portal/run_id", self.run_id)
        return True

    # --- during the run -------------------------------------------------------------------
    def add_article(self, site: str, rows: dict) -> str:
        outcome = self.ledger.add_article(site, rows)
        if outcome == "refused" or self.ledger.check_storage():
            self._stop_on_storage_error()
        return outcome

    def add_failure(self, failure: Failure) -> None:
        if self.opened:
            self.ledger.add_failure(failure)

    def _stop_on_storage_error(self) -> None:
        if not self.crawler.stats.get_value("portal/storage_error"):
            self.crawler.stats.set_value("portal/storage_error", self.ledger.storage_error)
            close_spider(self.crawler, "storage-error")

    def spider_idle(self, spider=None):
        """Nothing left to fetch but retries waiting out their backoff (or the crawl is about
        to close): commit and rebuild ``people/`` now, in the commit thread."""
        if self.opened:
            self.ledger.idle()
            if self.ledger.storage_error:
                self._stop_on_storage_error()

    def spider_closed(self, spider=None, reason: str = "finished"):
        if not self.opened:
            return
        stats = self.crawler.stats
        try:
            summary = self.ledger.close(reason)
        except Exception as exc:  # (signal handlers' errors are only logged by Scrapy: say it in the stats)
            logger.error("run %s: closing it failed, its last rows and runs/ row may be missing: %s: %s",
                         self.run_id, type(exc).__name__, exc)
            stats.set_value("portal/finish_reason", "close-error")
            stats.set_value("portal/close_error", f"{type(exc).__name__}: {exc}")
            return
        stats.set_value("portal/finish_reason", summary["finish_reason"])
        stats.set_value("portal/files_written", summary["files_written"])
        for key in ("articles_new", "articles_updated", "articles_unchanged", "failures"):
            stats.set_value(f"portal/{key}", summary[key])
        if summary["storage_error"]:
            stats.set_value("portal/storage_error", summary["storage_error"])
        merged = summary.get("merged") or {}
        if "files_before" in merged:
            stats.set_value("portal/part_files_merged", merged["files_before"])
        elif merged.get("error"):
            stats.set_value("portal/part_files_not_merged", merged["error"])
        for site, q in summary["quality_by_site"].items():
            lacking = ", ".join(f"{n} {flag.replace('_', ' ')}" for flag, n in q.items() if flag != "stored")
            logger.warning("%s: of %d articles stored in this run, %s (a layout change on the portal?)",
                           site, q["stored"], lacking)
        logger.info("run %s closed (%s): %d new, %d updated, %d unchanged, %d failures; people/ %s persons",
                    self.run_id, summary["finish_reason"], summary["articles_new"], summary["articles_updated"],
                    summary["articles_unchanged"], summary["failures"], summary["people"])
