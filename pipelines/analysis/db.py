"""DuckDB over the datasets: one view per table, and the latest version of every article.

Views (the same in :func:`connect` and in the file ``portal-news export --format duckdb``
writes):

- one view per table of :data:`pipelines.storage.schema.TABLES`: ``articles``, ``images``,
  ``officials`` — every row version (``district``, ``year`` from the hive partitions) —,
  ``people``, ``runs``, ``failures``, …;
- ``articles_latest`` — one row per ``article_id``: the version with the latest
  ``fetched_at`` (ties: the greater ``content_hash``, so the choice is stable);
- ``images_latest``, ``officials_latest`` — the rows of those versions (same
  ``article_id``, ``content_hash`` and ``fetched_at``).

Views read the Parquet files through globs of absolute paths, so files a later run adds
are seen without rebuilding anything. A table without files is an empty view with the
schema's columns; a column added to the schema since old files were written
(``schema.ADDED_COLUMNS``) reads as null in them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.storage.dataset import DatasetError, check_dataset, data_files
from pipelines.storage.schema import PARTITIONED, TABLES

__all__ = ["connect", "create_views", "duck_type", "sql_string", "LATEST_VIEWS", "TABLE_VIEWS"]

TABLE_VIEWS = tuple(TABLES)
LATEST_VIEWS = ("articles_latest", "images_latest", "officials_latest")
# one version per article: the latest fetch; equal fetch times (never seen) broken by the hash
_LATEST_ORDER = "fetched_at DESC, content_hash DESC"


def sql_string(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def duck_type(t: pa.DataType) -> str:
    """The DuckDB type DuckDB gives an Arrow/Parquet column of type ``t``."""
    if pa.types.is_list(t):
        return duck_type(t.value_type) + "[]"
    if pa.types.is_struct(t):
        return "STRUCT(" + ", ".join(f'"{f.name}" {duck_type(f.type)}' for f in t) + ")"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "VARCHAR"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    simple = {pa.int8(): "TINYINT", pa.int16(): "SMALLINT", pa.int32(): "INTEGER", pa.int64(): "BIGINT",
              pa.bool_(): "BOOLEAN", pa.date32(): "DATE", pa.float32(): "FLOAT", pa.float64(): "DOUBLE"}
    return simple[t]


def _columns(table: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of a table as the views show it: the schema's columns, then the
    partition columns."""
    cols = [(f.name, duck_type(f.type)) for f in TABLES[table]]
    if table in PARTITIONED:
        cols += [("district", "VARCHAR"), ("year", "INTEGER")]
    return cols


def _source(root: Path, table: str) -> str:
    glob = sql_string(root / table / "**" / "*.parquet")  # (people/people.parquet, runs/part-….parquet, …)
    if table in PARTITIONED:
        return (f"read_parquet({glob}, hive_partitioning=true, union_by_name=true, "
                "hive_types={'district': VARCHAR, 'year': INTEGER})")
    return f"read_parquet({glob}, union_by_name=true)"


def _table_sql(con: duckdb.DuckDBPyConnection, root: Path, table: str) -> str:
    cols = _columns(table)
    files = data_files(root, table)
    if not files:
        select = ", ".join(f'CAST(NULL AS {t}) AS "{n}"' for n, t in cols)
        return f"SELECT {select} WHERE false"
    source = _source(root, table)
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    select = ", ".join(f'"{n}"' if n in present else f'CAST(NULL AS {t}) AS "{n}"' for n, t in cols)
    return f"SELECT {select} FROM {source}"


def create_views(con: duckdb.DuckDBPyConnection, root: str | Path) -> None:
    """Create (or replace) the views of the module docstring in ``con``."""
    root = Path(root).resolve()
    for table in TABLE_VIEWS:
        con.execute(f'CREATE OR REPLACE VIEW "{table}" AS {_table_sql(con, root, table)}')
    con.execute(f"CREATE OR REPLACE VIEW articles_latest AS SELECT * FROM articles "
                f"QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY {_LATEST_ORDER}) = 1")
    for child in ("images", "officials"):
        con.execute(f"CREATE OR REPLACE VIEW {child}_latest AS SELECT c.* FROM {child} c SEMI JOIN articles_latest a "
                    "ON c.article_id = a.article_id AND c.content_hash = a.content_hash "
                    "AND c.fetched_at = a.fetched_at")


def connect(root: str | Path, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the views over the datasets under ``root``.

    Raises :class:`DatasetError` when ``root`` is not a directory or holds a foreign or
    corrupt Parquet file (reading footers only). Times print in Vietnam's time zone
    (``SET TimeZone``): ``published_at`` shows the portal's local time."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: no such dataset root (run `portal-news demo` or `portal-news crawl` first)")
    check_dataset(root)
    con = duckdb.connect(database)
    con.execute("SET TimeZone = 'Asia/Ho_Chi_Minh'")
    create_views(con, root)
    return con
