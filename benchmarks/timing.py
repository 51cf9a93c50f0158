"""A Scrapy extension used by the crawl benchmark in both crawls (ours and the bare spider):
writes the crawl window (spider opened → closed, after item pipelines closed), the process
CPU time and peak RSS (VmHWM) at that moment, and Scrapy's stats to ``BENCH_STATS_FILE`` as JSON.

Enabled with ``-s BENCH_STATS_FILE=path -s EXTENSIONS='{"benchmarks.timing.BenchTiming": 0, …}'``.
"""

from __future__ import annotations

import json
import os
import resource
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured


def _vm_hwm_mb() -> float:
    """Peak RSS of this process image (VmHWM). Not ``ru_maxrss``: a child inherits that from
    its parent's peak through fork/vfork + exec, so it would report the benchmark's memory."""
    from benchmarks.bench_crawl import proc_status_mb  # the one /proc/<pid>/status reader

    return proc_status_mb("self", "VmHWM").get("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class BenchTiming:
    def __init__(self, crawler, path: str):
        self.crawler = crawler
        self.path = path
        self.t0 = self.cpu0 = None

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("BENCH_STATS_FILE")
        if not path:
            raise NotConfigured
        ext = cls(crawler, path)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def idle(self, spider):
        # the first time nothing is left to fetch: the crawl proper is over; what follows
        # (spider close: final Parquet flush, runs/ failures/ rows, people/ rebuild) is the close phase
        if getattr(self, "idle_at", None) is None:
            self.idle_at = time.time()
            self.hwm_at_idle = _vm_hwm_mb()

    def opened(self, spider):
        self.t0 = time.time()
        t = os.times()
        self.cpu0 = t.user + t.system
        self.thread0 = time.thread_time()  # the reactor thread alone (signals run in it)

    def closed(self, spider, reason):
        t1 = time.time()
        t = os.times()
        stats = self.crawler.stats.get_stats()
        out = {
            "opened_at": self.t0, "closed_at": t1, "elapsed_s": t1 - self.t0,
            "cpu_s": t.user + t.system - self.cpu0,
            "reactor_thread_cpu_s": time.thread_time() - self.thread0,
            "maxrss_mb_at_close": _vm_hwm_mb(),
            "idle_at": getattr(self, "idle_at", None),
            "maxrss_mb_at_idle": getattr(self, "hwm_at_idle", None),
            "reason": reason,
            "stats": {k: v for k, v in stats.items() if isinstance(v, (int, float, str))},
        }
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1, default=str)
        os.replace(tmp, self.path)
