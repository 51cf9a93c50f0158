"""The datasets' schema: the one definition in code. The README's data dictionary is
generated from it (``portal-news schema --markdown``) and a test keeps the two in step.

Partitioned tables are written hive-style as ``<table>/district=<slug>/year=<YYYY>/part-….parquet``;
the partition columns live in the directory names, not in the files (``year=0`` holds pages
whose date could not be read). All tables join on ``article_id``.
"""

from __future__ import annotations

import pyarrow as pa

TZ_NAME = "Asia/Ho_Chi_Minh"
PARTITION_COLS = ("district", "year")

POSITION = pa.struct([
    pa.field("raw", pa.string(), metadata={"doc": "the position as written"}),
    pa.field("role", pa.string(), metadata={"doc": "role: Chủ tịch, Phó Bí thư Thường trực, …"}),
    pa.field("organization", pa.string(), metadata={"doc": "organisation as written"}),
    pa.field("organization_full", pa.string(), metadata={"doc": "abbreviations expanded, huyện/tỉnh/xã resolved"}),
    pa.field("level", pa.string(), metadata={"doc": "central | province | district | commune | village"}),
])


def _f(name, type_, doc, nullable=True):
    return pa.field(name, type_, nullable=nullable, metadata={"doc": doc})


ARTICLES = pa.schema([
    _f("article_id", pa.string(), "16 hex digits of SHA-1 of the canonical URL; joins all tables", False),
    _f("url", pa.string(), "canonical URL (real host, no fragment, sorted query)", False),
    _f("fetch_url", pa.string(), "URL actually fetched: the portal's (also through the replica), or the archive capture's"),
    _f("site_name", pa.string(), "unit name from the page header (Huyện Mường Lát)"),
    _f("title", pa.string(), "article title"),
    _f("published_date", pa.date32(), "publication day, local time"),
    _f("published_at", pa.timestamp("ms", tz=TZ_NAME), "publication time when the page reveals it, else null"),
    _f("date_source", pa.string(), "page | sidebar | meta | url"),
    _f("summary", pa.string(), "lead (sapo); empty if none"),
    _f("body_paragraphs", pa.list_(pa.string()), "body paragraphs in order, without captions, credits, byline"),
    _f("body_chars", pa.int32(), "characters in the body paragraphs"),
    _f("n_images", pa.int16(), "images in the body"),
    _f("n_officials", pa.int16(), "distinct officials named"),
    _f("tags", pa.list_(pa.string()), "tags of the article"),
    _f("category", pa.string(), "category from the breadcrumb"),
    _f("byline", pa.string(), "author / credit line"),
    _f("extractor", pa.string(), "tandan (platform layout) | generic (fallback)"),
    _f("source", pa.string(), "live | replica (fetched through the offline replica) | wayback | commoncrawl | warc"),
    _f("capture_time", pa.timestamp("ms", tz="UTC"), "archive capture time (wayback, commoncrawl, warc), else null"),
    _f("fetched_at", pa.timestamp("ms", tz="UTC"), "when this version was fetched", False),
    _f("http_status", pa.int16(), "HTTP status of the fetch"),
    _f("content_sha1", pa.string(), "SHA-1 of the raw response body"),
    _f("content_hash", pa.string(), "SHA-1 of the extracted fields; a new value means a new version"),
    _f("run_id", pa.string(), "crawl run that wrote this row"),
    _f("quality_flags", pa.list_(pa.string()), "what this version lacks: empty-body, no-date, no-title "
       "(empty list when nothing); many flags on one site's new articles mean its layout changed"),
    _f("sources", pa.list_(pa.string()), "archive pulls: every archive holding a capture that is this article "
       "(wayback, commoncrawl), whichever the stored bytes came from (`source`); null for live crawls and WARC input"),
])

IMAGES = pa.schema([
    _f("article_id", pa.string(), "article the image belongs to", False),
    _f("position", pa.int16(), "0-based order in the body", False),
    _f("image_url", pa.string(), "absolute image URL, canonical"),
    _f("caption", pa.string(), "caption, null when the image has none"),
    _f("published_date", pa.date32(), "article's publication day"),
    _f("content_hash", pa.string(), "article version this row belongs to"),
    _f("fetched_at", pa.timestamp("ms", tz="UTC"), "when the article version was fetched"),
])

OFFICIALS = pa.schema([
    _f("article_id", pa.string(), "article naming the person", False),
    _f("name", pa.string(), "display name: NFC, new-style tones, spacing and case normalized"),
    _f("name_raw", pa.string(), "name as first written"),
    _f("name_key", pa.string(), "matching key (lower case, new-style tones)"),
    _f("honorific", pa.string(), "đồng chí | ông | bà | rank | null"),
    _f("positions", pa.list_(POSITION), "positions named with the person in this article"),
    _f("mentions", pa.int16(), "times the person is named in the article"),
    _f("in_caption", pa.bool_(), "named in an image caption"),
    _f("context", pa.string(), "short snippet around the first mention"),
    _f("published_date", pa.date32(), "article's publication day"),
    _f("content_hash", pa.string(), "article version this row belongs to"),
    _f("fetched_at", pa.timestamp("ms", tz="UTC"), "when the article version was fetched"),
])

