"""Reliability of a run's storage: one writer per root, full disks, honest exit statuses.

Each test runs real crawls (``portal-news crawl`` processes) against the replica on
127.0.0.1; the full-disk test puts the output root on a real tmpfs (skipped where this
process may not mount one)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from pipelines.storage.run import RootBusy, RunLedger
from replica import replica_process
from tests import helpers
from tests.test_faults import assert_every_file_readable, expected_urls


def _crawl(replica_url, out, sites, *extra, timeout=300):
    return subprocess.run(helpers.crawl_cmd(replica_url, out, sites, "-s", "PROGRESS_INTERVAL=0", *extra),
                          capture_output=True, text=True, timeout=timeout)


def _article_urls(out: Path) -> Counter:
    if not (out / "articles").exists():
        return Counter()
    return Counter(ds.dataset(out / "articles", format="parquet", partitioning="hive")
                   .to_table(columns=["url"]).column("url").to_pylist())


def _runs(out: Path) -> list[dict]:
    return [r for r in ds.dataset(out / "runs", format="parquet").to_table().to_pylist() if r["site"] == "*"]


def test_a_second_run_on_a_locked_root_is_refused_and_writes_nothing(tmp_path):
    out = tmp_path / "ds"
    holder = RunLedger(out).open()   # a live run holds the root
    try:
        with pytest.raises(RootBusy) as err:
            RunLedger(out).open()
        assert f"pid {os.getpid()}" in str(err.value)
        with replica_process(articles=30, seed=2) as replica:
            sites = replica.manifest()["districts"][0]["slug"]
            run = _crawl(replica.base_url, out, sites)
        assert run.returncode == 1, run.stderr[-2000:]
        assert "being written by another run" in run.stderr and "Traceback" not in run.stderr
        assert not (out / "articles").exists() and not (out / "warc").exists()
    finally:
        holder.close("finished")
    # the lock goes with its holder: the next run takes the root over
    again = RunLedger(out).open()
    again.close("finished")


def test_a_killed_runs_lock_is_taken_over(tmp_path):
    out = tmp_path / "ds"
    out.mkdir()
    child = subprocess.Popen([sys.executable, "-c",
                              "import sys, time; from pipelines.storage.run import RunLedger; "
                              f"RunLedger({str(out)!r}).open(); print('locked', flush=True); time.sleep(60)"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(RootBusy):
            RunLedger(out).open()
        child.kill()
        child.wait(10)
        RunLedger(out).open().close("finished")  # no stale lock after kill -9
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)


def test_two_crawls_started_together_store_every_article_once(tmp_path):
    out = tmp_path / "ds"
    with replica_process(articles=60, seed=4) as replica:
        manifest = replica.manifest()
        sites = ",".join(d["slug"] for d in manifest["districts"])
        cmds = [helpers.crawl_cmd(replica.base_url, out, sites, "-s", "PROGRESS_INTERVAL=0") for _ in range(2)]
        procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds]
        results = [(p.wait(300), p.stderr.read()) for p in procs]
        codes = sorted(code for code, _ in results)
        assert codes == [0, 1], results
        loser = next(err for code, err in results if code == 1)
        assert "being written by another run" in loser and "Traceback" not in loser
        urls = _article_urls(out)
        assert max(urls.values()) == 1 and set(urls) == expected_urls(manifest)
        assert_every_file_readable(out)


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    return done.returncode == 0


def test_a_full_disk_fails_the_run_and_the_next_run_recovers_every_article(tmp_path):
    mnt = tmp_path / "small"
    if not _mount_tmpfs(mnt, "12m"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        out = mnt / "ds"
        out.mkdir()
        filler = mnt / "filler"
        with replica_process(articles=200, seed=6) as replica:
            manifest = replica.manifest()
            sites = ",".join(d["slug"] for d in manifest["districts"])
            # leave ~1.5 MB: the WARC store and the first batches fit, the rest does not
            free = shutil.disk_usage(mnt).free
            with open(filler, "wb") as fh:
                fh.write(b"\0" * (free - 1_500_000))
            run = _crawl(replica.base_url, out, sites, "-s", "PARQUET_FLUSH_ROWS=20")
            assert run.returncode == 1, run.stdout[-1000:] + run.stderr[-3000:]
            assert "Traceback" not in run.stderr
            assert "No space left on device" in run.stderr or "storage" in run.stderr
            stored_first = _article_urls(out)
            assert len(stored_first) < len(expected_urls(manifest))
            # the disk frees up; an incremental run (no --full) gets every article, once
            filler.unlink()
            again = _crawl(replica.base_url, out, sites)
            assert again.returncode == 0, again.stderr[-3000:]
        urls = _article_urls(out)
        assert max(urls.values()) == 1
        assert set(urls) == expected_urls(manifest)
        assert_every_file_readable(out)
        reasons = [r["finish_reason"] for r in sorted(_runs(out), key=lambda r: r["started_at"])]
        assert reasons[-1] == "finished"
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_exit_status_is_1_when_every_site_is_unreachable(tmp_path):
    out = tmp_path / "ds"
    # a port nothing listens on, on loopback: every request is refused
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "--start-urls",
                          f"http://127.0.0.1:{port}/portal/Pages/Tin-tuc-su-kien.aspx", "--impolite",
                          "-o", str(out), "-s", "RETRY_TIMES=0", "-s", "PROGRESS_INTERVAL=0"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert "stored nothing" in run.stderr
    runs = _runs(out)
    assert runs and runs[-1]["finish_reason"] == "failed"
    kinds = ds.dataset(out / "failures", format="parquet").to_table().column("kind").to_pylist()
    assert "connection" in kinds


def test_a_full_disk_while_merging_part_files_keeps_every_row_and_the_run_finished(tmp_path):
    """Merging small part files at a run's end is housekeeping: on a real tmpfs with no room
    for the merged file, the run still finishes (its rows are stored), says the files were
    not merged, and leaves every row readable once; a later run with room merges them."""
    import json as _json

    from pipelines import extract
    from pipelines.storage.dataset import data_files
    from pipelines.storage.rows import rows_for_record

    example = Path("/work/shared/portal/examples/muonglat-2021-3-24")
    if not example.with_suffix(".html").exists():
        pytest.skip("shared example not found")
    mnt = tmp_path / "small"
    if not _mount_tmpfs(mnt, "8m"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    html = example.with_suffix(".html").read_bytes()
    url = _json.loads(example.with_suffix(".json").read_text("utf-8"))["url"]
    rec = extract(html, url)

    def store(root, ids, merge):
        ledger = RunLedger(root, flush_rows=1, merge_at_close=merge).open()
        ledger.count("muong-lat", "pages_fetched", len(ids))
        for i in ids:
            r = dict(rec, url=url.replace("ahdtzt", f"a{i:05d}"))
            article, images, officials = rows_for_record(r, fetch_url=r["url"], fetched_at=1_700_000_000 + i)
            ledger.add_article("muong-lat", {"article": article, "images": images, "officials": officials})
        return ledger.close("finished")

    try:
        out = mnt / "ds"
        store(out, range(120), merge=False)
        before = len(data_files(out, "articles"))
        used = sum(p.stat().st_size for p in data_files(out, "articles"))
        filler = mnt / "filler"
        with open(filler, "wb") as fh:   # room for one more small batch, not for a merged file
            fh.write(b"\0" * max(0, shutil.disk_usage(mnt).free - min(used // 2, 400_000)))
        summary = store(out, [500], merge=True)
        assert summary["finish_reason"] == "finished" and summary["articles_new"] == 1
        assert summary["merged"] and "No space left" in summary["merged"]["error"], summary["merged"]
        assert len(data_files(out, "articles")) == before + 1
        assert_every_file_readable(out)
        assert _article_urls(out).most_common(1)[0][1] == 1 and len(_article_urls(out)) == 121
        assert not list(out.rglob("*.inprogress"))
        filler.unlink()
        summary = store(out, [501], merge=True)
        assert summary["merged"]["files_after"] >= 1 and len(data_files(out, "articles")) == 1
        assert len(_article_urls(out)) == 122 and _article_urls(out).most_common(1)[0][1] == 1
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
