"""``portal-news reprocess`` speed-up per core count, on the WARC files of a real crawl.

Used by ``benchmarks/run.py`` on the output of its main crawl (``<out>/warc/*.warc.gz``):
re-extracts every stored page into a fresh dataset root with 1 worker, then with every
core, and reports pages/s and the speed-up. When the command does not exist yet it says
"reprocess: not available yet".
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CMD = [sys.executable, "-m", "crawler.cli", "reprocess"]


def help_text() -> str | None:
    try:
        p = subprocess.run(CMD + ["--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout if p.returncode == 0 else None


def _workers_flag(text: str) -> str | None:
    for flag in ("--workers", "--jobs", "--processes", "-j"):
        if re.search(rf"(^|[\s,\[]){re.escape(flag)}\b", text):
            return flag
    return None


def warc_files(warc_dir: Path) -> list[Path]:
    return sorted(p for p in warc_dir.iterdir() if ".warc" in p.name)


def build_cmd(text: str, warc_dir: Path, out_dir: Path, workers: int) -> list[str]:
    """``portal-news reprocess FILE.warc.gz … --output OUT --workers N``."""
    cmd = list(CMD) + [str(p) for p in warc_files(warc_dir)] + ["--output", str(out_dir)]
    wf = _workers_flag(text)
    if wf:
        cmd += [wf, str(workers)]
    return cmd


def _count_pages(warc_dir: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    n = 0
    for f in sorted(warc_dir.glob("*.warc.gz*")):
        with open(f, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "response":
                    n += 1
    return n


def run(crawl_output: Path, log=print, repeats: int = 2) -> dict:
    text = help_text()
    if text is None:
        log("reprocess: not available yet")
        return {"available": False}
    warc_dir = crawl_output / "warc"
    if not warc_dir.is_dir() or not warc_files(warc_dir):
        log("reprocess: available, but the crawl wrote no WARC files (WARC_ENABLED off?)")
        return {"available": True, "error": "no WARC files"}
    wf = _workers_flag(text)
    pages = _count_pages(warc_dir)
    cores = os.cpu_count() or 1
    counts = [1] + ([cores] if cores > 1 and wf else [])
    res = {"available": True, "warc_records": pages, "workers_flag": wf, "runs": {}}
    for workers in counts:
        best = best_self = None
        for _ in range(repeats):
            out = crawl_output.parent / f"reprocess-{workers}"
            shutil.rmtree(out, ignore_errors=True)
            cmd = build_cmd(text, warc_dir, out, workers)
            t0 = time.perf_counter()
            p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600)
            res.setdefault("stdout_tail", p.stdout[-600:])
            dt = time.perf_counter() - t0
            shutil.rmtree(out, ignore_errors=True)
            if p.returncode != 0:
                log(f"reprocess: {' '.join(cmd[2:])} failed (exit {p.returncode}): {p.stderr[-800:]}")
                res["error"] = p.stderr[-2000:]
                res["command"] = " ".join(cmd[2:])
                return res
            best = dt if best is None else min(best, dt)
            m = re.search(r"(\d+(?:\.\d+)?) s \((\d+) pages/s\)", p.stdout)
            if m:  # the command's own timing: extraction + writing, without start-up and summary
                best_self = float(m.group(1)) if best_self is None else min(best_self, float(m.group(1)))
        res["runs"][workers] = {"seconds": round(best, 2), "pages_per_s": round(pages / best, 1),
                                "self_reported_s": best_self,
                                "self_reported_pages_per_s": round(pages / best_self, 1) if best_self else None,
                                "command": "portal-news reprocess <crawl>/warc/*.warc.gz --output <dir>"
                                           + (f" {wf} {workers}" if wf else "")}
        log(f"reprocess: {workers} worker(s): {best:.1f} s wall ({pages / best:.0f} pages/s)"
            + (f", {best_self:.1f} s by its own report ({pages / best_self:.0f} pages/s)" if best_self else ""))
    if len(res["runs"]) > 1:
        s1, sn = res["runs"][1]["seconds"], res["runs"][cores]["seconds"]
        res["speedup"] = round(s1 / sn, 2)
        a, b = res["runs"][1]["self_reported_s"], res["runs"][cores]["self_reported_s"]
        res["speedup_self_reported"] = round(a / b, 2) if a and b else None
        log(f"reprocess: speed-up with {cores} workers: {s1 / sn:.2f}× wall"
            + (f", {a / b:.2f}× by its own timing" if a and b else "") + f" (ideal {cores}×; the machine is shared)")
    elif not wf:
        log("reprocess: no workers option found in --help; measured with its default only")
    return res
