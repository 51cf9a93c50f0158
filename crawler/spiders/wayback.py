"""The Wayback Machine as a source for the ``portal`` spider (``-a source=wayback``).

For each site the spider asks the CDX API for every capture under ``<host>/portal/Pages/``
(prefix query, HTTP 200 only, collapsed by URL key, optionally ``from``/``to`` years),
keeps article URLs, and fetches each raw capture (``<ts>id_/<original>``: the page as the
portal served it, no archive toolbar, links as on the portal). Items are
:class:`~crawler.items.RawPage` with ``source="wayback"``, the capture URL in ``url``, the
portal's URL in ``original_url`` and the capture time in ``capture_time``.

The archive is one download slot (``"wayback"``) with ``WAYBACK_CONCURRENCY`` requests at a
time and ``WAYBACK_DOWNLOAD_DELAY`` between them; 429/503 answers are retried with backoff
(and ``Retry-After``) by :class:`crawler.middlewares.BackoffRetryMiddleware`.
``WAYBACK_BASE_URL`` (default ``https://web.archive.org``) points elsewhere for tests: the
replica serves a fake archive at ``<replica>/wayback``.
"""

from __future__ import annotations

import json
import re
import time
from calendar import timegm
from urllib.parse import urlencode, urlsplit

import scrapy

from crawler.items import RawPage
from pipelines.sites.registry import canonical_url, sites_by_slug
from pipelines.extraction.pages.listing import ARTICLE_PATH

SLOT = "wayback"


def year_bound(value, name: str) -> str | None:
    """``from``/``to`` argument → CDX timestamp prefix (YYYY[MM[DD…]]); ValueError when not digits."""
    if value in (None, ""):
        return None
    digits = re.sub(r"[-:T ]", "", str(value).strip())
    if not re.fullmatch(r"\d{4,14}", digits):
        raise ValueError(f"{name}={value!r} is not a year or timestamp (YYYY, YYYYMMDD, …)")
    return digits


def cdx_url(base: str, host: str, from_: str | None = None, to: str | None = None) -> str:
    """CDX query for every 200 capture under ``<host>/portal/Pages/``, one row per URL."""
    params = [("url", f"{host}/portal/Pages/"), ("matchType", "prefix"), ("output", "json"),
              ("filter", "statuscode:200"), ("collapse", "urlkey")]
    if from_:
        params.append(("from", from_))
    if to:
        params.append(("to", to))
    return f"{base.rstrip('/')}/cdx/search/cdx?{urlencode(params, safe=':/')}"


def capture_url(base: str, timestamp: str, original: str) -> str:
    return f"{base.rstrip('/')}/web/{timestamp}id_/{original}"


def timestamp_to_unix(ts: str) -> float:
    """14-digit Wayback timestamp (UTC) → UNIX time."""
    ts = (ts + "00000000000000")[:14]
    return float(timegm(time.strptime(ts, "%Y%m%d%H%M%S")))


def parse_cdx_json(body: bytes | str) -> list[dict]:
    """CDX ``output=json`` answer → rows as dicts (first row holds the field names)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not text.strip():
        return []
    data = json.loads(text)
    if not data:
        return []
    fields = data[0]
    return [dict(zip(fields, row)) for row in data[1:]]


class WaybackMixin:
    """Wayback source for :class:`crawler.spiders.portal.PortalSpider` (``source=wayback``)."""

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        if getattr(spider, "source_arg", "live") == "wayback" and not s.frozen:
            slots = dict(s.getdict("DOWNLOAD_SLOTS"))
            slots.setdefault(SLOT, {"concurrency": s.getint("WAYBACK_CONCURRENCY", 2),
                                    "delay": s.getfloat("WAYBACK_DOWNLOAD_DELAY", 1.0)})
            s.set("DOWNLOAD_SLOTS", slots, priority="spider")
        return spider

    def wayback_hosts(self) -> list[tuple[str, str]]:
        """(host, site slug) to query: registry sites, plus hosts of ``start_urls``."""
        out = []
        if getattr(self, "wayback_sites", None) is not None:
            out += [(site.host, site.slug) for site in sites_by_slug(self.wayback_sites)]
        for url, slug in getattr(self, "start_listing_urls", []):
            host = urlsplit(url).hostname or ""
            if host and not any(h == host for h, _ in out):
                out.append((host, slug))
        return out

    def wayback_start(self):
        base = self.settings.get("WAYBACK_BASE_URL", "https://web.archive.org")
        for host, site in self.wayback_hosts():
            yield scrapy.Request(cdx_url(base, host, self.wayback_from, self.wayback_to),
                                 callback=self.parse_cdx, errback=self.on_error,
                                 meta={"site": site, "download_slot": SLOT,  # one answer lists a whole portal
                                       "download_maxsize": self.settings.getint("WAYBACK_CDX_MAXSIZE", 0)})

    def parse_cdx(self, response):
        site = response.meta["site"]
        self.count(site, "pages_fetched", "listing_pages")
        try:
            rows = parse_cdx_json(response.body)
        except ValueError as exc:
            yield self._failure(response.url, site, "cdx", f"CDX answer is not JSON: {exc}")
            return
        base = self.settings.get("WAYBACK_BASE_URL", "https://web.archive.org")
        for row in rows:
            original, ts = row.get("original"), row.get("timestamp")
            if not original or not ts or row.get("statuscode", "200") != "200":
                continue
            if not ARTICLE_PATH.search(urlsplit(original).path):
                continue
            canon = canonical_url(original)
            if canon in self.seen:
                continue
            self.seen.add(canon)
            if self.run.ledger.is_stored(canon) and not self.full:
                self.count(site, "articles_skipped_known")
                continue
            yield scrapy.Request(capture_url(base, ts, original), callback=self.parse_capture,
                                 errback=self.on_error,
                                 meta={"site": site, "download_slot": SLOT,
                                       "wayback_original": original,
                                       "wayback_capture_time": timestamp_to_unix(ts),
                                       "listed_in": response.url})

    def parse_capture(self, response):
        site = response.meta["site"]
        self.count(site, "pages_fetched", "articles_fetched")
        if response.meta.get("error_page"):
            yield self._failure(response.url, site, "error-page", "archived page is a SharePoint error page")
            return
        # a 302 to the nearest capture lands on another timestamp: take it from the final URL
        m = re.search(r"/web/(\d{14})[a-z]{2}_/", response.url)
        capture_time = timestamp_to_unix(m.group(1)) if m else response.meta.get("wayback_capture_time")
        yield RawPage(
            url=response.url,
            body=response.body,
            status=response.status,
            content_type=response_content_type(response),
            fetched_at=time.time(),
            site=site,
            source="wayback",
            original_url=response.meta["wayback_original"],
            capture_time=capture_time,
            listed_in=response.meta.get("listed_in"),
        )


def response_content_type(response) -> str | None:
    """The response's Content-Type header as text (both spiders' pages)."""
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None
