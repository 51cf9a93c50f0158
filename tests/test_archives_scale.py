"""Archives as the main source, against the replica's fakes of the Wayback Machine and Common
Crawl: a pull from both matches the replica's truth (every article the archives hold, once,
with the right capture time and source list), ``--captures latest|all``, faults, outages,
resumption (also after a kill), ``--plan``, and the pieces on their own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pyarrow.dataset as ds
import pytest

from pipelines.sites.registry import canonical_url
from replica import replica_process

SEED = 21
SITES = "muong-lat,quan-hoa,quang-xuong,thieu-hoa"


# --- helpers --------------------------------------------------------------------------------------
def pull(base: str, out: Path, *extra: str, source: str = "archives", sites: str = SITES,
         timeout: float = 120) -> subprocess.CompletedProcess:
    """``portal-news crawl --source …`` against the replica's fakes: no delays, small pages
    (so the listings are paged), fast retries."""
    return subprocess.run(pull_cmd(base, out, *extra, source=source, sites=sites),
                          capture_output=True, text=True, timeout=timeout)


def pull_cmd(base: str, out: Path, *extra: str, source: str = "archives", sites: str = SITES) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", "--sites", sites, "--source", source, "--impolite",
            "-o", str(out), "-s", "LOG_LEVEL=WARNING",
            "-s", f"WAYBACK_BASE_URL={base}/wayback", "-s", f"COMMONCRAWL_INDEX_URL={base}/commoncrawl/index",
            "-s", f"COMMONCRAWL_DATA_URL={base}/commoncrawl/data",
            "-s", "RETRY_BACKOFF_BASE=0.02", "-s", "RETRY_BACKOFF_MAX=0.2",
            "-s", "WAYBACK_CDX_LIMIT=6", "-s", "COMMONCRAWL_PAGE_SIZE=1", *extra]


def control(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return json.load(r)


def requests_made(base: str) -> dict:
    return control(base, "/_control/archives")["requests"]


def table(root: Path, name: str) -> list[dict]:
    if not (root / name).exists():
        return []
    return ds.dataset(root / name, format="parquet", partitioning="hive").to_table().to_pylist()


def lookups(out: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in (out / "archive-state").glob("*/lookups.jsonl"))


def ts(value) -> str:
    return value.strftime("%Y%m%d%H%M%S")


def by_url(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["url"], []).append(r)
    for rs in out.values():
        rs.sort(key=lambda r: r["capture_time"])
    return out


def assert_text(row: dict, truth: dict, revision: int) -> None:
    """The stored text is the article's at that capture (an edit adds its paragraph last)."""
    assert row["title"] == truth["title"]
    if revision:
        assert row["body_paragraphs"][:-1] == truth["body_paragraphs"], row["url"]
        assert row["body_paragraphs"][-1].startswith(f"Cập nhật lần {revision}"), row["url"]
    else:
        assert row["body_paragraphs"] == truth["body_paragraphs"], row["url"]


def assert_first_captures(out: Path, manifest: dict) -> None:
    """Every article the archives hold, once, with its first capture that is the article, its
    archive and every archive holding it; one failures/ row for each URL whose every capture is bad."""
    expected = manifest["archives"]["articles"]
    truth = {a["url"]: a["truth"] for a in manifest["articles"]}
    hosts = {d["host"] for d in manifest["districts"]}
    rows = by_url(table(out, "articles"))
    assert set(rows) == set(expected)
    for url, e in expected.items():
        (row,) = rows[url]
        first = e["first"]
        assert (ts(row["capture_time"]), row["source"], row["sources"]) == \
            (first["timestamp"], first["archive"], e["sources"]), url
        assert row["url"] == canonical_url(url) and row["url"].split("/")[2] in hosts
        if row["source"] == "wayback":
            assert row["fetch_url"].endswith(f"/wayback/web/{first['timestamp']}id_/{first['original']}")
        else:
            assert "/commoncrawl/data/crawl-data/" + first["collection"] in row["fetch_url"]
            assert "#offset=" in row["fetch_url"] and "&length=" in row["fetch_url"]
        assert row["district"] == e["district"] and row["http_status"] == 200
        assert_text(row, truth[url], first["revision"])
    failures = {f["url"]: f for f in table(out, "failures")}
    for url in manifest["archives"]["no_good_capture"]:
        assert failures[url]["kind"] == "no-good-capture", failures.get(url)
        assert "none of its" in failures[url]["reason"]
    assert not set(failures) & set(expected)


