"""Hostile servers (issue 14, items 4–7 and two smaller ones): real ``portal-news crawl``
processes against :mod:`tests.hostile`, a server of ours on 127.0.0.1 that links and
redirects to other hosts, pages without end, bombs, loops and failures of every kind.

Every crawl is a child process stopped by its PID when it overruns its time; the server is
stopped by the fixture; the server answers at most ``max_requests`` requests."""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from tests.hostile import HostileServer, TreeMemory, process_tree

CRAWL_SECONDS = 60


@pytest.fixture(scope="module")
def server():
    with HostileServer(slow_seconds=3.0) as srv:
        yield srv


def crawl_cmd(srv: HostileServer, out: Path, *listings: str, extra=()) -> list[str]:
    starts = ",".join(srv.url(f"/portal/Pages/{name}.aspx") for name in listings)
    return [sys.executable, "-m", "crawler.cli", "crawl", "--start-urls", starts, "--impolite", "-o", str(out),
            "-s", "PROGRESS_INTERVAL=0", "-s", "RETRY_BACKOFF_BASE=0.05", *extra]


def run(cmd: list[str], timeout: float = CRAWL_SECONDS, memory: bool = False):
    """Run a crawl; (returncode, stdout, stderr, TreeMemory or None). Killed by PID (with the
    processes it started) when it overruns ``timeout``."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[1])
    mem = TreeMemory(proc) if memory else None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        out, err = proc.communicate()
        pytest.fail(f"crawl overran {timeout} s: {err[-2000:]}")
    if mem is not None:
        mem.join()
    return proc.returncode, out, err, mem


def _kill_tree(proc: subprocess.Popen) -> None:
    for pid in reversed(process_tree(proc.pid)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(10)


def rows(out: Path, table: str) -> list[dict]:
    if not (out / table).exists():
        return []
    return ds.dataset(out / table, format="parquet", partitioning="hive").to_table().to_pylist()


def failures(out: Path) -> dict[str, dict]:
    return {f["url"]: f for f in rows(out, "failures")}


# --- item 4: offsite ------------------------------------------------------------------------------
def test_links_and_redirects_to_other_hosts_are_not_followed(server, tmp_path):
    out = tmp_path / "ds"
    code, _, err, _ = run(crawl_cmd(server, out, "Offsite", extra=["-s", "LOG_LEVEL=INFO"]))
    assert code == 0, err[-3000:]
    assert server.paths(host=server.other_host) == []   # nothing asked of the other host
    stored = {r["url"] for r in rows(out, "articles")}
    assert stored == {server.url("/portal/Pages/2021-3-24/good-offsite.aspx")}
    away = failures(out)[server.url("/portal/Pages/2020-1-2/redirect-away.aspx")]
    assert away["kind"] == "offsite"
    assert f"http://{server.other_host}/portal/Pages/2020-1-2/landed.aspx" in away["reason"]
    assert "'portal/links_offsite': 1" in err       # the listing's link to the other host: counted
    assert [r["links_offsite"] for r in rows(out, "runs") if r["site"] == "*"] == [1]   # … and in runs/
    assert "not following links to localhost" in err


def test_a_run_allows_its_sites_hosts_and_aliases_only():
    """A site's ``aliases`` (sites.toml) are hosts of the run; subdomains of a host are not
    (thanhhoa.gov.vn is the provincial portal, not the districts); an article belongs to the
    site of its own host, not to the listing's."""
    from scrapy import Request

    from crawler.middlewares import SiteHostsMiddleware
    from crawler.spiders import portal
    from pipelines.sites.registry import sites_by_slug

    province, muonglat = sites_by_slug("tinh-thanh-hoa,muong-lat")
    aliased = type(province)(**{**{k: getattr(province, k) for k in province.__dataclass_fields__},
                                "extra": {"aliases": ["www.thanhhoa.gov.vn", "thanhhoa.vn"]}})
    original = portal.sites_by_slug
    portal.sites_by_slug = lambda slugs: [aliased, muonglat]
    try:
        spider = portal.PortalSpider(sites="tinh-thanh-hoa,muong-lat")
    finally:
        portal.sites_by_slug = original
    assert spider.usage_error is None
    assert {"thanhhoa.gov.vn", "thanhhoa.vn", "www.thanhhoa.gov.vn", "muonglat.thanhhoa.gov.vn"} <= spider.allowed_hosts
    assert spider.site_of("http://thanhhoa.vn/portal/Pages/2020-1-1/a.aspx", "muong-lat") == "tinh-thanh-hoa"
    assert spider.site_of("http://muonglat.thanhhoa.gov.vn/portal/Pages/2020-1-1/a.aspx", "tinh-thanh-hoa") == "muong-lat"
    assert spider.site_of("http://quanhoa.thanhhoa.gov.vn/portal/Pages/2020-1-1/a.aspx", "tinh-thanh-hoa") is None
    assert spider.site_of("http://evil.example/portal/Pages/2020-1-1/a.aspx", "muong-lat") is None

    class Crawler:
        stats = None

    mw = SiteHostsMiddleware(stats=None)
    for url, ok in [("http://thanhhoa.vn/x", True), ("http://muonglat.thanhhoa.gov.vn/x", True),
                    ("http://quanhoa.thanhhoa.gov.vn/x", False), ("http://evil.example/x", False),
                    ("http://www.muonglat.thanhhoa.gov.vn/x", True)]:
        assert mw.should_follow(Request(url), spider) is ok, url


