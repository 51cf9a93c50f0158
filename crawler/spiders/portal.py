"""The ``portal`` spider: walks category listings of Tân Dân portals and fetches articles.

    scrapy crawl portal -a sites=muong-lat,quan-hoa          # registry sites
    scrapy crawl portal -a start_urls=URL[,URL]              # any listing URL of the platform
    scrapy crawl portal -a sites=muong-lat -a replica=http://127.0.0.1:8000   # through the offline replica
    scrapy crawl portal -a sites=muong-lat -a source=archives [-a captures=first|latest|all] [-a plan=1]

Arguments: ``full=1`` fetch every article even if stored (and retry URLs that failed less
than ``RETRY_FAILED_AFTER_HOURS`` ago, which are otherwise left for a later run); ``since=YYYY-MM-DD`` stop a listing
walk at articles older than that day; ``max_listing_pages=N`` per category (0: the setting
``MAX_LISTING_PAGES``, default 2,000; a negative number: no bound); ``source=wayback|
commoncrawl|archives`` (``from``/``to``, ``captures``, ``plan``) takes the sites from web archives
instead (:mod:`crawler.spiders.archives`).

It only fetches: article pages are yielded as :class:`~crawler.items.RawPage` and extracted
by the item pipelines; URLs given up on are yielded as :class:`~crawler.items.FetchFailure`.

It stays on the run's hosts (``allowed_hosts``: the hosts of its sites and their
``aliases`` in ``sites.toml``, the hosts of ``start_urls``, the Wayback Machine in an archive
run): listing links to other hosts are counted (``links_offsite``) and not followed, and
:class:`crawler.middlewares.SiteHostsMiddleware` refuses redirects elsewhere (kind
``offsite``). An article belongs to the site of its own host, not to the listing's.

A listing walk (one category, from its start URL) ends at its last page, at a page whose
articles are all stored (incremental runs), at articles older than ``since`` — or it is
*cut*, recorded as a ``failures/`` row of kind ``listing-cut`` under the walk's start URL:
when its next page was walked already on this walk, when a page after the first lists no
article not seen earlier on the walk (a pager that repeats itself or runs on empty), or at
the bound on listing pages.
"""

from __future__ import annotations

import time
from datetime import date
from urllib.parse import urlsplit

import scrapy

from crawler.items import FetchFailure, RawPage
from crawler.failures import classify, first_url
from crawler.frontier import ack_marker
from crawler.middlewares import RetryScheduled, same_host
from crawler.replicaproxy import ReplicaArgument, check_replica_url
from crawler.run import RunOwner
from pipelines.sites.registry import UnknownSite, canonical_url, district_slug, site_for_url, sites_by_slug
from crawler.spiders.archives import SOURCES, ArchiveMixin
from crawler.spiders.wayback import response_content_type, year_bound
from pipelines.extraction.dates import date_from_url
from pipelines.extraction.extract import UnreadableInput, parse_document
from pipelines.extraction.pages.listing import ARTICLE_PATH, article_links, next_page


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


LISTING_PRIORITY = 10


