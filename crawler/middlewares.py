"""Downloader middlewares: retries with exponential backoff, error pages served as 200,
the run's hosts (offsite requests and redirects refused, and recorded), redirects that loop."""

from __future__ import annotations

import logging
import weakref
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefreshMiddleware
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware as ScrapyRedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Request

from crawler.failures import OffsiteRefused, RedirectRefused, TooLarge, first_url
from pipelines.extraction.extract import looks_like_error_page

logger = logging.getLogger(__name__)


class _RobotsTxtOneLine(logging.Filter):
    """Scrapy logs a robots.txt that cannot be fetched (host down, refused) as an ERROR with
    a traceback — from the robots.txt middleware, and in Scrapy ≥ 2.13 from the scraper
    (``Error downloading <GET …/robots.txt>``) — then crawls as if it allowed everything.
    That is no error of ours and the host's own failures are recorded per URL: one WARNING
    line says it."""

    def __init__(self, robots_only: bool = False):
        super().__init__()
        self.robots_only = robots_only  # the scraper's records: only those of a robots.txt

    def filter(self, record: logging.LogRecord) -> bool:
        if not (record.exc_info and record.levelno >= logging.ERROR):
            return True
        if self.robots_only:
            request = record.args.get("request") if isinstance(record.args, dict) else None
            if not str(getattr(request, "url", "")).endswith("/robots.txt"):
                return True
        exc = record.exc_info[1]
        record.msg, record.args = "robots.txt not fetched (%s: %s); crawling as if it allowed all", (
            type(exc).__name__, str(exc).splitlines()[0][:200] if str(exc) else "")
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        return True


logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_RobotsTxtOneLine())
logging.getLogger("scrapy.core.scraper").addFilter(_RobotsTxtOneLine(robots_only=True))


def same_host(host: str, allowed: frozenset) -> bool:
    """Is ``host`` (lower case) one of ``allowed``, give or take a leading ``www.``?"""
    if host in allowed:
        return True
    return (host[4:] if host.startswith("www.") else "www." + host) in allowed


class SiteHostsMiddleware(OffsiteMiddleware):
    """Scrapy's OffsiteMiddleware, held to the run's hosts exactly and made visible:

    * allowed are the hosts in the spider's ``allowed_domains`` (its sites' hosts and their
      ``aliases``, the hosts of ``start_urls``, the Wayback Machine in an archive run) —
      each host itself (and with ``www.``), not its subdomains: ``thanhhoa.gov.vn`` is the
      provincial portal, not its 27 districts;
    * a request to another host is refused in the downloader, with
      :class:`~crawler.failures.OffsiteRefused`, so the spider's errback records it as a
      ``failures/`` row of kind ``offsite`` (Scrapy drops it silently when it is
      scheduled). Redirects are requests too: a redirect to another host is refused so;
    * ``dont_filter`` (set on retries and redirects) does not let a request off the check;
      ``meta["allow_offsite"]`` does, as in Scrapy.

    The spider itself does not follow listing links to other hosts (it counts them)."""

    def request_scheduled(self, request, spider=None) -> None:
        return None  # checked in the downloader, where a refusal reaches the errback

    def process_request(self, request) -> None:
        if request.meta.get("allow_offsite") or self.should_follow(request, self.crawler.spider):
            return
        host = (urlsplit(request.url).hostname or "").lower()
        self.stats.inc_value("offsite/filtered")
        if host not in self.domains_seen:
            self.domains_seen.add(host)
            self.stats.inc_value("offsite/domains")
        origin = first_url(request)
        if origin != request.url:
            raise OffsiteRefused(f"offsite: redirected to {request.url}, on {host!r}, not a host of this run's sites")
        raise OffsiteRefused(f"offsite: {host!r} is not a host of this run's sites")

    def should_follow(self, request, spider) -> bool:
        allowed = getattr(spider, "allowed_hosts", None)
        if not allowed:
            return True  # a spider without hosts (not ours): everything, as in Scrapy
        return same_host((urlsplit(request.url).hostname or "").lower(), allowed)


class BodySizeMiddleware:
    """Names the downloads Scrapy cancels for their size.

    A body without a ``Content-Length`` that grows beyond ``DOWNLOAD_MAXSIZE`` is cancelled
    by Scrapy's download handler with a bare ``DownloadCancelledError`` (its reason only
    logged); this middleware counts the bytes each download received (``bytes_received``
    signal) and turns such a cancel into :class:`~crawler.failures.TooLarge` — kind
    ``too-large``, not retried. Bodies announced too large, and decompressed bodies beyond the
    limit, are refused by Scrapy with a message that says so (see :mod:`crawler.failures`)."""

    def __init__(self, crawler):
        from scrapy.exceptions import NotConfigured

        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        if not self.maxsize:
            raise NotConfigured
        self.received: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _bytes_received(self, data, request, spider=None):
        self.received[request] = self.received.get(request, 0) + len(data)

    def process_response(self, request, response):
        self.received.pop(request, None)
        return response

    def process_exception(self, request, exception):
        received = self.received.pop(request, 0)
        limit = request.meta.get("download_maxsize", self.maxsize)
        if limit and received > limit and type(exception).__name__ in ("DownloadCancelledError", "CancelledError"):
            raise TooLarge(f"larger than DOWNLOAD_MAXSIZE ({limit} B): {received} B received when the "
                           f"download was cancelled") from None
        return None


