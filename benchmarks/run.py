"""The one benchmark command of portal-news.

    python benchmarks/run.py [--quick] [--articles 10000] [--big 50000] [--repeats 2] [--rounds 5] [--profile]

1. extraction speed per core: ours (with and without officials) vs bare ``lxml.html``
   parse, BeautifulSoup and trafilatura, on the same replica pages, same process, best of
   ``--rounds`` (:mod:`bench_extract`);
2. crawl throughput of the replica (politeness off, ``--articles`` articles) vs a bare Scrapy
   spider fetching the same URLs; peak memory of that crawl and of a ``--big`` crawl
   (:mod:`bench_crawl`);
3. ``portal-news reprocess`` on the main crawl's WARC files, 1 worker vs every core
   (:mod:`bench_reprocess`), or "reprocess: not available yet".

Prints a table of figures and ratios and writes everything to ``benchmarks/results.json``
(with the machine it ran on). ``--quick``: 1,000 / 3,000 articles, 3 rounds, 1 repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import bench_crawl  # noqa: E402
import bench_extract  # noqa: E402
import bench_reprocess  # noqa: E402


def machine() -> dict:
    import lxml.etree
    import scrapy
    import trafilatura

    mem_gb = None
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "cpu": bench_crawl.cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)),
        "libxml2": ".".join(map(str, lxml.etree.LIBXML_VERSION)),
        "scrapy": scrapy.__version__,
        "trafilatura": trafilatura.__version__,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": os.getloadavg(),
    }


def summary_table(res: dict) -> list[str]:
    e, c = res["extraction"], res["crawl"]
    m, r = e["methods"], e["ratios"]
    main, big = c["main"], c.get("big")
    lines = [
        "| figure | value | baseline (same run) | ratio | target |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| extraction, all fields + officials | {m['ours extract()']['pages_per_s']:.0f} pages/s/core "
        f"| trafilatura {m['trafilatura.extract']['pages_per_s']:.0f} pages/s | {r['ours_vs_trafilatura_x_faster']:.1f}× faster "
        f"| ≥ 10× {'✔' if e['targets']['vs_trafilatura_at_least_10x'] else '✘'} |",
        f"| extraction vs bare parse | {m['ours extract()']['ms_per_page']:.2f} ms/page "
        f"| `lxml.html.fromstring` {m['lxml.html.fromstring']['ms_per_page']:.2f} ms/page "
        f"| {r['ours_vs_bare_parse_x_slower']:.1f}× slower | ≤ 4× {'✔' if e['targets']['within_4x_of_bare_parse'] else '✘'} |",
        f"| the same, paired page by page (median of the rounds) | — | — "
        f"| {r['paired_median_ours_vs_bare_parse_x_slower']:.2f}× slower | — |",
        f"| extraction without officials | {m['ours, no officials']['pages_per_s']:.0f} pages/s/core "
        f"| trafilatura / bare parse | {r['ours_no_officials_vs_trafilatura_x_faster']:.1f}× / "
        f"{r['ours_no_officials_vs_bare_parse_x_slower']:.1f}× slower | — |",
        f"| BeautifulSoup(html, \"lxml\") | {m['BeautifulSoup(lxml)']['pages_per_s']:.0f} pages/s/core | — "
        f"| ours {r['ours_vs_beautifulsoup_x_faster']:.1f}× faster | — |",
        f"| crawl {main['articles']:,} articles, politeness off | {main['ours']['pages_per_min']:,} pages/min "
        f"| bare Scrapy {main['bare']['pages_per_min']:,} pages/min | {100 * main['ours_vs_bare_throughput']:.0f} % "
        f"| ≥ 85 % {'✔' if c['targets']['ours_at_least_85pct_of_bare'] else '✘'} |",
        f"| crawler CPU per page | {main['ours']['best_crawler_cpu_ms_per_page']:.2f} ms | bare "
        f"{main['bare']['best_crawler_cpu_ms_per_page']:.2f} ms | {100 * main['ours_vs_bare_cpu_per_page']:.0f} % | — |",
        f"| peak RSS of all the crawl's processes, {main['articles']:,} articles | "
        f"{main['ours']['peak_rss_mb_all_processes']:.0f} MB (crawl process {main['ours']['peak_rss_mb']:.0f} MB) | bare "
        f"{main['bare']['peak_rss_mb']:.0f} MB | — | < 400 MB "
        f"{'✔' if main['ours']['peak_rss_mb_all_processes'] < 400 else '✘'} |",
    ]
    if big:
        g = c["targets"]["rss_not_growing"]
        bm, mm = big["ours"]["peak_rss_mb_all_processes"], main["ours"]["peak_rss_mb_all_processes"]
        lines.append(f"| peak RSS of all the crawl's processes, {big['articles']:,} articles | {bm:.0f} MB "
                     f"(crawl process {big['ours']['peak_rss_mb']:.0f} MB; {big['ours']['pages_per_min']:,} pages/min) "
                     f"| crawl of {main['articles']:,}: {mm:.0f} MB | {bm / mm:.2f}× "
                     f"| < 400 MB, flat {'✔' if g and bm < 400 else '✘'} |")
    rp = res.get("reprocess") or {}
    if rp.get("runs"):
        for w, v in sorted(rp["runs"].items(), key=lambda kv: int(kv[0])):
            pps = v.get("self_reported_pages_per_s") or v["pages_per_s"]
            sp = rp.get("speedup_self_reported") or rp.get("speedup")
            lines.append(f"| reprocess {rp['warc_records']:,} WARC records, {w} worker(s) | {pps:.0f} pages/s "
                         f"({v['seconds']:.1f} s wall with start-up) | 1 worker | "
                         + (f"{sp:.2f}× speed-up" if int(w) > 1 and sp else "—") + " | — |")
    else:
        lines.append("| reprocess | not available yet | — | — | — |" if not rp.get("available")
                     else "| reprocess | failed: see results.json | — | — | — |")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="portal-news benchmarks: extraction, crawl, memory, reprocess")
    ap.add_argument("--quick", action="store_true", help="smoke run: 1,000 / 3,000 articles, 3 rounds, 1 repeat")
    ap.add_argument("--articles", type=int, default=None, help="articles of the main crawl (default 10000)")
    ap.add_argument("--big", type=int, default=None, help="articles of the memory crawl (default 50000; 0: skip)")
    ap.add_argument("--repeats", type=int, default=None, help="crawl repeats, best kept (default 2)")
    ap.add_argument("--rounds", type=int, default=None, help="extraction rounds, best kept (default 5)")
    ap.add_argument("--pages", type=int, default=200, help="replica pages for the extraction benchmark")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile top 15 of our extraction")
    ap.add_argument("--skip-crawl", action="store_true", help="extraction only")
    ap.add_argument("--out", default=str(HERE / "results.json"))
    args = ap.parse_args(argv)
    # stop cleanly (replica and crawl subprocesses killed by the finally clauses) on SIGTERM,
    # and on SIGINT even when started in the background by a shell that ignores it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    q = args.quick
    articles = args.articles or (1000 if q else 10000)
    big = args.big if args.big is not None else (3000 if q else 50000)
    repeats = args.repeats or (1 if q else 2)
    rounds = args.rounds or (3 if q else 5)

    started = time.monotonic()
    res = {"command": "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
           "machine": machine(),
           "sizes": {"articles": articles, "big": big, "repeats": repeats, "rounds": rounds, "pages": args.pages}}
    print(f"portal-news benchmarks on {res['machine']['cpu']} × {res['machine']['cores']} cores, "
          f"Python {res['machine']['python']}, lxml {res['machine']['lxml']}, Scrapy {res['machine']['scrapy']}; "
          f"load average {res['machine']['load_average_at_start'][0]:.2f}\n")
    res["extraction"] = bench_extract.run(rounds, args.pages, args.profile)
    bench_extract.print_table(res["extraction"])
    if not args.skip_crawl:
        print()
        res["crawl"] = bench_crawl.run(articles, big or None, repeats,
                                       on_output=lambda out: bench_reprocess.run(out))
        res["reprocess"] = res["crawl"]["main"].pop("after_crawl", None)
        bench_crawl.print_table(res["crawl"])
        res["summary_markdown"] = summary_table(res)
        print("\n" + "\n".join(res["summary_markdown"]))
    res["machine"]["load_average_at_end"] = os.getloadavg()
    res["total_s"] = round(time.monotonic() - started, 1)
    Path(args.out).write_text(json.dumps(res, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten {args.out} ({res['total_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
