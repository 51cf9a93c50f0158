"""Instructions per page (valgrind's cachegrind), deterministic where timings on a shared VM
are not: our ``extract()``, the same without officials, and a bare ``lxml.html.fromstring``,
on the pages of ``bench_extract.py`` (200 replica articles + the shared example page).

    python benchmarks/count_instructions.py [--pages 200] [--methods ours,nooff,bare]

Each method runs twice under ``valgrind --tool=cachegrind --cache-sim=no``: once with setup
only (imports, rendering the pages, a warm-up on 5 pages) and once with two passes over the
pages; the difference divided by the pages gives the instructions per page. Instructions are
not time (the interpreter's code has a lower IPC than libxml2's parser: the time ratio is
about 1.5× the instruction ratio here), but a change that removes instructions and keeps
every output byte-identical is a change that removes work. Needs ``valgrind`` (Debian package
``valgrind``); a run takes about 2 minutes.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSES = 2


def _work(method: str, passes: int, n_pages: int) -> None:
    """The measured program (run under valgrind): setup, then ``passes`` passes of ``method``."""
    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    import lxml.html

    from bench_extract import load_pages
    from pipelines.extraction.extract import extract

    fn = {
        "ours": lambda h, u, c: extract(h, u, content_type=c),
        "nooff": lambda h, u, c: extract(h, u, content_type=c, with_officials=False),
        "bare": lambda h, u, c: lxml.html.fromstring(h),
    }[method]
    pages = load_pages(n_pages)
    for h, u, c in pages[:5]:
        fn(h, u, c)
    for _ in range(passes):
        for h, u, c in pages:
            fn(h, u, c)


def _instructions(method: str, passes: int, n_pages: int) -> int:
    proc = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, __file__, "--work", method, "--passes", str(passes), "--pages", str(n_pages)],
        capture_output=True, text=True, check=True)
    m = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if not m:
        raise RuntimeError(f"no instruction count in valgrind's output: {proc.stderr[-500:]}")
    return int(m.group(1).replace(",", ""))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--methods", default="ours,nooff,bare")
    ap.add_argument("--work", help=argparse.SUPPRESS)
    ap.add_argument("--passes", type=int, default=PASSES, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.work:
        _work(args.work, args.passes, args.pages)
        return 0
    if shutil.which("valgrind") is None:
        print("count_instructions: valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_extract import EXAMPLE

    n = args.pages + EXAMPLE.is_file()  # (load_pages adds the shared example page when present)
    per_page = {}
    for method in args.methods.split(","):
        setup = _instructions(method, 0, args.pages)
        full = _instructions(method, PASSES, args.pages)
        per_page[method] = (full - setup) / (PASSES * n)
        print(f"{method:6} {per_page[method] / 1e6:.3f} M instructions/page")
    if "bare" in per_page:
        for method in ("ours", "nooff"):
            if method in per_page:
                print(f"{method} / bare parse: {per_page[method] / per_page['bare']:.2f}× the instructions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