# --- item 5: endless pagers -----------------------------------------------------------------------
def test_endless_and_repeating_pagers_are_cut_and_recorded(server, tmp_path):
    out = tmp_path / "ds"
    code, _, err, _ = run(crawl_cmd(server, out, "Endless", "Repeat", "Cycle", "Empty",
                                    extra=["-s", "MAX_LISTING_PAGES=5"]))
    assert code == 0, err[-3000:]
    cuts = {url.rsplit("/", 1)[-1]: f["reason"] for url, f in failures(out).items() if f["kind"] == "listing-cut"}
    assert set(cuts) == {"Endless.aspx", "Repeat.aspx", "Cycle.aspx", "Empty.aspx"}, cuts
    assert "walked 5 listing pages" in cuts["Endless.aspx"] and "default bound" in cuts["Endless.aspx"]
    assert "page 3 lists only articles of earlier pages" in cuts["Repeat.aspx"]
    assert "page 3 links to" in cuts["Cycle.aspx"] and "already walked" in cuts["Cycle.aspx"]
    assert "page 2 lists no articles" in cuts["Empty.aspx"]
    listing = [p for p in server.paths() if p.startswith("/portal/Pages/Endless.aspx")]
    assert len(listing) == 5
    whole = [r for r in rows(out, "runs") if r["site"] == "*"]
    assert '"listing-cut": 4' in whole[0]["failures_by_kind"]
    # every article the walks listed is stored once
    urls = [r["url"] for r in rows(out, "articles")]
    assert len(urls) == len(set(urls)) == 5 * 2 + 2 * 2 + 3 * 2 + 1   # Endless, Repeat, Cycle, Empty


def test_max_listing_pages_sets_the_bound_and_minus_one_lifts_it(tmp_path):
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    assert get_project_settings().getint("MAX_LISTING_PAGES") == 2000   # the documented default
    # a server of its own: it answers 60 requests, then 503 (the walk's only end without a bound)
    with HostileServer(max_requests=60) as srv:
        out = tmp_path / "given"
        code, _, err, _ = run(crawl_cmd(srv, out, "Endless", extra=["--max-listing-pages", "3"]))
        assert code == 0, err[-3000:]
        assert len([p for p in srv.paths() if "Endless.aspx" in p]) == 3
        (cut,) = [f for f in failures(out).values() if f["kind"] == "listing-cut"]
        assert "walked 3 listing pages, the bound set for this run" in cut["reason"]
        before = len(srv.paths())
        lifted = tmp_path / "lifted"
        code, _, err, _ = run(crawl_cmd(srv, lifted, "Endless", extra=["--max-listing-pages", "-1", "-s",
                                                                      "MAX_LISTING_PAGES=5", "-s", "RETRY_TIMES=0"]))
        walked = len([p for p in srv.paths()[before:] if "Endless.aspx" in p])
    assert walked > 5, walked
    kinds = {f["kind"] for f in failures(lifted).values()}
    assert "listing-cut" not in kinds and "http-503" in kinds


# --- item 6: resource bombs -----------------------------------------------------------------------
MEMORY_BOUND_MB = 1024


def test_bombs_are_too_large_and_memory_stays_bounded(server, tmp_path):
    out = tmp_path / "ds"
    code, _, err, mem = run(crawl_cmd(server, out, "Bombs"), memory=True)
    assert code == 0, err[-3000:]
    kinds = {url.rsplit("/", 1)[-1]: f["kind"] for url, f in failures(out).items()}
    assert kinds == {"gzip-bomb.aspx": "too-large", "big-page.aspx": "too-large", "big-stream.aspx": "too-large"}
    assert {r["url"] for r in rows(out, "articles")} == {server.url("/portal/Pages/2021-3-24/good-bombs.aspx")}
    # all the crawl's processes together (crawl, extraction worker, WARC writer): the sum of
    # each one's own peak, an upper bound of their peak together
    assert mem.hwm_mb < MEMORY_BOUND_MB, (mem.hwm_mb, mem.peak_mb)
    # the WARC store never held a bomb: nothing beyond DOWNLOAD_MAXSIZE was written
    warc = sum(p.stat().st_size for p in (out / "warc").glob("*.warc.gz"))
    assert warc < 1_000_000, warc
    from warcio.archiveiterator import ArchiveIterator

    for path in (out / "warc").glob("*.warc.gz"):
        with open(path, "rb") as f:
            for rec in ArchiveIterator(f):
                assert len(rec.content_stream().read()) <= 10 * 1024 * 1024
                assert not any(k in rec.rec_headers.get_header("WARC-Target-URI") for k in ("gzip-bomb", "big-"))


