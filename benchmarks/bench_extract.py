"""Extraction speed: our ``extract(html, url)`` against bare lxml parsing, BeautifulSoup and
trafilatura, single process, on the same pages, best of N rounds.

    python benchmarks/bench_extract.py [--rounds 5] [--pages 200] [--profile]

Pages: ``--pages`` article pages of the replica model (``build_portal(seed=1, articles=N)``,
rendered with the replica's own ``render.article_page``, exactly the bytes the replica
serves; the article's real portal URL) plus the shared example page
``/work/shared/portal/examples/muonglat-2021-3-24.html`` when present. All HTML is
rendered before any timing.

Each round runs every method once over all pages, methods interleaved, so a neighbour's
load hits all of them alike; the best round per method is kept. Figures are per core:
CPU time of this process (``time.process_time``); wall time is reported alongside.

A fast method's round is several passes over the pages, so that every round lasts about as
long as one of ``ours`` (a round of the bare parse alone lasts 30 ms, and a short round is
more often free of the shared VM's bursts of load than a long one: the best of unequal
rounds favours the short). The ratios against the bare parse are also measured paired, page
by page:
each round times the bare parse, ``ours`` and ``ours`` without officials back to back on
every page (``time.perf_counter``; the bare parse goes first on every other page, last on
the others, since the first to read a page pays for bringing it into the CPU's caches), so
a burst of load falls on all of them in proportion to their time; the round's ratio is the
ratio of the sums, and the median over the rounds is reported beside the ratio of best rounds, which stays the figure the targets are judged on.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXAMPLE = Path("/work/shared/portal/examples/muonglat-2021-3-24.html")
EXAMPLE_URL = ("http://muonglat.thanhhoa.gov.vn/portal/Pages/2021-3-24/"
               "Huyen-Muong-Lat-chung-suc-hien-thuc-hoa-khat-vong-xay-ahdtzt.aspx")


def load_pages(n: int = 200, seed: int = 1) -> list[tuple[bytes, str, str | None]]:
    """(html bytes, url, content type) of ``n`` replica articles (+ the shared example)."""
    from replica import build_portal
    from replica import render

    portal = build_portal(seed=seed, articles=n)
    pages = []
    for a in portal.articles[:n]:
        body, ctype = render.article_page(a)
        pages.append((body, a.url, ctype))
    if EXAMPLE.is_file():
        pages.append((EXAMPLE.read_bytes(), EXAMPLE_URL, None))
    return pages


def methods():
    """name -> function(html, url, ctype); all imports done here, outside the timing."""
    import lxml.html
    import trafilatura
    from bs4 import BeautifulSoup

    from pipelines.extraction.extract import extract

    return {
        "lxml.html.fromstring": lambda h, u, c: lxml.html.fromstring(h),
        "BeautifulSoup(lxml)": lambda h, u, c: BeautifulSoup(h, "lxml"),
        "trafilatura.extract": lambda h, u, c: trafilatura.extract(h, url=u),
        "ours extract()": lambda h, u, c: extract(h, u, content_type=c),
        "ours, no officials": lambda h, u, c: extract(h, u, content_type=c, with_officials=False),
    }


def _time_once(fn, pages, passes: int = 1) -> tuple[float, float]:
    """(CPU, wall) seconds of one pass over the pages: ``passes`` passes timed together, divided."""
    gc.collect()
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(passes):
        for h, u, c in pages:
            fn(h, u, c)
    return (time.process_time() - c0) / passes, (time.perf_counter() - w0) / passes


def _paired_round(fns, pages, names: list[str]) -> dict[str, float]:
    """One round timed page by page: the bare parse and each of ``names`` back to back on every
    page; name -> sum of its times / sum of the bare parse's."""
    bare = fns["lxml.html.fromstring"]
    chosen = [fns[name] for name in names]
    clock = time.perf_counter
    sums = [0.0] * len(names)
    bare_sum = 0.0
    gc.collect()
    for k, (h, u, c) in enumerate(pages):
        # who goes first alternates: the first to read a page pays for bringing its bytes into
        # the CPU's caches, and the code that ran last is the one still in them
        if k % 2:
            t0 = clock()
            bare(h, u, c)
            bare_sum += clock() - t0
        for i, fn in enumerate(chosen):
            t0 = clock()
            fn(h, u, c)
            sums[i] += clock() - t0
        if not k % 2:
            t0 = clock()
            bare(h, u, c)
            bare_sum += clock() - t0
    return {name: total / bare_sum for name, total in zip(names, sums)}


