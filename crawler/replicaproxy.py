"""Crawling through the offline replica: everything the crawler knows about it.

The replica (``portal-news replica``, package ``replica``) is an HTTP proxy that answers for
the portals' real host names. A crawl of it is an ordinary crawl of the real URLs with one
setting, ``REPLICA_PROXY = "http://127.0.0.1:PORT"`` (``portal-news crawl --replica URL``,
``scrapy crawl portal -a replica=URL`` or ``-s REPLICA_PROXY=URL``):
:class:`ReplicaProxyMiddleware` puts it in ``request.meta["proxy"]`` of every request, and
Scrapy's own ``HttpProxyMiddleware`` sends the request there. Nothing else changes: the
spider starts from the real listing URLs, every stored URL is the portal's, and only the
``source`` column says ``replica`` (decided from the setting).
"""

from __future__ import annotations

from urllib.parse import urlsplit

SETTING = "REPLICA_PROXY"


def check_replica_url(url: str) -> str:
    """The replica's address (``http://host:port``, no path) or ValueError saying what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise ValueError(f"replica: {url!r} is not the address of a replica (http://HOST:PORT)")
    return f"http://{parts.netloc}"


class ReplicaProxyMiddleware:
    """Every request goes to the replica named by ``REPLICA_PROXY`` (off when it is empty).

    Set on every request, whatever else set: a crawl of the replica never reaches a real
    host (the replica refuses HTTPS tunnels and hosts it does not serve)."""

    def __init__(self, proxy: str):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        proxy = crawler.settings.get(SETTING)
        if not proxy:
            raise NotConfigured
        return cls(check_replica_url(proxy))

    def process_request(self, request):
        request.meta["proxy"] = self.proxy


class ReplicaArgument:
    """Spider mixin: ``-a replica=URL`` sets ``REPLICA_PROXY`` (before the settings freeze)."""

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        replica = getattr(spider, "replica", None)
        if replica and not crawler.settings.frozen:
            crawler.settings.set(SETTING, replica, priority="spider")
        return spider