# --- one replica, pulled from both archives ---------------------------------------------------------
@pytest.fixture(scope="module")
def replica():
    with replica_process(articles=64, seed=SEED) as r:
        yield r


@pytest.fixture(scope="module")
def first_pull(replica, tmp_path_factory):
    out = tmp_path_factory.mktemp("archives-first") / "out"
    before = requests_made(replica.base_url)
    p = pull(replica.base_url, out)
    assert p.returncode == 0, p.stderr[-3000:]
    after = requests_made(replica.base_url)
    return {"out": out, "manifest": replica.manifest(), "requests": {k: after[k] - before[k] for k in after},
            "stdout": p.stdout}


def test_pull_from_both_archives_is_the_replicas_truth(first_pull):
    manifest, out = first_pull["manifest"], first_pull["out"]
    expected = manifest["archives"]["articles"]
    # the fakes hold what this test is about
    sources = {tuple(e["sources"]) for e in expected.values()}
    assert {("wayback",), ("commoncrawl",), ("commoncrawl", "wayback")} <= sources
    assert any(e["first"]["archive"] == "commoncrawl" and "wayback" in e["sources"] for e in expected.values())
    assert any(e["first"]["original"] != e["first"]["original"].replace("://www.", "://")
               or e["first"]["original"].startswith("https") for e in expected.values())
    kinds = {(c["archive"], c["kind"]) for c in manifest["wayback"]["captures"] + manifest["commoncrawl"]["captures"]}
    for kind in ("error-page", "login", "truncated", "corrupt", "redirect"):
        assert ("wayback", kind) in kinds
    for kind in ("error-page", "truncated", "digest", "length"):
        assert ("commoncrawl", kind) in kinds
    assert_first_captures(out, manifest)
    # articles the prefix listing misses were found on the archived listing pages
    hidden = {c["article_url"] for c in manifest["wayback"]["captures"] if not c["indexed"]}
    assert hidden and hidden <= set(expected)
    # the listings were paged: Wayback by resumption key, Common Crawl page by page
    state = out / "archive-state" / "muong-lat"
    wb = json.loads((state / "wayback.json").read_text())
    assert wb["queries"]["muonglat.thanhhoa.gov.vn"]["pages"] > 3 and wb["completed_at"]
    cc = json.loads((state / "commoncrawl.json").read_text())
    assert max(q["pages"] for q in cc["queries"].values()) > 2 and len(cc["info"]["crawls"]) > 10
    # bad captures are remembered, with why
    bad = [json.loads(line) for line in (state / "bad.jsonl").read_text().splitlines()]
    assert bad and all(len(b) == 3 and b[1] for b in bad)
    run = [r for r in table(out, "runs") if r["site"] == "*"]
    assert run[0]["finish_reason"] == "finished" and run[0]["articles_new"] == len(expected)


def test_a_second_pull_asks_the_archives_nothing(first_pull, replica):
    out = first_pull["out"]
    before = requests_made(replica.base_url)
    p = pull(replica.base_url, out)
    assert p.returncode == 0, p.stderr[-3000:]
    after = requests_made(replica.base_url)
    # the listings are reused, only brought up to date: one Wayback query per host for what was
    # indexed since (and Common Crawl's crawl list); stored articles and bad captures are not asked again
    assert {k: after[k] - before[k] for k in after} == {"wayback-cdx": 4, "wayback-web": 0, "commoncrawl-index": 0,
                                                      "commoncrawl-data": 0}
    runs = sorted((r for r in table(out, "runs") if r["site"] == "*"), key=lambda r: r["started_at"])
    assert runs[-1]["articles_new"] == 0 and runs[-1]["finish_reason"] == "finished"
    assert runs[-1]["articles_skipped_known"] == len(first_pull["manifest"]["archives"]["articles"])
    assert runs[-1]["articles_skipped_failed"] >= len(first_pull["manifest"]["archives"]["no_good_capture"])


