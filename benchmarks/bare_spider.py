"""The crawl benchmark's baseline: a bare Scrapy spider that fetches a given list of URLs
(the replica's listing pages and every article they link to: the portals' real URLs) with
the same politeness-off settings as ``portal-news crawl --impolite`` and does nothing with
the responses: no parsing, no items, no pipelines. ``--replica URL`` sends every request
through the replica with the crawler's own middleware, as ``portal-news crawl --replica``
does, so both go through the same proxy.

    python benchmarks/bare_spider.py URLS_FILE --replica http://127.0.0.1:PORT [--stats-out FILE] [-s NAME=VALUE …]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import scrapy  # noqa: E402
from scrapy.crawler import CrawlerProcess  # noqa: E402

# what `portal-news crawl --impolite` sets (crawler/cli.py `_settings(polite=False)`), plus
# the project's COOKIES / TELNET choices; everything else is Scrapy's default.
SETTINGS = {
    "ROBOTSTXT_OBEY": True,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "HTTPERROR_ALLOW_ALL": True,     # broken links (404) are fetched and ignored, not logged
    "LOG_LEVEL": "WARNING",
    "USER_AGENT": "portal-news-bench/0.1 (bare spider)",
    "EXTENSIONS": {"benchmarks.timing.BenchTiming": 0},
    # the crawler's route to the replica (crawler/settings.py), on when REPLICA_PROXY is set
    "DOWNLOADER_MIDDLEWARES": {"crawler.replicaproxy.ReplicaProxyMiddleware": 745},
}


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls_file: str, **kwargs):
        super().__init__(**kwargs)
        self.urls_file = urls_file

    async def start(self):
        with open(self.urls_file, encoding="utf-8") as f:
            for line in f:
                url = line.strip()
                if url:
                    yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):
        return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="bare Scrapy spider: fetch URLs, do nothing")
    ap.add_argument("urls_file")
    ap.add_argument("--replica", default=None, metavar="URL", help="fetch through this replica (REPLICA_PROXY)")
    ap.add_argument("--stats-out", default=None)
    ap.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args(argv)
    settings = dict(SETTINGS)
    if args.replica:
        settings["REPLICA_PROXY"] = args.replica
    if args.stats_out:
        settings["BENCH_STATS_FILE"] = args.stats_out
    for item in args.set:
        k, v = item.split("=", 1)
        settings[k] = v
    process = CrawlerProcess(settings)
    process.crawl(BareSpider, urls_file=args.urls_file)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
