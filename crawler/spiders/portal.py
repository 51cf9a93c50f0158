"""The ``portal`` spider: walks category listings of Tân Dân portals and fetches articles.

    scrapy crawl portal -a sites=muong-lat,quan-hoa          # registry sites
    scrapy crawl portal -a start_urls=URL[,URL]              # any listing URL of the platform
    scrapy crawl portal -a sites=muong-lat -a replica=http://127.0.0.1:8000   # through the offline replica
    scrapy crawl portal -a sites=muong-lat -a source=archives [-a captures=first|latest|all] [-a plan=1]

Arguments: ``full=1`` fetch every article even if stored (and retry URLs that failed less
than ``RETRY_FAILED_AFTER_HOURS`` ago, which are otherwise left for a later run); ``since=YYYY-MM-DD`` stop a listing
walk at articles older than that day; ``max_listing_pages=N`` per category; ``source=wayback|
commoncrawl|archives`` (``from``/``to``, ``captures``, ``plan``) takes the sites from web archives
instead (:mod:`crawler.spiders.archives`).

It only fetches: article pages are yielded as :class:`~crawler.items.RawPage` and extracted
by the item pipelines; URLs given up on are yielded as :class:`~crawler.items.FetchFailure`.
"""

from __future__ import annotations

import time
from datetime import date
from urllib.parse import urlsplit

import scrapy

from crawler.items import FetchFailure, RawPage
from crawler.failures import classify
from crawler.middlewares import RetryScheduled
from crawler.replicaproxy import ReplicaArgument, check_replica_url
from crawler.run import RunOwner
from pipelines.sites.registry import UnknownSite, canonical_url, district_slug, sites_by_slug
from crawler.spiders.archives import SOURCES, ArchiveMixin
from crawler.spiders.wayback import response_content_type, year_bound
from pipelines.extraction.dates import date_from_url
from pipelines.extraction.extract import UnreadableInput, parse_document
from pipelines.extraction.pages.listing import ARTICLE_PATH, article_links, next_page


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


LISTING_PRIORITY = 10


class UsageError(ValueError):
    """Bad spider arguments: reported as one line, no traceback."""


