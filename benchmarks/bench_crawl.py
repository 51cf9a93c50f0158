"""Crawl throughput and memory against the offline replica, politeness off.

    python benchmarks/bench_crawl.py [--articles 10000] [--big 50000] [--repeats 2]

The replica runs as a subprocess (``replica_process``); each crawl runs in its own
subprocess (fresh reactor, its own memory):

* **bare**: ``benchmarks/bare_spider.py`` fetches exactly the replica's listing pages and
  every URL they link to (from the replica's manifest: the portals' real URLs), through the
  replica as HTTP proxy like ours, same settings as ``--impolite`` (32 concurrent requests,
  no delay, robots.txt obeyed), and does nothing with them;
* **ours**: ``python -m crawler.cli crawl --sites <every district> --replica URL --impolite
  -o <empty dir> -s LOG_LEVEL=WARNING -s PROGRESS_INTERVAL=0``: discovery from listings,
  extraction with officials, Parquet datasets, people/ rebuild at the end.

Both get the tiny :mod:`benchmarks.timing` extension, which records the crawl window
(spider opened → closed, item pipelines closed) and Scrapy's stats. Throughput is the same
work — the manifest's listing pages + linked URLs — divided by the crawl window; the ratio
is bare window / ours window. Runs alternate bare, ours, bare, ours…; the best of each is
kept. Peak RSS is the crawling process's own (/proc VmHWM: whole process life, and at
spider close), with /proc RSS samples across the crawl window. CPU time of the
replica server, of the crawler and of the whole machine (/proc/stat) over the crawl window
say which one was the bottleneck.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLK = os.sysconf("SC_CLK_TCK")
EXTENSIONS_OURS = json.dumps({"crawler.run.RunOwner": 100, "crawler.progress.Progress": 500, "benchmarks.timing.BenchTiming": 0})


# --- /proc helpers -----------------------------------------------------------------------------
def proc_cpu_s(pid: int) -> float | None:
    """user + system CPU seconds of a live process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK  # utime, stime (fields 14, 15)
    except (OSError, IndexError, ValueError):
        return None


def machine_busy_s() -> float:
    """Non-idle CPU seconds of the whole machine, all cores (from /proc/stat)."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return (sum(parts[:8]) - idle) / CLK


def proc_status_mb(pid: int | str, *keys: str) -> dict:
    """Fields of /proc/<pid>/status in MB (``VmRSS``: now, ``VmHWM``: peak of this process
    image since its exec — unlike ``ru_maxrss``, which a child inherits from the parent's
    peak through fork/vfork + exec)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k = line.split(":", 1)[0]
                if k in keys:
                    out[k] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


def rss_mb(pid: int) -> float | None:
    return proc_status_mb(pid, "VmRSS").get("VmRSS")


