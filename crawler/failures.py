"""Why a request was given up on: one ``failures/`` kind per cause.

Kinds: ``http-NNN`` (the server's status after retries), ``timeout``, ``dns``,
``connection`` (refused, reset, lost), ``too-large`` (beyond ``DOWNLOAD_MAXSIZE``, also
after decompression), ``redirect`` (too many redirects, a loop), ``offsite`` (a redirect
to a host outside the run's sites), ``robots`` (forbidden by robots.txt), ``error-page``
(a server error page served with HTTP 200, after retries), ``listing-cut`` (a listing walk
stopped before its end: the bound on listing pages, or a pager that repeats itself; set by
the spider), ``other``.
Scrapy ≥ 2.13 wraps Twisted's exceptions in its own (``DownloadTimeoutError`` …); both
are matched, so the kinds hold on every supported Scrapy. Our own middlewares refuse
requests with the exceptions below, matched by type; Scrapy's own refusals (robots.txt,
sizes) by their messages.
"""

from __future__ import annotations

import scrapy.exceptions as sx
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (ConnectionDone, ConnectionLost, ConnectionRefusedError, DNSLookupError,
                                    TCPTimedOutError, TimeoutError)
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

__all__ = ["OffsiteRefused", "RedirectRefused", "TooLarge", "classify", "first_url"]


class OffsiteRefused(IgnoreRequest):
    """A request (a redirect) to a host that is none of the run's sites: kind ``offsite``."""


class RedirectRefused(IgnoreRequest):
    """Too many redirects, or a redirect loop: kind ``redirect``."""


class TooLarge(IgnoreRequest):
    """A body beyond ``DOWNLOAD_MAXSIZE``: kind ``too-large``."""


def _scrapy(*names: str) -> tuple:
    return tuple(getattr(sx, n) for n in names if hasattr(sx, n))


_TIMEOUT = (TimeoutError, TCPTimedOutError) + _scrapy("DownloadTimeoutError")
_DNS = (DNSLookupError,) + _scrapy("CannotResolveHostError")
_CONNECTION = ((ConnectionRefusedError, ConnectionLost, ConnectionDone, ResponseFailed, ResponseNeverReceived)
               + _scrapy("DownloadConnectionRefusedError", "DownloadFailedError", "ResponseDataLossError"))
_CANCELLED = _scrapy("DownloadCancelledError")


def first_url(request) -> str:
    """The URL the crawl asked for: before any redirect (``meta["redirect_urls"]``)."""
    chain = request.meta.get("redirect_urls") or ()
    return chain[0] if chain else request.url


def classify(failure, timeout_seconds: float | None = None) -> tuple[str, str]:
    """(kind, one-line reason) of a Twisted failure given to a spider's errback."""
    message = (failure.getErrorMessage() or "").splitlines()[0] if failure.getErrorMessage() else ""
    if failure.check(HttpError):
        status = failure.value.response.status
        return f"http-{status}", f"HTTP {status}"
    if failure.check(OffsiteRefused):
        return "offsite", message
    if failure.check(RedirectRefused):
        return "redirect", message
    if failure.check(TooLarge):
        return "too-large", message
    if failure.check(*_TIMEOUT):
        return "timeout", f"no answer within {timeout_seconds:g} s" if timeout_seconds else "timed out"
    if failure.check(*_DNS):
        return "dns", "host name not found"
    if "max size" in message or "DOWNLOAD_MAXSIZE" in message:  # Scrapy's downloader, its decompression
        return "too-large", "larger than DOWNLOAD_MAXSIZE" + (f": {message[:200]}" if message else "")
    if failure.check(*_CONNECTION):
        return "connection", f"{failure.type.__name__}: {message[:200]}"
    if failure.check(IgnoreRequest):
        low = message.lower()
        if "robots" in low:
            return "robots", message
        if "offsite" in low:
            return "offsite", message
        if "redirect" in low:
            return "redirect", message or "too many redirects"
        return "other", f"{failure.type.__name__}: {message[:200]}"
    if _CANCELLED and failure.check(*_CANCELLED):
        return "other", f"download cancelled: {message[:200]}"
    return "other", f"{failure.type.__name__}: {message[:200]}"
