"""An archive pull of one big portal from the replica's fakes of the Wayback Machine and Common
Crawl, measured, and extrapolated to the real archives at their published limits.

    python benchmarks/bench_archives.py [--articles 20000] [--district muong-lat]

The replica serves one portal of ``--articles`` articles (and its two fake archives). Three
runs of ``portal-news crawl --source archives`` on one output root, each in its own process:

1. ``--plan --impolite``: the listing (every CDX/index page), and the plan;
2. ``--plan`` at the default pace: the listing is reused (only brought up to date), so this
   plan costs a few requests and gives the fetch time at the archives' limits;
3. the pull itself, ``--impolite``: how fast our side goes when the archive answers at once
   (the replica on 127.0.0.1), peak RSS, what was stored against the replica's truth.

The extrapolation counts the requests each archive endpoint received during the pull (the
replica counts them: ``/_control/archives``) and multiplies them by the default delays of
``crawler/settings.py`` (archives side by side: the slower one is the time). Common Crawl's
index requests are counted for the real server, not the fake: the fake's index pages hold 10
lines where the real ones hold 15,000, so a portal costs the real server two requests per
crawl (the page count, one page) — times the crawls Common Crawl has published
(``--cc-crawls``, about 100 up to 2025).

Writes ``benchmarks/results_archives.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_crawl import proc_cpu_s  # noqa: E402

EXTENSIONS = json.dumps({"crawler.run.RunOwner": 100, "crawler.progress.Progress": 500, "benchmarks.timing.BenchTiming": 0})


def requests_made(base: str) -> dict:
    with urllib.request.urlopen(base + "/_control/archives", timeout=60) as r:
        return json.load(r)["requests"]


def crawl(base: str, out: Path, stats_file: Path, *extra: str, impolite: bool = True) -> dict:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", "--source", "archives", "--sites", ARGS.district,
           "-o", str(out), "-s", "LOG_LEVEL=WARNING", "-s", "PROGRESS_INTERVAL=0",
           "-s", f"WAYBACK_BASE_URL={base}/wayback", "-s", f"COMMONCRAWL_INDEX_URL={base}/commoncrawl/index",
           "-s", f"COMMONCRAWL_DATA_URL={base}/commoncrawl/data",
           "-s", f"BENCH_STATS_FILE={stats_file}", "-s", f"EXTENSIONS={EXTENSIONS}", *extra]
    if impolite:
        cmd.insert(4, "--impolite")
    before = requests_made(base)
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    took = time.monotonic() - t0
    after = requests_made(base)
    if p.returncode != 0:
        sys.exit(f"crawl failed ({p.returncode}): {p.stderr[-3000:]}")
    stats = json.loads(stats_file.read_text())
    return {"seconds": took, "requests": {k: after[k] - before[k] for k in after}, "stats": stats,
            "stdout": p.stdout}


def main() -> int:
    from crawler import settings as S
    from replica import replica_process

    pace = {"wayback-cdx": S.WAYBACK_CDX_DELAY, "wayback-web": S.WAYBACK_DOWNLOAD_DELAY,
            "commoncrawl-index": S.COMMONCRAWL_INDEX_DELAY, "commoncrawl-data": S.COMMONCRAWL_DATA_DELAY}
    tmp = Path(tempfile.mkdtemp(prefix="bench-archives-"))
    out = tmp / "out"
    t0 = time.monotonic()
    with replica_process(articles=ARGS.articles, seed=ARGS.seed, districts=ARGS.district, timeout=300) as r:
        started = time.monotonic() - t0
        base = r.base_url
        print(f"replica: {ARGS.articles} articles of {ARGS.district} at {base} (started in {started:.1f} s)")
        replica_cpu0 = proc_cpu_s(r.pid)
        listing = crawl(base, out, tmp / "s1.json", "--plan")
        print(f"listing (--plan, impolite): {listing['seconds']:.1f} s, requests {listing['requests']}")
        planned = crawl(base, out, tmp / "s2.json", "--plan", impolite=False)
        planned["plan"] = json.loads((out / "archive-state" / "plan.json").read_text())
        print(f"plan at the default pace: {planned['seconds']:.1f} s, requests {planned['requests']}")
        print(planned["stdout"])
        pulled = crawl(base, out, tmp / "s3.json")
        replica_cpu = (proc_cpu_s(r.pid) or 0) - (replica_cpu0 or 0)
        print(f"pull (impolite): {pulled['seconds']:.1f} s, requests {pulled['requests']}")
        manifest = r.manifest(truth=False)
    expected = manifest["archives"]["articles"]
    import pyarrow.dataset as ds

    rows = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table(
        columns=["url", "capture_time", "source", "sources"]).to_pylist()
    got = {r["url"]: r for r in rows}
    right = sum(1 for u, e in expected.items() if u in got
                and got[u]["capture_time"].strftime("%Y%m%d%H%M%S") == e["first"]["timestamp"]
                and got[u]["sources"] == e["sources"])
    state = json.loads((out / "archive-state" / ARGS.district / "wayback.json").read_text())
    cc_state = json.loads((out / "archive-state" / ARGS.district / "commoncrawl.json").read_text())
    wb_rows = sum(q["rows"] for q in state["queries"].values())
    cc_rows = sum(q["rows"] for q in cc_state["queries"].values())
    crawls_fake = len(cc_state["info"]["crawls"])
    listing_req = listing["requests"]
    # the extrapolation, at the default pace: each endpoint is its own slot, so slots run side
    # by side. The listing comes first (both archives at once), then the fetch, where Wayback's
    # CDX slot (exact lookups) and capture slot work at the same time, as Common Crawl's ranges do.
    wb_list, wb_lookups = listing_req["wayback-cdx"], pulled["requests"]["wayback-cdx"]
    wb_web = pulled["requests"]["wayback-web"]
    cc_index_real = 2 * ARGS.cc_crawls
    cc_data = pulled["requests"]["commoncrawl-data"]
    t_list = max(wb_list * pace["wayback-cdx"], cc_index_real * pace["commoncrawl-index"])
    t_wb = max(wb_lookups * pace["wayback-cdx"], wb_web * pace["wayback-web"])
    t_cc = cc_data * pace["commoncrawl-data"]
    t_wb_alone = wb_list * pace["wayback-cdx"] + t_wb
    window = pulled["stats"].get("elapsed_s") or pulled["seconds"]
    fetched = pulled["stats"].get("stats", {}).get("downloader/response_count") or sum(pulled["requests"].values())
    result = {
        "articles": ARGS.articles, "district": ARGS.district, "seed": ARGS.seed,
        "expected_articles": len(expected), "stored_articles": len(got), "right_first_capture_and_sources": right,
        "no_good_capture": len(manifest["archives"]["no_good_capture"]),
        "wayback_index_rows_kept": wb_rows, "commoncrawl_index_rows_kept": cc_rows, "fake_crawls": crawls_fake,
        "listing": {"seconds": round(listing["seconds"], 1), "requests": listing_req},
        "plan_at_default_pace": {"seconds": round(planned["seconds"], 1), "requests": planned["requests"],
                                 "plan": planned["plan"]},
        "pull": {"seconds": round(pulled["seconds"], 1), "window_s": round(window, 1), "requests": pulled["requests"],
                 "responses": fetched, "responses_per_s": round(fetched / max(window, 1e-6), 1),
                 "peak_rss_mb": round(pulled["stats"].get("maxrss_mb_at_close") or 0), "crawl_cpu_s":
                 round(pulled["stats"].get("cpu_s") or 0, 1), "replica_cpu_s": round(replica_cpu, 1)},
        "pace_s": pace, "cc_crawls_assumed": ARGS.cc_crawls,
        "extrapolated": {"listing_s": round(t_list),
                         "wayback": {"listing_requests": wb_list, "lookups": wb_lookups, "captures": wb_web,
                                     "fetch_s": round(t_wb)},
                         "commoncrawl": {"index_requests": cc_index_real, "ranges": cc_data, "fetch_s": round(t_cc)},
                         "seconds": round(t_list + max(t_wb, t_cc)), "hours": round((t_list + max(t_wb, t_cc)) / 3600, 2),
                         "wayback_alone_hours": round(t_wb_alone / 3600, 2)},
    }
    print(json.dumps(result["extrapolated"], indent=1))
    print(f"stored {len(got)} of {len(expected)} articles the archives hold; {right} with the right first capture "
          f"and sources; pull window {window:.1f} s ({fetched / max(window, 1e-6):.0f} responses/s), "
          f"peak RSS {result['pull']['peak_rss_mb']} MB")
    (ROOT / "benchmarks" / "results_archives.json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    if not ARGS.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if right == len(expected) else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=20000)
    ap.add_argument("--district", default="muong-lat")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cc-crawls", type=int, default=100, help="crawls Common Crawl has published (for the real index)")
    ap.add_argument("--keep", action="store_true", help="keep the output root")
    ARGS = ap.parse_args()
    sys.exit(main())
