"""Scrapy item pipelines: adapt the pure extraction to a crawl and write the datasets.

``ExtractionPipeline`` turns each :class:`~crawler.items.RawPage` into its dataset rows
(:func:`pipelines.records.page_rows`: extraction and row building, in worker processes),
or a :class:`~crawler.items.FetchFailure` when the page is not an article;
``ParquetPipeline`` de-duplicates, decides new / updated / unchanged against what is
stored, and commits rows through :class:`pipelines.dataset.DatasetWriter`. At the end of a
run it writes ``runs/`` and ``failures/`` rows and rebuilds ``people/``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections import Counter
from concurrent.futures import Future
from datetime import date, datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from scrapy.exceptions import DropItem

from crawler.items import FetchFailure, RawPage
from pipelines.dataset import DatasetWriter, columns_schema, data_files, read_file
from pipelines.records import page_kwargs, page_rows
from pipelines.schema import PEOPLE

logger = logging.getLogger(__name__)

__version__ = "0.1.0"
SETTINGS_RECORDED = ("OUTPUT_DIR", "USER_AGENT", "ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS",
                     "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
                     "DOWNLOAD_TIMEOUT", "RETRY_TIMES", "JOBDIR")


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def default_extract_workers() -> int:
    """One extraction process per core beyond the one running Scrapy's reactor (at most 4)."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


class ExtractionPipeline:
    """Runs :func:`pipelines.records.page_rows` (extraction + rows) on each raw page.

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
        """Extraction and row building of one page (:func:`pipelines.records.page_rows`), in a
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


def run_rows(run_id: str, started, finished, reason: str, site_stats: dict, counts: dict,
             failures: list, settings: dict) -> list[dict]:
    """``runs/`` rows of one run: one per site and a ``"*"`` total. ``site_stats`` holds the
    fetch counters per site (pages_fetched, listing_pages, articles_fetched, articles_skipped_*),
    ``counts`` the write outcomes per site (articles_new/updated/unchanged), ``failures`` objects
    with ``.site`` and ``.kind``. Shared by the crawl and ``pipelines.warcinput.reprocess``."""
    sites = sorted(set(site_stats) | set(counts) | {f.site for f in failures})
    rows = []
    total: Counter = Counter()
    for site in sites + ["*"]:
        if site == "*":
            s, c = total, total
            kinds = Counter(f.kind for f in failures)
        else:
            s = Counter({k: v for k, v in site_stats.get(site, {}).items()})
            c = counts.get(site, Counter())
            total.update(s)
            total.update(c)
            kinds = Counter(f.kind for f in failures if f.site == site)
        rows.append({
            "run_id": run_id, "site": site, "started_at": started, "finished_at": finished,
            "pages_fetched": s.get("pages_fetched", 0), "listing_pages": s.get("listing_pages", 0),
            "articles_fetched": s.get("articles_fetched", 0),
            "articles_new": c.get("articles_new", 0), "articles_updated": c.get("articles_updated", 0),
            "articles_unchanged": c.get("articles_unchanged", 0),
            "articles_skipped_known": s.get("articles_skipped_known", 0),
            "articles_skipped_failed": s.get("articles_skipped_failed", 0),
            "failures": sum(kinds.values()), "failures_by_kind": json.dumps(dict(kinds), sort_keys=True),
            "finish_reason": reason, "software_version": __version__,
            "settings": json.dumps(settings, default=str, sort_keys=True),
        })
    return rows


def _as_date(value):
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


PEOPLE_BUCKET_ROWS = 10000  # officials rows turned into Python objects at a time
PEOPLE_COLUMNS = ["article_id", "district", "published_date", "name", "name_key", "positions"]


def rebuild_people(root: Path) -> int:
    """Rebuild ``people/people.parquet`` from every stored officials row (atomic replace).

    People are resolved within one ``name_key`` at a time. The officials files are read one
    by one and their rows spilled to temporary Arrow files by a hash of ``name_key``
    (about PEOPLE_BUCKET_ROWS rows per bucket); each bucket is then resolved on its own.
    Memory stays bounded by one file and one bucket, not by the size of the dataset."""
    import tempfile
    import zlib

    import pyarrow.compute as pc
    import pyarrow.ipc as ipc

    from pipelines.people import resolve_people

    root = Path(root)
    files = data_files(root, "officials")
    total = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    buckets = max(1, -(-total // PEOPLE_BUCKET_ROWS))
    schema = columns_schema("officials", PEOPLE_COLUMNS)
    out = root / "people"
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / ".tmp-people.parquet.inprogress"
    for stale in out.glob(".tmp-people-*"):  # spill files of a rebuild that was killed
        shutil.rmtree(stale, ignore_errors=True)
    count = 0
    with tempfile.TemporaryDirectory(prefix=".tmp-people-", dir=out) as spill:
        sinks: dict[int, ipc.RecordBatchStreamWriter] = {}
        try:
            for path in files:
                t = read_file(path, "officials", PEOPLE_COLUMNS).select(PEOPLE_COLUMNS).cast(schema)
                if not t.num_rows:
                    continue
                idx = pa.array([zlib.crc32((k or "").encode("utf-8")) % buckets
                                for k in t.column("name_key").to_pylist()], pa.int32())
                for b in pc.unique(idx).to_pylist():
                    if b not in sinks:
                        sinks[b] = ipc.new_stream(f"{spill}/{b}.arrows", schema)
                    sinks[b].write_table(t.filter(pc.equal(idx, b)))
        finally:
            for sink in sinks.values():
                sink.close()
        with pq.ParquetWriter(tmp, PEOPLE, compression="zstd") as writer:
            for b in sorted(sinks):
                with ipc.open_stream(f"{spill}/{b}.arrows") as reader:
                    rows = reader.read_all().to_pylist()
                people = resolve_people(rows)
                for person in people:  # resolve_people speaks ISO strings; the schema stores dates
                    for key in ("first_seen", "last_seen"):
                        person[key] = _as_date(person.get(key))
                    for held in person.get("positions_held") or []:
                        for key in ("first_seen", "last_seen"):
                            held[key] = _as_date(held.get(key))
                if people:
                    writer.write_table(pa.Table.from_pylist(people, schema=PEOPLE))
                count += len(people)
                del rows, people
    os.replace(tmp, out / "people.parquet")
    pa.default_memory_pool().release_unused()  # hand Arrow's cached buffers back to the system
    return count
