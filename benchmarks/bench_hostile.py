"""Memory of a crawl under resource bombs (issue 14, item 6): a gzip bomb (~900 MiB of HTML
decompressed, ~0.9 MB on the wire) and two 200 MB pages (one with a ``Content-Length``, one
streamed without), served by the project's hostile test server (``tests/hostile.py``) on
127.0.0.1 beside a good article.

    .venv/bin/python benchmarks/bench_hostile.py [--repeats 3] [--scrapy-default]

Each crawl is ``portal-news crawl --start-urls …/Bombs.aspx --impolite`` in its own process;
its memory is the RSS of the crawl process and every process it started (extraction
worker, WARC writer), read from /proc every 20 ms: **peak** is the largest sum seen at once,
**sum of peaks** adds each process's own high-water mark (``VmHWM``), an upper bound of the
true peak that no sampling can miss. ``--scrapy-default`` also runs the crawl with Scrapy's
own limits (``DOWNLOAD_MAXSIZE`` 1 GB, ``DOWNLOAD_WARNSIZE`` 32 MB), the behaviour before
issue 14 (needs ~6–8 GB of memory and ~40 s). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import signal
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile import HostileServer, TreeMemory, process_tree  # noqa: E402


def crawl(srv: HostileServer, out: Path, extra: list[str], timeout: float = 300.0) -> dict:
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", "--start-urls", srv.url("/portal/Pages/Bombs.aspx"),
           "--impolite", "-o", str(out), "-s", "PROGRESS_INTERVAL=0", *extra]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    mem = TreeMemory(proc, interval=0.02)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for pid in reversed(process_tree(proc.pid)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(10)
        raise SystemExit(f"crawl overran {timeout:.0f} s")
    mem.join()
    seconds = time.monotonic() - started
    kinds = {}
    if (out / "failures").exists():
        import pyarrow.dataset as ds

        for f in ds.dataset(out / "failures", format="parquet").to_table().to_pylist():
            kinds[f["url"].rsplit("/", 1)[-1]] = f["kind"]
    articles = 0
    if (out / "articles").exists():
        import pyarrow.dataset as ds

        articles = ds.dataset(out / "articles", format="parquet", partitioning="hive").count_rows()
    per_process = sorted((kb / 1024 for kb in mem.hwm.values()), reverse=True)
    return {"exit": proc.returncode, "seconds": seconds, "peak_mb": mem.peak_mb, "hwm_sum_mb": mem.hwm_mb,
            "per_process_hwm_mb": per_process, "kinds": kinds, "articles": articles}


def report(label: str, r: dict) -> None:
    procs = ", ".join(f"{mb:.0f}" for mb in r["per_process_hwm_mb"])
    print(f"{label:<26} exit {r['exit']}  {r['seconds']:5.1f} s  peak {r['peak_mb']:6.0f} MB  "
          f"sum of peaks {r['hwm_sum_mb']:6.0f} MB  (per process: {procs})")
    print(f"{'':<26} articles stored {r['articles']}; failures {r['kinds']}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--scrapy-default", action="store_true",
                   help="also crawl with Scrapy's own size limits (the behaviour before; ~6-8 GB)")
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    try:
        with HostileServer(max_seconds=1800) as srv:
            print(f"hostile server {srv.url('/')}; gzip bomb and 200 MB pages; memory of the crawl's process tree")
            runs = []
            for i in range(args.repeats):
                runs.append(crawl(srv, tmp / f"ours-{i}", []))
                report(f"ours, run {i + 1}", runs[-1])
            worst = max(runs, key=lambda r: r["hwm_sum_mb"])
            print(f"ours, worst of {len(runs)}: peak {max(r['peak_mb'] for r in runs):.0f} MB, "
                  f"sum of peaks {worst['hwm_sum_mb']:.0f} MB (bound: 1024 MB)")
            if args.scrapy_default:
                r = crawl(srv, tmp / "scrapy-default", ["-s", f"DOWNLOAD_MAXSIZE={1024 ** 3}",
                                                         "-s", f"DOWNLOAD_WARNSIZE={32 * 1024 ** 2}"])
                report("Scrapy's default limits", r)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