class _RefusedRedirects:
    """What both redirect middlewares add to Scrapy's (HTTP ``Location`` and HTML
    ``<meta http-equiv="refresh">`` redirects alike):

    * a redirect back to a URL of its own chain (A → B → A) is refused at once as a loop;
    * a redirect target is fetched even when the dupefilter saw it already
      (``dont_filter``): Scrapy's dupefilter would drop the request silently, and the
      URL asked for would be neither stored nor recorded. Loops are caught above, chains
      end at ``REDIRECT_MAX_TIMES`` (HTTP and meta refresh hops count together); the
      offsite check still applies (:class:`SiteHostsMiddleware`);
    * refusals raise :class:`~crawler.failures.RedirectRefused` naming the chain, so the
      spider records a ``failures/`` row of kind ``redirect`` under the URL first asked for
      (Scrapy itself only logs "max redirections reached" at DEBUG and drops the request)."""

    def _redirect(self, redirected, request, reason):
        chain = [*request.meta.get("redirect_urls", []), request.url]
        target = redirected.url.split("#", 1)[0]
        what = "meta refresh loop" if reason == "meta refresh" else "redirect loop"
        if target in (u.split("#", 1)[0] for u in chain):
            raise RedirectRefused(f"{what}: {' -> '.join(chain + [redirected.url])}"[:500])
        try:
            out = super()._redirect(redirected, request, reason)
        except IgnoreRequest:
            raise RedirectRefused(f"too many redirects (more than {self.max_redirect_times}): "
                                  f"{chain[0]} -> ... -> {redirected.url}"[:500]) from None
        out.dont_filter = True
        return out


class RedirectMiddleware(_RefusedRedirects, ScrapyRedirectMiddleware):
    """Scrapy's RedirectMiddleware (``REDIRECT_MAX_TIMES``), loops and long chains refused
    and recorded (:class:`_RefusedRedirects`)."""


class MetaRefreshMiddleware(_RefusedRedirects, ScrapyMetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware (refreshes sooner than ``METAREFRESH_MAXDELAY`` are
    followed), loops and long chains refused and recorded (:class:`_RefusedRedirects`)."""


class RetryScheduled(IgnoreRequest):
    """This attempt is over; a retry of the request is scheduled (errbacks ignore it)."""


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, plus:

    * a pause before each retry: ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds (capped by
      ``RETRY_BACKOFF_MAX``), or the server's ``Retry-After`` when it sends one. The retry
      is handed back to the engine by a timer, so a waiting retry holds no download slot
      (sleeping in the middleware did, and cost a third of a crawl's throughput); the
      attempt ends with :class:`RetryScheduled`, which errbacks ignore, and the spider is
      kept open while retries wait;
    * SharePoint error pages answered with HTTP 200 are retried like a 503; when retries
      run out the response goes on marked ``meta["error_page"]`` so the spider records it
      as a failure instead of an article.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.error_page_retry = settings.getbool("ERROR_PAGE_RETRY", True)

    @classmethod
    def from_crawler(cls, crawler):
        mw = super().from_crawler(crawler)
        mw.waiting = 0
        crawler.signals.connect(mw._keep_open, signal=signals.spider_idle)
        return mw

    def _keep_open(self, spider=None):
        if self.waiting:
            raise DontCloseSpider

    def _later(self, new_request, response=None):
        """Schedule ``new_request`` after its backoff delay and end this attempt."""
        delay = self._delay(new_request, response)
        if delay <= 0:
            return new_request
        self.waiting += 1

        def again():
            self.waiting -= 1
            if self.crawler.engine is not None and self.crawler.engine.spider is not None:
                self.crawler.engine.crawl(new_request)

        from twisted.internet import reactor  # the one Scrapy installed (import it late)

        reactor.callLater(delay, again)
        raise RetryScheduled(f"retry of {new_request.url} in {delay:.1f} s")

    def _delay(self, new_request, response=None) -> float:
        n = new_request.meta.get("retry_times", 1)
        delay = self.backoff_base * (2 ** (n - 1))
        if response is not None:
            retry_after = response.headers.get(b"Retry-After")
            if retry_after:
                try:
                    delay = max(delay, float(retry_after.decode("ascii", "ignore")))
                except ValueError:
                    pass
        return min(delay, self.backoff_max)

    def process_response(self, request, response):
        if (self.error_page_retry and response.status == 200 and not request.meta.get("dont_retry")
                and not request.meta.get("wayback_original")  # an archived capture never changes
                and looks_like_error_page(response.body, response.headers.get(b"Content-Type", b"").decode("latin-1"))):
            new = get_retry_request(request, spider=self.crawler.spider, reason="error-page",
                                    max_retry_times=request.meta.get("max_retry_times", self.max_retry_times))
            if new is not None:
                return self._later(new)
            request.meta["error_page"] = True
            return response
        result = super().process_response(request, response)
        if isinstance(result, Request):
            return self._later(result, response)
        return result

    def process_exception(self, request, exception):
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            return self._later(result)
        return result
