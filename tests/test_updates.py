"""Articles edited on the portal after we stored them get a new row version."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from pipelines.sites.registry import article_id
from replica import replica_process
from tests.helpers import crawl_cmd


def crawl(url, out, sites, *extra):
    cmd = crawl_cmd(url, out, sites, "-s", "PROGRESS_INTERVAL=0", *extra)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True)


def test_changed_articles_get_new_versions_and_compaction_keeps_them(tmp_path):
    out = tmp_path / "ds"
    with replica_process(articles=100, seed=31) as r0:
        manifest0 = r0.manifest()
        sites = ",".join(d["slug"] for d in manifest0["districts"])
        crawl(r0.base_url, out, sites)
    with replica_process(articles=100, seed=31, revision=1) as r1:
        manifest1 = r1.manifest()
        crawl(r1.base_url, out, sites, "--full")
    revised = {article_id(a["url"]): a["truth"] for a in manifest1["articles"]
               if a["reachable"] and "revised" in a["variants"]}
    reachable = sum(1 for a in manifest1["articles"] if a["reachable"])
    assert revised
    con = duckdb.connect()
    arts = f"read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true)"
    versions = dict(con.execute(f"SELECT article_id, count(*) FROM {arts} GROUP BY 1").fetchall())
    assert {a for a, n in versions.items() if n == 2} == set(revised)
    assert all(n == 1 for a, n in versions.items() if a not in revised)
    latest = dict(con.execute(
        f"SELECT article_id, body_paragraphs FROM {arts} QUALIFY row_number() OVER "
        "(PARTITION BY article_id ORDER BY fetched_at DESC, run_id DESC) = 1").fetchall())
    for aid, truth in revised.items():
        assert latest[aid] == truth["body_paragraphs"]
    runs = con.execute(f"SELECT articles_new, articles_updated, articles_unchanged FROM read_parquet('{out}/runs/*.parquet') "
                       "WHERE site = '*' ORDER BY started_at").fetchall()
    assert runs[1] == (0, len(revised), reachable - len(revised))
    # images and officials rows carry the version they belong to
    per_version, = con.execute(
        f"SELECT count(DISTINCT (article_id, content_hash)) FROM read_parquet('{out}/images/**/*.parquet', "
        "hive_partitioning=true)").fetchone()
    assert per_version >= len(versions)
    subprocess.run([sys.executable, "-m", "crawler.cli", "compact", "-o", str(out)], check=True, capture_output=True)
    after = dict(con.execute(f"SELECT article_id, count(*) FROM {arts} GROUP BY 1").fetchall())
    assert after == versions