@pytest.mark.parametrize("mode", ["latest", "all"])
def test_latest_and_every_version(replica, tmp_path, mode):
    manifest = replica.manifest()
    expected = manifest["archives"]["articles"]
    truth = {a["url"]: a["truth"] for a in manifest["articles"]}
    p = pull(replica.base_url, tmp_path / "out", "--captures", mode)
    assert p.returncode == 0, p.stderr[-3000:]
    rows = by_url(table(tmp_path / "out", "articles"))
    assert set(rows) == set(expected)
    assert any(len(e["versions"]) > 1 for e in expected.values())
    for url, e in expected.items():
        if mode == "all":
            want = e["versions"]
        else:
            want = [e["first"]] + ([e["latest"]] if e["latest"]["revision"] != e["first"]["revision"] else [])
        assert [ts(r["capture_time"]) for r in rows[url]] == [v["timestamp"] for v in want], url
        for row, version in zip(rows[url], want):
            assert row["source"] == version["archive"] and row["sources"] == e["sources"]
            assert_text(row, truth[url], version["revision"])
    # the ledger's version rule: the first text new, each later one an update
    run = [r for r in table(tmp_path / "out", "runs") if r["site"] == "*"][0]
    assert run["articles_new"] == len(expected)
    assert run["articles_updated"] == sum(len(v) - 1 for v in rows.values())


def test_without_verifying_other_archives_the_first_capture_is_the_same(replica, tmp_path):
    """ARCHIVE_VERIFY_SOURCES=false: an archive is asked only while no earlier capture was the
    article; the first capture is the same, ``sources`` names only the archive it came from."""
    manifest = replica.manifest()
    before = requests_made(replica.base_url)
    p = pull(replica.base_url, tmp_path / "out", "-s", "ARCHIVE_VERIFY_SOURCES=false")
    assert p.returncode == 0, p.stderr[-3000:]
    ranges = requests_made(replica.base_url)["commoncrawl-data"] - before["commoncrawl-data"]
    rows = by_url(table(tmp_path / "out", "articles"))
    expected = manifest["archives"]["articles"]
    assert set(rows) == set(expected)
    for url, e in expected.items():
        (row,) = rows[url]
        assert (ts(row["capture_time"]), row["source"], row["sources"]) == \
            (e["first"]["timestamp"], e["first"]["archive"], [e["first"]["archive"]])
    # fewer byte ranges than a verifying pull: Common Crawl only where it was first
    cc_first = sum(1 for e in expected.values() if e["first"]["archive"] == "commoncrawl")
    assert cc_first <= ranges < sum(1 for e in expected.values() if "commoncrawl" in e["sources"]) + 12


def test_plan_lists_fetches_nothing_and_the_pull_reuses_its_listing(replica, tmp_path):
    out = tmp_path / "out"
    before = requests_made(replica.base_url)
    p = pull(replica.base_url, out, "--plan")
    assert p.returncode == 0, p.stderr[-3000:]
    planned = requests_made(replica.base_url)
    assert planned["wayback-cdx"] > before["wayback-cdx"] and planned["commoncrawl-index"] > before["commoncrawl-index"]
    assert planned["wayback-web"] == before["wayback-web"] and planned["commoncrawl-data"] == before["commoncrawl-data"]
    assert not table(out, "articles")
    assert "archive pull plan" in p.stdout
    for site in SITES.split(","):
        assert f"{site:<16} wayback" in p.stdout and f"{site:<16} commoncrawl" in p.stdout
    p = pull(replica.base_url, out)
    assert p.returncode == 0, p.stderr[-3000:]
    after = requests_made(replica.base_url)
    # the listing is not asked again: exact lookups of linked articles, and one query per host
    # for captures indexed since the listing (a refresh)
    assert after["wayback-cdx"] - planned["wayback-cdx"] == lookups(out) + 4
    assert after["commoncrawl-index"] == planned["commoncrawl-index"]
    assert_first_captures(out, replica.manifest())


