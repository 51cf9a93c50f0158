"""Cost of rebuilding ``people/`` and ``positions/`` at scale. Run:
``python benchmarks/bench_people.py [--articles 20000] [--seed 1] [--render] [--bucket-rows N]``.

1. Officials rows of ``--articles`` articles of the replica (``build_portal(seed, articles)``):
   by default straight from the replica's answer key — each article's officials as its page
   writes them (``articles[].people``: names with and without middle names, old tones, NFD)
   with their positions read by the extraction's position parser, as a crawl would store
   them — or, with ``--render``, by rendering and extracting every page (slower: the
   extraction is then most of the time).
2. They are written as an ``officials/`` dataset (hive partitions ``district=/year=``) under a
   temporary root.
3. ``rebuild_people(root)`` runs in a fresh subprocess, twice: from scratch, then again over
   the same rows with the first ``people.parquet`` in place (the incremental case: ids are
   kept by overlap). Each prints its wall time, CPU time and peak RSS (VmHWM of that
   process: the rebuild alone, not this script).
4. The people built are scored against the replica's truth (B-cubed, as
   ``portal-news evaluate --people``), beside name-only merging.

No network. Figures go to stdout (and ``--json FILE``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from pipelines.evaluation import people as E  # noqa: E402
from pipelines.extraction.officials import display_name, parse_positions  # noqa: E402
from pipelines.extraction.text import name_key  # noqa: E402
from pipelines.sites.registry import article_id  # noqa: E402
from pipelines.storage.schema import OFFICIALS  # noqa: E402
from replica import build_portal  # noqa: E402
from replica.manifest import people as who  # noqa: E402

_CHILD = r"""
import json, sys, time, resource
sys.path.insert(0, sys.argv[2])
import pipelines.storage.people as P
if len(sys.argv) > 3:
    P.PEOPLE_BUCKET_ROWS = int(sys.argv[3])
t0, c0 = time.perf_counter(), time.process_time()
n = P.rebuild_people(sys.argv[1])
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
hwm = None
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        hwm = int(line.split()[1]) / 1024
print(json.dumps({"persons": n, "seconds": wall, "cpu_seconds": cpu,
                  "peak_rss_mb": hwm or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@lru_cache(maxsize=None)
def _positions(text: str, site_name: str) -> tuple:
    return tuple(parse_positions(text, site_name=site_name))


def truth_rows(portal) -> tuple[list[dict], dict]:
    """Officials rows from the replica's answer key (no rendering), and the truth."""
    rows, truth = [], {}
    fetched = 1_700_000_000_000
    for a in portal.articles:
        aid = article_id(a.url)
        for p in who(a):
            name = unicodedata.normalize("NFC", p["name"])
            positions = []
            for text in p["positions"]:
                positions += [dict(x) for x in _positions(unicodedata.normalize("NFC", text), a.district.name)]
            key = name_key(name)
            rows.append({"article_id": aid, "district": a.district.slug, "year": a.dt.year,
                         "published_date": a.dt.date(), "name": display_name(name), "name_raw": name,
                         "name_key": key, "honorific": None,
                         "positions": [{k: x.get(k) for k in ("raw", "role", "organization", "organization_full", "level")}
                                       for x in positions],
                         "mentions": 1, "in_caption": False, "context": None, "content_hash": aid,
                         "fetched_at": fetched})
            truth[(aid, key)] = p["person_id"]
    return rows, truth


def rendered_rows(portal) -> tuple[list[dict], dict]:
    """Officials rows by rendering and extracting every page."""
    from replica.render import article_page

    rows, truth = [], {}
    for a in portal.articles:
        body, ctype = article_page(a)
        for r in E.officials_rows(body, a.url, ctype):
            r.update(year=a.dt.year, name_raw=r["name"], honorific=None, mentions=1, in_caption=False,
                     context=None, content_hash=r["article_id"], fetched_at=1_700_000_000_000)
            rows.append(r)
        truth.update(E.truth_of(a.url, who(a)))
    return rows, truth


def write_officials(root: Path, rows: list[dict]) -> int:
    """The rows as an officials/ dataset: one file per district and year."""
    parts = defaultdict(list)
    for r in rows:
        parts[(r["district"], r["year"])].append(r)
    names = [f.name for f in OFFICIALS]
    for (district, year), group in parts.items():
        d = root / "officials" / f"district={district}" / f"year={year}"
        d.mkdir(parents=True, exist_ok=True)
        t = pa.Table.from_pylist([{k: r.get(k) for k in names} for r in group], schema=OFFICIALS)
        pq.write_table(t, d / "part-bench-00000.parquet", compression="zstd")
    return len(parts)


def rebuild(root: Path, bucket_rows: int | None) -> dict:
    cmd = [sys.executable, "-c", _CHILD, str(root), str(ROOT)] + ([str(bucket_rows)] if bucket_rows else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--render", action="store_true", help="render and extract every page (slower)")
    ap.add_argument("--bucket-rows", type=int, default=None, help="PEOPLE_BUCKET_ROWS for the rebuild")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    portal = build_portal(seed=args.seed, articles=args.articles)
    rows, truth = (rendered_rows if args.render else truth_rows)(portal)
    prep = time.perf_counter() - t0
    res = {"articles": args.articles, "seed": args.seed, "districts": len(portal.districts),
           "officials_rows": len(rows), "rows_from": "render+extract" if args.render else "answer key",
           "prepare_seconds": round(prep, 1)}
    with tempfile.TemporaryDirectory(prefix="bench-people-") as tmp:
        root = Path(tmp)
        res["partitions"] = write_officials(root, rows)
        res["scratch"] = rebuild(root, args.bucket_rows)
        res["incremental"] = rebuild(root, args.bucket_rows)
        people = pq.read_table(root / "people" / "people.parquet", columns=["person_id", "name", "mentions"]).to_pylist()
        spells = pq.read_metadata(root / "positions" / "positions.parquet").num_rows
    ours = E.bcubed(E.clusters_of(people), truth)
    base = E.bcubed(E.name_only(rows), truth)
    res.update(persons=len(people), spells=spells,
               bcubed={"portal-news": {k: round(v, 4) if isinstance(v, float) else v for k, v in ours.items()},
                       "name only": {k: round(v, 4) if isinstance(v, float) else v for k, v in base.items()}})
    print(f"people/ over {args.articles} replica articles ({res['districts']} districts, seed {args.seed}): "
          f"{len(rows)} officials rows ({res['rows_from']}, prepared in {prep:.1f} s), {res['partitions']} partitions")
    for label in ("scratch", "incremental"):
        r = res[label]
        print(f"  rebuild ({label:<11}): {r['seconds']:6.2f} s wall, {r['cpu_seconds']:6.2f} s CPU, "
              f"peak RSS {r['peak_rss_mb']:6.1f} MB → {r['persons']} persons, {spells} spells")
    print(f"  B-cubed vs the replica's truth: ours P {ours['precision']:.3f} R {ours['recall']:.3f} "
          f"F1 {ours['f1']:.3f}; name only P {base['precision']:.3f} R {base['recall']:.3f} F1 {base['f1']:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return res


if __name__ == "__main__":
    main()