PEOPLE = pa.schema([
    _f("person_id", pa.string(), "stable id of a resolved person (kept across rebuilds: see `merged_from`, `split_from`)", False),
    _f("name", pa.string(), "display name: the most common of the fullest forms written"),
    _f("name_key", pa.string(), "matching key of `name`"),
    _f("districts", pa.list_(pa.string()), "districts whose portals name the person"),
    _f("first_seen", pa.date32(), "first article date"),
    _f("last_seen", pa.date32(), "last article date"),
    _f("articles", pa.int32(), "articles naming the person"),
    _f("positions_held", pa.list_(pa.struct([
        pa.field("raw", pa.string()), pa.field("role", pa.string()),
        pa.field("organization_full", pa.string()), pa.field("level", pa.string()),
        pa.field("first_seen", pa.date32()), pa.field("last_seen", pa.date32()),
        pa.field("articles", pa.int32()),
    ])), "positions over time, in order of first appearance (the rows of `positions/`)"),
    _f("name_variants", pa.list_(pa.string()), "every form of the name the articles use (with or without "
       "the middle name; NFC, new-style tones)"),
    _f("confidence", pa.float32(), "how sure the resolution is that these mentions are one person: the lowest "
       "confidence of the merges in `evidence` (1.0: one name in one post; 0.97 the same post again; 0.93 another "
       "role in the same organisation; 0.85 another post of the same commune, district or the province; 0.8 the "
       "police's or army's ladder; 0.5–0.6 a move between communes, between districts, up to the district or the "
       "province, or two posts held together; less after a gap of years, for a name variant or when either could "
       "be a namesake, more when the same people are named with both; below 0.5 nothing is merged)"),
    _f("evidence", pa.list_(pa.struct([
        pa.field("kind", pa.string()), pa.field("confidence", pa.float32()), pa.field("detail", pa.string()),
    ])), "why the mentions were joined, one entry per merge: kind (same-post, same-organisation, same-unit, "
       "concurrent, commune-to-commune, commune-to-district, district-to-district, district-to-province, "
       "security-ladder, no-position, …), its confidence, and the two spells it joined"),
    _f("homonyms", pa.list_(pa.struct([pa.field("person_id", pa.string()), pa.field("reason", pa.string())])),
       "other persons with the same name key, and why they were kept apart (posts held at the same time, "
       "named side by side, a move not plausible enough)"),
    _f("mentions", pa.list_(pa.struct([pa.field("article_id", pa.string()), pa.field("name_key", pa.string())])),
       "the officials rows of this person (article_id, name_key): join `officials` on both"),
    _f("merged_from", pa.list_(pa.string()), "ids of earlier persons merged into this one by a later rebuild"),
    _f("split_from", pa.string(), "id of the earlier person this one was split off from by a later rebuild, else null"),
])

POSITIONS = pa.schema([
    _f("person_id", pa.string(), "the person (`people.person_id`)", False),
    _f("name", pa.string(), "the person's display name"),
    _f("seq", pa.int16(), "0-based order of the spell in the person's career (by first_seen)"),
    _f("role", pa.string(), "role: Chủ tịch, Phó Bí thư Thường trực, …"),
    _f("organization", pa.string(), "organisation, abbreviations expanded (Ủy ban nhân dân xã Trung Lý)"),
    _f("level", pa.string(), "central | province | district | commune | village"),
    _f("district", pa.string(), "district of the organisation (slug) for district, commune and village posts; "
       "null for the province"),
    _f("raw", pa.string(), "the position as most often written"),
    _f("first_seen", pa.date32(), "first article naming the person in this post"),
    _f("last_seen", pa.date32(), "last article naming the person in this post"),
    _f("articles", pa.int32(), "articles naming the person in this post"),
    _f("confidence", pa.float32(), "the person's confidence (`people.confidence`)"),
])

RUNS = pa.schema([
    _f("run_id", pa.string(), "run identifier (UTC start time + random suffix)", False),
    _f("job_id", pa.string(), "shared job the run was a worker of (`crawl --frontier … --job`, `schedule`); "
       "null for a run on its own"),
    _f("site", pa.string(), "district slug, or * for the run as a whole", False),
    _f("started_at", pa.timestamp("ms", tz="UTC"), "run start"),
    _f("finished_at", pa.timestamp("ms", tz="UTC"), "run end"),
    _f("pages_fetched", pa.int32(), "responses received (listings and articles)"),
    _f("listing_pages", pa.int32(), "listing pages walked"),
    _f("articles_fetched", pa.int32(), "article pages fetched"),
    _f("articles_new", pa.int32(), "articles stored for the first time"),
    _f("articles_updated", pa.int32(), "articles stored again because their content changed"),
    _f("articles_unchanged", pa.int32(), "articles fetched again with unchanged content"),
    _f("articles_skipped_known", pa.int32(), "article links not fetched because already stored"),
    _f("articles_skipped_failed", pa.int32(), "article links not fetched because they failed less than RETRY_FAILED_AFTER_HOURS ago"),
    _f("failures", pa.int32(), "URLs that failed permanently"),
    _f("links_offsite", pa.int32(), "links on listing pages to hosts outside the run's sites (and their aliases), "
       "not followed"),
    _f("articles_empty_body", pa.int32(), "articles stored (new or updated) with an empty body"),
    _f("articles_no_date", pa.int32(), "articles stored (new or updated) without a publication date"),
    _f("articles_no_title", pa.int32(), "articles stored (new or updated) without a title"),
    _f("failures_by_kind", pa.string(), "JSON object: failure kind → count"),
    _f("finish_reason", pa.string(), "finished (did its work), failed (every site failed or nothing fetched "
       "could be stored), storage-error, or why it was stopped (shutdown, …); the exit status follows it"),
    _f("software_version", pa.string(), "portal-news version"),
    _f("settings", pa.string(), "JSON of the settings that matter"),
])

