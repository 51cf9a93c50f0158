"""Scaling out: workers of one Redis frontier, the frontier's cost, Dask reprocessing.

    .venv/bin/python benchmarks/bench_scale.py [--articles 400] [--delay 0.25] [--quick]

1. **Politeness-bound crawls**: the replica's 4 districts with a per-site download delay
   (``DOWNLOAD_DELAY``, one request at a time per host, AutoThrottle off, as live crawls of
   slow portals are): time to crawl them with 1, 2 and 3 workers of one frontier, and with
   Scrapy's own scheduler (one process, no Redis). Each worker keeps its own per-host delay,
   so N workers ask each host N times as often: more workers buy speed only where the
   portals allow it (or spread sites: ``portal-news schedule``).
2. **The frontier's cost**: one worker, politeness off, Redis frontier vs Scrapy's own
   scheduler: pages per minute.
3. **Redis memory**: bytes per queued request (the spider's real article requests, pickled
   as scrapy-redis stores them), per duplicate-filter fingerprint and per article claim,
   measured with ``MEMORY USAGE`` on a real redis-server; extrapolated per million URLs.
4. **Reprocess**: pages/s over a crawl's WARC files: the single-process path with 1 and 2
   processes, and ``--dask local:1`` / ``local:2`` (cluster start-up not counted: it is
   printed apart).

Writes ``benchmarks/results_scale.json`` and prints a table. Every server (replica,
redis-server, the Dask cluster) runs on 127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import crawl_cmd, redis_server  # noqa: E402


def crawl(base_url, out, sites, *extra, timeout=900) -> float:
    t0 = time.monotonic()
    done = subprocess.run(crawl_cmd(base_url, out, sites, *extra), cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return time.monotonic() - t0


def workers(base_url, out, sites, frontier, job, n, *extra, timeout=900) -> tuple[float, list[int]]:
    t0 = time.monotonic()
    procs = [subprocess.Popen(crawl_cmd(base_url, out, sites, "--frontier", frontier, "--job", job,
                                        "--idle-close", "2", *extra), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    errs = [p.communicate(timeout=timeout)[1] for p in procs]
    elapsed = time.monotonic() - t0
    for p, e in zip(procs, errs):
        if p.returncode:
            raise RuntimeError(e[-2000:])
    import pyarrow.dataset as ds
    from collections import Counter

    rows = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table(columns=["run_id"])
    per_worker = sorted(Counter(rows.column("run_id").to_pylist()).values(), reverse=True)
    return elapsed, per_worker


def pages_fetched(out: Path) -> int:
    import pyarrow.dataset as ds

    t = ds.dataset(out / "runs", format="parquet").to_table(columns=["site", "pages_fetched"]).to_pylist()
    return sum(r["pages_fetched"] for r in t if r["site"] == "*")


def redis_bytes(server, manifest) -> dict:
    """Bytes per queued request, per fingerprint, per claim, as Redis stores them."""
    import scrapy

    from crawler.frontier import Keys, ReliableQueue
    from crawler.spiders.portal import PortalSpider

    client = server.client()
    spider = PortalSpider(sites=",".join(d["slug"] for d in manifest["districts"]))
    urls = [a["url"] for a in manifest["articles"]][:5000]
    keys = Keys("bench", "memory")
    queue = ReliableQueue(client, spider, keys, "bench-run")
    from scrapy_redis.dupefilter import RFPDupeFilter

    df = RFPDupeFilter(client, keys.dupefilter)
    for i, url in enumerate(urls):
        req = scrapy.Request(url, callback=spider.parse_article, errback=spider.on_error,
                             meta={"site": "muong-lat", "listed_in": url.rsplit("/", 2)[0] + "/Tin-tuc.aspx?PageIndex=3"})
        queue.push(req, df.request_fingerprint(req))
        client.hset(keys.claims, url, "20261201T000000Z-abcdef")
    n = len(urls)
    used = lambda key: client.memory_usage(key, samples=0)  # noqa: E731
    sample = queue._encode_request(scrapy.Request(urls[0], callback=spider.parse_article, errback=spider.on_error,
                                                  meta={"site": "muong-lat", "listed_in": urls[0]}))
    out = {"requests": n, "queue_bytes_per_request": round(used(keys.requests) / n),
           "pickled_request_bytes": len(sample),
           "dupefilter_bytes_per_fingerprint": round(used(keys.dupefilter) / n),
           "claims_bytes_per_article": round(used(keys.claims) / n)}
    per = out["queue_bytes_per_request"] + out["dupefilter_bytes_per_fingerprint"]
    out["mb_per_million_urls_queued_and_filtered"] = round(per * 1e6 / 2**20)
    out["mb_per_million_urls_filter_claims_only"] = round(
        (out["dupefilter_bytes_per_fingerprint"] + out["claims_bytes_per_article"]) * 1e6 / 2**20)
    client.delete(keys.requests, keys.dupefilter, keys.claims)
    return out


def reprocess_rates(warcs: list[Path], work: Path) -> dict:
    from pipelines.storage.archives import reprocess

    res = {}
    for label, kwargs in (("single, 1 process", {"workers": 1}), ("single, 2 processes", {"workers": 2}),
                          ("dask local:1", {"dask": "local:1"}), ("dask local:2", {"dask": "local:2"})):
        out = work / ("re-" + label.replace(" ", "").replace(",", "-").replace(":", ""))
        t0 = time.monotonic()
        stats = reprocess(warcs, out, **kwargs)
        res[label] = {"pages": stats["pages"], "pages_per_second": stats["pages_per_second"],
                      "seconds": stats["seconds"], "with_startup_seconds": round(time.monotonic() - t0, 2)}
    return res


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=400, help="replica articles (4 districts)")
    ap.add_argument("--delay", type=float, default=0.25, help="per-site download delay of the politeness-bound crawls")
    ap.add_argument("--fast-articles", type=int, default=2000, help="articles of the politeness-off comparison")
    ap.add_argument("--quick", action="store_true", help="smaller: 160 / 600 articles")
    ap.add_argument("--polite-only", action="store_true", help="only part 1 (politeness-bound workers) and 3 (Redis)")
    args = ap.parse_args(argv)
    if args.quick:
        args.articles, args.fast_articles = 160, 600
    from replica import replica_process

    polite = ("-s", f"DOWNLOAD_DELAY={args.delay}", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
              "-s", "RANDOMIZE_DOWNLOAD_DELAY=False", "-s", "RETRY_BACKOFF_BASE=0.05")
    res: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())},
                 "politeness_bound": {}, "frontier_cost": {}}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp, redis_server() as server:
        work = Path(tmp)
        with replica_process(articles=args.articles, seed=1, timeout=300) as rep:
            manifest = rep.manifest()
            sites = ",".join(d["slug"] for d in manifest["districts"])
            pb = res["politeness_bound"]
            pb["articles"], pb["sites"], pb["delay_s"] = args.articles, len(manifest["districts"]), args.delay
            t = crawl(rep.base_url, work / "own", sites, *polite)
            pb["scrapy scheduler, 1 process"] = {"seconds": round(t, 1), "pages": pages_fetched(work / "own")}
            print(f"politeness-bound, Scrapy's scheduler: {t:.1f} s", flush=True)
            for n in (1, 2, 3):
                out = work / f"w{n}"
                t, per = workers(rep.base_url, out, sites, server.url, f"bench-w{n}", n, *polite)
                pb[f"frontier, {n} worker(s)"] = {"seconds": round(t, 1), "articles_per_worker": per,
                                                   "pages": pages_fetched(out)}
                print(f"politeness-bound, {n} worker(s): {t:.1f} s {per}", flush=True)
            res["redis_memory"] = redis_bytes(server, manifest)
            print(f"redis: {res['redis_memory']}", flush=True)
        if args.polite_only:
            print(json.dumps(res, indent=1))
            return res
        with replica_process(articles=args.fast_articles, seed=2, timeout=300) as rep:
            manifest = rep.manifest()
            sites = ",".join(d["slug"] for d in manifest["districts"])
            fc = res["frontier_cost"]
            fc["articles"] = args.fast_articles
            for label, extra in (("scrapy scheduler", ()), ("redis frontier", ("--frontier", server.url, "--job", "cost",
                                                                                  "--idle-close", "0"))):
                out = work / ("fast-" + label.split()[0])
                t = crawl(rep.base_url, out, sites, "-s", "RETRY_BACKOFF_BASE=0.05", "-s", "WARC_MAX_BYTES=2000000",
                          *extra)
                pages = pages_fetched(out)
                fc[label] = {"seconds": round(t, 1), "pages": pages, "pages_per_minute": round(pages / t * 60)}
                print(f"politeness off, 1 process, {label}: {t:.1f} s, {pages} pages", flush=True)
            warcs = sorted((work / "fast-scrapy" / "warc").glob("*.warc.gz"))
        res["reprocess"] = {"warc_files": len(warcs), **reprocess_rates(warcs, work)}
        print(f"reprocess: {res['reprocess']}", flush=True)
    (ROOT / "benchmarks" / "results_scale.json").write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")
    return res


if __name__ == "__main__":
    main()
