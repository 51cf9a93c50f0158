"""Web archives as the source of the ``portal`` spider: ``-a source=wayback|commoncrawl|archives``.

District government ended on 1 July 2025; for most district portals the archives are the only
source left. A pull of a site from one archive or both goes in three steps:

1. **Listing** (:class:`SitePull`): every capture the archives' CDX indexes hold under the
   site's hosts (``<host>/portal/Pages/``; each host covers its ``www.`` and bare, http and
   https forms; the registry's ``archive_hosts`` add others, e.g. the province's English
   portal), paged (Wayback: resumption key; Common Crawl: page API), the position saved
   after every answer under ``<root>/archive-state/<site>/`` (:mod:`crawler.spiders.archivestate`),
   so a stopped listing continues where it stopped. A site is fetched only once its listing
   is complete in every archive asked (else the "first" capture could be a later one).
2. **Listing pages** found in the archives (category pages, their ``?PageIndex=N`` pages, the
   home page) are read for article links; a linked article no prefix listing held is looked
   up by its exact URL (Wayback).
3. **Articles** (:class:`ArticleJob`, at most ``ARCHIVE_JOBS`` at a time, so memory stays
   bounded): the article's captures from every archive, in time order. The first one that is
   really the article (:func:`crawler.spiders.captures.problem_of`, then extraction) is
   stored; with ``ARCHIVE_VERIFY_SOURCES`` every other archive is asked too, until one of its
   captures is the article, so ``sources`` lists every archive that holds it. ``--captures
   latest`` also stores the latest capture that is the article, ``all`` every capture with
   another text (each distinct text once, with the time of its capture). A capture found not
   to be the article is remembered (``bad.jsonl``) and not fetched again.

Every URL given up on gets one ``failures/`` row: ``no-good-capture`` (every capture was an
error page, a login page, a redirect, a cut body, a body not matching its index entry), the
archive's error (``http-503``, ``timeout``, … after retries) or ``archive-unavailable`` (the
archive failed ``ARCHIVE_MAX_ERRORS`` requests in a row: it is left alone for the rest of the
run). Nothing of that is remembered as bad: the next run asks again.

Pacing: each archive endpoint is its own download slot with the archive's published pace
(settings ``WAYBACK_*``, ``COMMONCRAWL_*``); a 429 or 503 pauses the whole slot for its
``Retry-After`` (or ``ARCHIVE_PAUSE_DEFAULT``), not only the request that got it.
``-a plan=1`` (``--plan``) lists and stops: what would be fetched per site, and how long it
takes at the configured pace.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from itertools import count
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from crawler.failures import classify
from crawler.items import FetchFailure, RawPage
from crawler.middlewares import RetryScheduled
from crawler.run import close_spider
from crawler.spiders.archivestate import STATE_DIR, JsonLines, ListingState, write_json_atomic
from crawler.spiders.captures import ARCHIVE_ORDER, Cap, Verdict, problem_of
from crawler.spiders.commoncrawl import CommonCrawl
from crawler.spiders.wayback import ListingError, Wayback, timestamp_to_unix
from pipelines.extraction.extract import UnreadableInput, parse_document
from pipelines.extraction.pages.listing import article_links
from pipelines.extraction.urls import ARTICLE_PATH
from pipelines.sites.registry import canonical_url, sites_by_slug
from pipelines.storage.rows import page_rows

logger = logging.getLogger(__name__)

SOURCES = {"wayback": ("wayback",), "commoncrawl": ("commoncrawl",), "archives": ("wayback", "commoncrawl")}
CAPTURE_MODES = ("first", "latest", "all")
ADAPTERS = {"wayback": Wayback, "commoncrawl": CommonCrawl}
LISTING_PATH = re.compile(r"^/portal/Pages/[^/]+\.aspx$", re.I)
# statuses of a replay the spider judges itself (not errors to retry): redirects, gone, refused
CAPTURE_STATUSES = [301, 302, 303, 307, 308, 400, 403, 404, 410, 451]
LISTING_PRIORITY, CAPTURE_PRIORITY = 20, 5


def is_listing_url(path: str, query: str) -> bool:
    """A category page of the platform (``/portal/Pages/<Name>.aspx``, optionally ``?PageIndex=N``)."""
    return bool(LISTING_PATH.match(path)) and all(k.lower() == "pageindex" for k, _ in parse_qsl(query))


@dataclass
class Entry:
    """A URL of the site the archives hold: its captures, oldest first."""

    canon: str
    listing: bool
    caps: list = field(default_factory=list)
    keys: set = field(default_factory=set)

    def add(self, cap: Cap) -> bool:
        if cap.key in self.keys:
            return False
        self.keys.add(cap.key)
        self.caps.append(cap)
        return True


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """``Retry-After`` as seconds (a number, or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    try:
        return max(0.0, float(text.strip()))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(text).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


# --- one site -------------------------------------------------------------------------------------
class SitePull:
    """One site's pull from one or more archives: listing state, what the archives hold, the
    articles waiting, what earlier runs learnt."""

    def __init__(self, slug: str, hosts: list[str], scheme: str, adapters: dict, directory: Path,
                 max_age_days: float):
        self.slug = slug
        self.hosts = list(dict.fromkeys(h.lower()[4:] if h.lower().startswith("www.") else h.lower() for h in hosts))
        self.scheme = scheme
        self.adapters = adapters
        self.dir = directory
        self.states = {name: ListingState(directory, name, ad.signature(self.hosts), max_age_days).load()
                       for name, ad in adapters.items()}
        self.stopped: dict[str, str] = {}      # archive -> why its listing stopped in this run
        self.phase = "listing"                 # listing | fetching | stopped | planned
        self.entries: dict[str, Entry] = {}
        self.queue: deque = deque()
        self.bad_file = JsonLines(directory / "bad.jsonl")
        self.bad = {r[0]: r[1] for r in self.bad_file.read() if isinstance(r, list) and len(r) >= 2}
        self.listings_file = JsonLines(directory / "listings.jsonl")
        self.listings_read = {r["cap"]: r.get("links", []) for r in self.listings_file.read() if isinstance(r, dict)}
        self.lookups_file = JsonLines(directory / "lookups.jsonl")
        self.lookups = {r["url"].lower(): r.get("rows", []) for r in self.lookups_file.read() if isinstance(r, dict)}
        self.done_file = JsonLines(directory / "done.jsonl")
        self.done = {(r["url"], r["mode"]) for r in self.done_file.read() if isinstance(r, dict)}
        self.looking_up: set[str] = set()
        self.listing_in_flight: set[tuple[str, str]] = set()   # (archive, query id) asked and not yet answered

    # --- URLs -----------------------------------------------------------------------------
    def portal_url(self, original: str) -> str | None:
        """The portal's canonical URL of an archived URL (any host form), None when not the site's."""
        parts = urlsplit(original if "://" in original else "http://" + original)
        host = (parts.hostname or "").lower()
        host = host[4:] if host.startswith("www.") else host
        if host not in self.hosts:
            return None
        return canonical_url(f"{self.scheme}://{host}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else ""))

    def kind_of(self, canon: str) -> str | None:
        parts = urlsplit(canon)
        if ARTICLE_PATH.search(parts.path):
            return "article"
        if is_listing_url(parts.path, parts.query):
            return "listing"
        return None

    def keep(self, original: str) -> bool:
        canon = self.portal_url(original)
        return canon is not None and self.kind_of(canon) is not None

    # --- listing --------------------------------------------------------------------------
    def queries(self, name: str) -> list[str]:
        return self.adapters[name].queries(self.hosts, self.states[name])

    def listing_done(self, name: str) -> bool:
        ad, state = self.adapters[name], self.states[name]
        if getattr(ad, "needs_collinfo", None) and ad.needs_collinfo(state):
            return False
        return state.complete(self.queries(name))

    def listing_finished(self) -> bool:
        """Every archive's listing is complete, or stopped for this run."""
        return all(self.listing_done(n) or n in self.stopped for n in self.adapters)

    # --- what the archives hold -------------------------------------------------------------
    def add_row(self, name: str, row: list) -> str | None:
        f = self.adapters[name].cap_fields(row)
        if f["status"] != "200" or (f["mime"] and "html" not in f["mime"] and f["mime"] != "unk"):
            return None
        canon = self.portal_url(f["original"])
        kind = canon and self.kind_of(canon)
        if not kind:
            return None
        ukey = canon.lower()
        entry = self.entries.get(ukey)
        if entry is None:
            entry = self.entries[ukey] = Entry(canon, kind == "listing")
        entry.add(Cap(name, f["ts"], f["original"], f["digest"], f["status"], f["mime"], f.get("filename"),
                      f.get("offset"), f.get("length"), f.get("crawl")))
        return ukey

    def build(self) -> None:
        """What the archives hold, from the saved listings and lookups."""
        self.entries = {}
        for name, state in self.states.items():
            for row in state.rows():
                self.add_row(name, row)
        if "wayback" in self.adapters:
            for rows in self.lookups.values():
                for row in rows:
                    self.add_row("wayback", row)
        for entry in self.entries.values():
            self._settle(entry)

    def _settle(self, entry: Entry) -> None:
        entry.caps.sort(key=lambda c: c.order)
        entry.canon = self.portal_url(entry.caps[0].original) or entry.canon

    def articles(self) -> list[str]:
        return sorted(k for k, e in self.entries.items() if not e.listing)

    def listing_captures(self, mode: str) -> list[Cap]:
        """Listing captures to read: every distinct one (``all``), the latest of each URL, or none."""
        out: list[Cap] = []
        seen: set[str] = set()
        for ukey in sorted(k for k, e in self.entries.items() if e.listing):
            caps = self.entries[ukey].caps
            if mode == "latest":
                caps = caps[-1:]
            elif mode != "all":
                caps = []
            for cap in caps:
                if cap.digest and cap.digest in seen:
                    continue
                seen.add(cap.digest)
                if cap.key not in self.listings_read and cap.key not in self.bad:
                    out.append(cap)
        return out

    def remember_bad(self, cap: Cap, verdict: Verdict) -> None:
        if verdict.known or verdict.archive_error or cap.key in self.bad:
            return
        self.bad[cap.key] = verdict.kind
        self.bad_file.append([cap.key, verdict.kind, verdict.reason[:200]])

    def remember_listing(self, cap: Cap, links: list[str]) -> None:
        self.listings_read[cap.key] = links
        self.listings_file.append({"cap": cap.key, "links": links})

    def remember_lookup(self, canon: str, rows: list) -> str | None:
        ukey = canon.lower()
        self.lookups[ukey] = rows
        self.lookups_file.append({"url": canon, "rows": rows})
        new = None
        for row in rows:
            got = self.add_row("wayback", row)
            new = new or got
        if new:
            self._settle(self.entries[new])
        return new

    def remember_done(self, canon: str, mode: str) -> None:
        self.done.add((canon, mode))
        self.done_file.append({"url": canon, "mode": mode})

    # --- the plan -----------------------------------------------------------------------------
    def plan(self, ledger, mode: str, verify: bool, listing_mode: str, full: bool, pace: dict) -> dict:
        """What a pull would fetch and how long that takes at ``pace`` (seconds per request, per slot)."""
        self.build()
        arts = [self.entries[k] for k in self.articles()]
        todo = [e for e in arts if full or not self._finished(ledger, e.canon, mode)]
        per = {n: Counter() for n in self.adapters}
        for e in arts:
            for n in {c.archive for c in e.caps}:
                per[n]["listed"] += 1
        for e in todo:
            caps = [c for c in e.caps if c.key not in self.bad]
            by_archive: dict[str, list[Cap]] = {}
            for c in caps:
                by_archive.setdefault(c.archive, []).append(c)
            for n, cs in by_archive.items():
                per[n]["urls"] += 1
                per[n]["max"] += len(cs) if mode != "all" else len({c.digest or c.key for c in cs})
            if not caps:
                continue
            if mode == "all":
                for n, cs in by_archive.items():
                    per[n]["min"] += len({c.digest or c.key for c in cs})
                continue
            if verify:
                for n in by_archive:
                    per[n]["min"] += 1
            else:
                per[caps[0].archive]["min"] += 1
            if mode == "latest" and len(caps) > 1:
                per[caps[-1].archive]["min"] += 1
        for cap in self.listing_captures(listing_mode):
            per[cap.archive]["listing_captures"] += 1
        out = {"site": self.slug, "hosts": self.hosts, "articles": len(arts), "to_fetch": len(todo),
               "already_stored": len(arts) - len(todo), "archives": {}}
        lo = hi = 0.0
        for n, c in per.items():
            ad = self.adapters[n]
            data_pace, cdx_pace = pace.get(ad.data_slot, 0.0), pace.get(ad.cdx_slot, 0.0)
            listing_requests = self.states[n].pages()
            a_lo = (c["min"] + c["listing_captures"]) * data_pace
            a_hi = (c["max"] + c["listing_captures"]) * data_pace
            out["archives"][n] = {
                "listing_requests": listing_requests, "listing_seconds": round(listing_requests * cdx_pace, 1),
                "listing_complete": self.listing_done(n), "articles": c["listed"], "urls": c["urls"],
                "captures_min": c["min"], "captures_max": c["max"], "listing_captures": c["listing_captures"],
                "seconds_min": round(a_lo, 1), "seconds_max": round(a_hi, 1),
                "pace": {"index": cdx_pace, "captures": data_pace}}
            lo, hi = max(lo, a_lo), max(hi, a_hi)
        out["seconds_min"], out["seconds_max"] = round(lo, 1), round(hi, 1)
        return out

    def _finished(self, ledger, canon: str, mode: str) -> bool:
        if not ledger.is_stored(canon):
            return False
        return mode == "first" or (canon, mode) in self.done or (canon, "all") in self.done


# --- one article --------------------------------------------------------------------------------
class ArticleJob:
    """The captures of one article, tried in time order until the pull has what it wants
    (a generator: :meth:`advance` gets the next capture to fetch, given the last one's verdict)."""

    _ids = count(1)

    def __init__(self, pull: SitePull, entry: Entry, mode: str, verify: bool, down: dict):
        self.id = next(self._ids)
        self.pull = pull
        self.canon = entry.canon
        self.caps = list(entry.caps)
        self.mode, self.verify, self.down = mode, verify, down
        self.results: list[tuple[Cap, Verdict]] = []
        self.verdicts: dict[str, Verdict] = {}
        self.by_digest: dict[tuple[str, str], Verdict] = {}
        self.current: Cap | None = None
        self.fetched = 0
        self._gen = self._walk()
        self._started = False

    def advance(self, verdict: Verdict | None = None) -> Cap | None:
        try:
            cap = self._gen.send(verdict) if self._started else next(self._gen)
        except StopIteration:
            cap = None
        self._started = True
        self.current = cap
        if cap is not None:
            self.fetched += 1
        return cap

    def _skip(self, cap: Cap, fetch_same: bool = False) -> Verdict | None:
        if cap.archive in self.down:
            return Verdict(False, "archive-unavailable", self.down[cap.archive], archive_error=True)
        kind = self.pull.bad.get(cap.key)
        if kind:
            return Verdict(False, kind, "found not to be the article by an earlier run", known=True)
        if cap.digest:
            earlier = self.by_digest.get((cap.archive, cap.digest))
            if earlier is not None:
                if earlier.good:
                    if fetch_same:   # its own provenance is wanted (the latest capture)
                        return None
                    return Verdict(True, "same", "byte-identical to an earlier capture")
                return Verdict(False, earlier.kind, earlier.reason + " (a byte-identical capture)", known=True)
        return None

    def _try(self, cap: Cap, fetch_same: bool = False):
        if cap.key in self.verdicts:
            return self.verdicts[cap.key]
        verdict = self._skip(cap, fetch_same)
        if verdict is None:
            verdict = yield cap
        self.verdicts[cap.key] = verdict
        self.results.append((cap, verdict))
        if cap.digest and verdict.extra.get("digest_ok"):   # a verdict on the very bytes the index describes
            self.by_digest.setdefault((cap.archive, cap.digest), verdict)
        return verdict

    @property
    def good_archives(self) -> set[str]:
        return {c.archive for c, v in self.results if v.good}

    def _walk(self):
        caps = self.caps
        first = None
        for i, cap in enumerate(caps):
            v = yield from self._try(cap)
            if v.good:
                first = i
                break
        if first is None:
            return
        rest = caps[first + 1:]
        if self.mode == "all":
            for cap in rest:
                yield from self._try(cap)
            return
        if self.verify:
            for archive in ARCHIVE_ORDER:
                if archive in self.good_archives:
                    continue
                for cap in (c for c in rest if c.archive == archive):
                    v = yield from self._try(cap)
                    if v.good:
                        break
        if self.mode == "latest":
            for cap in reversed(rest):
                v = yield from self._try(cap, fetch_same=True)
                if v.good:
                    break

    def outcome(self) -> tuple[list[str], list[tuple[Cap, Verdict]]]:
        """(sources: archives holding a capture that is the article; the versions to store)."""
        goods = [(c, v) for c, v in self.results if v.good]
        sources = sorted({c.archive for c, _ in goods})
        fetched = sorted(((c, v) for c, v in goods if v.rows is not None), key=lambda cv: cv[0].order)
        if not fetched:
            return sources, []
        if self.mode == "first":
            return sources, fetched[:1]
        if self.mode == "latest":
            last = fetched[-1]
            return sources, fetched[:1] + ([last] if last[1].content_hash != fetched[0][1].content_hash else [])
        out, seen = [], set()
        for c, v in fetched:
            if v.content_hash not in seen:
                seen.add(v.content_hash)
                out.append((c, v))
        return sources, out

    def failure_reason(self) -> tuple[str, str]:
        """(kind, reason) of the ``failures/`` row when no capture was the article."""
        errors = [(c, v) for c, v in self.results if v.archive_error]
        n = len(self.results)
        if errors:
            c, v = errors[-1]
            others = n - len(errors)
            return v.kind, (f"{len(errors)} of {n} captures could not be fetched ({c.label()}: {v.reason})"
                            + (f"; {others} were not the article" if others else "")
                            + "; the next run asks again")
        parts = "; ".join(f"{c.label()}: {v.kind}" for c, v in self.results[:4])
        more = f"; and {n - 4} more" if n > 4 else ""
        return "no-good-capture", f"none of its {n} captures is the article ({parts}{more})"


# --- the spider's side ------------------------------------------------------------------------------
class ArchiveMixin:
    """The archive source of :class:`crawler.spiders.portal.PortalSpider` (see the module docstring)."""

    archive_names: tuple = ()
    capture_mode = "first"
    plan_only = False

    def configure_archives(self, source: str, captures: str | None, plan) -> None:
        """Check the archive arguments (ValueError with a one-line message)."""
        self.archive_names = SOURCES.get(source, ())
        self._captures_arg = captures
        if captures is not None:
            self.capture_mode = self._capture_mode(captures)
        self.plan_only = str(plan or "").strip().lower() in ("1", "true", "yes", "on")
        if self.plan_only and not self.archive_names:
            raise ValueError("plan=1 is for archive sources (source=wayback, commoncrawl or archives)")

    @staticmethod
    def _capture_mode(value) -> str:
        mode = str(value or "first").strip().lower()
        if mode not in CAPTURE_MODES:
            raise ValueError(f"captures={value!r}: expected first, latest or all")
        return mode

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if not getattr(spider, "archive_names", ()):
            return spider
        s = crawler.settings
        if not s.frozen:
            slots = dict(s.getdict("DOWNLOAD_SLOTS"))
            for slot, conc, delay in (
                    (Wayback.cdx_slot, "WAYBACK_CDX_CONCURRENCY", "WAYBACK_CDX_DELAY"),
                    (Wayback.data_slot, "WAYBACK_CONCURRENCY", "WAYBACK_DOWNLOAD_DELAY"),
                    (CommonCrawl.cdx_slot, "COMMONCRAWL_INDEX_CONCURRENCY", "COMMONCRAWL_INDEX_DELAY"),
                    (CommonCrawl.data_slot, "COMMONCRAWL_DATA_CONCURRENCY", "COMMONCRAWL_DATA_DELAY")):
                slots.setdefault(slot, {"concurrency": s.getint(conc, 1), "delay": s.getfloat(delay, 1.0), "jitter": 0})
            s.set("DOWNLOAD_SLOTS", slots, priority="spider")
        crawler.signals.connect(spider._archive_pace, signal=signals.response_downloaded)
        crawler.signals.connect(spider._archive_idle, signal=signals.spider_idle)
        return spider

    # --- start ---------------------------------------------------------------------------------
    def archive_sites(self) -> list[tuple[str, list[str], str]]:
        """(slug, hosts, scheme) of the sites to pull: registry sites (their host and
        ``archive_hosts``), then hosts of ``start_urls``."""
        out, seen = [], set()
        if getattr(self, "wayback_sites", None) is not None:
            for site in sites_by_slug(self.wayback_sites):
                hosts = [site.host] + [h for h in site.extra.get("archive_hosts", []) if isinstance(h, str)]
                out.append((site.slug, hosts, site.scheme))
                seen.update(h.lower() for h in hosts)
        for url, slug in getattr(self, "start_listing_urls", []):
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            if host and host not in seen:
                seen.add(host)
                out.append((slug, [host], parts.scheme or "http"))
        return out

    def archive_start(self):
        s = self.settings
        if getattr(self, "_captures_arg", None) is None:
            self.capture_mode = self._capture_mode(s.get("ARCHIVE_CAPTURES"))
        self._pulls: dict[str, SitePull] = {}
        self._jobs: dict[int, ArticleJob] = {}
        self._archive_down: dict[str, str] = {}
        self._archive_errors: Counter = Counter()
        self.archive_plan: list[dict] = []
        self._collinfo: list[str] | None = None   # Common Crawl's crawl list, asked once per run
        self._collinfo_asked = False
        self._collinfo_waiting: list[str] = []
        self._verify = s.getbool("ARCHIVE_VERIFY_SOURCES", True)
        self._listing_mode = (s.get("ARCHIVE_LISTING_CAPTURES") or "all").lower()
        root = Path(self.run.root) / STATE_DIR
        adapters = {n: ADAPTERS[n](s, self.wayback_from, self.wayback_to) for n in self.archive_names}
        for slug, hosts, scheme in self.archive_sites():
            if slug in self._pulls:   # two start URLs of one unknown site: one pull with both hosts
                continue
            pull = SitePull(slug, hosts, scheme, adapters, root / slug, s.getfloat("ARCHIVE_LISTING_MAX_AGE_DAYS", 30))
            self._pulls[slug] = pull
            for name, state in pull.states.items():
                if state.restarted:
                    logger.info("%s: listing %s again (%s)", slug, name, state.restarted)
            yield from self._listing_next(pull)

    def _listing_next(self, pull: SitePull):
        """The next listing requests of a site, or its next step when the listing is complete."""
        for name, ad in pull.adapters.items():
            if name in pull.stopped or pull.listing_done(name):
                continue
            state = pull.states[name]
            if getattr(ad, "needs_collinfo", None) and ad.needs_collinfo(state):
                if self._collinfo is not None:   # asked once per run, for every site
                    ad.add_crawls(state, self._collinfo)
                else:
                    if pull.slug not in self._collinfo_waiting:
                        self._collinfo_waiting.append(pull.slug)
                        pull.listing_in_flight.add((name, "collinfo"))
                    if not self._collinfo_asked:
                        self._collinfo_asked = True
                        yield self._listing_request(pull, name, "collinfo", ad.collinfo_url())
                    continue
            for qid in pull.queries(name):
                q = state.query(qid)
                if not q["done"] and (name, qid) not in pull.listing_in_flight:
                    yield self._listing_request(pull, name, qid, ad.query_url(qid, q["position"]))
        yield from self._maybe_listing_finished(pull)

    def _maybe_listing_finished(self, pull: SitePull):
        if pull.phase == "listing" and not pull.listing_in_flight and pull.listing_finished():
            yield from self._listing_finished(pull)

    def _listing_request(self, pull: SitePull, name: str, qid: str, url: str, attempt: int = 0) -> scrapy.Request:
        pull.listing_in_flight.add((name, qid))
        return scrapy.Request(url, callback=self.parse_archive_listing, errback=self.archive_listing_failed,
                              dont_filter=True, priority=LISTING_PRIORITY,
                              meta={"site": pull.slug, "archive": name, "qid": qid, "attempt": attempt,
                                    "download_slot": pull.adapters[name].cdx_slot, "handle_httpstatus_list": [400, 404],
                                    "autothrottle_dont_adjust_delay": True})

    def parse_archive_listing(self, response):
        meta = response.meta
        pull, name, qid = self._pulls[meta["site"]], meta["archive"], meta["qid"]
        pull.listing_in_flight.discard((name, qid))
        self.count(pull.slug, "pages_fetched", "listing_pages")
        ad, state = pull.adapters[name], pull.states[name]
        try:
            if qid == "collinfo":
                self._collinfo = ad.parse_collinfo(response)
                waiting, self._collinfo_waiting = self._collinfo_waiting, []
                for slug in waiting:
                    self._pulls[slug].listing_in_flight.discard((name, "collinfo"))
                    yield from self._listing_next(self._pulls[slug])
                return
            rows, position, done = ad.parse_answer(response, qid, state.query(qid))
        except ListingError as exc:
            if meta["attempt"] < self.settings.getint("ARCHIVE_LISTING_RETRIES", 3):
                logger.info("%s: %s listing answer unreadable (%s); asking again", pull.slug, name, exc)
                yield self._listing_request(pull, name, qid, response.request.url, meta["attempt"] + 1)
                return
            yield from self._listing_stopped(pull, name, qid, response.request.url, "cdx-unreadable", str(exc))
            return
        kept = [r for r in rows if pull.keep(ad.cap_fields(r)["original"])]
        state.add_page(qid, kept, position, done)
        if not done:
            yield self._listing_request(pull, name, qid, ad.query_url(qid, position))
        else:
            yield from self._maybe_listing_finished(pull)

    def archive_listing_failed(self, failure):
        if failure.check(RetryScheduled):
            return
        meta = failure.request.meta
        pull = self._pulls[meta["site"]]
        pull.listing_in_flight.discard((meta["archive"], meta["qid"]))
        kind, reason = classify(failure, self.settings.getfloat("DOWNLOAD_TIMEOUT"))
        yield from self._listing_stopped(pull, meta["archive"], meta["qid"], failure.request.url, kind, reason)

    def _listing_stopped(self, pull: SitePull, name: str, qid: str, url: str, kind: str, reason: str):
        if qid == "collinfo":   # every site waiting for the crawl list stops
            waiting, self._collinfo_waiting = self._collinfo_waiting, []
            for slug in waiting:
                other = self._pulls[slug]
                other.listing_in_flight.discard((name, "collinfo"))
                if other is not pull:
                    yield from self._listing_stopped(other, name, "collinfo-of-" + pull.slug, url, kind, reason)
        q = pull.states[name].query(qid) if not qid.startswith("collinfo") else {"pages": 0}
        why = (f"{name} index: {reason}; the listing stops after {q.get('pages', 0)} answers of this query and "
               f"the next run continues there")
        logger.warning("%s: %s", pull.slug, why)
        pull.stopped.setdefault(name, why)
        yield FetchFailure(url=url, site=pull.slug, kind=kind, reason=why, failed_at=time.time())
        yield from self._maybe_listing_finished(pull)

    def _listing_finished(self, pull: SitePull):
        if pull.phase != "listing":
            return
        for name, state in pull.states.items():
            if name not in pull.stopped:
                state.mark_complete()
        if self.plan_only:
            pull.phase = "planned"
            plan = pull.plan(self.run.ledger, self.capture_mode, self._verify, self._listing_mode, self.full,
                             self._pace())
            if pull.stopped:
                plan["listing_stopped"] = dict(pull.stopped)
            self.archive_plan.append(plan)
            self.crawler.stats.set_value("archives/plan", list(self.archive_plan))
            write_json_atomic(Path(self.run.root) / STATE_DIR / "plan.json", self.archive_plan)
            logger.info("plan for %s: %s", pull.slug, plan)
            return
        if pull.stopped:
            pull.phase = "stopped"
            logger.warning("%s: not fetched in this run: its listing is incomplete (%s)", pull.slug,
                           "; ".join(pull.stopped.values()))
            return
        pull.phase = "fetching"
        pull.build()
        ledger = self.run.ledger
        for ukey in pull.articles():
            pull.queue.append(ukey)
        for cap in pull.listing_captures(self._listing_mode):
            yield self._capture_request(pull, cap, None)
        for links in list(pull.listings_read.values()):
            for link in links:
                yield from self._link(pull, link)
        logger.info("%s: %d articles in the archives (%s), %d already stored", pull.slug, len(pull.queue),
                    ", ".join(pull.adapters), sum(1 for k in pull.queue if ledger.is_stored(pull.entries[k].canon)))
        yield from self._archive_feed()

    def _pace(self) -> dict:
        """Seconds between requests of each archive slot (the plan's pace)."""
        slots = self.settings.getdict("DOWNLOAD_SLOTS")
        return {k: float(v.get("delay", 0.0)) for k, v in slots.items()}

    # --- feeding articles ---------------------------------------------------------------------
    def _finished(self, pull: SitePull, canon: str) -> str | None:
        """Why an article needs no work (a ``runs/`` counter), or None."""
        if self.full:
            return None
        ledger = self.run.ledger
        if self.capture_mode == "first":
            return "articles_skipped_known" if ledger.is_stored(canon) else None
        if ledger.is_stored(canon) and ((canon, self.capture_mode) in pull.done or (canon, "all") in pull.done):
            return "articles_skipped_known"
        return None

    def _archive_feed(self):
        window = max(1, self.settings.getint("ARCHIVE_JOBS", 64))
        pulls = [p for p in self._pulls.values() if p.phase == "fetching" and p.queue]
        i = 0
        while len(self._jobs) < window and pulls:
            pull = pulls[i % len(pulls)]
            if not pull.queue:
                pulls.remove(pull)
                continue
            i += 1
            entry = pull.entries[pull.queue.popleft()]
            skip = self._finished(pull, entry.canon)
            if skip is None and all(c.key in pull.bad for c in entry.caps):
                skip = "articles_skipped_failed"
            if skip:
                self.count(pull.slug, skip)
                continue
            job = ArticleJob(pull, entry, self.capture_mode, self._verify, self._archive_down)
            yield from self._job_step(job, None)

    def _job_step(self, job: ArticleJob, verdict: Verdict | None):
        cap = job.advance(verdict)
        if cap is not None:
            self._jobs[job.id] = job
            yield self._capture_request(job.pull, cap, job)
            return
        self._jobs.pop(job.id, None)
        yield from self._finish_job(job)

    def _finish_job(self, job: ArticleJob):
        pull = job.pull
        sources, versions = job.outcome()
        if not versions:
            kind, reason = job.failure_reason()
            yield FetchFailure(url=job.canon, site=pull.slug, kind=kind, reason=reason, failed_at=time.time())
            return
        for cap, verdict in versions:
            rows = verdict.rows
            rows["article"]["sources"] = sources
            ad = pull.adapters[cap.archive]
            yield {"rows": rows, "page": RawPage(url=ad.fetch_url(cap), body=b"", status=200,
                                                 content_type=verdict.extra.get("content_type"),
                                                 fetched_at=verdict.extra.get("fetched_at", time.time()),
                                                 site=pull.slug, source=cap.archive, original_url=job.canon,
                                                 capture_time=timestamp_to_unix(cap.ts))}
        if self.capture_mode != "first":
            pull.remember_done(job.canon, self.capture_mode)

    # --- captures ---------------------------------------------------------------------------------
    def _capture_request(self, pull: SitePull, cap: Cap, job: ArticleJob | None) -> scrapy.Request:
        ad = pull.adapters[cap.archive]
        url, headers = ad.capture_request(cap)
        canon = job.canon if job is not None else (pull.portal_url(cap.original) or cap.original)
        meta = {"site": pull.slug, "archive": cap.archive, "cap": cap, "job": job.id if job else None,
                "download_slot": ad.data_slot, "dont_redirect": True, "handle_httpstatus_list": CAPTURE_STATUSES,
                "autothrottle_dont_adjust_delay": True}
        if cap.archive == "wayback":   # the WARC store keeps it under the portal's URL, with its capture time
            meta.update(wayback_original=canon, wayback_capture_time=timestamp_to_unix(cap.ts))
        if job is None:
            return scrapy.Request(url, headers=headers, callback=self.parse_archive_listing_capture,
                                  errback=self.archive_capture_failed, dont_filter=True, priority=CAPTURE_PRIORITY,
                                  meta=meta)
        return scrapy.Request(url, headers=headers, callback=self.parse_archive_capture,
                              errback=self.archive_capture_failed, dont_filter=True, meta=meta)

    def _judge(self, response, pull: SitePull, cap: Cap, canon: str) -> Verdict:
        ad = pull.adapters[cap.archive]
        payload = ad.payload(response, cap)
        check = self.settings.getbool("ARCHIVE_CHECK_DIGEST", True)
        problem = problem_of(payload, cap, check)
        # a verdict on the body holds for every capture with the same digest (the same bytes)
        same_bytes = {"digest_ok": bool(check and cap.digest and payload.status == 200 and payload.digest == cap.digest
                                        and not payload.problem)}
        if problem:
            return Verdict(False, *problem, extra=same_bytes)
        fetched_at = time.time()
        rows = page_rows(payload.body, ad.fetch_url(cap), content_type=payload.content_type, fetched_at=fetched_at,
                         site=pull.slug, source=cap.archive, http_status=200,
                         capture_time=timestamp_to_unix(cap.ts), original_url=canon)
        if not rows["is_article"]:
            kind = rows.get("error") or "not-article"
            return Verdict(False, kind, rows.get("error_detail") or f"the capture is not an article page ({kind})",
                           extra=same_bytes)
        return Verdict(True, rows=rows, extra={"content_type": payload.content_type, "fetched_at": fetched_at,
                                               **same_bytes})

    def parse_archive_capture(self, response):
        meta = response.meta
        job = self._jobs.get(meta["job"])
        if job is None:
            return
        cap = meta["cap"]
        self.count(job.pull.slug, "pages_fetched", "articles_fetched")
        self._archive_answered(cap.archive, response.status)
        verdict = self._judge(response, job.pull, cap, job.canon)
        if not verdict.good:
            job.pull.remember_bad(cap, verdict)
            self.crawler.stats.inc_value(f"archives/not_the_article/{verdict.kind}")
        yield from self._job_step(job, verdict)
        yield from self._archive_feed()

    def archive_capture_failed(self, failure):
        if failure.check(RetryScheduled):
            return
        meta = failure.request.meta
        pull, cap = self._pulls[meta["site"]], meta["cap"]
        kind, reason = classify(failure, self.settings.getfloat("DOWNLOAD_TIMEOUT"))
        self._archive_failed(cap.archive, kind, reason)
        verdict = Verdict(False, kind, f"{cap.archive}: {reason} after retries", archive_error=True)
        if meta.get("job") is None:   # a listing capture
            logger.warning("%s: listing capture %s not read: %s", pull.slug, cap.label(), reason)
            yield FetchFailure(url=failure.request.url, site=pull.slug, kind=kind,
                               reason=f"listing capture {cap.label()}: {reason}", failed_at=time.time())
            return
        job = self._jobs.get(meta["job"])
        if job is None:
            return
        yield from self._job_step(job, verdict)
        yield from self._archive_feed()

    def parse_archive_listing_capture(self, response):
        meta = response.meta
        pull, cap = self._pulls[meta["site"]], meta["cap"]
        self.count(pull.slug, "pages_fetched", "listing_pages")
        self._archive_answered(cap.archive, response.status)
        ad = pull.adapters[cap.archive]
        payload = ad.payload(response, cap)
        problem = problem_of(payload, cap, self.settings.getbool("ARCHIVE_CHECK_DIGEST", True))
        links: list[str] = []
        base = pull.portal_url(cap.original) or cap.original
        if problem is None:
            try:
                root, _ = parse_document(payload.body, payload.content_type)
                links = [c for c in (pull.portal_url(u) for u in article_links(root, base)) if c]
            except UnreadableInput:
                problem = ("not-html", "the listing capture is not HTML")
        if problem:
            pull.remember_bad(cap, Verdict(False, *problem))
            return
        links = sorted(set(links))
        pull.remember_listing(cap, links)
        for link in links:
            yield from self._link(pull, link)

    # --- linked articles no listing held ------------------------------------------------------------
    def _link(self, pull: SitePull, canon: str):
        ukey = canon.lower()
        if ukey in pull.entries or ukey in pull.lookups or ukey in pull.looking_up:
            return
        if pull.kind_of(canon) != "article" or self._finished(pull, canon):
            return
        if not self.settings.getbool("ARCHIVE_LOOKUPS", True):
            return
        ad = pull.adapters.get("wayback")
        url = ad.lookup_url(canon) if ad is not None else None
        if url is None:
            return
        pull.looking_up.add(ukey)
        yield self._lookup_request(pull, canon, url)

    def _lookup_request(self, pull: SitePull, canon: str, url: str, attempt: int = 0) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_archive_lookup, errback=self.archive_lookup_failed,
                              dont_filter=True, priority=CAPTURE_PRIORITY,
                              meta={"site": pull.slug, "archive": "wayback", "canon": canon, "attempt": attempt,
                                    "download_slot": pull.adapters["wayback"].cdx_slot,
                                    "handle_httpstatus_list": [404], "autothrottle_dont_adjust_delay": True})

    def parse_archive_lookup(self, response):
        meta = response.meta
        pull, canon = self._pulls[meta["site"]], meta["canon"]
        self.count(pull.slug, "pages_fetched", "listing_pages")
        try:
            rows = pull.adapters["wayback"].parse_lookup(response)
        except ListingError as exc:
            if meta["attempt"] < self.settings.getint("ARCHIVE_LISTING_RETRIES", 3):
                yield self._lookup_request(pull, canon, response.request.url, meta["attempt"] + 1)
                return
            pull.looking_up.discard(canon.lower())
            yield FetchFailure(url=response.request.url, site=pull.slug, kind="cdx-unreadable",
                               reason=f"wayback lookup of {canon}: {exc}; the next run asks again", failed_at=time.time())
            return
        kept = [r for r in rows if pull.keep(r[2])]
        new = pull.remember_lookup(canon, kept)
        pull.looking_up.discard(canon.lower())
        self.crawler.stats.inc_value("archives/lookups")
        if new:
            self.crawler.stats.inc_value("archives/lookups_found")
            pull.queue.append(new)
            yield from self._archive_feed()

    def archive_lookup_failed(self, failure):
        if failure.check(RetryScheduled):
            return
        meta = failure.request.meta
        pull = self._pulls[meta["site"]]
        pull.looking_up.discard(meta["canon"].lower())
        kind, reason = classify(failure, self.settings.getfloat("DOWNLOAD_TIMEOUT"))
        yield FetchFailure(url=failure.request.url, site=pull.slug, kind=kind,
                           reason=f"wayback lookup of {meta['canon']}: {reason}; the next run asks again",
                           failed_at=time.time())

    # --- the archives' health and pace --------------------------------------------------------------
    def _archive_answered(self, name: str, status: int) -> None:
        if status < 500 and status != 429:
            self._archive_errors[name] = 0

    def _archive_failed(self, name: str, kind: str, reason: str) -> None:
        if kind not in ("timeout", "connection", "dns") and not kind.startswith("http-5") and kind != "http-429":
            return
        self._archive_errors[name] += 1
        limit = self.settings.getint("ARCHIVE_MAX_ERRORS", 20)
        if self._archive_errors[name] >= limit and name not in self._archive_down:
            self._archive_down[name] = (f"{name} failed {self._archive_errors[name]} requests in a row "
                                        f"(last: {reason}); not asked again in this run")
            logger.warning("%s; what is left of it is for the next run", self._archive_down[name])
            self.crawler.stats.set_value(f"archives/down/{name}", self._archive_down[name])

    def _archive_pace(self, response, request, spider=None):
        """A 429 or 503 from an archive pauses its whole download slot for ``Retry-After``
        (the Internet Archive blocks clients that keep asking after 429s)."""
        if response.status not in (429, 503) or not request.meta.get("archive"):
            return
        slot_key = request.meta.get("download_slot")
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            wait = self.settings.getfloat("ARCHIVE_PAUSE_DEFAULT", 60.0) if response.status == 429 else \
                self.settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        wait = min(wait, self.settings.getfloat("RETRY_BACKOFF_MAX", 60.0))
        engine = self.crawler.engine
        slot = engine.downloader.slots.get(slot_key) if engine is not None else None
        if slot is not None and wait > 0:
            from time import monotonic

            slot.lastseen = max(slot.lastseen, monotonic() + wait)
            self.crawler.stats.inc_value(f"archives/paused/{slot_key}")
            logger.info("%s answered %d: pausing %s for %.0f s", request.meta["archive"], response.status, slot_key, wait)

    def _archive_idle(self, spider=None):
        """Nothing scheduled: feed articles that are waiting (a safety net: callbacks feed).
        At the end, a pull that could not do its work (an archive left alone after errors, a
        listing stopped) closes the run as ``archive-unavailable``: not finished, exit status 1,
        and the next run goes on."""
        if not getattr(self, "_pulls", None):
            return
        scheduled = False
        for out in self._archive_feed():
            if isinstance(out, scrapy.Request):
                self.crawler.engine.crawl(out)
                scheduled = True
            elif isinstance(out, FetchFailure):
                self.run.add_failure(out)
        if scheduled:
            raise DontCloseSpider
        unfinished = bool(self._archive_down) or any(p.stopped for p in self._pulls.values())
        if unfinished and not getattr(self, "_archive_closing", False) and not self._retries_waiting():
            self._archive_closing = True
            close_spider(self.crawler, "archive-unavailable")

    def _retries_waiting(self) -> bool:
        """Are retries waiting out their backoff (crawler.middlewares.BackoffRetryMiddleware)?"""
        engine = self.crawler.engine
        mws = getattr(getattr(getattr(engine, "downloader", None), "middleware", None), "middlewares", ())
        return any(getattr(mw, "waiting", 0) for mw in mws)