def test_plan_at_the_default_pace_says_how_long(first_pull, replica):
    """The plan of an already listed root asks only for what was indexed since, and its times
    are the counts at the archives' published pace."""
    cmd = pull_cmd(replica.base_url, first_pull["out"], "--plan", "--full", "-s", "WAYBACK_CDX_DELAY=0",
                   "-s", "COMMONCRAWL_INDEX_DELAY=0")
    cmd.remove("--impolite")   # the default pace of captures: the archives' published limits
    before = requests_made(replica.base_url)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr[-3000:]
    after = requests_made(replica.base_url)
    assert {k: after[k] - before[k] for k in after} == {"wayback-cdx": 4, "wayback-web": 0, "commoncrawl-index": 0,
                                                      "commoncrawl-data": 0}
    expected = first_pull["manifest"]["archives"]["articles"]
    lines = {tuple(line.split()[:2]): line for line in p.stdout.splitlines() if line.startswith("muong-lat ")}
    wb, cc = lines[("muong-lat", "wayback")].split(), lines[("muong-lat", "commoncrawl")].split()
    held = {n: sum(1 for u, e in expected.items() if n in e["sources"] and "muonglat" in u)
            for n in ("wayback", "commoncrawl")}
    assert int(wb[5]) >= held["wayback"] and int(cc[5]) >= held["commoncrawl"]   # articles listed per archive
    print(p.stdout)


# --- bad answers, outages, kills ---------------------------------------------------------------------
def test_faults_of_the_archives_change_nothing(tmp_path):
    """CDX pages cut mid-line, not JSON or 503 once, 429s on captures, 503 Slow Down on byte
    ranges: asked again, and the pull is the same."""
    with replica_process(articles=48, seed=SEED + 1, faults=True, fault_seed=4) as r:
        p = pull(r.base_url, tmp_path / "out", "-s", "ARCHIVE_LISTING_RETRIES=4")
        assert p.returncode == 0, p.stderr[-3000:]
        manifest = r.manifest()
        assert_first_captures(tmp_path / "out", manifest)
        kinds = {f["kind"] for f in table(tmp_path / "out", "failures")}
        assert kinds <= {"no-good-capture"}, kinds
        # the faults happened: more requests than answers kept
        asked = requests_made(r.base_url)
        states = [json.loads(f.read_text()) for f in (tmp_path / "out" / "archive-state").glob("*/*.json")]
        pages = {s["archive"]: 0 for s in states}
        for s in states:
            pages[s["archive"]] += sum(q["pages"] for q in s["queries"].values())
        assert asked["wayback-cdx"] > pages["wayback"] + lookups(tmp_path / "out")
        assert asked["commoncrawl-index"] > pages["commoncrawl"]


@pytest.fixture(scope="module")
def small():
    with replica_process(articles=36, seed=SEED + 2, districts="muong-lat") as r:
        yield r


def _wayback_truth(manifest: dict) -> dict[str, dict]:
    first = {}
    for c in manifest["wayback"]["captures"]:
        if c["kind"] == "article":
            first.setdefault(c["article_url"], c)
    return first


def test_an_index_outage_stops_the_listing_and_the_next_run_continues_it(small, tmp_path):
    base, out = small.base_url, tmp_path / "out"
    control(base, "/_control/outage?part=wayback-cdx&seconds=3600&after=3")
    try:
        p = pull(base, out, "-s", "WAYBACK_CDX_LIMIT=5", source="wayback", sites="muong-lat")
    finally:
        control(base, "/_control/outage?part=wayback-cdx&seconds=0")
    assert p.returncode == 1 and "archive-unavailable" in p.stderr
    (failure,) = table(out, "failures")
    assert failure["kind"] == "http-503" and "/wayback/cdx" in failure["url"]
    assert "the next run continues there" in failure["reason"]
    assert not table(out, "articles")   # nothing fetched from an incomplete listing
    state = json.loads((out / "archive-state" / "muong-lat" / "wayback.json").read_text())
    assert state["queries"]["muonglat.thanhhoa.gov.vn"]["pages"] == 3 and not state["completed_at"]
    before = requests_made(base)
    p = pull(base, out, "-s", "WAYBACK_CDX_LIMIT=5", source="wayback", sites="muong-lat")
    assert p.returncode == 0, p.stderr[-3000:]
    state = json.loads((out / "archive-state" / "muong-lat" / "wayback.json").read_text())
    pages = state["queries"]["muonglat.thanhhoa.gov.vn"]["pages"]
    assert pages > 6 and requests_made(base)["wayback-cdx"] - before["wayback-cdx"] == pages - 3 + lookups(out)
    rows = by_url(table(out, "articles"))
    first = _wayback_truth(small.manifest())
    assert set(rows) == set(first)
    assert all(ts(rows[u][0]["capture_time"]) == c["timestamp"] for u, c in first.items())


