"""Crawls that meet faults, kills and restarts: nothing lost, nothing duplicated, every file readable."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from pipelines.sites.registry import canonical_url
from replica import replica_process
from tests import helpers


def crawl_cmd(replica_url: str, out: Path, sites: str, *extra: str) -> list[str]:
    return helpers.crawl_cmd(replica_url, out, sites, "-s", "PROGRESS_INTERVAL=0", *extra)


def articles(out: Path) -> list[dict]:
    return ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table(
        columns=["article_id", "url", "title", "body_paragraphs", "n_images"]).to_pylist()


def assert_every_file_readable(out: Path, recovered: bool = True):
    """Every file a reader picks up (``*.parquet``) is complete. A kill during a commit may
    leave the batch's temporary files, but only under hidden names that pyarrow, pandas
    and DuckDB globs skip; the next writer's recovery removes them (``recovered``)."""
    files = [p for p in out.rglob("*.parquet")]
    assert files
    for p in files:
        pq.read_table(p)  # raises on a partial or corrupt file
    leftovers = list(out.rglob("*.inprogress"))
    assert all(p.name.startswith(".tmp-") for p in leftovers), leftovers
    if recovered:
        assert not leftovers, "temporary files left after recovery"


def _committed(out: Path) -> bool:
    return (out / "articles").exists() and any((out / "articles").rglob("*.parquet"))


