"""The dataset describes itself: ``datapackage.json`` and ``README.md`` at the output root.

``datapackage.json`` is a Frictionless Data Package (https://specs.frictionlessdata.io/):
one tabular resource per table present under the root, its schema and descriptions
generated from :data:`pipelines.storage.schema.TABLES` (each field's ``doc``). A resource's
``path`` is the table's directory of Parquet files (hive-partitioned for articles, images
and officials); ``frictionless validate`` reads each with pyarrow, partition columns included.
List and struct columns are typed ``any`` (Frictionless reads Parquet lists as arrays it
does not accept as ``array``); their Arrow type is in ``arrowType`` and the description.

``README.md`` is the dataset card: what, where from, how collected, provenance columns,
limits and what is known of the source material's licence. A ``README.md`` not written by
portal-news (no marker line) is left alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from importlib import metadata
from pathlib import Path

import pyarrow as pa

from pipelines.analysis.db import connect
from pipelines.sites.registry import load_registry
from pipelines.storage.dataset import data_files
from pipelines.storage.schema import DESCRIPTIONS, PARTITION_COLS, PARTITIONED, TABLES

__all__ = ["datapackage", "write_datapackage", "dataset_card", "write_dataset_card", "describe_root",
           "CARD_MARKER"]

CARD_MARKER = "<!-- dataset card written by portal-news; edits are overwritten -->"
PACKAGE_NAME = "portal-news-thanh-hoa"
_PARTITION_DOCS = {
    "district": "registry slug of the portal (muong-lat), other-<host> for unknown portals (hive partition)",
    "year": "year of published_date; 0 when unknown (hive partition)",
}


def _version() -> str:
    try:
        return metadata.version("portal-news")
    except metadata.PackageNotFoundError:
        return "unknown"


def _type_text(t: pa.DataType) -> str:
    if pa.types.is_list(t):
        return f"list<{_type_text(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ", ".join(f"{f.name}: {_type_text(f.type)}" for f in t) + ">"
    return str(t)


def _field(field: pa.Field) -> dict:
    t = field.type
    doc = (field.metadata or {}).get(b"doc", b"").decode("utf-8")
    descriptor: dict = {"name": field.name, "description": doc, "arrowType": _type_text(t)}
    if pa.types.is_string(t):
        descriptor["type"] = "string"
    elif pa.types.is_integer(t):
        descriptor["type"] = "integer"
    elif pa.types.is_floating(t):
        descriptor["type"] = "number"
    elif pa.types.is_boolean(t):
        descriptor["type"] = "boolean"
    elif pa.types.is_date(t):
        descriptor["type"] = "date"
    elif pa.types.is_timestamp(t):
        descriptor["type"] = "datetime"
        descriptor["description"] += f" (time zone {t.tz})" if t.tz else ""
    else:  # list and struct columns
        descriptor["type"] = "any"
        inner = t.value_type if pa.types.is_list(t) else t
        parts = []
        if pa.types.is_struct(inner):
            for sub in inner:
                sub_doc = (sub.metadata or {}).get(b"doc", b"").decode("utf-8")
                parts.append(f"{sub.name}" + (f" ({sub_doc})" if sub_doc else ""))
            descriptor["description"] += ". Each item has " + ", ".join(parts)
        descriptor["description"] += f" [Parquet {_type_text(t)}]"
    if not field.nullable:
        descriptor["constraints"] = {"required": True}
    return descriptor


def _resource(root: Path, name: str) -> dict | None:
    if not data_files(root, name):
        return None
    schema = TABLES[name]
    fields = [_field(f) for f in schema]
    if name in PARTITIONED:
        fields.append({"name": "district", "type": "string", "description": _PARTITION_DOCS["district"],
                       "arrowType": "string"})
        fields.append({"name": "year", "type": "integer", "description": _PARTITION_DOCS["year"],
                       "arrowType": "int32"})
    description = DESCRIPTIONS[name][0].upper() + DESCRIPTIONS[name][1:] + "."
    if name in PARTITIONED:
        description += (f" A directory of Parquet files partitioned hive-style by {', '.join(PARTITION_COLS)} "
                        f"({name}/district=<slug>/year=<YYYY>/part-….parquet); read it as one dataset "
                        f"(pyarrow.parquet.read_table('{name}'), pandas.read_parquet('{name}'), DuckDB "
                        f"read_parquet('{name}/**/*.parquet', hive_partitioning=true)).")
    else:
        files = ", ".join(sorted({p.name if not p.name.startswith("part-") else "part-….parquet"
                                  for p in data_files(root, name)}))
        description += f" A directory of Parquet files ({name}/{files})."
    return {
        "name": name,
        "title": name,
        "description": description,
        "path": name,  # the table's directory (pyarrow reads it as one dataset)
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        "profile": "tabular-data-resource",
        "schema": {"fields": fields},
    }


def _sites_present(root: Path) -> list[str]:
    slugs = set()
    for table in PARTITIONED:
        base = root / table
        if base.is_dir():
            slugs.update(p.name.split("=", 1)[1] for p in base.glob("district=*") if p.is_dir())
    return sorted(slugs)


def _sources(slugs: list[str]) -> list[dict]:
    registry = {s.slug: s for s in load_registry()}
    sources = [{"title": f"{registry[s].name} — portal {registry[s].host}", "path": registry[s].base_url + "/"}
               for s in slugs if s in registry]
    return sources or [{"title": "Vietnamese local-government portals (Thanh Hóa province)",
                        "path": "http://thanhhoa.gov.vn/"}]


def datapackage(root: str | Path) -> dict:
    """The Data Package descriptor of the datasets under ``root`` (tables with files only)."""
    root = Path(root)
    resources = [r for r in (_resource(root, name) for name in TABLES) if r]
    return {
        "name": PACKAGE_NAME,
        "title": "portal-news: news of Vietnamese local-government portals (Thanh Hóa province)",
        "description": (
            "Articles of the web portals of Thanh Hóa province and its former district-level units (district "
            "government was abolished on 1 July 2025), crawled by portal-news and extracted into clean records: "
            "title, publication date and time, lead, body, image captions, and the officials they name. "
            "One version per article per content change (take the latest fetched_at per article_id). "
            "Source material: public news of Vietnamese government portals; its terms of reuse are unknown "
            "(no licence statement is known): cite each article's url. See README.md beside this file."),
        "profile": "tabular-data-package",
        "version": _version(),
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "keywords": ["Vietnam", "Thanh Hóa", "local government", "news", "officials", "web archive"],
        "sources": _sources(_sites_present(root)),
        "resources": resources,
    }


def _write(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_datapackage(root: str | Path) -> Path:
    root = Path(root)
    return _write(root / "datapackage.json", json.dumps(datapackage(root), ensure_ascii=False, indent=1) + "\n")


# --- the dataset card -----------------------------------------------------------------------
def _figures(root: Path) -> dict:
    con = connect(root)
    try:
        con.execute("CREATE TEMP TABLE l AS SELECT district, published_date, source FROM articles_latest")
        per_site = con.execute("""
            SELECT district, count(*), min(published_date), max(published_date) FROM l GROUP BY 1 ORDER BY 1""").fetchall()
        totals = con.execute("""
            SELECT (SELECT count(*) FROM l), (SELECT count(*) FROM articles),
                   (SELECT count(*) FROM images_latest), (SELECT count(*) FROM officials_latest),
                   (SELECT count(*) FROM people), (SELECT count(DISTINCT run_id) FROM runs),
                   (SELECT min(started_at AT TIME ZONE 'UTC') FROM runs), (SELECT max(finished_at AT TIME ZONE 'UTC') FROM runs),
                   (SELECT string_agg(DISTINCT source, ', ' ORDER BY source) FROM l)""").fetchone()
    finally:
        con.close()
    keys = ("articles", "versions", "images", "officials", "people", "runs", "first_run", "last_run", "sources")
    return {"per_site": per_site, **dict(zip(keys, totals))}


def dataset_card(root: str | Path) -> str:
    """The text of the dataset card (Markdown)."""
    root = Path(root)
    f = _figures(root)
    registry = {s.slug: s for s in load_registry()}
    sources = f["sources"] or "none yet"
    rows = "\n".join(
        f"| `{d}` | {registry[d].name if d in registry else '(not in the registry)'} | "
        f"{registry[d].host if d in registry else ''} | {n:,} | {lo or '–'} | {hi or '–'} |"
        for d, n, lo, hi in f["per_site"])
    replica_note = ""
    if "replica" in sources:
        replica_note = (
            "\n> **This copy holds generated pages.** Articles with `source = replica` were fetched from "
            "portal-news's offline replica: a deterministic, generated imitation of the portals served under "
            "their real URLs. Names, officials and events in them are invented; use them to test tools, not "
            "as news.\n")
    tables = "\n".join(f"| `{name}/` | {DESCRIPTIONS[name]} |" for name in TABLES if data_files(root, name))
    when = f"{f['first_run']:%Y-%m-%d} to {f['last_run']:%Y-%m-%d}" if f["first_run"] and f["last_run"] else "–"
    return f"""{CARD_MARKER}
