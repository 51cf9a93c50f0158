"""Downloader middlewares: retries with exponential backoff, error pages served as 200."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Request

from pipelines.extraction.extract import looks_like_error_page

logger = logging.getLogger(__name__)


class _RobotsTxtOneLine(logging.Filter):
    """Scrapy logs a robots.txt that cannot be fetched (host down, refused) as an ERROR with
    a traceback, then crawls as if it allowed everything. That is no error of ours and the
    host's own failures are recorded per URL: one WARNING line says it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.levelno >= logging.ERROR:
            exc = record.exc_info[1]
            record.msg, record.args = "robots.txt not fetched (%s: %s); crawling as if it allowed all", (
                type(exc).__name__, str(exc).splitlines()[0][:200] if str(exc) else "")
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_RobotsTxtOneLine())


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
