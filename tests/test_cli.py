"""User errors get one clear line and exit status 2, never a traceback; nothing is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.mark.parametrize("args,expect", [
    (["crawl", "--sites", "no-such-district"], "unknown site"),
    (["crawl", "--sites", "muong-lat", "--since", "2020-13-45"], "is not a date"),
    (["crawl", "--start-urls", "ftp://example.org/x"], "not an http(s) URL"),
    (["crawl", "--sites", "muong-lat", "--replica", "127.0.0.1:8000"], "is not the address of a replica"),
    (["reprocess", "/nonexistent.warc.gz"], "nonexistent.warc.gz"),
    (["evaluate", "/nonexistent-dir"], "not a directory"),
    (["evaluate", "EMPTY"], "no gold pages"),
    (["compact"], "no such directory"),
    (["status"], "no such directory"),
])
def test_user_errors_are_one_line_exit_2(tmp_path, args, expect):
    (tmp_path / "empty").mkdir()
    args = [str(tmp_path / "empty") if a == "EMPTY" else a for a in args]
    out = run(*args, "-o", str(tmp_path / "ds")) if args[0] in ("crawl", "reprocess", "compact", "status") else run(*args)
    assert out.returncode == 2, out.stderr
    assert expect in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "ds" / "runs").exists()


def _scrapy_crawl(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portal", *args, "-s", "LOG_LEVEL=WARNING"],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def test_scrapy_crawl_with_bad_arguments_is_one_line_exit_2_and_writes_nothing(tmp_path):
    out = _scrapy_crawl("-a", "sites=nowhere", "-s", f"OUTPUT_DIR={tmp_path / 'ds'}")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [out.stderr.strip().splitlines()[-1]]
    assert "scrapy crawl: unknown site(s): nowhere" in out.stderr
    assert not (tmp_path / "ds").exists()
    bad_url = _scrapy_crawl("-a", "sites=muong-lat", "-s", "REDIS_URL=http://x", "-s", f"OUTPUT_DIR={tmp_path / 'ds'}")
    assert bad_url.returncode == 2 and "REDIS_URL http://x: expected redis://" in bad_url.stderr
    assert "Traceback" not in bad_url.stderr


def test_scrapy_crawl_tells_cron_the_truth_unreachable_redis_and_a_held_root_exit_1(tmp_path):
    """Scrapy's own command printed a traceback for an unreachable REDIS_URL and exited 0
    when another run held the root; the project's `scrapy crawl` says it in one line, exit 1."""
    import fcntl
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = _scrapy_crawl("-a", "sites=muong-lat", "-s", f"REDIS_URL=redis://127.0.0.1:{port}/0",
                        "-s", f"OUTPUT_DIR={tmp_path / 'ds'}")
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert f"scrapy crawl: Redis at redis://127.0.0.1:{port}/0 is unreachable" in out.stderr
    assert not (tmp_path / "ds").exists()
    root = tmp_path / "held"
    root.mkdir()
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)   # another run holds the root
        out = _scrapy_crawl("-a", "sites=muong-lat", "-s", f"OUTPUT_DIR={root}")
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert "is being written by another run" in out.stderr.splitlines()[-1]
    assert not (root / "runs").exists()


def test_help_lists_the_commands():
    out = run("--help")
    for command in ("demo", "crawl", "replica", "extract", "evaluate", "reprocess", "compact", "status", "schema"):
        assert command in out.stdout