def test_a_capture_outage_fails_each_url_and_the_next_run_goes_on(small, tmp_path):
    base, out = small.base_url, tmp_path / "out"
    first = _wayback_truth(small.manifest())
    captures = [c for c in small.manifest()["wayback"]["captures"] if c["statuscode"] == "200" and c["indexed"]]
    hidden = {c["article_url"] for c in small.manifest()["wayback"]["captures"] if not c["indexed"]}
    control(base, "/_control/outage?part=wayback-web&seconds=3600")
    try:
        before = requests_made(base)
        p = pull(base, out, "-s", "ARCHIVE_MAX_ERRORS=4", "-s", "ARCHIVE_JOBS=4", source="wayback", sites="muong-lat")
        asked = requests_made(base)["wayback-web"] - before["wayback-web"]
    finally:
        control(base, "/_control/outage?part=wayback-web&seconds=0")
    assert p.returncode == 1 and "archive-unavailable" in p.stderr
    failures = {f["url"]: f for f in table(out, "failures")}
    listed = set(first) - hidden   # (the hidden ones are found on listing pages, which failed too)
    assert listed <= set(failures)   # a clear row for every article
    kinds = {failures[u]["kind"] for u in listed}
    assert kinds <= {"http-503", "archive-unavailable"} and "archive-unavailable" in kinds
    assert all("the next run" in failures[u]["reason"] or "next run" in failures[u]["reason"] for u in listed)
    assert asked < 2 * len(captures)   # it stopped asking: not every capture with all its retries (5 ×)
    assert not table(out, "articles")
    p = pull(base, out, source="wayback", sites="muong-lat")
    assert p.returncode == 0, p.stderr[-3000:]
    rows = by_url(table(out, "articles"))
    assert set(rows) == set(first)


