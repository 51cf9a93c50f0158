"""``portal-news export``: the datasets in the formats analysts' tools open.

- ``csv``: a directory of one file per table (``articles.csv``, ``images.csv``,
  ``officials.csv``, ``people.csv``, ``runs.csv``, ``failures.csv``, …; UTF-8, header, comma-separated, RFC 4180 quoting); list
  and struct columns (``body_paragraphs``, ``tags``, ``positions``…) as JSON text;
- ``jsonl``: the same tables as JSON Lines, nested columns kept nested;
- ``duckdb``: a DuckDB database file of views over the Parquet files (absolute paths, so
  it sees later runs' files; it holds no data): the tables, ``articles_latest``,
  ``images_latest``, ``officials_latest`` (:mod:`pipelines.analysis.db`);
- ``graphml``: the officials' co-occurrence network (:mod:`pipelines.analysis.network`).

``articles``, ``images`` and ``officials`` hold the latest version of each article unless
``all_versions`` (then every stored version, each row with its ``fetched_at`` and
``content_hash``). Times are written with their UTC offset, in Vietnam's time zone (+07).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyarrow as pa

from pipelines.analysis import network
from pipelines.analysis.db import TABLE_VIEWS, connect, create_views, sql_string
from pipelines.storage.schema import DESCRIPTIONS, PARTITIONED, TABLES

__all__ = ["FORMATS", "ExportError", "default_target", "export"]

FORMATS = ("csv", "jsonl", "duckdb", "graphml")
VERSIONED = ("articles", "images", "officials")
_ORDER = {
    "articles": "district, year, published_date, article_id, fetched_at",
    "images": "district, year, article_id, fetched_at, position",
    "officials": "district, year, article_id, fetched_at, name_key",
    "people": "person_id",
    "positions": "person_id, seq",
    "runs": "started_at, run_id, site",
    "failures": "failed_at, run_id, url",
}


class ExportError(ValueError):
    """A usage problem with the export's arguments (a message for the user)."""


def default_target(root: str | Path, fmt: str) -> Path:
    """``<root>/exports/csv/``, ``…/jsonl/``, ``…/portal-news.duckdb``, ``…/officials.graphml``."""
    name = {"csv": "csv", "jsonl": "jsonl", "duckdb": "portal-news.duckdb", "graphml": "officials.graphml"}[fmt]
    return Path(root) / "exports" / name


def _view(table: str, all_versions: bool) -> str:
    return table if all_versions or table not in VERSIONED else f"{table}_latest"


def _csv_select(table: str) -> str:
    cols = []
    for field in TABLES[table]:
        if pa.types.is_list(field.type) or pa.types.is_struct(field.type):
            cols.append(f'to_json("{field.name}")::VARCHAR AS "{field.name}"')
        else:
            cols.append(f'"{field.name}"')
    if table in PARTITIONED:
        cols += ['"district"', '"year"']
    return ", ".join(cols)


def _tables(con, target: Path, fmt: str, all_versions: bool) -> dict[str, int]:
    target.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table in TABLE_VIEWS:
        view = _view(table, all_versions)
        select = _csv_select(table) if fmt == "csv" else "*"
        out = target / f"{table}.{fmt}"
        tmp = out.with_name(f".{out.name}.tmp")
        options = "FORMAT csv, HEADER true, DELIMITER ','" if fmt == "csv" else "FORMAT json"
        order = f" ORDER BY {_ORDER[table]}" if table in _ORDER else " ORDER BY ALL"
        con.execute(f"COPY (SELECT {select} FROM {view}{order}) TO {sql_string(tmp)} ({options})")
        os.replace(tmp, out)
        counts[table] = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
    return counts


def _duckdb_file(root: Path, target: Path) -> dict[str, int]:
    import duckdb

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        create_views(con, root)
        for table in TABLE_VIEWS:
            con.execute(f"COMMENT ON VIEW \"{table}\" IS {sql_string(DESCRIPTIONS[table])}")
            for field in TABLES[table]:
                doc = (field.metadata or {}).get(b"doc", b"").decode("utf-8")
                if doc:
                    con.execute(f'COMMENT ON COLUMN "{table}"."{field.name}" IS {sql_string(doc)}')
        for table in VERSIONED:
            con.execute(f"COMMENT ON VIEW {table}_latest IS "
                        f"{sql_string(f'{table} of the latest version of each article (latest fetched_at per article_id)')}")
        views = TABLE_VIEWS + tuple(f"{t}_latest" for t in VERSIONED)
        counts = {v: con.execute(f'SELECT count(*) FROM "{v}"').fetchone()[0] for v in views}
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, target)
    Path(f"{tmp}.wal").unlink(missing_ok=True)
    return counts


def export(root: str | Path, fmt: str, to: str | Path | None = None, all_versions: bool = False) -> dict:
    """Write the export; returns ``{"path", "format", "counts": {table or view: rows}, "seconds"}``.
    Raises :class:`ExportError` for bad arguments, :class:`pipelines.storage.dataset.DatasetError`
    for an unreadable root."""
    started = time.monotonic()
    if fmt not in FORMATS:
        raise ExportError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    if fmt == "graphml" and all_versions:
        raise ExportError("--all-versions: the network is built from the latest version of each article")
    root = Path(root)
    target = Path(to) if to else default_target(root, fmt)
    if fmt in ("csv", "jsonl") and target.exists() and not target.is_dir():
        raise ExportError(f"--to {target}: is a file; --format {fmt} writes a directory of one file per table")
    if fmt in ("duckdb", "graphml") and target.is_dir():
        raise ExportError(f"--to {target}: is a directory; --format {fmt} writes one file")
    con = connect(root)
    try:
        if fmt in ("csv", "jsonl"):
            counts = _tables(con, target, fmt, all_versions)
        elif fmt == "duckdb":
            counts = _duckdb_file(root, target)
        else:
            network.person_mentions(con)
            nodes, edges = network.nodes_and_edges(con)
            target.parent.mkdir(parents=True, exist_ok=True)
            network.write_graphml(target, nodes, edges)
            counts = {"nodes": len(nodes), "edges": len(edges)}
    finally:
        con.close()
    return {"path": target, "format": fmt, "counts": counts, "seconds": time.monotonic() - started,
            "all_versions": all_versions}