def site_hosts(site) -> list[str]:
    """A registry site's hosts: its ``host`` and the ``aliases`` its ``sites.toml`` table lists."""
    aliases = site.extra.get("aliases") or ()
    if isinstance(aliases, str):
        aliases = [aliases]
    return [site.host.lower()] + [str(a).strip().lower() for a in aliases if str(a).strip()]


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class _Walk:
    """One listing walk (a category, from its start URL): what it saw, to tell a pager that
    repeats itself."""

    __slots__ = ("start", "urls", "articles")

    def __init__(self, start: str):
        self.start = start
        self.urls: set[str] = set()       # canonical listing URLs walked
        self.articles: set[str] = set()   # canonical article URLs listed on them


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
        self.host_sites: dict[str, str] = {}   # host → site slug, for every host of the run's sites
        self.allowed_hosts: frozenset = frozenset()
        self.allowed_domains: list[str] = []   # the same, for Scrapy's offsite machinery
        self.walks: dict[str, _Walk] = {}      # listing walks under way, by start URL
        self.listing_bound = 0                 # listing pages per walk (0: no bound), set by start()
        self._offsite_seen: set[str] = set()
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
                for host in site_hosts(site):
                    self.host_sites.setdefault(host, site.slug)
        for url, slug in self.start_listing_urls:
            self.host_sites.setdefault(host_of(url), slug)
            registered = site_for_url(url)
            if registered is not None:  # a start URL of a registry site: its aliases too
                for host in site_hosts(registered):
                    self.host_sites.setdefault(host, slug)
        self._allow(self.host_sites)

    def _allow(self, hosts) -> None:
        self.allowed_hosts = frozenset(self.allowed_hosts | set(hosts))
        self.allowed_domains = sorted(self.allowed_hosts)

    def site_of(self, url: str, default: str) -> str | None:
        """The site an article URL belongs to (by its host), ``None`` when its host is not
        one of the run's; ``default`` (the listing's site) for a host of the run without a site."""
        host = host_of(url)
        site = self.host_sites.get(host)
        if site is None and host.startswith("www."):
            site = self.host_sites.get(host[4:])
        if site is None and not host.startswith("www."):
            site = self.host_sites.get("www." + host)
        if site is not None:
            return site
        return default if same_host(host, self.allowed_hosts) else None

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
        configured = self.settings.getint("MAX_LISTING_PAGES", 2000)
        self.listing_bound = (configured if self.max_listing_pages == 0 else
                              0 if self.max_listing_pages < 0 else self.max_listing_pages)
        if self.archive_names:
            self._allow({host_of(self.settings.get(name) or "") for name in
                         ("WAYBACK_BASE_URL", "COMMONCRAWL_INDEX_URL", "COMMONCRAWL_DATA_URL")} - {""})
            for out in self.archive_start():
                yield out
            return
        for url, site in self.start_listing_urls:
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error,
                                 meta={"site": site, "listing_page": 1, "walk": url})

    # --- listings ---------------------------------------------------------------------
    def parse_listing(self, response):
        site = response.meta["site"]
        self.count(site, "pages_fetched", "listing_pages")
        ledger = self.run.ledger
        walk = self._walk(response.meta)
        walk.urls.add(canonical_url(response.url))
        walk.urls.add(canonical_url(first_url(response.request)))
        if response.meta.get("error_page"):
            self.walks.pop(walk.start, None)
            yield self._failure(response.url, site, "error-page", "error page served with HTTP 200 after retries")
            return
        try:
            root, _ = parse_document(response.body, response_content_type(response))
        except UnreadableInput as exc:
            self.walks.pop(walk.start, None)
            yield self._failure(response.url, site, "not-html", str(exc))
            return
        links = [u for u in article_links(root, response.url) if ARTICLE_PATH.search(urlsplit(u).path)]
        listed = [canonical_url(u) for u in links]
        fresh = [c for c in listed if c not in walk.articles]
        walk.articles.update(listed)
        onsite = 0
        known_on_page = 0
        too_old = 0
        for link, canon in zip(links, listed):
            article_site = self.site_of(link, site)
            if article_site is None:  # another host: not followed, counted
                self._offsite_link(site, link, response.url)
                continue
            onsite += 1
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
                    self.count(article_site, skip)
                continue
            if canon in self.seen:
                continue
            self.seen.add(canon)
            self.outstanding += 1
            yield scrapy.Request(link, callback=self.parse_article, errback=self.on_error,
                                 meta={"site": article_site, "listed_in": response.url})
        nxt = next_page(root, response.url)
        page_no = response.meta.get("listing_page", 1)
        if not nxt:
            self.walks.pop(walk.start, None)
            return
        if onsite and known_on_page == onsite and not self.full and not ledger.interrupted:
            self.logger.info("%s: every article on %s is already stored; not walking further", site, response.url)
            self.walks.pop(walk.start, None)
            return
        if onsite and too_old == onsite:
            self.walks.pop(walk.start, None)
            return
        cut = self._cut_reason(walk, page_no, listed, fresh, nxt)
        if cut:
            self.walks.pop(walk.start, None)
            self.logger.warning("%s: listing walk from %s cut: %s", site, walk.start, cut)
            self.crawler.stats.inc_value("portal/listing_cut")
            yield self._failure(walk.start, site, "listing-cut", cut)
            return
        # ahead of the articles it queued, so the downloader never runs dry; but behind them
        # once LISTING_BACKLOG article requests wait, so the queue (memory) stays bounded
        backlog = self.settings.getint("LISTING_BACKLOG", 2000)
        priority = LISTING_PRIORITY if self.outstanding < backlog else -LISTING_PRIORITY
        yield scrapy.Request(nxt, callback=self.parse_listing, errback=self.on_error, priority=priority,
                             meta={"site": site, "listing_page": page_no + 1, "walk": walk.start})

    def _walk(self, meta) -> _Walk:
        start = meta.get("walk") or ""
        walk = self.walks.get(start)
        if walk is None:
            walk = self.walks[start] = _Walk(start)
        return walk

    def _cut_reason(self, walk: _Walk, page_no: int, listed: list[str], fresh: list[str], nxt: str) -> str | None:
        """Why the walk must not go on to ``nxt`` (None: it goes on)."""
        if canonical_url(nxt) in walk.urls:
            return f"page {page_no} links to {nxt} as its next page, already walked (a pager that loops)"
        if page_no > 1 and not listed:
            return f"page {page_no} lists no articles and links a next page (a pager that runs on empty)"
        if page_no > 1 and not fresh:
            return (f"page {page_no} lists only articles of earlier pages of this walk "
                    f"(a pager that repeats itself)")
        if self.listing_bound and page_no >= self.listing_bound:
            how = ("the bound set for this run (max_listing_pages)" if self.max_listing_pages > 0
                   else "the default bound (MAX_LISTING_PAGES; --max-listing-pages N sets another, -1 none)")
            return f"walked {page_no} listing pages, {how}; next page {nxt} not walked"
        return None

    def _offsite_link(self, site: str, link: str, listing: str) -> None:
        self.count(site, "links_offsite")
        self.crawler.stats.inc_value("portal/links_offsite")
        host = host_of(link)
        if host not in self._offsite_seen:
            self._offsite_seen.add(host)
            self.logger.info("%s: not following links to %s, not a host of this run's sites (first on %s)",
                             site, host, listing)

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
        elif request.callback == self.parse_listing and request.meta.get("walk") is not None:
            self.walks.pop(request.meta["walk"], None)
        site = request.meta.get("site", "unknown")
        kind, reason = classify(failure, self.settings.getfloat("DOWNLOAD_TIMEOUT"))
        url = first_url(request)  # the URL asked for (a redirect's target is in the reason)
        if url != request.url and request.url not in reason:
            reason = f"{reason} (redirected to {request.url})"
        self.logger.warning("giving up on %s: %s", url, reason)
        yield self._failure(url, site, kind, reason)
        yield from ack_marker(request)  # with a shared frontier: it may forget the request now (errbacks skip spider middlewares)

    def _failure(self, url, site, kind, reason):
        return FetchFailure(url=url, site=site, kind=kind, reason=reason, failed_at=time.time())