def test_a_killed_listing_continues_where_it_stopped(tmp_path):
    """A pull killed (SIGKILL) in the middle of a long paged listing: the next one continues
    from the saved resumption key and the listing is whole, each capture once."""
    with replica_process(articles=900, seed=SEED + 3, districts="muong-lat") as r:
        out = tmp_path / "out"
        cmd = pull_cmd(r.base_url, out, "--plan", "-s", "WAYBACK_CDX_LIMIT=40", "-s", "WAYBACK_CDX_DELAY=0.15",
                       source="wayback", sites="muong-lat")
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        state_file = out / "archive-state" / "muong-lat" / "wayback.json"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if json.loads(state_file.read_text())["queries"]["muonglat.thanhhoa.gov.vn"]["pages"] >= 4:
                        break
                except (FileNotFoundError, KeyError, ValueError):
                    pass
                time.sleep(0.05)
            os.killpg(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
        killed_at = json.loads(state_file.read_text())["queries"]["muonglat.thanhhoa.gov.vn"]
        assert not killed_at["done"] and killed_at["pages"] >= 4
        p = pull(r.base_url, out, "--plan", "-s", "WAYBACK_CDX_LIMIT=40", source="wayback", sites="muong-lat")
        assert p.returncode == 0, p.stderr[-3000:]
        rows = [json.loads(line) for line in (out / "archive-state" / "muong-lat" / "wayback.jsonl").read_text().splitlines()]
        keys = [(row[0], row[1]) for row in rows]
        assert len(keys) == len(set(keys))   # no page kept twice
        want = {(c["urlkey"], c["timestamp"]) for c in r.manifest(truth=False)["wayback"]["captures"]
                if c["statuscode"] == "200" and c["indexed"]}
        assert set(keys) == want   # and none lost
        state = json.loads(state_file.read_text())["queries"]["muonglat.thanhhoa.gov.vn"]
        assert state["done"] and state["pages"] == -(-len(want) // 40)


# --- the pieces --------------------------------------------------------------------------------------
def test_listing_state_keeps_only_what_its_position_covers(tmp_path):
    from crawler.spiders.archivestate import ListingState

    sig = {"hosts": ["a.example"], "v": 1}
    st = ListingState(tmp_path, "wayback", sig).load()
    st.add_page("a.example", [["k1", "1"], ["k2", "2"]], "key-1", False)
    st.add_page("a.example", [["k3", "3"]], "key-2", False)
    with open(st.rows_path, "ab") as fh:   # a page appended, then the run was killed before its position
        fh.write(b'["k4", "4"]\n["k5", "5"')
    again = ListingState(tmp_path, "wayback", sig).load()
    assert again.query("a.example")["position"] == "key-2" and again.query("a.example")["pages"] == 2
    assert again.rows() == [["k1", "1"], ["k2", "2"], ["k3", "3"]]
    assert again.restarted == ""
    other = ListingState(tmp_path, "wayback", {"hosts": ["a.example"], "from": "2020", "v": 1}).load()
    assert other.restarted == "the query changed" and other.rows() == [] and other.queries == {}


def test_unreadable_index_answers_are_named():
    from crawler.spiders.wayback import ListingError, parse_cdx_page

    rows, key = parse_cdx_page('[["urlkey","timestamp"],\n["a","1"],\n[],\n["a%201!"]]')
    assert rows == [{"urlkey": "a", "timestamp": "1"}] and key == "a%201!"
    with pytest.raises(ListingError, match="cut off"):
        parse_cdx_page('[["urlkey","timestamp"],\n["a","1"],\n["b","')
    with pytest.raises(ListingError, match="not JSON"):
        parse_cdx_page("<!DOCTYPE html><html><body>Wayback Machine is temporarily unavailable</body></html>")


def test_common_crawl_records_are_checked_against_their_index_entry():
    from scrapy.http import Response, Request
    from scrapy.settings import Settings

    from crawler.spiders.captures import Cap, problem_of
    from crawler.spiders.commoncrawl import CommonCrawl
    from replica import build_portal
    from replica.commoncrawl import _layout, cc_captures, file_bytes, index_digest

    portal = build_portal(seed=SEED, articles=64)
    caps = cc_captures(portal)
    cc = CommonCrawl(Settings({"COMMONCRAWL_DATA_URL": "http://127.0.0.1:9/data"}))
    seen = {}
    for c in caps:
        if c.kind in seen or c.statuscode != "200" or c.article is None:
            continue
        _layout(portal, c.collection)
        data = file_bytes(portal, c.filename)[c.offset: c.offset + c.length]
        cap = Cap("commoncrawl", c.timestamp, c.original, index_digest(portal, c), "200", "text/html",
                  c.filename, c.offset, c.length, c.collection)
        url, headers = cc.capture_request(cap)
        assert headers["Range"] == f"bytes={c.offset}-{c.offset + c.length - 1}"
        response = Response(url, status=206, body=data, request=Request(url))
        seen[c.kind] = problem_of(cc.payload(response, cap), cap)
    assert seen["article"] is None
    assert seen["truncated"][0] == "truncated" and "WARC-Truncated" in seen["truncated"][1]
    assert seen["digest"][0] == "digest" and "index" in seen["digest"][1]
    assert seen["length"][0] == "length"
    assert seen["error-page"][0] == "error-page"


def test_capture_checks():
    from crawler.spiders.captures import Cap, Payload, digest_of, problem_of
    from replica import build_portal, render
    from replica.wayback import login_html

    portal = build_portal(seed=SEED, articles=8)
    body, ctype = render.article_page(portal.articles[0])
    cap = Cap("wayback", "20200101000000", portal.articles[0].url, digest_of(body))
    assert problem_of(Payload(200, body, ctype, digest=digest_of(body)), cap) is None
    assert problem_of(Payload(302, b"", location="/web/x"), cap)[0] == "redirect"
    assert problem_of(Payload(404, b""), cap)[0] == "http-404"
    cut = body[: len(body) // 2]
    assert problem_of(Payload(200, cut, ctype, digest=digest_of(cut)), Cap("wayback", "1", "u", digest_of(cut)))[0] \
        == "truncated"
    other = render.article_page(portal.articles[1])[0]
    assert problem_of(Payload(200, other, ctype, digest=digest_of(other)), cap)[0] == "digest"
    login = login_html("muonglat.thanhhoa.gov.vn", "/portal/Pages/x.aspx").encode()
    assert problem_of(Payload(200, login, ctype, digest=digest_of(login)), Cap("wayback", "1", "u"))[0] == "login"
    error = render.error_html("/x").encode()
    assert problem_of(Payload(200, error, ctype, digest=digest_of(error)), Cap("wayback", "1", "u"))[0] == "error-page"


def test_hosts_of_a_site_and_their_forms(tmp_path):
    from crawler.spiders.archives import SitePull
    from crawler.spiders.portal import PortalSpider

    spider = PortalSpider(sites="tinh-thanh-hoa,muong-lat", source="archives")
    assert spider.usage_error is None
    assert spider.archive_sites() == [("tinh-thanh-hoa", ["thanhhoa.gov.vn", "en-us.thanhhoa.gov.vn"], "http"),
                                      ("muong-lat", ["muonglat.thanhhoa.gov.vn"], "http")]
    pull = SitePull("tinh-thanh-hoa", ["thanhhoa.gov.vn", "en-us.thanhhoa.gov.vn"], "http", {}, tmp_path, 30)
    path = "/portal/Pages/2021-3-24/Tin-x-abc123.aspx"
    for form in ("http://thanhhoa.gov.vn", "http://www.thanhhoa.gov.vn", "https://thanhhoa.gov.vn",
                 "https://www.thanhhoa.gov.vn:443", "http://thanhhoa.gov.vn:80"):
        assert pull.portal_url(form + path) == "http://thanhhoa.gov.vn" + path
    assert pull.portal_url("https://en-us.thanhhoa.gov.vn" + path) == "http://en-us.thanhhoa.gov.vn" + path
    assert pull.portal_url("http://muonglat.thanhhoa.gov.vn" + path) is None
    assert pull.kind_of("http://thanhhoa.gov.vn" + path) == "article"
    assert pull.kind_of("http://thanhhoa.gov.vn/portal/Pages/Tin-tuc-su-kien.aspx?PageIndex=3") == "listing"
    assert pull.kind_of("http://thanhhoa.gov.vn/portal/Pages/Tim-kiem.aspx?k=x") is None


def test_a_429_pauses_the_archives_whole_slot():
    from time import monotonic

    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.settings import Settings

    from crawler.spiders.portal import PortalSpider

    crawler = Crawler(PortalSpider, Settings({"RETRY_BACKOFF_MAX": 60, "OUTPUT_DIR": "/nonexistent"}))
    spider = PortalSpider.from_crawler(crawler, sites="muong-lat", source="wayback")
    slot = SimpleNamespace(lastseen=0.0)
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(slots={"wayback": slot}))
    crawler.stats = SimpleNamespace(inc_value=lambda *a, **k: None)
    request = Request("http://127.0.0.1:9/wayback/web/1id_/x", meta={"archive": "wayback", "download_slot": "wayback"})
    spider._archive_pace(Response(request.url, status=200, request=request), request)
    assert slot.lastseen == 0.0
    spider._archive_pace(Response(request.url, status=429, headers={"Retry-After": "30"}, request=request), request)
    assert 29 < slot.lastseen - monotonic() <= 30
    slot.lastseen = 0.0
    spider._archive_pace(Response(request.url, status=429, request=request), request)   # no Retry-After
    assert 59 < slot.lastseen - monotonic() <= 60
