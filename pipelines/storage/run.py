"""One run over one output root, owned in one place: :class:`RunLedger`.

A run — a crawl, or ``reprocess`` of WARC archives — holds the root's lock, knows what is
stored already, decides for every article version whether it is new, an update or
unchanged, counts per site what it fetched and stored, keeps the URLs it gave up on, and
at its end writes its ``runs/`` and ``failures/`` rows, rebuilds ``people/`` and merges the
small part files it added. The crawl
reaches it through :class:`crawler.run.RunOwner` (a Scrapy extension); ``reprocess`` uses it
directly. Nothing else decides these things.

The root's lock is :class:`pipelines.storage.dataset.RootLock`.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter, defaultdict
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa

from pipelines.sites.registry import canonical_url
from pipelines.storage.dataset import DatasetError, DatasetWriter, RootBusy, RootLock, merge_small_files, read_table

__version__ = "0.1.0"

logger = logging.getLogger(__name__)

__all__ = ["Failure", "RootLock", "RunLedger", "RootBusy", "StorageError", "new_run_id", "run_rows"]


@dataclass
class Failure:
    """A URL given up on: one ``failures/`` row."""

    url: str
    site: str
    kind: str                     # http-500, timeout, connection, error-page, not-article, …
    reason: str
    failed_at: float = field(default=0.0)   # UNIX time


class StorageError(DatasetError):
    """Rows could not be stored (disk full, read-only root, …)."""


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class RunLedger:
    """The state of one run over one output root (see the module docstring).

    ``open()`` takes the lock, finishes or discards what a killed run left half-committed,
    and reads what is stored (one read of the articles table); then, during the run:
    :meth:`is_stored` / :meth:`failed_recently` (what to fetch), :meth:`count` (fetch
    counters per site), :meth:`add_article` (the new / updated / unchanged decision, and the
    rows handed to the dataset writer), :meth:`add_failure`, :meth:`idle` (commit what is
    buffered and rebuild ``people/`` while nothing else happens); ``close(reason)`` at the end.

    The version rule: an article version is *unchanged* when the same canonical URL is stored
    with the same content hash in any version (so reprocessing archives in any order, or
    twice, adds nothing), *updated* when the URL is stored with other content only, *new*
    otherwise.

    A storage failure (disk full, read-only root) does not pass silently: ``storage_error``
    holds its one-line reason, later rows are refused, and the run's ``runs/`` rows (when
    they can still be written) say ``storage-error``. Articles it did not store are not
    known to the next run, which fetches them again; because the run did not finish, the
    next run also walks every listing page (see :attr:`interrupted`)."""

    def __init__(self, root: str | Path, *, run_id: str | None = None, command: str = "crawl",
                 settings: dict | None = None, flush_rows: int = 2000, background: bool = False,
                 retry_failed_after_hours: float = 0.0, job_id: str | None = None, claim=None,
                 merge_at_close: bool = True):
        self.root = Path(root)
        self.run_id = run_id or new_run_id()
        self.command = command
        self.settings = dict(settings or {})
        self.flush_rows = flush_rows
        self.background = background
        self.retry_failed_after_hours = retry_failed_after_hours
        # a worker of a shared job: the root is shared with the job's other workers (RootLock's
        # job mode), and ``claim(canonical_url)`` reserves an article for this run across them
        # (False: another worker stores it; see crawler/frontier.py)
        self.job_id = job_id
        self.claim = claim
        # merge the small part files of the directories this run wrote into when it closes
        # (never in a job: other workers write and read the same directories meanwhile)
        self.merge_at_close = merge_at_close and job_id is None
        self.merged: dict | None = None
        self.started = _utc_now()
        self.writer: DatasetWriter | None = None
        self.storage_error: str | None = None
        self.interrupted: list[str] = []      # runs killed since the last finished one
        self._versions: set[tuple[str, str]] = set()   # (canonical url, content hash) stored
        self._stored: set[str] = set()        # canonical URLs stored in any version
        self._recently_failed: set[str] = set()
        self.site_stats: dict[str, Counter] = defaultdict(Counter)   # fetch counters per site
        self.outcomes: dict[str, Counter] = defaultdict(Counter)     # articles_new/updated/unchanged
        self.failures: dict[tuple[str, str], Failure] = {}          # (url, kind) → last failure
        self._lock = RootLock(self.root, self.run_id, job_id)
        self._people_dirty = False
        self._people_job: Future | None = None
        self.closed = False

    # --- opening ----------------------------------------------------------------------
    def open(self) -> "RunLedger":
        """Lock the root and read what is stored. Raises :class:`DatasetError` (incl.
        :class:`RootBusy`) with a one-line message."""
        self._lock = RootLock(self.root, self.run_id, self.job_id)   # (job_id may be set after __init__)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except DatasetError:
            raise
        except OSError as exc:
            raise DatasetError(f"cannot use {self.root} as output root: {exc.strerror or exc}") from None
        try:
            articles = read_table(self.root, "articles", ["url", "content_hash", "fetched_at", "run_id"])
            urls, hashes = articles.column("url").to_pylist(), articles.column("content_hash").to_pylist()
            self._versions = set(zip(urls, hashes))
            self._stored = set(urls)
            self.interrupted = self._interrupted(articles)
            self._recently_failed = self._read_recent_failures()
            self.writer = DatasetWriter(self.root, self.run_id, self.flush_rows, background=self.background,
                                        lock=self._lock)
        except OSError as exc:
            self._lock.release()
            raise DatasetError(f"cannot use {self.root} as output root: {exc.strerror or exc}") from None
        except Exception:
            self._lock.release()
            raise
        return self

    def _interrupted(self, articles) -> list[str]:
        """Run ids that wrote articles but never finished (killed, or storage failed), after
        the last finished run: the newest listing pages may then be fully stored while
        older ones are not, so the next run walks every listing page."""
        runs = read_table(self.root, "runs", ["run_id", "site", "started_at", "finish_reason"])
        finished = {r: t for r, s, t, f in zip(*(runs.column(c).to_pylist() for c in
                                                 ("run_id", "site", "started_at", "finish_reason")))
                    if s == "*" and f == "finished"}
        last_finish = max(finished.values(), default=None)
        latest: dict[str, object] = {}
        for run_id, ts in zip(articles.column("run_id").to_pylist(), articles.column("fetched_at").to_pylist()):
            if run_id not in finished and ts is not None:
                latest[run_id] = max(ts, latest.get(run_id, ts))
        return sorted(r for r, ts in latest.items() if last_finish is None or ts > last_finish)

    def _read_recent_failures(self) -> set[str]:
        if self.retry_failed_after_hours <= 0:
            return set()
        t = read_table(self.root, "failures", ["url", "failed_at"])
        cutoff = datetime.now(timezone.utc) - timedelta(hours=self.retry_failed_after_hours)
        return {canonical_url(u) for u, at in zip(t.column("url").to_pylist(), t.column("failed_at").to_pylist())
                if at is not None and at >= cutoff}

    # --- what to fetch ----------------------------------------------------------------
    @property
    def stored_count(self) -> int:
        return len(self._stored)

    def is_stored(self, canon: str) -> bool:
        """Is a version of this canonical article URL stored (before or during this run)?"""
        return canon in self._stored

    def failed_recently(self, canon: str) -> bool:
        return canon in self._recently_failed

    def count(self, site: str, key: str, n: int = 1) -> None:
        """Add to a fetch counter of a site (pages_fetched, listing_pages, articles_fetched,
        articles_skipped_known, articles_skipped_failed, …): the ``runs/`` columns."""
        self.site_stats[site][key] += n

    # --- what is stored -----------------------------------------------------------------
    def add_article(self, site: str, rows: dict) -> str:
        """Store one article version (``rows`` from :func:`pipelines.storage.rows.page_rows`)
        unless it is unchanged. Returns ``new``, ``updated``, ``unchanged`` or ``refused``
        (storage has failed in this run)."""
        article = rows["article"]
        canon, chash = article["url"], article["content_hash"]
        if (canon, chash) in self._versions:
            self.outcomes[site]["articles_unchanged"] += 1
            return "unchanged"
        if self.storage_error or self.writer is None:
            return "refused"
        if self.claim is not None and not self.claim(canon):
            # stored (or being stored) by another worker of the job: a fetch for nothing
            self.outcomes[site]["articles_unchanged"] += 1
            self._versions.add((canon, chash))
            return "duplicate"
        outcome = "updated" if canon in self._stored else "new"
        article["run_id"] = self.run_id
        try:
            self.writer.add_article(article, rows["images"], rows["officials"])
        except OSError as exc:
            self._storage_failed(exc)
            return "refused"
        self.outcomes[site][f"articles_{outcome}"] += 1
        for flag in article.get("quality_flags") or ():
            self.outcomes[site]["articles_" + flag.replace("-", "_")] += 1
        self._versions.add((canon, chash))
        self._stored.add(canon)
        self._people_dirty = True
        return outcome

    def when_stored(self, fn) -> None:
        """Call ``fn()`` once every row added so far is committed (at the next commit; right
        away when nothing waits). Not called when storing failed."""
        if self.writer is None or self.storage_error:
            return
        self.writer.when_committed(fn)

    def flush(self) -> None:
        """Commit what is buffered now (in the commit thread when the writer has one)."""
        if self.writer is None or self.check_storage():
            return
        try:
            self.writer.flush(wait=False)
        except OSError as exc:
            self._storage_failed(exc)

    def live_workers(self) -> dict[str, tuple[str, int]]:
        """In a job: run id → (job id, pid) of the workers alive on this root."""
        return self._lock.live_run_ids()

    def recover_dead_worker(self, run_id: str) -> bool:
        """In a job: finish or discard what a dead worker of the job left half-committed
        (:meth:`RootLock.recover_dead`). False when that worker still holds its file lock."""
        return self._lock.recover_dead(run_id)

    def add_failure(self, failure: Failure) -> None:
        """A URL given up on (the last failure of a URL and kind is kept: a page retried
        several times is one row)."""
        if not failure.failed_at:
            failure.failed_at = datetime.now(timezone.utc).timestamp()
        if self.failures.pop((failure.url, failure.kind), None) is None:
            self.site_stats[failure.site]["failures"] += 1
        self.failures[(failure.url, failure.kind)] = failure

    def _storage_failed(self, exc: BaseException) -> None:
        if self.storage_error is None:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.storage_error = f"storing rows under {self.root} failed: {reason}"
            logger.error("%s; this run stores nothing more (the next run fetches what was lost)",
                         self.storage_error)

    def check_storage(self) -> str | None:
        """Raise a background commit's failure now, if any; returns ``storage_error``."""
        if self.writer is not None and not self.storage_error:
            try:
                self.writer.poll()
            except OSError as exc:
                self._storage_failed(exc)
        return self.storage_error

    # --- idle time and the end ----------------------------------------------------------
    def idle(self) -> None:
        """Commit what is buffered and rebuild ``people/`` (in the commit thread when the
        writer has one), while the run has nothing else to do. Rows added later make
        :meth:`close` rebuild again."""
        if self.writer is None or not self._people_dirty or self.check_storage():
            return
        if self._people_job is not None and not self._people_job.done():
            return
        self._people_dirty = False
        try:
            self.writer.flush(wait=False)
        except OSError as exc:
            self._storage_failed(exc)
            return
        job = self.writer.after_commits(self._rebuild_people)
        if not isinstance(job, Future):  # no commit thread: it ran here
            done, job = job, Future()
            job.set_result(done)
        self._people_job = job

    def _rebuild_people(self) -> int:
        from pipelines.storage.people import rebuild_people

        try:
            return rebuild_people(self.root)
        except Exception as exc:  # people/ is derived; never lose a run over it
            logger.error("people/ not rebuilt: %s: %s", type(exc).__name__, exc)
            return 0

    def close(self, reason: str = "finished") -> dict:
        """Commit the last rows, write the run's ``runs/`` and ``failures/`` rows, rebuild
        ``people/``, release the lock. Returns a summary (run_id, finish_reason, counts,
        storage_error). ``reason`` is replaced by ``storage-error`` when storing failed."""
        if self.closed:
            return self.summary
        self.closed = True
        people = None
        try:
            if self.writer is not None:
                try:
                    self.writer.close()
                except OSError as exc:
                    self._storage_failed(exc)
                reason = self.verdict(reason)
                finished = _utc_now()
                try:
                    self.writer.add("runs", run_rows(self.run_id, self.started, finished, reason, self.site_stats,
                                                     self.outcomes, list(self.failures.values()),
                                                     {"command": self.command, **self.settings}, self.job_id))
                    self.writer.add("failures", self.failure_rows())
                    self.writer.close()
                except OSError as exc:
                    self._storage_failed(exc)
                    reason = "storage-error"
                if not self.storage_error:
                    people = self._people_job.result() if self._people_job is not None else None
                    if self.job_id is not None:
                        # a job's workers leave one by one: only the last rebuilds people/, from
                        # every worker's rows (each had committed its own before leaving)
                        people = self._rebuild_people() if self._lock.leave_unless_last() else None
                    elif people is None or self._people_dirty:
                        people = self._rebuild_people()
                    if self.merge_at_close:
                        self.merged = self._merge_small_files()
        finally:
            self._lock.release()
        self.summary = {
            "run_id": self.run_id, "finish_reason": reason, "storage_error": self.storage_error,
            "people": people, "files_written": len(self.writer.files_written) if self.writer else 0,
            **{k: sum(c[k] for c in self.outcomes.values())
               for k in ("articles_new", "articles_updated", "articles_unchanged", "articles_empty_body",
                         "articles_no_date", "articles_no_title")},
            "quality_by_site": self.quality_by_site(), "merged": self.merged,
            "failures": len(self.failures),
        }
        return self.summary

    def _merge_small_files(self) -> dict | None:
        """Merge the small part files of every directory this run wrote into (see
        :func:`merge_small_files`; every row kept). Housekeeping after everything is stored:
        a failure here (a full disk) leaves the files as they were and is reported, never
        fails the run."""
        dirs = {f.rsplit("/", 1)[0] for f in self.writer.files_written}
        if not dirs:
            return None
        try:
            return merge_small_files(self.root, self.run_id, dirs)
        except (OSError, DatasetError, pa.ArrowException) as exc:
            error = f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}"
            logger.warning("part files not merged (%s); the data is intact, `portal-news compact` merges them later",
                           error)
            return {"error": error}

    def verdict(self, reason: str) -> str:
        """The run's finish reason as ``runs/`` records it and the exit status reports it:
        ``finished`` only when the run ended by itself and did its work; ``storage-error``
        when rows could not be stored; ``failed`` when every site failed (pages were asked
        for and no page of any site answered) or articles were fetched and none could be
        stored; a run with nothing to fetch (an archive pull with every capture stored)
        ``finished``; otherwise the reason it was stopped for (``shutdown``, ``cancelled``, …)."""
        if self.storage_error:
            return "storage-error"
        if reason != "finished":
            return reason
        sites = set(self.site_stats) | set(self.outcomes)
        if self.failures and sites and all(self.site_stats[s]["pages_fetched"] == 0 for s in sites):
            return "failed"   # (no page fetched and nothing failed: there was nothing to do)
        fetched = sum(c["articles_fetched"] for c in self.site_stats.values())
        stored = sum(sum(c.values()) for c in self.outcomes.values())
        if fetched and not stored:
            return "failed"
        return "finished"

    def quality_by_site(self) -> dict[str, dict]:
        """Per site, of the articles stored in this run: how many, and how many lack a body,
        a date or a title (only sites where some do)."""
        out = {}
        for site, c in sorted(self.outcomes.items()):
            stored = c["articles_new"] + c["articles_updated"]
            flags = {k[len("articles_"):]: c[k] for k in ("articles_empty_body", "articles_no_date", "articles_no_title")
                     if c[k]}
            if flags:
                out[site] = {"stored": stored, **flags}
        return out

    def failure_rows(self) -> list[dict]:
        return [{"run_id": self.run_id, "site": f.site, "url": f.url, "kind": f.kind, "reason": f.reason,
                 "failed_at": datetime.fromtimestamp(f.failed_at, timezone.utc).replace(microsecond=0)}
                for f in self.failures.values()]


