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
PACE = ("-s", "DOWNLOAD_DELAY=0.1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "RETRY_BACKOFF_BASE=0.05",
        "-s", "EXTRACT_WORKERS=0", "-s", "PARQUET_FLUSH_ROWS=10")


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
    assert set(by_run) == set(runs), by_run          # every stored row names its worker; all three did work
    whole = [r for r in _table(out, "runs") if r["site"] == "*"]
    assert sorted(r["run_id"] for r in whole) == sorted(runs)
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