FAILURES = pa.schema([
    _f("run_id", pa.string(), "run that gave up on the URL", False),
    _f("site", pa.string(), "district slug"),
    _f("url", pa.string(), "URL that failed", False),
    _f("kind", pa.string(), "http-500, timeout, connection, error-page, not-html, …"),
    _f("reason", pa.string(), "human-readable reason"),
    _f("failed_at", pa.timestamp("ms", tz="UTC"), "when it was given up"),
])

TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "images": IMAGES,
    "officials": OFFICIALS,
    "people": PEOPLE,
    "positions": POSITIONS,
    "runs": RUNS,
    "failures": FAILURES,
}
PARTITIONED = ("articles", "images", "officials")

# Columns added after the first datasets were written: files of older versions lack them
# (readers fill nulls; ``compact`` rewrites the files with them).
ADDED_COLUMNS: dict[str, frozenset[str]] = {
    "articles": frozenset({"quality_flags", "sources"}),
    "runs": frozenset({"articles_empty_body", "articles_no_date", "articles_no_title", "job_id", "links_offsite"}),
    "people": frozenset({"name_variants", "confidence", "evidence", "homonyms", "mentions", "merged_from",
                         "split_from"}),
}

# Where the rows of each table are made: the data dictionary names it, so a column's code
# is one step away.
MADE_BY = {
    "articles": "`pipelines/storage/rows.py` (`rows_for_record`) from the extraction item "
                "(`pipelines/extraction/items.py`, read by the page objects of `pipelines/extraction/pages/`)",
    "images": "`pipelines/storage/rows.py` (`rows_for_record`) from `Article.images` (`pipelines/extraction/blocks.py`)",
    "officials": "`pipelines/storage/rows.py` (`rows_for_record`) from `pipelines/extraction/officials.py`",
    "people": "`pipelines/storage/people.py` (`resolve_people`, `rebuild_people`)",
    "positions": "`pipelines/storage/people.py` (`positions_rows`, written by `rebuild_people` with `people/`)",
    "runs": "`pipelines/storage/run.py` (`RunLedger`, `run_rows`)",
    "failures": "`pipelines/storage/run.py` (`RunLedger.failure_rows`); kinds from `crawler/failures.py`",
}

DESCRIPTIONS = {
    "articles": "one row per article version (a changed article gets a new row; take the latest `fetched_at` per `article_id`)",
    "images": "one row per image of an article version, in body order",
    "officials": "one row per person per article version",
    "people": "persons resolved across articles (rebuilt after each crawl): one row per person, with the "
              "evidence of every merge and a confidence",
    "positions": "spells: one row per person and post held (role, organisation), with first and last seen; "
                 "`ORDER BY person_id, seq` reads as careers (rebuilt with `people/`)",
    "runs": "one row per crawl run and site, plus a `*` row for the whole run (each worker of a shared job is a run of its own)",
    "failures": "URLs given up on, with the reason",
}


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_list(t):
        return f"list<{_type_name(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ", ".join(f.name for f in t) + ">"
    return str(t)


def data_dictionary_markdown() -> str:
    """The README's data dictionary, generated from the schemas above."""
    lines = ["<!-- generated by `portal-news schema --markdown`; do not edit by hand -->"]
    for name, schema in TABLES.items():
        part = " Partitioned by `district`, `year`." if name in PARTITIONED else ""
        lines.append(f"\n#### `{name}/`\n\n{DESCRIPTIONS[name][0].upper() + DESCRIPTIONS[name][1:]}.{part} "
                     f"Made by {MADE_BY[name]}.\n")
        lines.append("| column | type | meaning |")
        lines.append("| --- | --- | --- |")
        if name in PARTITIONED:
            lines.append("| district | string (partition) | registry slug of the portal (`muong-lat`), `other-<host>` for unknown portals |")
            lines.append("| year | int (partition) | year of `published_date`; 0 when unknown |")
        for field in schema:
            doc = (field.metadata or {}).get(b"doc", b"").decode("utf-8")
            cell = lambda text: text.replace("|", "\\|")  # noqa: E731 (a | would split the table cell)
            lines.append(f"| {field.name} | {cell(_type_name(field.type))} | {cell(doc)} |")
    return "\n".join(lines) + "\n"