def run_rows(run_id: str, started, finished, reason: str, site_stats: dict, counts: dict,
             failures: list, settings: dict, job_id: str | None = None) -> list[dict]:
    """``runs/`` rows of one run: one per site and a ``"*"`` total. ``site_stats`` holds the
    fetch counters per site (pages_fetched, listing_pages, articles_fetched, articles_skipped_*),
    ``counts`` the write outcomes per site (articles_new/updated/unchanged), ``failures``
    objects with ``.site`` and ``.kind``."""
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
            "run_id": run_id, "job_id": job_id, "site": site, "started_at": started, "finished_at": finished,
            "pages_fetched": s.get("pages_fetched", 0), "listing_pages": s.get("listing_pages", 0),
            "articles_fetched": s.get("articles_fetched", 0),
            "articles_new": c.get("articles_new", 0), "articles_updated": c.get("articles_updated", 0),
            "articles_unchanged": c.get("articles_unchanged", 0),
            "articles_skipped_known": s.get("articles_skipped_known", 0),
            "articles_skipped_failed": s.get("articles_skipped_failed", 0),
            "failures": sum(kinds.values()), "failures_by_kind": json.dumps(dict(kinds), sort_keys=True),
            "links_offsite": s.get("links_offsite", 0),
            "articles_empty_body": c.get("articles_empty_body", 0), "articles_no_date": c.get("articles_no_date", 0),
            "articles_no_title": c.get("articles_no_title", 0),
            "finish_reason": reason, "software_version": __version__,
            "settings": json.dumps(settings, default=str, sort_keys=True),
        })
    return rows