# portal-news dataset: news of Thanh Hóa's local-government portals

Articles published on the web portals of Thanh Hóa province (Vietnam) and its former
district-level units, crawled by portal-news {_version()} and extracted into tables: title,
publication date and time, lead, body paragraphs, images and their captions, and the **officials** each article names (person, position, organisation),
with persons resolved across articles. District-level government was abolished on
1 July 2025; many district portals survive only in archives.
{replica_note}
## What is here

{f['articles']:,} articles (latest versions; {f['versions']:,} stored versions), {f['images']:,} images,
{f['officials']:,} mentions of officials, {f['people']:,} resolved persons, from {f['runs']} run(s)
({when}). Sources of the stored pages: {sources}.

| site | unit | portal host | articles | first | last |
| --- | --- | --- | ---: | --- | --- |
{rows}

| table | what |
| --- | --- |
{tables}

`datapackage.json` (a [Frictionless Data Package](https://specs.frictionlessdata.io/)) lists
every column with its type and meaning; `report.html` (from `portal-news report`) shows
coverage, extraction quality, crawl health and the officials in one page that opens offline.
The raw responses are kept as WARC files under `warc/` (not a table).

## Reading it

Read table by table — the root also holds `warc/`, `.lock` and these files, so
`pd.read_parquet(".")` on the root fails:

```python
import pandas as pd
articles = pd.read_parquet("articles")            # district and year come from the directory names
latest = articles.sort_values("fetched_at").drop_duplicates("article_id", keep="last")
```

```sql
-- DuckDB
SELECT district, count(*) FROM read_parquet('articles/**/*.parquet', hive_partitioning=true) GROUP BY ALL;
```

`portal-news export --format csv|jsonl|duckdb|graphml` writes CSV, JSON Lines, a DuckDB file
of views (`articles_latest`, `images_latest`, `officials_latest`, …) and the officials'
co-occurrence network as GraphML.

## How it was collected

A Scrapy crawler walks each portal's category listings (politely: robots.txt, at most two
requests at a time per host, a delay, an honest User-Agent) and fetches the articles; later
runs fetch only what is new. Pages are extracted by a page object per layout (the portals'
SharePoint-based "Tân Dân" platform, a generic fallback for other CMSs); officials are read
from the text (honorific, name, position, organisation) and joined across articles into
`people/` when they share a district or an organisation. The Wayback Machine and stored WARC
files can be sources too. Every run writes a row per site in `runs/` and the URLs it gave up
on in `failures/`.

## Provenance columns (`articles`)

| column | meaning |
| --- | --- |
| `url` | canonical URL of the article on its portal: **cite it** |
| `fetch_url` | the URL actually fetched (the portal's, or an archive capture's) |
| `source` | `live` (the portal), `replica` (the offline replica), `wayback` (the Internet Archive), `warc` (a stored archive file) |
| `capture_time` | the archive's capture time (wayback, warc), else empty |
| `fetched_at` | when this version was fetched (UTC); a changed article gets a new row |
| `http_status`, `content_sha1` | the fetch's HTTP status and the SHA-1 of the raw body (matches the WARC record) |
| `content_hash` | SHA-1 of the extracted fields: a new value is a new version |
| `run_id` | the run that wrote the row (see `runs/`) |
| `extractor`, `date_source`, `quality_flags` | which extractor read the page, where the date came from, what the version lacks |

## Limits

- Only what the portals' listings reach (or the archives hold) is collected; a month without
  articles may be a gap in the portal or in the crawl (`report.html` flags such months).
- Extraction is rule-based: the times of most articles come from the portals' sidebars;
  captions, bylines and leads follow written conventions; officials are found only with
  capitalised names, and some positions are missed or attached to the wrong person.
- Persons are resolved by name within a district or an organisation: two people with the
  same name in one district may be merged, one person may be split across districts.
- Hosts of most district portals follow the platform's naming rule and are unverified.
- Changed articles are seen only when fetched again (`--full`).

## Licence of the source material

The articles are public news published by Vietnamese government bodies (provincial and
district People's Committees) on their portals. No licence or terms of reuse are known
for these portals: the terms are **unknown**. Reuse at your own judgement, keep the
attribution — the portal and each article's `url` — and check the portal's own terms before
republishing. The crawler (portal-news) is MIT-licensed; this does not extend to the
articles' text and images.

Sources: {", ".join(s["path"] for s in _sources([d for d, *_ in f["per_site"]]))}

This card was generated from the data on {dt.date.today().isoformat()}.
"""


def write_dataset_card(root: str | Path) -> Path | None:
    """Write ``<root>/README.md``, unless a README.md not written by portal-news is there
    (then None)."""
    root = Path(root)
    path = root / "README.md"
    if path.exists():
        try:
            head = path.read_text("utf-8")[:len(CARD_MARKER) + 10]
        except (OSError, UnicodeDecodeError):
            return None
        if CARD_MARKER not in head:
            return None
    return _write(path, dataset_card(root))


def describe_root(root: str | Path) -> tuple[Path, Path | None]:
    """Write ``datapackage.json`` and the dataset card ``README.md`` at ``root``."""
    return write_datapackage(root), write_dataset_card(root)
