"""Downloader middlewares: retries with exponential backoff, error pages served as 200."""

from __future__ import annotations

import asyncio
import logging

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.http import Request

from pipelines.extract import looks_like_error_page

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, plus:

    * a pause before each retry: ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds (capped by
      ``RETRY_BACKOFF_MAX``), or the server's ``Retry-After`` when it sends one;
    * SharePoint error pages answered with HTTP 200 are retried like a 503; when retries
      run out the response goes on marked ``meta["error_page"]`` so the spider records it
      as a failure instead of an article.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.error_page_retry = settings.getbool("ERROR_PAGE_RETRY", True)

    async def _pause(self, new_request, response=None):
        n = new_request.meta.get("retry_times", 1)
        delay = self.backoff_base * (2 ** (n - 1))
        if response is not None:
            retry_after = response.headers.get(b"Retry-After")
            if retry_after:
                try:
                    delay = max(delay, float(retry_after.decode("ascii", "ignore")))
                except ValueError:
                    pass
        delay = min(delay, self.backoff_max)
        if delay > 0:
            await asyncio.sleep(delay)

    async def process_response(self, request, response):
        if (self.error_page_retry and response.status == 200 and not request.meta.get("dont_retry")
                and not request.meta.get("wayback_original")  # an archived capture never changes
                and looks_like_error_page(response.body, response.headers.get(b"Content-Type", b"").decode("latin-1"))):
            new = get_retry_request(request, spider=self.crawler.spider, reason="error-page",
                                    max_retry_times=request.meta.get("max_retry_times", self.max_retry_times))
            if new is not None:
                await self._pause(new)
                return new
            request.meta["error_page"] = True
            return response
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._pause(result, response)
        return result

    async def process_exception(self, request, exception):
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._pause(result)
        return result