class PortalSpider(ReplicaArgument, ArchiveMixin, scrapy.Spider):
    name = "portal"

    def __init__(self, sites: str | None = None, start_urls: str | None = None, replica: str | None = None,
                 full: str | bool = False, since: str | None = None, max_listing_pages: str | int = 0,
                 source: str = "live", captures: str | None = None, plan: str | bool = False, **kwargs):
        wayback_from, wayback_to = kwargs.pop("from", None), kwargs.pop("to", None)  # Python keywords
        super().__init__(**kwargs)
        self.seen: set[str] = set()       # canonical article URLs requested (or skipped) in this run
        self.outstanding = 0  # article requests yielded and not yet answered
        self.usage_error: str | None = None
        self.start_listing_urls: list[tuple[str, str]] = []  # (url, site slug)
        self.wayback_sites = None
        self.replica = None  # -a replica=URL: sets REPLICA_PROXY (crawler/replicaproxy.py)
        self.full, self.since, self.max_listing_pages, self.source_arg = False, None, 0, source
        try:
            self._configure(sites, start_urls, replica, full, since, max_listing_pages, source,
                            wayback_from, wayback_to, captures, plan)
        except UsageError as exc:  # reported by start() as one line (scrapy crawl) or by the CLI
            self.usage_error = str(exc)

    def _configure(self, sites, start_urls, replica, full, since, max_listing_pages, source,
                   wayback_from, wayback_to, captures=None, plan=False):
        if source != "live" and source not in SOURCES:
            raise UsageError(f"source={source!r}: expected live, {', '.join(SOURCES)}")
        try:  # -a source=archives [-a from=2015 -a to=2025 -a captures=latest -a plan=1]: crawler/spiders/archives.py
            self.wayback_from, self.wayback_to = year_bound(wayback_from, "from"), year_bound(wayback_to, "to")
            self.configure_archives(source, captures, plan)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        self.full = _truthy(full)
        if replica:
            try:
                self.replica = check_replica_url(replica)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        try:
            self.max_listing_pages = int(max_listing_pages or 0)
        except ValueError:
            raise UsageError(f"max_listing_pages={max_listing_pages!r} is not a number") from None
        try:
            self.since = date.fromisoformat(since) if since else None
        except ValueError:
            raise UsageError(f"since={since!r} is not a date (YYYY-MM-DD)") from None
        if start_urls:
            for url in (u.strip() for u in start_urls.split(",")):
                if url:
                    if urlsplit(url).scheme not in ("http", "https"):
                        raise UsageError(f"start_urls: {url!r} is not an http(s) URL")
                    self.start_listing_urls.append((url, district_slug(url)))
        if sites or not start_urls:
            try:
                chosen = sites_by_slug(sites)
            except UnknownSite as exc:
                raise UsageError(str(exc)) from None
            self.wayback_sites = [site.slug for site in chosen]
            for site in chosen:
                for url in site.listing_urls():
                    self.start_listing_urls.append((url, site.slug))

    @property
    def run(self) -> RunOwner:
        """The run's owner: the output root, what is stored, the counters (Scrapy builds the
        extensions after the spider, so it is looked up when first needed)."""
        return RunOwner.of(self.crawler)

    def count(self, site: str, *keys: str) -> None:
        """Add one to fetch counters of a site (the run's ``runs/`` columns)."""
        for key in keys:
            self.run.ledger.count(site, key)

    async def start(self):
        if self.usage_error:
            self.logger.error("bad spider arguments: %s", self.usage_error)
            self.crawler.stats.set_value("portal/usage_error", self.usage_error)
            return
        if not self.run.open():
            self.logger.error("cannot crawl: %s", self.run.error)
            return
        ledger = self.run.ledger
        if ledger.interrupted:
            self.logger.warning("run(s) %s did not finish: walking every listing page (stored articles are still "
                                "not fetched again)", ", ".join(ledger.interrupted))
        if ledger.stored_count:
            self.logger.info("%d articles already stored under %s%s", ledger.stored_count,
                             self.run.root, " (full crawl: fetching them again)" if self.full else "")
        if self.archive_names:
            for out in self.archive_start():
                yield out
            return
        for url, site in self.start_listing_urls:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error,
                                 meta={"site": site, "listing_page": 1})

    # --- listings ---------------------------------------------------------------------
    def parse_listing(self, response):
        site = response.meta["site"]
        self.count(site, "pages_fetched", "listing_pages")
        ledger = self.run.ledger
        if response.meta.get("error_page"):
            yield self._failure(response.url, site, "error-page", "error page served with HTTP 200 after retries")
            return
        try:
            root, _ = parse_document(response.body, response_content_type(response))
        except UnreadableInput as exc:
            yield self._failure(response.url, site, "not-html", str(exc))
            return
        links = [u for u in article_links(root, response.url) if ARTICLE_PATH.search(urlsplit(u).path)]
        known_on_page = 0
        too_old = 0
        for link in links:
            canon = canonical_url(link)
            if self.since:
                d = date_from_url(link)
                if d and d < self.since:
                    too_old += 1
                    continue
            skip = None if self.full else ("articles_skipped_known" if ledger.is_stored(canon) else
                                           "articles_skipped_failed" if ledger.failed_recently(canon) else None)
            if skip:  # stored already, or given up on recently: counts as known for the walk
                known_on_page += 1
                if canon not in self.seen:
                    self.seen.add(canon)
                    self.count(site, skip)
                continue
            if canon in self.seen:
                continue
            self.seen.add(canon)
            self.outstanding += 1
            yield scrapy.Request(link, callback=self.parse_article, errback=self.on_error,
                                 meta={"site": site, "listed_in": response.url})
        nxt = next_page(root, response.url)
        page_no = response.meta.get("listing_page", 1)
        if not nxt:
            return
        if links and known_on_page == len(links) and not self.full and not ledger.interrupted:
            self.logger.info("%s: every article on %s is already stored; not walking further", site, response.url)
            return
        if links and too_old == len(links):
            return
        if self.max_listing_pages and page_no >= self.max_listing_pages:
            return
        # ahead of the articles it queued, so the downloader never runs dry; but behind them
        # once LISTING_BACKLOG article requests wait, so the queue (memory) stays bounded
        backlog = self.settings.getint("LISTING_BACKLOG", 2000)
        priority = LISTING_PRIORITY if self.outstanding < backlog else -LISTING_PRIORITY
        yield scrapy.Request(nxt, callback=self.parse_listing, errback=self.on_error, priority=priority,
                             meta={"site": site, "listing_page": page_no + 1})

    # --- articles ---------------------------------------------------------------------
    def parse_article(self, response):
        self.outstanding -= 1
        site = response.meta["site"]
        self.count(site, "pages_fetched", "articles_fetched")
        if response.meta.get("error_page"):
            yield self._failure(response.url, site, "error-page", "error page served with HTTP 200 after retries")
            return
        yield RawPage(
            url=response.url,
            body=response.body,
            status=response.status,
            content_type=response_content_type(response),
            fetched_at=time.time(),
            site=site,
            source=self.page_source,
            listed_in=response.meta.get("listed_in"),
        )

    @property
    def page_source(self) -> str:
        """``source`` of the fetched pages: ``replica`` in a crawl through the replica
        (``REPLICA_PROXY`` set), else the ``source`` argument."""
        return "replica" if self.settings.get("REPLICA_PROXY") else self.source_arg

    # --- failures ---------------------------------------------------------------------
    def on_error(self, failure):
        if failure.check(RetryScheduled):
            return  # not a failure: the request comes back after its backoff delay
        request = failure.request
        if request.callback == self.parse_article:
            self.outstanding -= 1
        site = request.meta.get("site", "unknown")
        kind, reason = classify(failure, self.settings.getfloat("DOWNLOAD_TIMEOUT"))
        self.logger.warning("giving up on %s: %s", request.url, reason)
        yield self._failure(request.url, site, kind, reason)

    def _failure(self, url, site, kind, reason):
        return FetchFailure(url=url, site=site, kind=kind, reason=reason, failed_at=time.time())