def test_replica_argument_sends_every_request_through_the_proxy():
    """`-a replica=URL` sets REPLICA_PROXY; the spider starts from the portals' real listing
    URLs and the middleware routes every request to the replica; without it, it is off."""
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.exceptions import NotConfigured
    from scrapy.settings import Settings

    from crawler.replicaproxy import ReplicaProxyMiddleware
    from crawler.spiders.portal import PortalSpider

    crawler = Crawler(PortalSpider, Settings({"OUTPUT_DIR": "/nonexistent"}))
    spider = PortalSpider.from_crawler(crawler, sites="muong-lat", replica="http://127.0.0.1:9/")
    assert crawler.settings.get("REPLICA_PROXY") == "http://127.0.0.1:9"
    assert spider.start_listing_urls[0] == ("http://muonglat.thanhhoa.gov.vn/portal/Pages/Tin-tuc-su-kien.aspx",
                                            "muong-lat")
    assert spider.page_source == "replica"
    mw = ReplicaProxyMiddleware.from_crawler(crawler)
    for url in ("http://muonglat.thanhhoa.gov.vn/robots.txt", "https://example.org/x"):
        request = Request(url)
        assert mw.process_request(request) is None and request.meta["proxy"] == "http://127.0.0.1:9"
    plain = Crawler(PortalSpider, Settings({"OUTPUT_DIR": "/nonexistent"}))
    assert PortalSpider.from_crawler(plain, sites="muong-lat").page_source == "live"
    with pytest.raises(NotConfigured):
        ReplicaProxyMiddleware.from_crawler(plain)
    assert "not the address of a replica" in PortalSpider(sites="muong-lat", replica="ftp://x").usage_error


def test_scrapy_crawl_through_the_replica(tmp_path):
    from replica import replica_process

    out = tmp_path / "ds"
    with replica_process(articles=24, seed=3, districts="muong-lat") as replica:
        manifest = replica.manifest()
        run = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "sites=muong-lat",
                              "-a", f"replica={replica.base_url}", "-s", f"OUTPUT_DIR={out}", "-s", "DOWNLOAD_DELAY=0",
                              "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "RETRY_BACKOFF_BASE=0.02",
                              "-s", "LOG_LEVEL=WARNING", "-s", "PROGRESS_INTERVAL=0"],
                             capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    import pyarrow.dataset as ds

    rows = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table().to_pylist()
    assert {r["url"] for r in rows} == {a["url"] for a in manifest["articles"] if a["reachable"]}
    assert {r["source"] for r in rows} == {"replica"}


def test_check_hosts_asks_each_host_once_through_the_replica():
    """`portal-news check-hosts` (one request per registry host, no crawl), pointed at the
    offline replica's proxy: the portals it serves answer, the others do not."""
    from replica import replica_process

    with replica_process(articles=20, seed=1) as replica:
        served = {d["slug"] for d in replica.manifest()["districts"]}
        out = subprocess.run([sys.executable, "-m", "crawler.cli", "check-hosts", "--replica", replica.base_url,
                              "--timeout", "5"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = {line.split()[0]: line.split() for line in out.stdout.splitlines()[:-1]}
    assert len(lines) == 28
    assert {slug for slug, cols in lines.items() if cols[3] == "ok"} == served
    assert all(cols[3] == "http-502" for slug, cols in lines.items() if slug not in served)
    assert lines["tp-thanh-hoa"][1] == "tpthanhhoa.thanhhoa.gov.vn" and lines["muong-lat"][2] == "real"
    assert out.stdout.splitlines()[-1] == f"{len(served)} of 28 hosts answered"


def test_a_run_whose_close_was_not_recorded_is_not_reported_as_finished(capsys):
    """Scrapy only logs errors of signal handlers: a run that opened (portal/run_id) but left
    no finish reason of its own did not close, and must not exit 0 on Scrapy's 'finished'."""
    from crawler.cli import EXIT_OK, EXIT_RUN_FAILED, crawl_status

    assert crawl_status({"finish_reason": "finished", "portal/run_id": "r", "portal/finish_reason": "finished"}) == EXIT_OK
    assert crawl_status({"finish_reason": "finished", "portal/run_id": "r"}) == EXIT_RUN_FAILED
    assert crawl_status({"finish_reason": "finished", "portal/run_id": "r", "portal/finish_reason": "close-error",
                         "portal/close_error": "OSError: boom"}) == EXIT_RUN_FAILED
    assert "closing the run failed (OSError: boom)" in capsys.readouterr().err
