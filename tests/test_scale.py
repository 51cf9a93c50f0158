"""Beyond one process: workers of one job sharing a real Redis frontier, the root's lock in
job mode, reprocessing on a Dask cluster, jobs scheduled on a real Scrapyd.

Every server a test starts (redis-server, the replica, scrapyd, dask) listens on 127.0.0.1
and is stopped by the test, by its pid; every crawl is bounded in time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from pipelines.storage.dataset import RootBusy, RootLock, recover
from replica import replica_process
from tests.helpers import crawl_cmd, free_port, redis_server

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 150
SEED = 5
# slow enough per host that three workers share the work and a kill lands mid-crawl
# (a worker process takes seconds to start on a loaded machine: the crawl must outlast that,
# and a small prefetch keeps the first worker from holding what a later one could fetch)
PACE = ("-s", "DOWNLOAD_DELAY=0.25", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "RETRY_BACKOFF_BASE=0.05",
        "-s", "EXTRACT_WORKERS=0", "-s", "PARQUET_FLUSH_ROWS=10", "-s", "FRONTIER_PREFETCH=4")


@pytest.fixture(scope="module")
def replica():
    with replica_process(articles=ARTICLES, seed=SEED) as rep:
        yield rep, rep.manifest()


@pytest.fixture(scope="module")
def redis():
    with redis_server() as server:
        yield server


def _table(out: Path, name: str) -> list[dict]:
    if not (out / name).is_dir():
        return []
    return ds.dataset(out / name, format="parquet", partitioning="hive").to_table().to_pylist()


def _worker(replica_url, out, sites, frontier, job, run_id, *extra):
    cmd = crawl_cmd(replica_url, out, sites, "--frontier", frontier, "--job", job, "--idle-close", "2",
                    "-s", f"RUN_ID={run_id}", *PACE, *extra)
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_all(procs, timeout=120):
    outs = []
    deadline = time.monotonic() + timeout
    try:
        for p in procs:
            o, e = p.communicate(timeout=max(1, deadline - time.monotonic()))
            outs.append((p.returncode, o, e))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)
    return outs


def _check_exactly_once(out, manifest):
    rows = _table(out, "articles")
    urls = Counter(r["url"] for r in rows)
    assert urls and max(urls.values()) == 1, [u for u, n in urls.items() if n > 1][:5]
    expected = {a["url"] for a in manifest["articles"] if a["reachable"]}
    assert set(urls) == expected, (len(set(urls)), len(expected), sorted(expected - set(urls))[:5])
    return rows


def _sites(manifest):
    return ",".join(d["slug"] for d in manifest["districts"])


def test_three_workers_share_one_frontier(replica, redis, tmp_path):
    rep, manifest = replica
    out = tmp_path / "root"
    runs = ["w1-" + os.urandom(3).hex(), "w2-" + os.urandom(3).hex(), "w3-" + os.urandom(3).hex()]
    procs = [_worker(rep.base_url, out, _sites(manifest), redis.url, "three", r) for r in runs[:2]]
    time.sleep(1.0)   # the third joins late and still gets work
    procs.append(_worker(rep.base_url, out, _sites(manifest), redis.url, "three", runs[2]))
    results = _wait_all(procs)
    for rc, _, err in results:
        assert rc == 0, err[-2000:]
    rows = _check_exactly_once(out, manifest)
    by_run = Counter(r["run_id"] for r in rows)
    assert set(by_run) <= set(runs) and len(by_run) >= 2, by_run   # every stored row names its worker
    whole = [r for r in _table(out, "runs") if r["site"] == "*"]
    assert sorted(r["run_id"] for r in whole) == sorted(runs)
    # all three did work: each fetched pages from the shared queue (on a loaded machine one
    # worker may fetch only listings while the others store the articles)
    assert all(r["pages_fetched"] > 0 for r in whole), [(r["run_id"], r["pages_fetched"]) for r in whole]
    assert {r["job_id"] for r in whole} == {"three"} and {r["finish_reason"] for r in whole} == {"finished"}
    assert sum(r["articles_new"] for r in whole) == len(rows)
    # the last worker out deleted the job's keys; the root has no worker left
    assert not redis.client().keys("portal-news:three:*")
    assert not list(out.glob(".worker-*")) and not list((out / "_journal").glob("*"))


def test_a_worker_killed_mid_crawl_loses_nothing(replica, redis, tmp_path):
    rep, manifest = replica
    out = tmp_path / "root"
    runs = ["k1-" + os.urandom(3).hex(), "k2-" + os.urandom(3).hex(), "k3-" + os.urandom(3).hex()]
    victim = runs[0]
    procs = [_worker(rep.base_url, out, _sites(manifest), redis.url, "killed", r) for r in runs]
    try:
        deadline = time.monotonic() + 60
        # kill -9 once the victim has committed rows (and surely holds more in flight)
        while not ((out / "articles").is_dir() and list((out / "articles").rglob(f"part-{victim}-*.parquet"))):
            assert time.monotonic() < deadline, "the victim never committed a batch"
            assert procs[0].poll() is None, procs[0].communicate()[1][-2000:]
            time.sleep(0.05)
        procs[0].send_signal(signal.SIGKILL)
    finally:
        results = _wait_all(procs)
    assert results[0][0] == -signal.SIGKILL
    for rc, _, err in results[1:]:
        assert rc == 0, err[-2000:]
    assert any("put back in the queue" in err for _, _, err in results[1:])
    rows = _check_exactly_once(out, manifest)
    by_run = Counter(r["run_id"] for r in rows)
    assert by_run[victim] > 0 and set(by_run) <= set(runs)
    whole = {r["run_id"] for r in _table(out, "runs") if r["site"] == "*"}
    assert whole == set(runs[1:])                     # the victim never wrote its runs/ row
    assert not list(out.rglob(".tmp-part-*")) and not list((out / "_journal").glob("*"))
    assert not list(out.glob(".worker-*"))
    assert not redis.client().keys("portal-news:killed:*")


def test_unreachable_redis_or_wrong_password(replica, redis, tmp_path):
    rep, manifest = replica
    for url in (f"redis://:x@127.0.0.1:{free_port()}/0",                        # nothing listens
                redis.url.replace(redis.password, "wrong-password"),           # wrong password
                redis.url.replace(f":{redis.password}@", "")):                 # no password
        out = tmp_path / f"never-{free_port()}"
        cmd = crawl_cmd(rep.base_url, out, _sites(manifest), "--frontier", url)
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, (url, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("portal-news: Redis at"), done.stderr
        assert redis.password not in done.stderr and "wrong-password" not in done.stderr
        assert not out.exists()
    bad = subprocess.run(crawl_cmd(rep.base_url, tmp_path / "x", _sites(manifest), "--frontier", "http://127.0.0.1:1"),
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


# --- the root's lock in job mode (no Redis) -----------------------------------------------------
def _in_child(code: str, root: Path) -> subprocess.Popen:
    """A process that takes the root's lock as told and waits (killed by the test)."""
    prog = f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); from pipelines.storage.dataset import RootLock\n" \
           f"{code}\nprint('ready', flush=True); time.sleep(60)"
    p = subprocess.Popen([sys.executable, "-c", prog], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def test_job_mode_lock_shares_the_root_and_refuses_others(tmp_path):
    root = tmp_path
    a1 = RootLock(root, "20260101T000000Z-aaaaaa", job_id="jobA")
    a1.acquire()
    a2 = _in_child(f"l = RootLock({str(root)!r}, '20260101T000000Z-bbbbbb', job_id='jobA'); l.acquire()", root)
    try:
        with pytest.raises(RootBusy, match="job jobA"):
            RootLock(root, "solo").acquire()                       # an uncoordinated run
        with pytest.raises(RootBusy, match="job jobA"):
            RootLock(root, "20260101T000000Z-cccccc", job_id="jobB").acquire()   # another job
        assert set(a1.live_run_ids()) == {"20260101T000000Z-aaaaaa", "20260101T000000Z-bbbbbb"}
        # a live worker's temporary files and journals are not touched by another's recovery
        tmp_b = root / "articles" / ".tmp-part-20260101T000000Z-bbbbbb-00001-abcdef.parquet.inprogress"
        tmp_dead = root / "articles" / ".tmp-part-20260101T000000Z-dddddd-00001-abcdef.parquet.inprogress"
        tmp_b.parent.mkdir(parents=True)
        tmp_b.write_bytes(b"x")
        tmp_dead.write_bytes(b"x")
        a1.recover()
        assert tmp_b.exists() and not tmp_dead.exists()
    finally:
        a2.kill()
        a2.wait(10)
    # the killed worker is dead: its files can go, its worker file too
    assert a1.recover_dead("20260101T000000Z-bbbbbb")
    assert not tmp_b.exists() and not (root / ".worker-20260101T000000Z-bbbbbb").exists()
    a1.release()
    solo = RootLock(root, "solo")
    solo.acquire()   # the job is over: a run on its own gets the root
    with pytest.raises(RootBusy, match="pid"):
        RootLock(root, "20260101T000000Z-eeeeee", job_id="jobA").acquire()
    solo.release()
    assert recover(root) == {"rolled_forward": 0, "discarded": 0}


# --- reprocess on Dask ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def warcs(replica, tmp_path_factory):
    """A real crawl's WARC files (several: small rotation size)."""
    rep, manifest = replica
    out = tmp_path_factory.mktemp("warc-crawl")
    done = subprocess.run(crawl_cmd(rep.base_url, out, _sites(manifest), "-s", "WARC_MAX_BYTES=400000",
                                    "-s", "RETRY_BACKOFF_BASE=0.05"), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    files = sorted((out / "warc").glob("*.warc.gz"))
    assert len(files) >= 2
    return files


def _reprocess(files, out, *extra, timeout=300):
    return subprocess.run([sys.executable, "-m", "crawler.cli", "reprocess", *map(str, files), "-o", str(out), *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def _rows_without_run(out: Path, table: str) -> list[tuple]:
    rows = _table(out, table)
    for r in rows:
        r.pop("run_id", None)
    return sorted(repr(sorted(r.items())) for r in rows)


def test_reprocess_on_a_local_dask_cluster_writes_the_single_process_rows(warcs, tmp_path):
    single, dask = tmp_path / "single", tmp_path / "dask"
    one = _reprocess(warcs, single, "--workers", "1")
    assert one.returncode == 0, one.stderr[-2000:]
    on_dask = _reprocess(warcs, dask, "--dask", "local:2")
    assert on_dask.returncode == 0, on_dask.stderr[-2000:]
    assert f"{len(warcs)}/{len(warcs)} files" in on_dask.stderr and "Dask scheduler tcp://127.0.0.1:" in on_dask.stderr
    assert "on Dask local:2" in on_dask.stdout
    for table in ("articles", "images", "officials", "failures"):
        if table == "failures":
            strip = lambda rows: sorted((r["url"], r["kind"]) for r in _table(rows, "failures"))  # noqa: E731
            assert strip(single) == strip(dask)
            continue
        a, b = _rows_without_run(single, table), _rows_without_run(dask, table)
        assert a and a == b, table
    runs = [r for r in _table(dask, "runs") if r["site"] == "*"]
    assert len(runs) == 1 and '"dask": "local:2"' in runs[0]["settings"]


def test_a_dask_scheduler_dying_mid_run_fails_clearly_and_a_rerun_completes(warcs, replica, tmp_path):
    _, manifest = replica
    import shutil

    many = tmp_path / "many"   # copies: enough tasks that the run is still going when the scheduler dies
    many.mkdir()
    files = []
    for i in range(12):
        for f in warcs:
            files.append(many / f"copy{i:02d}-{f.name}")
            shutil.copy(f, files[-1])
    port = free_port()
    dask = str(Path(sys.executable).with_name("dask"))
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    out = tmp_path / "root"
    try:
        worker = subprocess.Popen([dask, "worker", f"tcp://127.0.0.1:{port}", "--host", "127.0.0.1", "--no-nanny",
                                   "--nthreads", "1", "--no-dashboard", "--death-timeout", "10"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run = subprocess.Popen([sys.executable, "-m", "crawler.cli", "reprocess", *map(str, files), "-o", str(out),
                                "--dask", f"tcp://127.0.0.1:{port}"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = run.stderr.readline()
            seen.append(line)
            if " files, " in line or not line:
                break
        assert any(" files, " in line for line in seen), seen
        scheduler.kill()   # mid-run: one file of many done
        scheduler.wait(10)
        rest, err = run.communicate(timeout=120)
    finally:
        for p in (scheduler, worker):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(10)
    assert run.returncode == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "went away mid-run" in lines[0], err
    assert "Traceback" not in err
    again = _reprocess(files, out, "--dask", "local:2")
    assert again.returncode == 0, again.stderr[-2000:]
    rows = _table(out, "articles")
    versions = Counter((r["url"], r["content_hash"]) for r in rows)
    assert max(versions.values()) == 1
    assert {r["url"] for r in rows} == {a["url"] for a in manifest["articles"] if a["reachable"]}
    reasons = sorted(r["finish_reason"] for r in _table(out, "runs") if r["site"] == "*")
    assert reasons == ["dask-lost", "finished"]


# --- Scrapyd: deploy, schedule per site group, read back ----------------------------------------
def test_scrapyd_deploy_schedule_per_site_group_and_read_back(replica, tmp_path):
    import shutil
    import urllib.request

    rep, manifest = replica
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "scrapyd").exists() or not (bin_dir / "scrapyd-deploy").exists():
        pytest.skip("scrapyd and scrapyd-client are not installed (pip install -e '.[test]')")
    port = free_port()
    # the project as a user's checkout would be (copied: scrapyd-deploy writes build files beside it)
    project = tmp_path / "project"
    project.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    for name in ("crawler", "pipelines", "replica"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    cfg = (ROOT / "scrapy.cfg").read_text("utf-8").replace("http://localhost:6800/", f"http://127.0.0.1:{port}/")
    (project / "scrapy.cfg").write_text(cfg, "utf-8")
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home}/eggs\nlogs_dir = {home}/logs\n"
        f"items_dir =\ndbs_dir = {home}/dbs\njobs_to_keep = 5\nmax_proc = 2\npoll_interval = 0.5\n", "utf-8")
    server = subprocess.Popen([str(bin_dir / "scrapyd")], cwd=home, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    out = tmp_path / "root"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with opener.open(f"http://127.0.0.1:{port}/daemonstatus.json", timeout=2) as resp:
                    if b'"ok"' in resp.read():
                        break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "scrapyd did not start"
                time.sleep(0.2)
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        deploy = subprocess.run([str(bin_dir / "scrapyd-deploy")], cwd=project, capture_output=True, text=True,
                                timeout=120, env=env)
        assert deploy.returncode == 0 and '"status": "ok"' in deploy.stdout + deploy.stderr, deploy.stdout + deploy.stderr
        schedule = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "schedule", "--scrapyd", f"http://127.0.0.1:{port}", "--groups", "2",
             "--output", str(out), "--sites", _sites(manifest), "--replica", rep.base_url, "--impolite",
             "--job", "nightly", "-s", "RETRY_BACKOFF_BASE=0.05", "-s", "EXTRACT_WORKERS=0", "--wait", "120"],
            cwd=ROOT, capture_output=True, text=True, timeout=180)
        logs = "".join(p.read_text("utf-8", "replace")[-3000:] for p in (home / "logs").rglob("*.log"))
        assert schedule.returncode == 0, schedule.stdout + schedule.stderr + logs
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)   # scrapyd and any crawl it still runs
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(10)
    assert schedule.stdout.count("scheduled ") == 2
    rows = _check_exactly_once(out, manifest)
    whole = [r for r in _table(out, "runs") if r["site"] == "*"]
    assert len(whole) == 2 and {r["job_id"] for r in whole} == {"nightly"}
    sites_of = {r["run_id"]: {x["site"] for x in _table(out, "runs") if x["run_id"] == r["run_id"] and x["site"] != "*"}
                for r in whole}
    a, b = sites_of.values()
    assert a and b and not a & b                    # two site groups, one root
    assert {r["run_id"] for r in rows} == set(sites_of)


def test_a_worker_meets_a_run_on_its_own_and_leaves_the_job_alone(replica, redis, tmp_path):
    rep, manifest = replica
    out = tmp_path / "root"
    out.mkdir()
    holder = _in_child(f"l = RootLock({str(out)!r}, 'solo-run'); l.acquire()", out)
    try:
        cmd = crawl_cmd(rep.base_url, out, _sites(manifest), "--frontier", redis.url, "--job", "meets", "--idle-close", "1")
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        holder.kill()
        holder.wait(10)
    assert done.returncode == 1, done.stderr
    assert "being written by another run (pid" in done.stderr and "solo-run" in done.stderr
    assert not _table(out, "articles") and not _table(out, "runs")
    assert not redis.client().keys("portal-news:meets:workers") and not redis.client().keys("portal-news:meets:inflight:*")
