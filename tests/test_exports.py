"""Exports opened in their consumers (pandas for CSV and JSON Lines, duckdb for the DuckDB
file, networkx for GraphML) with the latest-version row counts of a DuckDB query of the
Parquet files; the Frictionless data package validates; the dataset card; the README's
"For analysts" recipes run as written.

The datasets are the demo crawl shared with tests/test_report.py, plus (in a copy) a second
version of a few articles, so that "latest" has something to choose."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.test_report import ROOT, cli, shared_demo

CHANGED = 3  # articles given a second version


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return shared_demo(tmp_path_factory)[0]


def _newer_versions(root: Path, n: int) -> set[str]:
    """Store a second version of ``n`` articles the way a run does (a new part file per table in
    the same partitions; later ``fetched_at``, new ``content_hash``, one image fewer)."""
    first = sorted((root / "articles").rglob("*.parquet"))[0]
    part = first.parent
    arts = pq.read_table(first).slice(0, n)
    ids = set(arts.column("article_id").to_pylist())
    later = lambda col: pa.array([v + dt.timedelta(days=1) for v in col.to_pylist()], col.type)  # noqa: E731
    new_hash = pa.array(["f" * 40] * len(arts), pa.string())
    arts = arts.set_column(arts.schema.get_field_index("fetched_at"), arts.schema.field("fetched_at"),
                           later(arts.column("fetched_at")))
    arts = arts.set_column(arts.schema.get_field_index("content_hash"), arts.schema.field("content_hash"), new_hash)
    arts = arts.set_column(arts.schema.get_field_index("title"), arts.schema.field("title"),
                           pa.array([t + " (sửa)" for t in arts.column("title").to_pylist()], pa.string()))
    pq.write_table(arts, part / "part-test-newer.parquet")
    for table in ("images", "officials"):
        child_dir = root / table / part.relative_to(root / "articles")
        rows = [r for f in sorted(child_dir.glob("*.parquet")) for r in pq.read_table(f).to_pylist()
                if r["article_id"] in ids]
        schema = pq.read_schema(sorted(child_dir.glob("*.parquet"))[0])
        if table == "images":
            rows = [r for r in rows if r["position"] != 0]  # the new version lost its first image
        for r in rows:
            r["fetched_at"] += dt.timedelta(days=1)
            r["content_hash"] = "f" * 40
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), child_dir / "part-test-newer.parquet")
    return ids


@pytest.fixture(scope="module")
def versioned(demo, tmp_path_factory):
    """A copy of the demo's tables in which a few articles have two versions."""
    root = tmp_path_factory.mktemp("versioned") / "output"
    shutil.copytree(demo, root, ignore=shutil.ignore_patterns("warc", "exports", ".lock", "report.html"))
    ids = _newer_versions(root, CHANGED)
    return root, ids


def expected(root: Path) -> dict[str, int]:
    """Row counts, latest versions and all versions, straight from the Parquet files."""
    glob = lambda t: f"read_parquet('{root}/{t}/**/*.parquet', hive_partitioning=true)"  # noqa: E731
    q = lambda sql: duckdb.sql(sql).fetchall()[0][0]  # noqa: E731
    latest = (f"SELECT article_id, max(fetched_at) AS fetched_at FROM {glob('articles')} GROUP BY article_id")
    out = {"articles": q(f"SELECT count(DISTINCT article_id) FROM {glob('articles')}")}
    for child in ("images", "officials"):
        out[child] = q(f"SELECT count(*) FROM {glob(child)} c JOIN ({latest}) l USING (article_id, fetched_at)")
    for table in ("articles", "images", "officials"):
        out[f"{table}_all"] = q(f"SELECT count(*) FROM {glob(table)}")
    out["people"] = q(f"SELECT count(*) FROM read_parquet('{root}/people/people.parquet')")
    out["runs"] = q(f"SELECT count(*) FROM read_parquet('{root}/runs/*.parquet')")
    out["failures"] = q(f"SELECT count(*) FROM read_parquet('{root}/failures/*.parquet')")
    return out


def test_the_versioned_copy_has_two_versions(versioned):
    root, ids = versioned
    e = expected(root)
    assert e["articles_all"] == e["articles"] + CHANGED
    assert e["images_all"] > e["images"] and e["officials_all"] > e["officials"]