# --- item 7: failure kinds ------------------------------------------------------------------------
def test_every_url_given_up_on_has_its_kind_and_real_url(server, tmp_path):
    out = tmp_path / "ds"
    code, _, err, _ = run(crawl_cmd(server, out, "Kinds", extra=["-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=1"]))
    assert code == 0, err[-3000:]
    assert "Traceback" not in err   # the refused host's robots.txt: one line, no traceback
    got = {url: f["kind"] for url, f in failures(out).items()}
    u = server.url
    assert got == {
        u("/portal/Pages/2020-3-1/redirect-chain.aspx"): "redirect",
        u("/portal/Pages/2020-3-2/loop-a.aspx"): "redirect",
        u("/portal/Pages/2020-3-3/slow.aspx"): "timeout",
        u("/portal/Pages/2020-3-4/error-500.aspx"): "http-500",
        u("/portal/Pages/2020-3-5/error-503.aspx"): "http-503",
        f"http://127.0.0.1:{server.refused_port}/portal/Pages/2020-3-6/refused.aspx": "connection",
        u("/portal/Pages/2020-3-7/refresh-a.aspx"): "redirect",
        u("/portal/Pages/2020-3-8/refresh-chain.aspx"): "redirect",
    }, got
    reasons = {url.rsplit("/", 1)[-1]: f["reason"] for url, f in failures(out).items()}
    assert reasons["loop-a.aspx"].startswith("redirect loop:") and "loop-b.aspx" in reasons["loop-a.aspx"]
    assert reasons["redirect-chain.aspx"].startswith("too many redirects (more than 5)")
    assert reasons["refresh-a.aspx"].startswith("meta refresh loop:") and "refresh-b.aspx" in reasons["refresh-a.aspx"]
    assert reasons["refresh-chain.aspx"].startswith("too many redirects (more than 5)")
    # a page that only refreshes to an article: the article is stored under its own URL
    assert {r["url"] for r in rows(out, "articles")} == {u("/portal/Pages/2021-3-24/good-kinds.aspx"),
                                                          u("/portal/Pages/2021-3-24/good-refreshed.aspx")}
    # the loop was followed to its first repeat only; the chain to REDIRECT_MAX_TIMES
    assert server.paths().count("/portal/Pages/2020-3-2/loop-a.aspx") == 1


# --- .warc.gz.open files of killed runs ----------------------------------------------------------
def test_a_killed_runs_open_warc_file_is_finished_by_the_next_run(server, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    out = tmp_path / "ds"
    proc = subprocess.Popen(crawl_cmd(server, out, "Endless", extra=["--max-listing-pages", "300"]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=Path(__file__).resolve().parents[1])
    try:
        deadline = time.monotonic() + 30
        open_files = []
        while time.monotonic() < deadline:
            open_files = list((out / "warc").glob("*.warc.gz.open")) if (out / "warc").exists() else []
            if open_files and open_files[0].stat().st_size > 20_000:
                break
            time.sleep(0.1)
        assert open_files, "the crawl wrote no WARC file within 30 s"
    finally:
        _kill_tree(proc)   # kill -9, children too
    (left,) = list((out / "warc").glob("*.warc.gz.open"))
    with open(left, "ab") as f:   # and a record cut in the middle, as a kill mid-write leaves it
        f.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n\r\n" + os.urandom(5000))[:1000])
    code, _, err, _ = run(crawl_cmd(server, out, "Offsite"))
    assert code == 0, err[-3000:]
    assert list((out / "warc").glob("*.open")) == []
    finished = left.with_name(left.name[: -len(".open")])
    assert finished.exists()
    with open(finished, "rb") as f:   # every record readable, to the end of the file
        records = [rec.rec_headers.get_header("WARC-Target-URI") for rec in ArchiveIterator(f)]
    assert records and all("Endless" in r or "endless" in r or r.endswith("robots.txt") for r in records)


# --- replica on a port in use ---------------------------------------------------------------------
def test_replica_on_a_port_in_use_is_one_line_and_status_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "crawler.cli", "replica", "--port", str(port), "--articles", "5"],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == f"replica: cannot listen on 127.0.0.1:{port}: in use"
