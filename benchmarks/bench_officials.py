"""Cost of officials extraction per article. Run: ``python benchmarks/bench_officials.py``.

Times :func:`pipelines.extraction.officials.extract_officials` on every gold item of
``tests/gold/officials`` and on the shared example page's body + captions, many repetitions,
and prints ms/article plus the ratio to a baseline measured in the same process (a bare
``lxml.html.fromstring`` of the shared example page). No network.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402

from pipelines.evaluation.officials import load_gold  # noqa: E402
from pipelines.extraction.officials import extract_officials  # noqa: E402

_SHARED_EXAMPLE = ROOT.parent / "shared" / "portal" / "examples" / "muonglat-2021-3-24.html"
EXAMPLE = _SHARED_EXAMPLE if _SHARED_EXAMPLE.exists() else ROOT / "tests" / "fixtures" / "muonglat-2021-3-24.html"
GOLD = ROOT / "tests" / "gold" / "officials"


def _best(fn, reps: int, rounds: int = 5) -> float:
    """Best-of-rounds seconds per call."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def main() -> None:
    items = load_gold(GOLD)
    html = EXAMPLE.read_bytes() if EXAMPLE.exists() else None
    example = None
    if html:
        doc = lxml.html.fromstring(html)
        example = ([p.text_content() for p in doc.cssselect("div.ms-rtestate-field p")],
                   [e.text_content() for e in doc.cssselect("td em")])

    def run_gold():
        for it in items:
            extract_officials(it["paragraphs"], it.get("captions") or [], site_name=it.get("site_name"))

    n_par = sum(len(it["paragraphs"]) + len(it.get("captions") or []) for it in items)
    per_item = _best(run_gold, 20) / max(len(items), 1)
    print(f"gold items: {len(items)} items ({n_par / max(len(items), 1):.1f} texts each): "
          f"{per_item * 1000:.3f} ms/article")
    if example:
        per_ex = _best(lambda: extract_officials(example[0], example[1], site_name="Huyện Mường Lát"), 300)
        base = _best(lambda: lxml.html.fromstring(html), 300)
        print(f"shared example ({len(example[0])} paragraphs, {len(example[1])} captions): {per_ex * 1000:.3f} ms/article")
        print(f"baseline lxml.html.fromstring(example page): {base * 1000:.3f} ms  "
              f"→ officials/baseline ratio {per_ex / base:.2f}")
        # a "typical article": 10 paragraphs, 5 captions from the gold texts
        paras = [p for it in items for p in it["paragraphs"]][:10]
        caps = [c for it in items for c in it.get("captions") or []][:5]
        per_typ = _best(lambda: extract_officials(paras, caps, site_name="Huyện Mường Lát"), 300)
        print(f"typical article (10 paragraphs, 5 captions from the gold): {per_typ * 1000:.3f} ms/article "
              f"(ratio {per_typ / base:.2f})")
    else:
        print("shared example not found; baseline skipped")


if __name__ == "__main__":
    main()