def test_csv_opens_in_pandas_with_the_latest_versions(versioned, tmp_path):
    import pandas as pd

    root, ids = versioned
    run = cli("export", "--format", "csv", "--output", str(root), "--to", str(tmp_path / "csv"))
    assert run.returncode == 0, run.stderr
    e = expected(root)
    frames = {t: pd.read_csv(tmp_path / "csv" / f"{t}.csv") for t in ("articles", "images", "officials", "people",
                                                                      "runs", "failures")}
    for table, frame in frames.items():
        assert len(frame) == e[table], table
    articles = frames["articles"]
    assert articles["article_id"].is_unique
    changed = articles[articles["article_id"].isin(ids)]
    assert len(changed) == CHANGED and changed["title"].str.endswith(" (sửa)").all()
    assert (changed["content_hash"] == "f" * 40).all()
    # list columns as JSON text
    paragraphs = json.loads(articles["body_paragraphs"].dropna().iloc[0])
    assert isinstance(paragraphs, list) and paragraphs and isinstance(paragraphs[0], str)
    positions = json.loads(frames["officials"]["positions"].dropna().iloc[0])
    assert {"raw", "role", "organization_full", "level"} <= set(positions[0])
    assert {"district", "year"} <= set(articles.columns)


def test_jsonl_opens_in_pandas_and_all_versions_keep_history(versioned, tmp_path):
    import pandas as pd

    root, ids = versioned
    e = expected(root)
    for flag, suffix in (([], ""), (["--all-versions"], "_all")):
        target = tmp_path / ("jsonl" + suffix)
        run = cli("export", "--format", "jsonl", "--output", str(root), "--to", str(target), *flag)
        assert run.returncode == 0, run.stderr
        for table in ("articles", "images", "officials"):
            frame = pd.read_json(target / f"{table}.jsonl", lines=True)
            assert len(frame) == e[table + suffix], (table, suffix)
    history = pd.read_json(tmp_path / "jsonl_all" / "articles.jsonl", lines=True)
    assert history["article_id"].isin(ids).sum() == 2 * CHANGED
    officials = pd.read_json(tmp_path / "jsonl" / "officials.jsonl", lines=True)
    assert isinstance(officials["positions"].iloc[0], list)  # nested columns stay nested


def test_duckdb_file_holds_views_over_the_parquet_files(versioned, tmp_path):
    root, ids = versioned
    target = tmp_path / "db" / "portal-news.duckdb"
    run = cli("export", "--format", "duckdb", "--output", str(root), "--to", str(target))
    assert run.returncode == 0, run.stderr
    e = expected(root)
    con = duckdb.connect(str(target), read_only=True)  # absolute paths: any working directory
    try:
        count = lambda view: con.execute(f"SELECT count(*) FROM {view}").fetchall()[0][0]  # noqa: E731
        for table in ("articles", "images", "officials"):
            assert count(f"{table}_latest") == e[table]
            assert count(table) == e[f"{table}_all"]
        for table in ("people", "runs", "failures"):
            assert count(table) == e[table]
        titles = con.execute("SELECT title FROM articles_latest WHERE content_hash = ?", ["f" * 40]).fetchall()
        assert len(titles) == CHANGED and all(t.endswith(" (sửa)") for (t,) in titles)
        kinds = {r[0]: r[1] for r in con.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall()}
        assert {"articles_latest", "images_latest", "officials_latest", "people", "runs", "failures"} <= set(kinds)
        assert "article" in (kinds["articles"] or "")
    finally:
        con.close()
    assert target.stat().st_size < 5_000_000  # views, no copied data


def test_graphml_opens_in_networkx(demo, tmp_path):
    import networkx as nx

    target = tmp_path / "officials.graphml"
    run = cli("export", "--format", "graphml", "--output", str(demo), "--to", str(target))
    assert run.returncode == 0, run.stderr
    graph = nx.read_graphml(target)
    officials = duckdb.sql(f"""SELECT article_id, name_key, mentions
        FROM read_parquet('{demo}/officials/**/*.parquet', hive_partitioning=true)""").fetchall()
    # every officials row (one version per article here) is one node's: the mentions add up
    assert sum(m for _, m in graph.nodes(data="mentions")) == sum(m for *_, m in officials)
    assert 0 < graph.number_of_nodes() <= len(officials)
    # an edge joins two persons named in the same article, as often as the articles naming both
    named: dict[str, set[str]] = {}
    for article_id, name_key, _ in officials:
        named.setdefault(name_key, set()).add(article_id)
    assert graph.number_of_edges() > 0
    for u, v, weight in graph.edges(data="weight"):
        articles = [set().union(*(named[k] for k in graph.nodes[n]["name_keys"].split(","))) for n in (u, v)]
        together = articles[0] & articles[1]
        assert 1 <= weight <= len(together), (u, v)
    node = next(iter(graph.nodes(data=True)))[1]
    assert {"name", "name_keys", "articles", "mentions", "districts", "first_seen", "last_seen"} <= set(node)
    # the same network's strongest part is what the report draws
    assert cli("export", "--format", "graphml", "--all-versions", "--output", str(demo)).returncode == 2


