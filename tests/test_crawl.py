"""End to end: the real `portal` spider crawls the replica through real HTTP on 127.0.0.1,
and the datasets read back with pyarrow and DuckDB are compared with the replica's manifest."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import duckdb
import pyarrow.dataset as ds
import pytest

from pipelines.sites.registry import canonical_url
from replica import replica_process
from tests.helpers import crawl_cmd

ARTICLES = 200
SEED = 7


def crawl(replica_url: str, out, *extra: str, sites: str) -> subprocess.CompletedProcess:
    cmd = crawl_cmd(replica_url, out, sites, "-s", "RETRY_BACKOFF_BASE=0.05", *extra)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    out = tmp_path_factory.mktemp("dataset")
    with replica_process(articles=ARTICLES, seed=SEED) as replica:
        manifest = replica.manifest()
        sites = ",".join(d["slug"] for d in manifest["districts"])
        first = crawl(replica.base_url, out, sites=sites)
        second = crawl(replica.base_url, out, sites=sites)
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    return manifest, out, first, second


def _articles(out):
    return ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table().to_pylist()


def test_every_reachable_article_exactly_once(crawled):
    manifest, out, *_ = crawled
    rows = _articles(out)
    urls = Counter(r["url"] for r in rows)
    assert max(urls.values()) == 1, [u for u, n in urls.items() if n > 1][:5]
    expected = {a["url"] for a in manifest["articles"] if a["reachable"]}
    assert set(urls) == expected
    # fetched through the replica, stored under the portals' own URLs
    assert {r["source"] for r in rows} == {"replica"}
    assert all(r["fetch_url"] == r["url"] for r in rows)
    bad = {canonical_url(u) for u in manifest["error_pages"] + manifest["broken_links"]}
    assert not bad & set(urls)
    # the same numbers through DuckDB, with hive partitions
    con = duckdb.connect()
    n, distinct = con.execute(
        f"SELECT count(*), count(DISTINCT article_id) FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true)"
    ).fetchone()
    assert n == distinct == len(expected)
    per_district = dict(con.execute(
        f"SELECT district, count(*) FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true) GROUP BY 1").fetchall())
    want = Counter(a["district"] for a in manifest["articles"] if a["reachable"])
    assert per_district == dict(want)


FIELDS = ("title", "published_date", "published_at", "date_source", "summary", "body_paragraphs", "tags",
          "category", "byline", "site_name")


def test_fields_match_the_manifest_truth(crawled):
    manifest, out, *_ = crawled
    rows = {r["url"]: r for r in _articles(out)}
    images = ds.dataset(out / "images", format="parquet", partitioning="hive").to_table().to_pylist()
    by_article = {}
    for im in sorted(images, key=lambda r: r["position"]):
        by_article.setdefault(im["article_id"], []).append({"url": im["image_url"], "caption": im["caption"]})
    wrong = Counter()
    examples = {}
    checked = 0
    for art in manifest["articles"]:
        if not art["reachable"]:
            continue
        truth, row = art["truth"], rows[canonical_url(art["url"])]
        checked += 1
        got = dict(row)
        got["published_date"] = row["published_date"].isoformat() if row["published_date"] else None
        got["published_at"] = row["published_at"].isoformat() if row["published_at"] else None
        got["images"] = by_article.get(row["article_id"], [])
        truth = {**truth, "images": [{"url": canonical_url(im["url"]), "caption": im["caption"]}
                                     for im in truth.get("images") or []]}
        for field in FIELDS + ("images",):
            if field in truth and got.get(field) != truth[field]:
                wrong[field] += 1
                examples.setdefault(field, (art["url"], art["variants"], got.get(field), truth[field]))
    assert checked >= ARTICLES - 5
    assert not wrong, f"fields wrong: {dict(wrong)}; first example per field: {examples}"


def test_error_pages_and_404s_are_failures_not_articles(crawled):
    manifest, out, *_ = crawled
    failures = ds.dataset(out / "failures", format="parquet").to_table().to_pylist()
    kinds = {f["url"]: f["kind"] for f in failures}
    for url in manifest["error_pages"]:
        assert kinds.get(url) == "error-page", url
    for url in manifest["broken_links"]:
        assert kinds.get(url) == "http-404", url


def test_second_run_fetches_no_article_page(crawled):
    manifest, out, first, second = crawled
    runs = ds.dataset(out / "runs", format="parquet").to_table().to_pylist()
    whole = sorted((r for r in runs if r["site"] == "*"), key=lambda r: r["started_at"])
    assert len(whole) == 2
    assert whole[0]["articles_new"] == sum(1 for a in manifest["articles"] if a["reachable"])
    assert whole[1]["articles_fetched"] == 0 and whole[1]["articles_new"] == 0
    assert whole[1]["articles_skipped_known"] > 0
    assert whole[1]["listing_pages"] < whole[0]["listing_pages"]  # walks stop at known pages
    assert len(_articles(out)) == whole[0]["articles_new"]      # nothing duplicated


def test_officials_and_people_written(crawled):
    manifest, out, *_ = crawled
    con = duckdb.connect()
    n, = con.execute(f"SELECT count(*) FROM read_parquet('{out}/officials/**/*.parquet', hive_partitioning=true)").fetchone()
    truth = sum(len(a["truth"].get("officials") or []) for a in manifest["articles"] if a["reachable"])
    assert n >= 0.9 * truth
    joined, = con.execute(
        f"SELECT count(*) FROM read_parquet('{out}/officials/**/*.parquet', hive_partitioning=true) o "
        f"JOIN read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true) a USING (article_id)").fetchone()
    assert joined == n
    people = out / "people" / "people.parquet"
    assert people.exists(), "people/ was not rebuilt"
    persons, keys, first_ok = con.execute(
        f"SELECT count(*), count(DISTINCT name_key), bool_and(first_seen <= last_seen) FROM read_parquet('{people}')").fetchone()
    distinct_names, = con.execute(
        f"SELECT count(DISTINCT name_key) FROM read_parquet('{out}/officials/**/*.parquet', hive_partitioning=true)").fetchone()
    assert 0 < keys <= persons and first_ok
    # every named official resolved to a person (people.mentions lists its rows; a name written
    # without its middle name belongs to the person of the full name, so name keys alone do not tell)
    resolved, = con.execute(
        f"SELECT count(DISTINCT (m.article_id, m.name_key)) FROM (SELECT unnest(mentions) AS m FROM read_parquet('{people}'))").fetchone()
    named, = con.execute(
        f"SELECT count(DISTINCT (article_id, name_key)) FROM read_parquet('{out}/officials/**/*.parquet', hive_partitioning=true)").fetchone()
    assert resolved == named and keys <= distinct_names


def test_start_urls_and_since(tmp_path):
    """`-a start_urls=` crawls any listing URL (the district comes from the URL), following
    pagination; `--since` stops at older articles."""
    with replica_process(articles=80, seed=17) as replica:
        manifest = replica.manifest()
        district = manifest["districts"][0]
        start = district["listing_start_urls"][0]
        in_category = {canonical_url(a["url"]) for a in manifest["articles"]
                       if a["reachable"] and any(u.split("?")[0] == start for u in a["listed_in"])}
        out = tmp_path / "by-url"
        assert start.startswith(f"http://{district['host']}/portal/Pages/")
        run = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "--start-urls", start,
                              "--replica", replica.base_url, "--impolite", "-o", str(out), "-s", "LOG_LEVEL=WARNING"],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        rows = _articles(out)
        assert {r["url"] for r in rows} == in_category
        assert {r["district"] for r in rows} == {district["slug"]}
        since = "2021-01-01"
        out2 = tmp_path / "since"
        run = crawl(replica.base_url, out2, "--since", since, sites=district["slug"])
        assert run.returncode == 0, run.stderr[-2000:]
    rows = _articles(out2)
    assert rows and all(r["published_date"].isoformat() >= since for r in rows)
    want = {canonical_url(a["url"]) for a in manifest["articles"] if a["reachable"]
            and a["district"] == district["slug"] and a["truth"]["published_date"] >= since}
    assert {r["url"] for r in rows} == want


def test_people_resolution_is_the_same_in_memory_bounded_buckets(crawled, monkeypatch):
    import pipelines.storage.people as crawl_pipeline

    manifest, out, *_ = crawled
    people = out / "people" / "people.parquet"
    query = f"SELECT name_key, person_id, articles, first_seen, last_seen FROM read_parquet('{people}') ORDER BY ALL"
    whole = duckdb.connect().execute(query).fetchall()
    monkeypatch.setattr(crawl_pipeline, "PEOPLE_BUCKET_ROWS", 50)
    assert crawl_pipeline.rebuild_people(out) == len(whole)
    assert duckdb.connect().execute(query).fetchall() == whole


def test_everything_in_one_process_gives_the_same_datasets(crawled, tmp_path):
    """EXTRACT_WORKERS=0, WARC_PROCESS=False, PARQUET_BACKGROUND_COMMIT=False: extraction,
    WARC writing and commits in the crawl process itself give the same rows and records."""
    from pipelines.storage.archives import iter_warc_pages

    manifest, out, *_ = crawled
    inline = tmp_path / "inline"
    with replica_process(articles=ARTICLES, seed=SEED) as replica:
        run = crawl(replica.base_url, inline, "-s", "EXTRACT_WORKERS=0", "-s", "WARC_PROCESS=False",
                    "-s", "PARQUET_BACKGROUND_COMMIT=False", sites=",".join(d["slug"] for d in manifest["districts"]))
    assert run.returncode == 0, run.stderr[-3000:]
    varying = {"fetched_at", "run_id"}  # the clock, the run

    def rows(root, table):
        key = "article_id" if table == "articles" else None
        out_rows = [{k: v for k, v in r.items() if k not in varying}
                    for r in ds.dataset(root / table, format="parquet", partitioning="hive").to_table().to_pylist()]
        return sorted(out_rows, key=lambda r: repr(sorted((k, str(v)) for k, v in r.items())) if key is None else r[key])

    for table in ("articles", "images", "officials"):
        a, b = rows(out, table), rows(inline, table)
        assert len(a) == len(b) > 0, table
        assert a == b, table
    in_pages = {canonical_url(p["url"]) for p in iter_warc_pages(sorted((inline / "warc").glob("*.warc.gz")))}
    out_pages = {canonical_url(p["url"]) for p in iter_warc_pages(sorted((out / "warc").glob("*.warc.gz")))}
    assert in_pages and in_pages <= out_pages  # the default run's store also holds its second run