def descendants(pid: int) -> list[int]:
    """Child processes of ``pid``, recursively (extraction workers, the WARC writer, …)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            kids = []
        out.extend(kids)
        todo.extend(kids)
    return out


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


# --- URL set of the bare spider -----------------------------------------------------------------
def crawl_urls(manifest: dict) -> list[str]:
    """Every listing page of the replica, then every URL those pages link to (once)."""
    listings = [entry["url"] for entry in manifest["listings"]]
    seen, links = set(), []
    for entry in manifest["listings"]:
        for url in entry["links"]:
            if url not in seen:
                seen.add(url)
                links.append(url)
    return listings + links


# --- one crawl in a subprocess -------------------------------------------------------------------
def run_child(cmd: list[str], stats_file: Path, replica_pid: int, log_file: Path,
              timeout: float = 1800.0) -> dict:
    if stats_file.exists():
        stats_file.unlink()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    rep0, mach0, w0 = proc_cpu_s(replica_pid), machine_busy_s(), time.time()
    with open(log_file, "w") as logf:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=logf, stderr=subprocess.STDOUT)
    samples: list[tuple[float, float]] = []
    tree: list[tuple[float, float]] = []  # RSS of the crawl process + all its children
    hwm = [0.0]
    done = threading.Event()

    def poll():
        while not done.is_set():
            st = proc_status_mb(proc.pid, "VmRSS", "VmHWM")
            if "VmRSS" in st:
                now = time.time()
                samples.append((now, st["VmRSS"]))
                hwm[0] = max(hwm[0], st.get("VmHWM", 0.0))
                kids = sum(rss_mb(k) or 0.0 for k in descendants(proc.pid))
                tree.append((now, st["VmRSS"] + kids))
            done.wait(0.25)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    timer = threading.Timer(timeout, lambda: proc.poll() is None and proc.kill())
    timer.start()
    try:
        _, status, _usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        timer.cancel()
        done.set()
        poller.join(timeout=5)
        if proc.returncode is None:
            proc.kill()
            proc.wait()
    wall = time.time() - w0
    rep1, mach1 = proc_cpu_s(replica_pid), machine_busy_s()
    if proc.returncode != 0 or not stats_file.exists():
        tail = log_file.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"crawl failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")
    st = json.loads(stats_file.read_text())
    t0, t1 = st["opened_at"], st["closed_at"]
    window = [r for t, r in samples if t0 <= t <= t1]
    quart = {}
    if window:
        for q in (0.25, 0.5, 0.75, 1.0):
            quart[f"{int(q * 100)}%"] = round(max(window[: max(1, int(len(window) * q))]), 1)
    elapsed = st["elapsed_s"]
    s = st["stats"]
    return {
        "exit": proc.returncode,
        "process_wall_s": round(wall, 2),
        "crawl_s": round(elapsed, 2),
        "responses": s.get("downloader/response_count", 0),
        "requests": s.get("downloader/request_count", 0),
        "items": s.get("item_scraped_count", 0),
        "items_dropped": s.get("item_dropped_count", 0),
        "retries": s.get("retry/count", 0),
        "status_404": s.get("downloader/response_status_count/404", 0),
        # peak RSS over the process's life (VmHWM, polled every 0.25 s until it exits)
        "peak_rss_mb": round(max(hwm[0], st["maxrss_mb_at_close"]), 1),
        "peak_rss_mb_at_close": round(st["maxrss_mb_at_close"], 1),
        # the whole crawl: its process plus extraction workers, WARC writer, … (sampled, 0.25 s)
        "peak_rss_mb_all_processes": round(max((r for _, r in tree), default=0.0), 1),
        "peak_rss_mb_all_processes_fetching": round(max((r for t, r in tree if st.get("idle_at") is None
                                                         or t <= st["idle_at"]), default=0.0), 1),
        # peak before the close phase (spider idle: everything fetched and extracted), and
        # how long the close phase took (final flush, runs/failures rows, people/ rebuild)
        "peak_rss_mb_fetching": round(st["maxrss_mb_at_idle"], 1) if st.get("maxrss_mb_at_idle") else None,
        "close_phase_s": round(t1 - st["idle_at"], 2) if st.get("idle_at") else None,
        "rss_mb_running_max_at_quartiles": quart,
        "crawler_cpu_s": round(st["cpu_s"], 2),
        # the reactor thread alone: Scrapy's event loop, the spider, the pipelines' main-thread part
        "reactor_thread_cpu_s": round(st["reactor_thread_cpu_s"], 2) if "reactor_thread_cpu_s" in st else None,
        "crawler_cpu_util": round(st["cpu_s"] / elapsed, 2) if elapsed else None,
        "replica_cpu_s": round(rep1 - rep0, 2) if rep0 is not None and rep1 is not None else None,
        "replica_cpu_util": round((rep1 - rep0) / elapsed, 2) if rep0 is not None and rep1 is not None and elapsed else None,
        "machine_busy_cores": round((mach1 - mach0) / wall, 2) if wall else None,
    }


def bare_cmd(urls_file: Path, base_url: str, stats_file: Path) -> list[str]:
    return [sys.executable, str(ROOT / "benchmarks" / "bare_spider.py"), str(urls_file), "--replica", base_url,
            "--stats-out", str(stats_file)]


def ours_cmd(slugs: str, base_url: str, out_dir: Path, stats_file: Path) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", "--sites", slugs, "--replica", base_url, "--impolite",
            "-o", str(out_dir), "-s", "LOG_LEVEL=WARNING", "-s", "PROGRESS_INTERVAL=0",
            "-s", f"BENCH_STATS_FILE={stats_file}", "-s", f"EXTENSIONS={EXTENSIONS_OURS}"]


def dir_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 2)


def parquet_row_groups(path: Path) -> dict:
    """Largest row group and file count of the articles dataset (bounded row groups)."""
    import pyarrow.parquet as pq

    files = list((path / "articles").rglob("*.parquet"))
    biggest = 0
    for f in files:
        md = pq.ParquetFile(f).metadata
        for i in range(md.num_row_groups):
            biggest = max(biggest, md.row_group(i).num_rows)
    return {"article_files": len(files), "largest_row_group_rows": biggest}


def crawl_size(articles: int, repeats: int, with_bare: bool, work: Path, log=print, on_output=None) -> dict:
    from replica import replica_process

    res: dict = {"articles": articles}
    t = time.time()
    with replica_process(articles=articles, seed=1, timeout=300) as rep:
        manifest = rep.manifest()  # also renders every article's content once: warm for every run
        res["replica_start_s"] = round(time.time() - t, 1)
        slugs = ",".join(d["slug"] for d in manifest["districts"])
        urls = crawl_urls(manifest)
        urls_file = work / f"urls-{articles}.txt"
        urls_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
        res.update(districts=slugs, urls=len(urls), listing_pages=len(manifest["listings"]),
                   replica_rss_mb=rss_mb(rep.pid))
        log(f"crawl {articles} articles: replica {rep.base_url} ready in {res['replica_start_s']} s; "
            f"{len(urls)} URLs ({len(manifest['listings'])} listing pages), districts {slugs}")
        runs = {"bare": [], "ours": []}
        for r in range(repeats):
            for kind in (["bare"] if with_bare else []) + ["ours"]:
                stats_file = work / f"stats-{kind}-{articles}-{r}.json"
                out_dir = work / f"out-{articles}-{r}"
                if kind == "bare":
                    cmd = bare_cmd(urls_file, rep.base_url, stats_file)
                else:
                    shutil.rmtree(out_dir, ignore_errors=True)
                    cmd = ours_cmd(slugs, rep.base_url, out_dir, stats_file)
                one = run_child(cmd, stats_file, rep.pid, work / f"log-{kind}-{articles}-{r}.txt")
                one["pages_per_min"] = round(len(urls) / one["crawl_s"] * 60)
                one["responses_per_min"] = round(one["responses"] / one["crawl_s"] * 60)
                one["crawler_cpu_ms_per_page"] = round(1000 * one["crawler_cpu_s"] / len(urls), 2)
                if one.get("reactor_thread_cpu_s") is not None:
                    one["reactor_thread_cpu_ms_per_page"] = round(1000 * one["reactor_thread_cpu_s"] / len(urls), 2)
                one["pages_per_min_per_cpu_core"] = round(len(urls) / one["crawler_cpu_s"] * 60)
                if kind == "ours":
                    one["output_mb"] = dir_mb(out_dir)
                    one.update(parquet_row_groups(out_dir))
                    if on_output is not None and r == repeats - 1:
                        res["after_crawl"] = on_output(out_dir)
                    shutil.rmtree(out_dir, ignore_errors=True)
                runs[kind].append(one)
                log(f"  {kind:<4} run {r + 1}: {one['crawl_s']:.1f} s (close phase {one['close_phase_s']} s), "
                    f"{one['pages_per_min']} pages/min, peak RSS {one['peak_rss_mb']:.0f} MB "
                    f"(while fetching {one['peak_rss_mb_fetching']}; all processes "
                    f"{one['peak_rss_mb_all_processes']:.0f}), "
                    f"CPU: crawler {one['crawler_cpu_util']}, replica {one['replica_cpu_util']}, "
                    f"machine {one['machine_busy_cores']} cores busy")
        res["replica_rss_mb_after"] = rss_mb(rep.pid)
    for kind, lst in runs.items():
        if lst:
            res[kind] = dict(min(lst, key=lambda x: x["crawl_s"]))
            res[kind]["best_crawler_cpu_ms_per_page"] = min(x["crawler_cpu_ms_per_page"] for x in lst)
            res[kind + "_runs"] = lst
    if with_bare:
        res["ours_vs_bare_throughput"] = round(res["bare"]["crawl_s"] / res["ours"]["crawl_s"], 3)
        # contention-independent: crawler CPU per page (what throughput would be with a free core)
        res["ours_vs_bare_cpu_per_page"] = round(res["bare"]["best_crawler_cpu_ms_per_page"]
                                                 / res["ours"]["best_crawler_cpu_ms_per_page"], 3)
    return res


def bottleneck(run: dict) -> str:
    rep, crw, mach = run.get("replica_cpu_util") or 0, run.get("crawler_cpu_util") or 0, run.get("machine_busy_cores") or 0
    notes = []
    if rep >= 0.85:
        notes.append(f"replica server CPU-bound ({rep:.2f} core; single-process Python)")
    if crw >= 0.85:
        notes.append(f"crawler CPU-bound ({crw:.2f} core; Scrapy reactor is one thread)")
    if mach >= 1.8:
        notes.append(f"machine saturated ({mach:.2f} of 2 cores busy, others' load {max(0.0, mach - rep - crw):.2f})")
    return "; ".join(notes) or "no CPU limit hit (latency-bound)"


def run(articles: int = 10000, big: int | None = 50000, repeats: int = 2, log=print, on_output=None) -> dict:
    """``on_output(out_dir)``, when given, is called with the output of the last crawl of
    ``articles`` (datasets + WARC files) before it is deleted; its result is kept."""
    work = Path(tempfile.mkdtemp(prefix="portal-news-bench-"))
    try:
        res = {"main": crawl_size(articles, repeats, True, work, log, on_output)}
        for kind in ("bare", "ours"):
            res["main"][kind]["bottleneck"] = bottleneck(res["main"][kind])
        if big:
            res["big"] = crawl_size(big, 1, False, work, log)
            res["big"]["ours"]["bottleneck"] = bottleneck(res["big"]["ours"])
        # the crawl's memory is that of all its processes (workers and WARC writer included)
        m = res["main"]["ours"]["peak_rss_mb_all_processes"]
        b = res["big"]["ours"]["peak_rss_mb_all_processes"] if big else None
        res["targets"] = {
            "ours_at_least_85pct_of_bare": res["main"]["ours_vs_bare_throughput"] >= 0.85,
            "peak_rss_under_400mb": max(x for x in (m, b) if x is not None) < 400,
            "rss_not_growing": None if b is None else b <= m * 1.25,
        }
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_table(res: dict, log=print) -> None:
    log(f"\n{'crawl':<28}{'crawl s':>9}{'pages/min':>11}{'CPU ms/p':>10}{'reactor':>9}{'peak MB*':>9}{'crawler':>9}{'replica':>9}{'machine':>9}")
    rows = [("bare Scrapy, %d" % res["main"]["articles"], res["main"]["bare"]),
            ("ours, %d" % res["main"]["articles"], res["main"]["ours"])]
    if "big" in res:
        rows.append(("ours, %d" % res["big"]["articles"], res["big"]["ours"]))
    for name, r in rows:
        reactor = r.get("reactor_thread_cpu_ms_per_page")
        log(f"{name:<28}{r['crawl_s']:>9.1f}{r['pages_per_min']:>11}{r['best_crawler_cpu_ms_per_page']:>10.2f}"
            f"{reactor if reactor is not None else float('nan'):>9.2f}{r['peak_rss_mb_all_processes']:>9.0f}"
            f"{r['crawler_cpu_util']:>9.2f}{r['replica_cpu_util']:>9.2f}{r['machine_busy_cores']:>9.2f}")
    log("(CPU ms/p: crawler process CPU per page, all its threads; reactor: the reactor thread's own;"
        " crawler / replica: CPU cores used over the crawl window;"
        " machine: all processes, of 2 cores)")
    log(f"ours / bare throughput: {100 * res['main']['ours_vs_bare_throughput']:.0f} % (target ≥ 85 %: "
        f"{'met' if res['targets']['ours_at_least_85pct_of_bare'] else 'NOT met'}); "
        f"by crawler CPU per page: {100 * res['main']['ours_vs_bare_cpu_per_page']:.0f} %")
    for name, r in rows:
        log(f"  limit, {name}: {r['bottleneck']}")
    peaks = ", ".join(f"{name}: {r['peak_rss_mb_all_processes']:.0f} MB all processes (crawl process "
                      f"{r['peak_rss_mb']:.0f} MB, {r['peak_rss_mb_fetching']:.0f} MB while fetching; "
                      f"close phase {r['close_phase_s']:.1f} s)" for name, r in rows[1:])
    grow = res["targets"]["rss_not_growing"]
    log(f"peak memory of our crawl: {peaks} (target < 400 MB: {'met' if res['targets']['peak_rss_under_400mb'] else 'NOT met'}"
        + ("" if grow is None else f"; not growing with pages: {'met' if grow else 'NOT met'}") + ")")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="crawl throughput and memory against the replica")
    ap.add_argument("--articles", type=int, default=10000)
    ap.add_argument("--big", type=int, default=50000, help="0: skip the big crawl")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args(argv)
    res = run(args.articles, args.big or None, args.repeats)
    print_table(res)
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