def test_datapackage_is_valid_frictionless(demo):
    from pipelines.storage.dataset import data_files
    from pipelines.storage.schema import TABLES

    descriptor = json.loads((demo / "datapackage.json").read_text("utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == [t for t in TABLES if data_files(demo, t)]
    assert {"articles", "images", "officials", "people", "runs"} <= {r["name"] for r in descriptor["resources"]}
    for resource in descriptor["resources"]:
        names = [f["name"] for f in resource["schema"]["fields"]]
        assert names[:len(TABLES[resource["name"]])] == TABLES[resource["name"]].names
        assert all(f["description"] for f in resource["schema"]["fields"])
    frictionless = Path(sys.executable).with_name("frictionless")
    run = subprocess.run([str(frictionless), "validate", "--json", str(demo / "datapackage.json")],
                         capture_output=True, text=True, timeout=300)
    report = json.loads(run.stdout)
    assert run.returncode == 0 and report["valid"], json.dumps(report, ensure_ascii=False)[:3000]
    rows = {t["name"]: t["stats"]["rows"] for t in report["tasks"]}
    e = expected(demo)
    assert rows["articles"] == e["articles_all"] and rows["people"] == e["people"]


def test_dataset_card(demo, tmp_path):
    from pipelines.analysis.datapackage import write_dataset_card

    card = (demo / "README.md").read_text("utf-8")
    for needed in ("## How it was collected", "## Provenance columns", "## Limits", "## Licence of the source material",
                   "unknown", "muonglat.thanhhoa.gov.vn", "generated pages"):
        assert needed in card
    own = tmp_path / "mine"
    shutil.copytree(demo, own, ignore=shutil.ignore_patterns("warc", "exports", ".lock"))
    (own / "README.md").write_text("my notes\n")
    assert write_dataset_card(own) is None and (own / "README.md").read_text() == "my notes\n"


def _analysts_section() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    start = text.index("## For analysts")
    end = text.index("\n## ", start + 5)
    return text[start:end]


_DRIVER = """
import contextlib, io, json, sys
from crawler.cli import main
recipes = json.load(sys.stdin)
for command in recipes["commands"]:
    status = main(command[1:])
    assert status == 0, (command, status)
outputs = []
for block in recipes["blocks"]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "<README block>", "exec"), {"__name__": "__main__"})  # each in its own namespace
    outputs.append(out.getvalue())
print(json.dumps(outputs))
"""


def test_readme_recipes_run_as_written(demo, tmp_path):
    """The Python blocks of the README's "For analysts" section, run from a directory whose
    ``output`` is the demo's root, after the section's ``portal-news`` commands (Spark is
    documented only: its block runs when pyspark is installed). One process runs them all
    (each block in a namespace of its own), to keep the suite quick."""
    section = _analysts_section()
    work = tmp_path / "work"
    work.mkdir()
    (work / "output").symlink_to(demo, target_is_directory=True)
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for line in block.splitlines():
            if line.startswith("portal-news "):
                words = line.split("#")[0].split()
                # a synopsis line's optional arguments ([--to FILE]) are left out
                text = re.sub(r"\[[^]]*\]", "", " ".join(words))
                commands.append(text.split())
    assert sum(c[1:3] == ["export", "--format"] for c in commands) == 4 and ["portal-news", "report"] in commands
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) >= 7
    try:
        import pyspark  # noqa: F401
    except ImportError:
        blocks = [b for b in blocks if "pyspark" not in b]
    run = subprocess.run([sys.executable, "-c", _DRIVER], input=json.dumps({"commands": commands, "blocks": blocks}),
                         cwd=work, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr[-3000:]
    outputs = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(outputs) == len(blocks) >= 6 and all(o.strip() for o in outputs), outputs
