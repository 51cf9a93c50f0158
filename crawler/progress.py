"""Progress reports: a live line per site on a terminal, plain periodic log lines elsewhere."""

from __future__ import annotations

import logging
import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

logger = logging.getLogger(__name__)


class Progress:
    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.loop = None
        self._lines = 0

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL", 10.0)
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider):
        self.loop = task.LoopingCall(self.report, spider)
        self.loop.start(self.interval if not self.tty else min(self.interval, 1.0), now=False)

    def closed(self, spider, reason):
        if self.loop and self.loop.running:
            self.loop.stop()
        self.report(spider, final=True)

    def lines(self, spider) -> list[str]:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        out = []
        from crawler.run import RunOwner

        ledger = RunOwner.of(self.crawler).ledger
        for site, s in sorted(ledger.site_stats.items()):
            new = ledger.outcomes[site]["articles_new"] if site in ledger.outcomes else 0
            out.append(f"{site:<16} listings {s.get('listing_pages', 0):>5}  articles {s.get('articles_fetched', 0):>6}"
                       f" (new {new:>6}, known {s.get('articles_skipped_known', 0):>6})  failures {s.get('failures', 0):>4}"
                       f"  {s.get('pages_fetched', 0) / elapsed * 60:7.0f} pages/min")
        return out

    def report(self, spider, final: bool = False):
        lines = self.lines(spider)
        if not lines:
            return
        if self.tty and not final:
            if self._lines:
                sys.stderr.write(f"\x1b[{self._lines}F")
            sys.stderr.write("".join(f"\x1b[2K{line}\n" for line in lines))
            sys.stderr.flush()
            self._lines = len(lines)
        else:
            for line in lines:
                logger.info("progress: %s", line)
