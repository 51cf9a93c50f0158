"""Parquet datasets: crash-safe commits, reading back with pyarrow, pandas and DuckDB, compaction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.dataset as ds
import pytest

from pipelines import extract
from pipelines.storage.dataset import DatasetError, DatasetWriter, compact, data_files, recover
from pipelines.storage.run import RunLedger
from pipelines.storage.rows import rows_for_record
from pipelines.storage.schema import data_dictionary_markdown

ROOT = Path(__file__).resolve().parent.parent


def _rows(example, n):
    html, gold = example
    rec = extract(html, gold["url"])
    return [_row(rec, gold, i) for i in range(n)]


def _row(rec, gold, i):
    r = dict(rec)
    r["url"] = gold["url"].replace("ahdtzt", f"a{i:05d}")
    return rows_for_record(r, fetch_url=r["url"], fetched_at=1_700_000_000 + i, run_id="t")


def test_write_and_read_back_everywhere(example, tmp_path):
    w = DatasetWriter(tmp_path, "run1", flush_rows=3)
    for art, imgs, offs in _rows(example, 7):
        w.add_article(art, imgs, offs)
    w.close()
    files = data_files(tmp_path, "articles")
    assert files and all("district=muong-lat/year=2021" in str(p) for p in files)
    pdf = pd.read_parquet(tmp_path / "articles")
    assert len(pdf) == 7 and pdf["article_id"].is_unique
    assert set(pdf["district"].astype(str)) == {"muong-lat"}
    table = ds.dataset(tmp_path / "images", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 7 * 6
    con = duckdb.connect()
    n, = con.execute(f"SELECT count(*) FROM read_parquet('{tmp_path}/articles/**/*.parquet', hive_partitioning=true) "
                     "WHERE district = 'muong-lat' AND year = 2021").fetchone()
    assert n == 7
    joined, = con.execute(
        f"SELECT count(*) FROM read_parquet('{tmp_path}/articles/**/*.parquet', hive_partitioning=true) a "
        f"JOIN read_parquet('{tmp_path}/images/**/*.parquet', hive_partitioning=true) i USING (article_id)").fetchone()
    assert joined == 42
    ts, = con.execute(f"SELECT max(published_at) FROM read_parquet('{tmp_path}/articles/**/*.parquet')").fetchone()
    assert ts.isoformat().startswith("2021-03-24T")
    ledger = RunLedger(tmp_path).open()
    assert ledger.stored_count == 7
    ledger.close("finished")


def test_uncommitted_batch_is_discarded_and_committed_one_rolled_forward(example, tmp_path):
    rows = _rows(example, 2)
    w = DatasetWriter(tmp_path, "run1")
    w.add_article(*rows[0])
    # simulate a kill after the journal (commit point) but before the renames
    real_replace = os.replace
    calls = []

    def die_after_journal(src, dst):
        calls.append(dst)
        real_replace(src, dst)
        if str(dst).endswith(".json"):
            raise KeyboardInterrupt("killed")

    os.replace = die_after_journal
    try:
        with pytest.raises(KeyboardInterrupt):
            w.flush()
    finally:
        os.replace = real_replace
    assert not data_files(tmp_path, "articles")          # nothing visible yet
    done = recover(tmp_path)
    assert done["rolled_forward"] >= 2                    # articles, images (and officials)
    assert len(pd.read_parquet(tmp_path / "articles")) == 1
    # a batch killed before its journal: temporary files only, discarded on recovery
    tmpfile = tmp_path / "articles" / "district=muong-lat" / "year=2021" / ".tmp-part-x.parquet.inprogress"
    tmpfile.write_bytes(b"PAR1 partial")
    assert recover(tmp_path)["discarded"] == 1 and not tmpfile.exists()


def test_killed_writer_process_leaves_readable_dataset(example, tmp_path):
    """kill -9 a process in the middle of many commits; every file stays readable."""
    script = textwrap.dedent(f"""
        import sys, json
        sys.path.insert(0, {str(ROOT)!r})
        from tests.test_dataset import _row
        from tests.conftest import EXAMPLE_HTML, EXAMPLE_JSON
        from pipelines import extract
        from pipelines.storage.dataset import DatasetWriter
        gold = json.loads(EXAMPLE_JSON.read_text("utf-8"))
        rec = extract(EXAMPLE_HTML.read_bytes(), gold["url"])
        w = DatasetWriter({str(tmp_path)!r}, "killme", flush_rows=1)
        print("go", flush=True)
        for i in range(100000):
            w.add_article(*_row(rec, gold, i))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"go"
    import time
    time.sleep(1.5)
    proc.kill()
    proc.wait()
    recover(tmp_path)
    arts = pd.read_parquet(tmp_path / "articles")
    imgs = pd.read_parquet(tmp_path / "images")
    assert len(arts) > 0 and arts["article_id"].is_unique
    assert len(imgs) == 6 * len(arts)                      # no article without its images, no orphans
    assert set(imgs["article_id"]) == set(arts["article_id"])