def run(rounds: int = 5, n_pages: int = 200, profile: bool = False, log=print,
        only: list[str] | None = None) -> dict:
    pages = load_pages(n_pages)
    n = len(pages)
    total_bytes = sum(len(h) for h, _, _ in pages)
    fns = methods()
    if only:
        fns = {k: v for k, v in fns.items() if k in only}
    log(f"extraction: {n} pages ({total_bytes / n / 1024:.1f} KB average), {rounds} rounds, single process")
    for fn in fns.values():  # warm-up: imports, regex compilation, lazy tables, caches of the first call
        for h, u, c in pages[:5]:
            fn(h, u, c)
    # rounds of about equal length: a fast method's round is several passes over the pages (a
    # best round is less likely to be free of a burst of load the longer it lasts, so rounds of
    # unequal length would favour the shorter)
    first = {name: _time_once(fn, pages)[0] for name, fn in fns.items()}
    # (the slow libraries' rounds are long enough as they are: the length to reach is ours)
    longest = max([t for name, t in first.items() if not name.startswith(("trafilatura", "BeautifulSoup"))]
                  or first.values())
    passes = {name: max(1, min(8, round(longest / t))) if t > 0 else 1 for name, t in first.items()}
    best_cpu = {k: float("inf") for k in fns}
    best_wall = {k: float("inf") for k in fns}
    paired: dict[str, list[float]] = {"ours extract()": [], "ours, no officials": []}
    for r in range(rounds):
        for name, fn in fns.items():
            cpu, wall = _time_once(fn, pages, passes[name])
            best_cpu[name] = min(best_cpu[name], cpu)
            best_wall[name] = min(best_wall[name], wall)
        if not only:
            for name, ratio in _paired_round(fns, pages, list(paired)).items():
                paired[name].append(ratio)
        log(f"  round {r + 1}/{rounds}: " + ", ".join(f"{k.split()[0]} {n / best_cpu[k]:.0f}/s" for k in fns))
    res = {
        "pages": n, "avg_kb": round(total_bytes / n / 1024, 1), "rounds": rounds,
        "timing": "best round, CPU time of one process (pages/s per core)",
        "methods": {k: {"pages_per_s": round(n / best_cpu[k], 1), "pages_per_s_wall": round(n / best_wall[k], 1),
                        "ms_per_page": round(1000 * best_cpu[k] / n, 3)} for k in fns},
    }
    if only:
        return res
    ours = res["methods"]["ours extract()"]["pages_per_s"]
    ours_nof = res["methods"]["ours, no officials"]["pages_per_s"]
    bare = res["methods"]["lxml.html.fromstring"]["pages_per_s"]
    traf = res["methods"]["trafilatura.extract"]["pages_per_s"]
    bs4 = res["methods"]["BeautifulSoup(lxml)"]["pages_per_s"]
    ours_paired = sorted(paired["ours extract()"])
    res["ratios"] = {
        "ours_vs_trafilatura_x_faster": round(ours / traf, 2),
        "ours_vs_bare_parse_x_slower": round(bare / ours, 2),
        "paired_median_ours_vs_bare_parse_x_slower": round(statistics.median(ours_paired), 2),
        "paired_range_ours_vs_bare_parse": [round(ours_paired[0], 2), round(ours_paired[-1], 2)],
        "paired_median_ours_no_officials_vs_bare_parse_x_slower":
            round(statistics.median(paired["ours, no officials"]), 2),
        "ours_no_officials_vs_trafilatura_x_faster": round(ours_nof / traf, 2),
        "ours_no_officials_vs_bare_parse_x_slower": round(bare / ours_nof, 2),
        "ours_vs_beautifulsoup_x_faster": round(ours / bs4, 2),
        "officials_share_of_time": round(1 - ours / ours_nof, 3) if ours_nof else None,
    }
    res["targets"] = {
        "vs_trafilatura_at_least_10x": res["ratios"]["ours_vs_trafilatura_x_faster"] >= 10,
        "within_4x_of_bare_parse": res["ratios"]["ours_vs_bare_parse_x_slower"] <= 4,
    }
    if profile:
        res["profile"] = profile_ours(pages, log=log)
    return res


def profile_ours(pages, top: int = 15, log=print) -> dict:
    from pipelines.extraction.extract import extract

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(2):
        for h, u, c in pages:
            extract(h, u, content_type=c)
    prof.disable()
    out = {}
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        st = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key)
        st.print_stats(top)
        text = buf.getvalue()
        text = text[text.find("   ncalls"):] if "   ncalls" in text else text
        log(f"\ncProfile of ours extract() over {2 * len(pages)} pages, top {top} by {key}:\n{text.rstrip()}")
        out[key] = text
    return out


def print_table(res: dict, log=print) -> None:
    m = res["methods"]
    ours = m["ours extract()"]["pages_per_s"] if "ours extract()" in m else None
    log(f"\n{'method':<24}{'pages/s/core':>14}{'ms/page':>10}{'wall p/s':>10}{'vs ours':>10}")
    for k, v in m.items():
        vs = f"{ours / v['pages_per_s']:>9.2f}×" if ours else f"{'—':>10}"
        log(f"{k:<24}{v['pages_per_s']:>14.0f}{v['ms_per_page']:>10.2f}{v['pages_per_s_wall']:>10.0f}{vs}")
    if "ratios" not in res:  # (--methods: only some methods timed, no ratios)
        return
    r = res["ratios"]
    log(f"ours vs trafilatura: {r['ours_vs_trafilatura_x_faster']:.1f}× faster (target ≥ 10×: "
        f"{'met' if res['targets']['vs_trafilatura_at_least_10x'] else 'NOT met'})")
    lo, hi = r["paired_range_ours_vs_bare_parse"]
    log(f"ours vs bare lxml parse: {r['ours_vs_bare_parse_x_slower']:.2f}× slower (target ≤ 4×: "
        f"{'met' if res['targets']['within_4x_of_bare_parse'] else 'NOT met'}); paired page by page: "
        f"{r['paired_median_ours_vs_bare_parse_x_slower']:.2f}× (median of {res['rounds']} rounds, "
        f"{lo:.2f}–{hi:.2f})")
    log(f"without officials: {r['ours_no_officials_vs_trafilatura_x_faster']:.1f}× trafilatura, "
        f"{r['ours_no_officials_vs_bare_parse_x_slower']:.1f}× bare parse; officials take "
        f"{100 * r['officials_share_of_time']:.0f} % of extraction time")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--profile", action="store_true", help="cProfile top 15 of ours")
    ap.add_argument("--methods", help="comma-separated method names to time (default: all)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON only")
    args = ap.parse_args(argv)
    only = args.methods.split(",") if args.methods else None
    log = (lambda *a, **k: None) if args.json else print
    res = run(args.rounds, args.pages, args.profile, log=log, only=only)
    if args.json:
        import json

        print(json.dumps(res))
    else:
        print_table(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
