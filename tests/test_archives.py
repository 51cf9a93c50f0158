"""Archives: the WARC raw page store of a crawl, `portal-news reprocess` of WARC files, and the
Wayback source against the replica's fake Wayback Machine (CDX + id_ captures on 127.0.0.1)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from io import BytesIO
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from pipelines.sites.registry import canonical_url
from replica import replica_process
from crawler.warcstore import RotatingWarcWriter
from pipelines.storage.archives import iter_warc_pages, reprocess
from tests.helpers import crawl_cmd

ARTICLES = 60
SEED = 11


def cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True, timeout=timeout)


def crawl(base_url: str, out: Path, sites: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(crawl_cmd(base_url, out, sites, "-s", "RETRY_BACKOFF_BASE=0.02", *extra),
                          capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("archives")
    live, nowarc, wayback = tmp / "live", tmp / "nowarc", tmp / "wayback"
    with replica_process(articles=ARTICLES, seed=SEED) as r:
        manifest = r.manifest()
        sites = ",".join(d["slug"] for d in manifest["districts"])
        started = time.time()
        first = crawl(r.base_url, live, sites, "-s", "WARC_MAX_BYTES=100000")
        finished = time.time()
        off = crawl(r.base_url, nowarc, sites, "-s", "WARC_ENABLED=false", "--max-listing-pages", "1")
        wb = cli("crawl", "--sites", sites, "--source", "wayback", "--impolite", "-o", str(wayback),
                 "-s", "LOG_LEVEL=WARNING", "-s", f"WAYBACK_BASE_URL={r.base_url}/wayback",
                 "-s", "WAYBACK_DOWNLOAD_DELAY=0", "-s", "RETRY_BACKOFF_BASE=0.02")
    for p in (first, off, wb):
        assert p.returncode == 0, p.stderr[-3000:]
    return {"manifest": manifest, "base": r.base_url, "live": live, "nowarc": nowarc, "wayback": wayback,
            "window": (started - 1, finished + 1), "tmp": tmp}


def warc_files(out: Path) -> list[Path]:
    return sorted((out / "warc").glob("*.warc.gz"))


def responses(paths) -> list[dict]:
    out = []
    for path in paths:
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "response":
                    h = rec.rec_headers
                    out.append({"uri": h.get_header("WARC-Target-URI"), "date": h.get_header("WARC-Date"),
                                "status": int(rec.http_headers.get_statuscode()), "source_uri": h.get_header("WARC-Source-URI"),
                                "capture": h.get_header("X-Capture-Time"), "body": rec.content_stream().read()})
    return out


def articles(root: Path) -> list[dict]:
    return ds.dataset(root / "articles", format="parquet", partitioning="hive").to_table().to_pylist()


# --- (a) the raw page store -------------------------------------------------------------------
def test_warc_store_covers_every_fetched_page(runs):
    manifest, live = runs["manifest"], runs["live"]
    files = warc_files(live)
    assert len(files) >= 2, files  # rotated at WARC_MAX_BYTES=100000
    assert not list((live / "warc").glob("*.open")), "files are renamed when closed"
    assert all(f.name.endswith(".warc.gz") and f.name[:-len("-00000.warc.gz")] == files[0].name[:-len("-00000.warc.gz")]
               for f in files)
    run_id = files[0].name[:-len("-00000.warc.gz")]
    runs_ids = {r["run_id"] for r in ds.dataset(live / "runs", format="parquet").to_table().to_pylist()}
    assert run_id in runs_ids, "WARC files carry the run id of runs/"
    recs = responses(files)
    lo, hi = runs["window"]
    for r in recs:
        assert r["uri"] and r["uri"].startswith("http")
        when = datetime.fromisoformat(r["date"].replace("Z", "+00:00")).timestamp()
        assert lo <= when <= hi, r["date"]
    uris = {r["uri"] for r in recs}
    listing_urls = {lst["url"] for lst in manifest["listings"]}
    linked = {u for lst in manifest["listings"] for u in lst["links"]}
    reachable = {a["url"] for a in manifest["articles"] if a["reachable"]}
    assert listing_urls <= uris, sorted(listing_urls - uris)[:3]
    assert reachable <= uris, sorted(reachable - uris)[:3]
    assert linked <= uris, sorted(linked - uris)[:3]   # also error pages and broken (404) links
    assert 404 in {r["status"] for r in recs}
    # every stored article's raw page is in the store, byte for byte (content_sha1)
    import hashlib

    shas = {hashlib.sha1(r["body"]).hexdigest() for r in recs if r["status"] == 200}
    assert {a["content_sha1"] for a in articles(live)} <= shas


def test_warc_store_can_be_turned_off(runs):
    out = runs["nowarc"]
    assert any((out / "articles").rglob("*.parquet"))
    assert not (out / "warc").exists() or not any((out / "warc").iterdir())


def test_killed_writer_leaves_readable_records(tmp_path):
    store = RotatingWarcWriter(tmp_path, "run", max_bytes=10 ** 9)
    for i in range(3):
        body = f"<html><body><p>page {i}</p></body></html>".encode()
        rec = store.builder.create_warc_record(
            f"http://example.org/{i}", "response", payload=BytesIO(body),
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": "2024-01-02T03:04:05Z"})
        store.write([rec])
    (opened,) = tmp_path.glob("*.warc.gz.open")   # not closed: as a killed run leaves it
    with open(opened, "ab") as fh:
        fh.write(b"\x1f\x8b\x08\x00partial record")
    from collections import Counter

    stats = Counter()
    pages = list(iter_warc_pages([opened], stats))
    assert [p["url"] for p in pages] == [f"http://example.org/{i}" for i in range(3)]
    assert stats["truncated_files"] == 1
    assert pages[0]["fetched_at"] == datetime.fromisoformat("2024-01-02T03:04:05+00:00").timestamp()


# --- (b) reprocess --------------------------------------------------------------------------------
def test_reprocess_rebuilds_the_same_articles(runs):
    live, new = runs["live"], runs["tmp"] / "reprocessed"
    files = [str(f) for f in warc_files(live)]
    p = cli("reprocess", *files, "-o", str(new), "--workers", "2")
    assert p.returncode == 0, p.stderr[-3000:]
    assert "reprocessed" in p.stdout and "new" in p.stdout
    crawled = {r["article_id"]: r for r in articles(live)}
    again = {r["article_id"]: r for r in articles(new)}
    assert set(again) == set(crawled)
    for aid, row in crawled.items():
        for col in ("title", "body_paragraphs", "published_at", "url", "district", "content_hash", "content_sha1"):
            assert again[aid][col] == row[col], (aid, col)
    con = duckdb.connect()
    glob = f"{new}/articles/**/*.parquet"
    sources = con.execute(f"SELECT source, count(*), count(fetched_at), min(http_status), max(http_status) "
                          f"FROM read_parquet('{glob}', hive_partitioning=true) GROUP BY 1").fetchall()
    assert sources == [("warc", len(crawled), len(crawled), 200, 200)]
    run = con.execute(f"SELECT articles_new, finish_reason FROM read_parquet('{new}/runs/*.parquet') WHERE site='*'").fetchall()
    assert run == [(len(crawled), "finished")]
    # twice: nothing new
    p2 = cli("reprocess", *files, "-o", str(new))
    assert p2.returncode == 0, p2.stderr[-3000:]
    n = con.execute(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true)").fetchone()[0]
    assert n == len(crawled)
    # into the crawl's own dataset: everything is already stored
    stats = reprocess(files, live, workers=1)
    assert stats.get("articles_new", 0) == stats.get("articles_updated", 0) == 0
    assert stats["articles_unchanged"] == len(crawled)


def test_reprocess_refuses_garbage(tmp_path):
    bad = tmp_path / "garbage.warc.gz"
    bad.write_bytes(b"this is not a WARC file\n" * 10)
    p = cli("reprocess", str(bad), "-o", str(tmp_path / "out"))
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "not a readable WARC" in p.stderr
    p = cli("reprocess", str(tmp_path / "missing.warc.gz"), "-o", str(tmp_path / "out"))
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and "no such file" in p.stderr


def test_reprocess_same_result_with_any_worker_count(runs):
    files = warc_files(runs["live"])
    one, two = runs["tmp"] / "w1", runs["tmp"] / "w2"
    s1 = reprocess(files, one, workers=1)
    s2 = reprocess(files, two, workers=2)
    for k in ("pages", "articles_new", "not_article", "skipped_status", "skipped_not_html"):
        assert s1.get(k) == s2.get(k), k
    for table, key in (("articles", ("article_id",)), ("images", ("article_id", "position")),
                       ("officials", ("article_id", "name_key", "name"))):
        t1 = ds.dataset(one / table, format="parquet", partitioning="hive").to_table().to_pylist()
        t2 = ds.dataset(two / table, format="parquet", partitioning="hive").to_table().to_pylist()
        strip = lambda rows: sorted(({k: v for k, v in r.items() if k != "run_id"} for r in rows),  # noqa: E731
                                    key=lambda r: tuple(str(r[k]) for k in key))
        assert strip(t1) == strip(t2), table


# --- (c) the Wayback source -----------------------------------------------------------------------
def test_wayback_crawl_keeps_original_url_and_capture_time(runs):
    manifest, out, base = runs["manifest"], runs["wayback"], runs["base"]
    rows = articles(out)
    truth = {canonical_url(a["url"]): a for a in manifest["articles"]}
    first_capture = {}
    for c in manifest["wayback"]["captures"]:
        if c["kind"] == "article":   # sorted by (urlkey, timestamp): the first capture that is the article
            first_capture.setdefault(c["article_url"], c)
    assert len(rows) == len(first_capture) > 0
    hosts = {d["host"] for d in manifest["districts"]}
    for r in rows:
        assert r["source"] == "wayback" and r["sources"] == ["wayback"]
        assert r["url"] in first_capture and r["url"] == canonical_url(r["url"])
        assert r["url"].split("/")[2] in hosts   # also when captured as www., https or :80
        cap = first_capture[r["url"]]
        assert r["fetch_url"] == f"{base}/wayback/web/{cap['timestamp']}id_/{cap['original']}"
        assert r["capture_time"] is not None and r["capture_time"].strftime("%Y%m%d%H%M%S") == cap["timestamp"]
        assert r["fetched_at"] is not None and r["http_status"] == 200 and len(r["content_sha1"]) == 40
        assert r["title"] == truth[r["url"]]["truth"]["title"]
        body = truth[r["url"]]["truth"]["body_paragraphs"]
        if cap["revision"]:   # edited before this capture: the edit's paragraph comes last
            assert r["body_paragraphs"][:-1] == body and r["body_paragraphs"][-1].startswith("Cập nhật lần")
        else:
            assert r["body_paragraphs"] == body
        text = " ".join(r["body_paragraphs"]).lower()
        assert "wayback" not in text and "archive.org" not in text and "captures" not in text
    con = duckdb.connect()
    n = con.execute(f"SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true) "
                    "WHERE source = 'wayback' AND capture_time IS NOT NULL AND url NOT LIKE '%127.0.0.1%'").fetchone()[0]
    assert n == len(rows)


def test_wayback_warc_records_restore_provenance(runs):
    out = runs["wayback"]
    recs = [r for r in responses(warc_files(out)) if r["source_uri"]]
    assert recs and all("/wayback/web/" in r["source_uri"] and "127.0.0.1" not in r["uri"] and r["capture"]
                        for r in recs)
    new = runs["tmp"] / "wayback-reprocessed"
    reprocess(warc_files(out), new, workers=1)
    crawled = {(r["article_id"], r["content_hash"]): r for r in articles(out)}
    again = {(r["article_id"], r["content_hash"]): r for r in articles(new)}
    assert set(crawled) <= set(again)
    for key, r in crawled.items():
        for col in ("source", "url", "fetch_url", "capture_time", "title", "content_hash"):
            assert again[key][col] == r[col], (key, col)
    # reprocess cannot tell the captures the pull rejected: those that still read as an article
    # (cut when archived, or not the page their index entry describes) come back as versions
    rejected = {}
    for path in (out / "archive-state").glob("*/bad.jsonl"):
        for line in path.read_text("utf-8").splitlines():
            key, kind = json.loads(line)[:2]
            rejected[key] = kind
    for key in set(again) - set(crawled):
        ts, original = again[key]["fetch_url"].split("/web/", 1)[1].split("id_/", 1)
        assert rejected.get(f"wayback {ts} {original}") in ("truncated", "digest"), again[key]["fetch_url"]


def test_wayback_arguments_and_politeness():
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

    from crawler.spiders.portal import PortalSpider
    from crawler.spiders.wayback import Wayback, cdx_url

    crawler = Crawler(PortalSpider, Settings({"WAYBACK_CONCURRENCY": 2, "WAYBACK_DOWNLOAD_DELAY": 3.0,
                                         "WAYBACK_CDX_CONCURRENCY": 1, "WAYBACK_CDX_DELAY": 2.5,
                                         "WAYBACK_BASE_URL": "http://127.0.0.1:9/wayback", "OUTPUT_DIR": "/nonexistent"}))
    spider = PortalSpider.from_crawler(crawler, sites="muong-lat", source="wayback", **{"from": "2015", "to": "2025"})
    slots = crawler.settings.getdict("DOWNLOAD_SLOTS")
    assert slots["wayback"] == {"concurrency": 2, "delay": 3.0, "jitter": 0}       # captures
    assert slots["wayback-cdx"] == {"concurrency": 1, "delay": 2.5, "jitter": 0}   # the CDX API
    assert (spider.wayback_from, spider.wayback_to) == ("2015", "2025")
    assert spider.archive_names == ("wayback",) and spider.archive_sites() == [
        ("muong-lat", ["muonglat.thanhhoa.gov.vn"], "http")]
    url = Wayback(crawler.settings, "2015", "2025").query_url("muonglat.thanhhoa.gov.vn", None)
    assert url == cdx_url("http://127.0.0.1:9/wayback", "muonglat.thanhhoa.gov.vn", "2015", "2025", limit=5000)
    assert "url=muonglat.thanhhoa.gov.vn/portal/Pages/&matchType=prefix&output=json" in url
    assert "&filter=statuscode:200&from=2015&to=2025&limit=5000&showResumeKey=true" in url
    assert "collapse" not in url   # later captures are the fallback when the first is not the article
    # bad arguments are kept as one message (logged by start(), exit 2 from the CLI)
    assert "from" in PortalSpider(sites="muong-lat", source="wayback", **{"from": "last year"}).usage_error
    assert "source" in PortalSpider(sites="muong-lat", source="archive").usage_error
    assert "captures" in PortalSpider(sites="muong-lat", source="archives", captures="some").usage_error
    assert "plan" in PortalSpider(sites="muong-lat", plan="1").usage_error


def test_reprocess_never_writes_outside_the_root(tmp_path):
    """A WARC record's X-Portal-Site header names a folder only when it is a plain slug: a
    path in it is not followed (the page lands under its host's partition), and nothing is
    created outside the output root."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    fixture = Path(__file__).parent / "fixtures" / "muonglat-2021-3-24.html"
    url = json.loads(fixture.with_suffix(".json").read_text("utf-8"))["url"]
    warc = tmp_path / "in" / "hostile.warc.gz"
    warc.parent.mkdir()
    with open(warc, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record(url, "response", payload=BytesIO(fixture.read_bytes()),
                                           http_headers=http,
                                           warc_headers_dict={"X-Portal-Site": "../../../../elsewhere/x"})
        writer.write_record(record)
    out = tmp_path / "deep" / "a" / "b" / "root"
    run = cli("reprocess", str(warc), "-o", str(out), "--workers", "1")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents and p != warc]
    assert outside == []
    parts = [p.relative_to(out).parts[:2] for p in out.glob("articles/*/*")]
    assert parts == [("articles", "district=muong-lat")]