def test_foreign_parquet_file_is_named_and_nothing_overwritten(example, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    foreign = tmp_path / "articles" / "district=x" / "year=2020" / "someone-else.parquet"
    foreign.parent.mkdir(parents=True)
    pq.write_table(pa.table({"a": [1, 2]}), foreign)
    before = foreign.read_bytes()
    with pytest.raises(DatasetError) as err:
        RunLedger(tmp_path).open()
    assert "someone-else.parquet" in str(err.value) and "not a portal-news" in str(err.value)
    corrupt = tmp_path / "articles" / "district=x" / "year=2020" / "broken.parquet"
    foreign.unlink()
    corrupt.write_bytes(b"not parquet at all")
    with pytest.raises(DatasetError) as err:
        RunLedger(tmp_path).open()
    assert "broken.parquet" in str(err.value)
    foreign.write_bytes(before)
    out = subprocess.run([sys.executable, "-m", "crawler.cli", "compact", "-o", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr and ".parquet" in out.stderr
    assert foreign.read_bytes() == before and corrupt.read_bytes() == b"not parquet at all"


def test_compact_merges_and_drops_exact_duplicates(example, tmp_path):
    rows = _rows(example, 5)
    for run in ("a", "b"):  # the same five article versions written twice
        w = DatasetWriter(tmp_path, run, flush_rows=2)
        for r in rows:
            w.add_article(*r)
        w.close()
    assert len(pd.read_parquet(tmp_path / "articles")) == 10
    stats = compact(tmp_path)
    assert stats["rows_before"] > stats["rows_after"]
    arts = pd.read_parquet(tmp_path / "articles")
    assert len(arts) == 5 and arts["article_id"].is_unique
    assert len(data_files(tmp_path, "articles")) == 1
    assert len(pd.read_parquet(tmp_path / "images")) == 30


def test_compact_drops_the_child_rows_of_dropped_duplicate_articles(example, tmp_path):
    """Two runs that stored the same article versions (fetched at different times): compact
    keeps each version once, the earliest fetch, with its own images and officials only."""
    from datetime import timedelta

    rows = _rows(example, 4)
    for run, shift in (("a", 0), ("b", 3600)):
        w = DatasetWriter(tmp_path, run, flush_rows=3)
        for art, imgs, offs in rows:
            later = lambda r: dict(r, fetched_at=r["fetched_at"] + timedelta(seconds=shift))  # noqa: E731
            w.add_article(later(art), [later(i) for i in imgs], [later(o) for o in offs])
        w.close()
    n_images = sum(len(imgs) for _, imgs, _ in rows)
    n_officials = sum(len(offs) for _, _, offs in rows)
    assert len(pd.read_parquet(tmp_path / "images")) == 2 * n_images
    compact(tmp_path)
    arts = pd.read_parquet(tmp_path / "articles")
    first = {art["article_id"]: pd.Timestamp(art["fetched_at"]) for art, _, _ in rows}
    assert len(arts) == 4 and all(first[a] == t for a, t in zip(arts["article_id"], arts["fetched_at"]))
    images, officials = pd.read_parquet(tmp_path / "images"), pd.read_parquet(tmp_path / "officials")
    assert len(images) == n_images and all(first[a] == t for a, t in zip(images["article_id"], images["fetched_at"]))
    assert len(officials) == n_officials
    assert all(first[a] == t for a, t in zip(officials["article_id"], officials["fetched_at"]))


def test_readme_data_dictionary_is_generated_from_schema():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert data_dictionary_markdown() in readme, "README data dictionary is stale: run `portal-news schema`"


def test_background_commits_write_the_same_rows_and_report_failures(example, tmp_path):
    rows = _rows(example, 9)
    fg, bg = tmp_path / "fg", tmp_path / "bg"
    w1 = DatasetWriter(fg, "run1", flush_rows=2)
    w2 = DatasetWriter(bg, "run1", flush_rows=2, background=True)
    for art, imgs, offs in rows:
        w1.add_article(art, imgs, offs)
        w2.add_article(art, imgs, offs)
    w1.close()
    w2.close()
    assert len(w2.files_written) == len(w1.files_written) == 5 * 3  # 5 batches × articles, images, officials
    for table in ("articles", "images", "officials"):
        a = pd.read_parquet(fg / table).sort_values(["article_id"]).reset_index(drop=True)
        b = pd.read_parquet(bg / table).sort_values(["article_id"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
    assert not list(bg.rglob("*.inprogress")) and not list((bg / "_journal").glob("*"))
    # a commit that fails in the background thread is raised by the next wait, not lost
    bad = DatasetWriter(tmp_path / "bad", "run1", flush_rows=100, background=True)
    art, imgs, offs = rows[0]
    bad.add_article(dict(art, year="not a year"), imgs, offs)
    with pytest.raises(ValueError):
        bad.close()


def test_quality_flags_are_counted_per_site_and_shown_by_status(example, tmp_path):
    """Articles stored without a body, date or title are flagged in articles.quality_flags,
    counted per site in runs/ and named by `portal-news status`: layout drift is visible."""
    html, gold = example
    good = extract(html, gold["url"])
    empty = dict(good, body_paragraphs=[], url=gold["url"].replace("ahdtzt", "zzzzzz"))
    ledger = RunLedger(tmp_path).open()
    for rec in (good, empty):
        article, images, officials = rows_for_record(rec, fetch_url=rec["url"], fetched_at=1_700_000_000)
        ledger.add_article("muong-lat", {"article": article, "images": images, "officials": officials})
    summary = ledger.close("finished")
    assert summary["quality_by_site"] == {"muong-lat": {"stored": 2, "empty_body": 1}}
    flags = pd.read_parquet(tmp_path / "articles").set_index("url")["quality_flags"]
    assert list(flags[empty["url"]]) == ["empty-body"] and list(flags[good["url"]]) == []
    runs = pd.read_parquet(tmp_path / "runs").set_index("site")
    assert runs.loc["muong-lat", "articles_empty_body"] == 1 and runs.loc["*", "articles_empty_body"] == 1
    out = subprocess.run([sys.executable, "-m", "crawler.cli", "status", "-o", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "muong-lat: of 2 articles stored in the last run, 1 with an empty body" in out.stdout


def test_files_of_an_older_version_without_added_columns_still_read(example, tmp_path):
    """A file written before a column was added (schema.ADDED_COLUMNS) is not foreign: readers
    fill nulls, and compact rewrites it with the column."""
    import pyarrow.parquet as pq

    w = DatasetWriter(tmp_path, "old", flush_rows=10)
    for r in _rows(example, 3):
        w.add_article(*r)
    w.close()
    for path in data_files(tmp_path, "articles"):
        pq.write_table(pq.read_table(path).drop_columns(["quality_flags"]), path)
    ledger = RunLedger(tmp_path).open()
    assert ledger.stored_count == 3
    ledger.close("finished")
    compact(tmp_path)
    assert pd.read_parquet(tmp_path / "articles")["quality_flags"].isna().all()


def _store(root, recs, *, merge=True, flush_rows=2, run_id=None):
    """One run through the ledger storing ``recs`` (extracted records), as a crawl does."""
    ledger = RunLedger(root, run_id=run_id, flush_rows=flush_rows, merge_at_close=merge).open()
    ledger.count("muong-lat", "pages_fetched", len(recs))
    for i, rec in enumerate(recs):
        article, images, officials = rows_for_record(rec, fetch_url=rec["url"], fetched_at=1_700_000_000 + i)
        ledger.add_article("muong-lat", {"article": article, "images": images, "officials": officials})
    return ledger.close("finished")


def _versions_of(example, n, edit=""):
    html, gold = example
    rec = extract(html, gold["url"])
    return [dict(rec, url=gold["url"].replace("ahdtzt", f"a{i:05d}"),
                 body_paragraphs=rec["body_paragraphs"] + ([edit] if edit else [])) for i in range(n)]


def _frame(root, table):
    frame = pd.read_parquet(root / table)
    key = [c for c in ("run_id", "article_id", "content_hash", "image_url", "name", "site", "url") if c in frame.columns]
    return frame.sort_values(key).reset_index(drop=True)


def test_a_run_merges_the_small_part_files_it_added_keeping_every_row_and_version(example, tmp_path):
    """Two runs (the second updates every article) commit in batches of 2 articles; at its
    end each run merges the small part files of the directories it wrote into: one file per
    partition and table, the same rows as without merging, both versions of every article."""
    merged, plain = tmp_path / "merged", tmp_path / "plain"
    for root, merge in ((merged, True), (plain, False)):
        first = _store(root, _versions_of(example, 9), merge=merge, run_id="r1")
        second = _store(root, _versions_of(example, 9, edit="Một đoạn được thêm vào sau."), merge=merge, run_id="r2")
        assert second["articles_updated"] == 9 and first["articles_new"] == 9
        assert first["finish_reason"] == second["finish_reason"] == "finished"
    assert first["merged"] is None and second["merged"] is None   # (the plain root's summaries)
    for table in ("articles", "images", "officials", "runs"):
        assert len(data_files(plain, table)) > 1
        assert len(data_files(merged, table)) == 1, (table, data_files(merged, table))
        a, b = _frame(merged, table), _frame(plain, table)
        clock = [c for c in a.columns if c.endswith(("_at", "seconds"))] if table == "runs" else []
        pd.testing.assert_frame_equal(a.drop(columns=clock), b.drop(columns=clock))
    arts = pd.read_parquet(merged / "articles")
    assert len(arts) == 18 and arts.groupby("article_id")["content_hash"].nunique().eq(2).all()
    assert not list(merged.rglob("*.inprogress")) and not list((merged / "_journal").glob("*"))
    # the next run knows every version: nothing new, nothing updated
    again = _store(merged, _versions_of(example, 9, edit="Một đoạn được thêm vào sau."))
    assert again["articles_unchanged"] == 9 and again["articles_new"] == again["articles_updated"] == 0


def test_merging_leaves_big_files_and_other_directories_alone(example, tmp_path):
    from pipelines.storage.dataset import merge_small_files

    w = DatasetWriter(tmp_path, "w", flush_rows=1)
    rows = _rows(example, 4)
    rows[0][0]["body_paragraphs"] = [os.urandom(40_000).hex()]   # one article file much bigger
    for r in rows:
        w.add_article(*r)
    w.close()
    files = data_files(tmp_path, "articles")
    big = max(files, key=lambda p: p.stat().st_size)
    assert sorted(p.stat().st_size for p in files)[-2] < big.stat().st_size // 2
    # only the articles directory is named; the big file is not small
    stats = merge_small_files(tmp_path, "m", dirs={str(big.parent.relative_to(tmp_path))},
                              small_bytes=big.stat().st_size // 2)
    after = data_files(tmp_path, "articles")
    assert stats["files_before"] == 3 and len(after) == 2 and big in after
    assert len(data_files(tmp_path, "images")) == 4          # not named: left alone
    assert len(pd.read_parquet(tmp_path / "articles")) == 4


def test_a_merge_killed_after_its_commit_point_is_finished_and_one_killed_before_changes_nothing(example, tmp_path,
                                                                                                  monkeypatch):
    from pipelines.storage.dataset import merge_small_files

    w = DatasetWriter(tmp_path, "w", flush_rows=1)
    for r in _rows(example, 3):
        w.add_article(*r)
    w.close()
    before = _frame(tmp_path, "articles")
    real_replace = os.replace

    def die_after_journal(src, dst):
        real_replace(src, dst)
        if str(dst).endswith(".json"):
            raise KeyboardInterrupt("killed")

    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(os, "replace", die_after_journal)
        merge_small_files(tmp_path, "m")
    assert len(data_files(tmp_path, "articles")) == 3      # old files still there, merged one hidden
    recover(tmp_path)
    assert len(data_files(tmp_path, "articles")) == 1
    pd.testing.assert_frame_equal(_frame(tmp_path, "articles"), before)
    # killed before the commit point (while writing the journal): nothing changes
    for r in _rows(example, 5)[3:]:
        w2 = DatasetWriter(tmp_path, "w2", flush_rows=1)
        w2.add_article(*r)
        w2.close()
    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(json, "dump", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt("killed")))
        merge_small_files(tmp_path, "m2")
    recover(tmp_path)
    assert len(data_files(tmp_path, "articles")) == 3 and len(pd.read_parquet(tmp_path / "articles")) == 5
    assert not list(tmp_path.rglob("*.inprogress"))


def test_a_run_with_nothing_to_fetch_finished_and_one_whose_every_request_failed_did_not(tmp_path):
    """The verdict cron reads: a run that had nothing to fetch (every article stored or
    skipped, e.g. an archive pull with every capture stored) finished; a run that asked for
    pages and got none failed."""
    from pipelines.storage.run import Failure

    idle = RunLedger(tmp_path / "a").open()
    idle.count("muong-lat", "articles_skipped_stored", 12)
    assert idle.close("finished")["finish_reason"] == "finished"
    down = RunLedger(tmp_path / "b").open()
    down.count("muong-lat", "articles_skipped_stored", 12)
    down.add_failure(Failure(site="muong-lat", url="http://muonglat.thanhhoa.gov.vn/portal/Pages/x.aspx",
                             kind="connection", reason="refused"))
    assert down.close("finished")["finish_reason"] == "failed"


def test_of_a_jobs_workers_only_the_last_to_leave_rebuilds_people(example, tmp_path):
    """Workers of one job (job mode of the root's lock) leaving one by one: the first skips
    the people/ rebuild, the last does it from every worker's rows."""
    recs = _versions_of(example, 4)
    a = RunLedger(tmp_path, run_id="wa", job_id="job1").open()
    b = RunLedger(tmp_path, run_id="wb", job_id="job1").open()
    for ledger, part in ((a, recs[:2]), (b, recs[2:])):
        ledger.count("muong-lat", "pages_fetched", len(part))
        for i, rec in enumerate(part):
            article, images, officials = rows_for_record(rec, fetch_url=rec["url"], fetched_at=1_700_000_000 + i)
            assert officials
            ledger.add_article("muong-lat", {"article": article, "images": images, "officials": officials})
    first = a.close("finished")
    assert first["people"] is None and not (tmp_path / "people" / "people.parquet").exists()
    assert set(RunLedger(tmp_path, run_id="x", job_id="job1")._lock.live_run_ids()) == {"wb"}
    last = b.close("finished")
    assert last["people"] and last["people"] > 0
    people = pd.read_parquet(tmp_path / "people" / "people.parquet")
    officials = pd.read_parquet(tmp_path / "officials")
    assert officials["article_id"].nunique() == 4 and len(people) == last["people"]
    assert people["articles"].max() == 4   # the people named in both workers' articles
    assert not list(tmp_path.glob(".worker-*"))


def test_merging_streams_file_by_file_into_full_row_groups_and_caps_a_merged_file(example, tmp_path):
    """Many one-article part files: merged into files of at most 4 × small_bytes of input
    each, whose row groups are full (not one per small file); every row kept."""
    import pyarrow.parquet as pq

    from pipelines.storage.dataset import merge_small_files

    w = DatasetWriter(tmp_path, "w", flush_rows=1)
    for r in _rows(example, 12):
        w.add_article(*r)
    w.close()
    files = data_files(tmp_path, "articles")
    size = max(p.stat().st_size for p in files)
    stats = merge_small_files(tmp_path, "m", small_bytes=size + 1)
    after = data_files(tmp_path, "articles")
    assert len(files) == 12 and len(after) == 3 and stats["files_before"] >= 12   # ≤ 4 × (size + 1) per merged file
    assert all(pq.ParquetFile(p).metadata.num_row_groups == 1 for p in after)
    assert len(pd.read_parquet(tmp_path / "articles")) == 12 and len(pd.read_parquet(tmp_path / "images")) == 12 * 6