def expected_urls(manifest, exclude=()):
    bad = {canonical_url(u) for u in exclude}
    return {canonical_url(a["url"]) for a in manifest["articles"] if a["reachable"]} - bad


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory):
    """One crawl of a replica in fault mode: (manifest, dataset root, completed process)."""
    out = tmp_path_factory.mktemp("faults") / "ds"
    with replica_process(articles=120, seed=5, faults=True, fault_seed=3, slow_seconds=2.5) as replica:
        manifest = replica.manifest()
        sites = ",".join(d["slug"] for d in manifest["districts"])
        run = subprocess.run(crawl_cmd(replica.base_url, out, sites, "-s", "DOWNLOAD_TIMEOUT=1",
                                       "-s", "RETRY_BACKOFF_BASE=0.4", "-s", "RETRY_TIMES=4"),
                             capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return manifest, out, run


def test_crawl_under_faults_gets_every_reachable_article_once(faulty_crawl):
    manifest, out, run = faulty_crawl
    assert "Traceback" not in run.stderr
    permanent = [f["url"] for f in manifest["permanent_failures"]]
    assert manifest["faults"]["enabled"] and permanent
    rows = articles(out)
    urls = Counter(r["url"] for r in rows)
    assert max(urls.values()) == 1
    assert set(urls) == expected_urls(manifest, exclude=permanent)
    failures = ds.dataset(out / "failures", format="parquet").to_table().to_pylist()
    failed = {canonical_url(f["url"]): f for f in failures}
    for url in permanent:
        f = failed[canonical_url(url)]
        assert f["kind"] == "http-500" and f["reason"]
    # error pages served as 200 were retried, never stored as articles
    assert not any("Xin lỗi" in (r["title"] or "") or "Sorry" in (r["title"] or "") for r in rows)
    runs = ds.dataset(out / "runs", format="parquet").to_table().to_pylist()
    whole = [r for r in runs if r["site"] == "*"][0]
    assert whole["failures"] >= len(permanent) and "http-500" in whole["failures_by_kind"]
    # people/ was built while retries waited; articles that came in after it were not missed
    from pipelines.storage.people import rebuild_people

    people = pq.read_table(out / "people" / "people.parquet").sort_by("person_id")
    rebuild_people(out)
    assert pq.read_table(out / "people" / "people.parquet").sort_by("person_id").equals(people)
    assert people.num_rows > 0


def _strings(value):
    """Every string inside a cell (lists and structs included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def test_every_stored_url_is_the_portals_own(faulty_crawl):
    """A crawl through the replica (redirects, retries and error pages included) stores the
    portals' real URLs only: no dataset row (runs' settings aside) and no WARC record names
    the replica's address; the articles are the manifest's."""
    from warcio.archiveiterator import ArchiveIterator

    manifest, out, _ = faulty_crawl
    hosts = {d["host"] for d in manifest["districts"]}
    tables = {"articles", "images", "officials", "failures", "runs", "people"}
    assert tables <= {p.name for p in out.iterdir()}
    for table in sorted(tables):
        for row in ds.dataset(out / table, format="parquet", partitioning="hive").to_table().to_pylist():
            cells = {k: v for k, v in row.items() if not (table == "runs" and k == "settings")}
            found = [(k, s) for k, v in cells.items() for s in _strings(v) if "127.0.0.1" in s]
            assert not found, (table, found[:3])
    rows = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table().to_pylist()
    permanent = [f["url"] for f in manifest["permanent_failures"]]
    assert len(rows) == len(expected_urls(manifest, exclude=permanent))
    assert {r["source"] for r in rows} == {"replica"}
    for r in rows:
        assert r["url"].split("/")[2] in hosts and r["fetch_url"].split("/")[2] in hosts
        assert canonical_url(r["fetch_url"]) == r["url"]  # (a redirected fetch ends in ?utm_source=redirect)
    images = ds.dataset(out / "images", format="parquet", partitioning="hive").to_table().to_pylist()
    assert images and all(im["image_url"].split("/")[2] in hosts for im in images)
    failures = ds.dataset(out / "failures", format="parquet").to_table().to_pylist()
    assert failures and all(f["url"].split("/")[2] in hosts for f in failures)
    uris = []
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            uris += [rec.rec_headers.get_header("WARC-Target-URI") for rec in ArchiveIterator(fh)
                     if rec.rec_type == "response"]
    assert uris and not [u for u in uris if "127.0.0.1" in u]
    assert {u.split("/")[2] for u in uris} == hosts


def test_kill_9_mid_crawl_then_rerun_loses_and_duplicates_nothing(tmp_path):
    out = tmp_path / "ds"
    rng = random.Random(os.getpid())
    with replica_process(articles=400, seed=9) as replica:
        manifest = replica.manifest()
        sites = ",".join(d["slug"] for d in manifest["districts"])
        cmd = crawl_cmd(replica.base_url, out, sites, "-s", "PARQUET_FLUSH_ROWS=15", "-s", "CONCURRENT_REQUESTS=4")
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not _committed(out):
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.0))  # a random moment after the first commit
            children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert proc.returncode == -signal.SIGKILL
        deadline = time.monotonic() + 5  # extraction workers die with the crawl
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in children):
            time.sleep(0.1)
        assert not [pid for pid in children if Path(f"/proc/{pid}").exists()], "orphaned worker processes"
        stored_before = len(articles(out))  # through pyarrow: a temporary file would break it
        assert_every_file_readable(out, recovered=False)
        duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet')").fetchone()
        rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "did not finish: walking every listing page" in rerun.stderr
    assert_every_file_readable(out)
    rows = articles(out)
    urls = Counter(r["url"] for r in rows)
    assert max(urls.values()) == 1, "duplicated article after restart"
    assert set(urls) == expected_urls(manifest, exclude=manifest["error_pages"])
    assert stored_before < len(rows)
    con = duckdb.connect()
    orphans, = con.execute(
        f"SELECT count(*) FROM read_parquet('{out}/images/**/*.parquet', hive_partitioning=true) i "
        f"ANTI JOIN read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true) a USING (article_id)").fetchone()
    assert orphans == 0
    mismatched, = con.execute(
        f"SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true) a "
        f"LEFT JOIN (SELECT article_id, count(*) n FROM read_parquet('{out}/images/**/*.parquet', hive_partitioning=true) "
        "GROUP BY 1) i USING (article_id) WHERE coalesce(i.n, 0) <> a.n_images").fetchone()
    assert mismatched == 0, "an article stored without all its images"


def test_jobdir_resume_after_graceful_stop(tmp_path):
    out, jobdir = tmp_path / "ds", tmp_path / "job"
    with replica_process(articles=300, seed=13) as replica:
        manifest = replica.manifest()
        sites = ",".join(d["slug"] for d in manifest["districts"])
        cmd = crawl_cmd(replica.base_url, out, sites, "-s", f"JOBDIR={jobdir}", "-s", "CONCURRENT_REQUESTS=2",
                        "-s", "PARQUET_FLUSH_ROWS=10", "-s", "DOWNLOAD_DELAY=0.01")
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not _committed(out):
                time.sleep(0.05)
            time.sleep(0.5)
            proc.send_signal(signal.SIGINT)  # Scrapy's graceful stop: state kept in JOBDIR
            _, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        first = len(articles(out))
        assert first < len(expected_urls(manifest)), "the crawl finished before it could be interrupted"
        assert (jobdir / "requests.queue").exists() or any(jobdir.iterdir())
        resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    rows = articles(out)
    urls = Counter(r["url"] for r in rows)
    assert max(urls.values()) == 1
    assert set(urls) == expected_urls(manifest, exclude=manifest["error_pages"])
    assert_every_file_readable(out)


def test_status_and_compact_commands(tmp_path):
    out = tmp_path / "ds"
    with replica_process(articles=40, seed=21) as replica:
        sites = ",".join(d["slug"] for d in replica.manifest()["districts"])
        for _ in range(2):   # small batches, left unmerged: many part files
            subprocess.run(crawl_cmd(replica.base_url, out, sites, "-s", "PARQUET_FLUSH_ROWS=5",
                                     "-s", "MERGE_PART_FILES=0"),
                           check=True, capture_output=True, timeout=300)
        # by default a run merges the small part files it added: one per directory and table
        merged = tmp_path / "merged"
        subprocess.run(crawl_cmd(replica.base_url, merged, sites, "-s", "PARQUET_FLUSH_ROWS=5"),
                       check=True, capture_output=True, timeout=300)
    for table in ("articles", "images", "officials"):
        dirs = Counter(p.parent for p in (out / table).rglob("*.parquet"))
        assert max(dirs.values()) > 1
        dirs = Counter(p.parent for p in (merged / table).rglob("*.parquet"))
        assert set(dirs.values()) == {1}, (table, dirs)
    assert sorted(r["url"] for r in articles(merged)) == sorted(r["url"] for r in articles(out)) != []
    assert_every_file_readable(merged)
    status = subprocess.run([sys.executable, "-m", "crawler.cli", "status", "-o", str(out)],
                            capture_output=True, text=True, check=True).stdout
    assert "last 2 runs" in status and "articles per district" in status
    before = len(list((out / "articles").rglob("*.parquet")))
    rows_before = len(articles(out))
    compact = subprocess.run([sys.executable, "-m", "crawler.cli", "compact", "-o", str(out)],
                             capture_output=True, text=True, check=True).stdout
    assert "compacted" in compact
    assert len(list((out / "articles").rglob("*.parquet"))) < before
    assert len(articles(out)) == rows_before
    assert_every_file_readable(out)
