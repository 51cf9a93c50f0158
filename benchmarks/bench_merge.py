"""What merging a run's small part files at its end costs and buys (``MERGE_PART_FILES``).

Two dataset roots get the same history: a first run of ``--articles`` articles (27
districts × 6 years, replica article pages extracted once, stored through the real
``RunLedger`` with the crawl's batch size), then ``--days`` daily runs of ``--daily`` new
articles each (current year, random districts). One root merges at the end of each run
(the default), the other does not (``-s MERGE_PART_FILES=0``); the two are run alternately,
in one process. Printed: the median time of a daily run's close (commit + ``runs/`` rows +
``people/`` rebuild + merge) with and without merging, the files each root holds at the
end, and the time to read the articles table of each (pyarrow dataset, DuckDB ``count(*)``
and a group-by over the glob, best of 5). Not part of the test suite.

    .venv/bin/python benchmarks/bench_merge.py [--articles 20000] [--days 30] [--daily 60]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _records(n_pages: int) -> list[dict]:
    from pipelines import extract
    from replica.model import build_portal
    from replica.render import article_page

    portal = build_portal(seed=1, articles=n_pages)
    out = []
    for a in portal.articles[:n_pages]:
        body, ctype = article_page(a)[:2]
        rec = extract(body, a.url, content_type=ctype)
        if rec.get("is_article"):
            out.append(rec)
    return out


def _rows(rec: dict, i: int, district: str, year: int, day: int) -> dict:
    from pipelines.storage.rows import rows_for_record

    r = dict(rec, url=f"{rec['url'].rsplit('.', 1)[0]}-{i:07d}.aspx")
    article, images, officials = rows_for_record(r, fetch_url=r["url"], fetched_at=1_700_000_000 + day * 86400 + i)
    for row in (article, *images, *officials):
        row["district"], row["year"] = district, year
    return {"article": article, "images": images, "officials": officials}


def _run(root: Path, items: list[tuple[dict, int, str, int, int]], merge: bool) -> float:
    """One run storing ``items``; returns the seconds its close() took."""
    from pipelines.storage.run import RunLedger

    ledger = RunLedger(root, flush_rows=2000, merge_at_close=merge).open()
    for rec, i, district, year, day in items:
        ledger.count(district, "pages_fetched")
        ledger.add_article(district, _rows(rec, i, district, year, day))
    t0 = time.perf_counter()
    ledger.close("finished")
    return time.perf_counter() - t0


def _read_times(root: Path) -> dict[str, float]:
    import duckdb
    import pyarrow.dataset as ds

    glob = f"{root}/articles/**/*.parquet"
    out = {}
    for name, fn in (
        ("pyarrow dataset, whole table", lambda: ds.dataset(root / "articles", format="parquet",
                                                            partitioning="hive").to_table()),
        ("duckdb count(*)", lambda: duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}')").fetchall()),
        ("duckdb group by district, year", lambda: duckdb.sql(
            f"SELECT district, year, count(*) FROM read_parquet('{glob}', hive_partitioning=true) GROUP BY ALL").fetchall()),
    ):
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        out[name] = best
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=20000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--daily", type=int, default=60)
    ap.add_argument("--pages", type=int, default=200, help="distinct replica pages to extract (rows reuse them)")
    args = ap.parse_args(argv)
    from pipelines.sites.registry import sites_by_slug

    districts = sorted(s.slug for s in sites_by_slug(None))[:27]
    recs = _records(args.pages)
    rnd = random.Random(7)
    tmp = Path(tempfile.mkdtemp(prefix="bench-merge-"))
    roots = {True: tmp / "merged", False: tmp / "plain"}
    try:
        first = [(recs[i % len(recs)], i, districts[i % len(districts)], 2019 + (i // len(districts)) % 6, 0)
                 for i in range(args.articles)]
        for merge, root in roots.items():
            _run(root, first, merge)
        closes: dict[bool, list[float]] = {True: [], False: []}
        n = args.articles
        for day in range(1, args.days + 1):
            items = [(recs[rnd.randrange(len(recs))], n + k, rnd.choice(districts), 2025, day)
                     for k in range(args.daily)]
            n += args.daily
            order = (True, False) if day % 2 else (False, True)
            for merge in order:
                closes[merge].append(_run(roots[merge], items, merge))
        print(f"{args.articles} articles, then {args.days} daily runs of {args.daily} new articles "
              f"({len(districts)} districts)")
        print(f"{'':42}{'merged':>12}{'not merged':>12}{'ratio':>8}")
        med = {m: statistics.median(v) for m, v in closes.items()}
        print(f"{'daily run close(), median (s)':42}{med[True]:>12.3f}{med[False]:>12.3f}{med[True] / med[False]:>8.2f}")
        files = {m: sum(1 for _ in (r / "articles").rglob("*.parquet")) + sum(1 for _ in (r / "images").rglob("*.parquet"))
                 + sum(1 for _ in (r / "officials").rglob("*.parquet")) + sum(1 for _ in (r / "runs").rglob("*.parquet"))
                 + sum(1 for _ in (r / "failures").rglob("*.parquet")) for m, r in roots.items()}
        print(f"{'Parquet files (all tables)':42}{files[True]:>12}{files[False]:>12}{files[True] / files[False]:>8.2f}")
        reads = {m: _read_times(r) for m, r in roots.items()}
        for name in reads[True]:
            a, b = reads[True][name], reads[False][name]
            print(f"{'read: ' + name + ' (s)':42}{a:>12.3f}{b:>12.3f}{a / b:>8.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
