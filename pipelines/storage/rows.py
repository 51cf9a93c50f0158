"""Extraction record → dataset rows (articles, images, officials). Pure functions."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone

from pipelines.sites.registry import article_id, canonical_url, district_slug, is_slug
from pipelines.extraction.extract import extract

__all__ = ["content_hash", "rows_for_record", "page_rows", "page_kwargs"]

# Fields whose change makes a new article version (officials are derived from them).
HASHED_FIELDS = ("title", "published_date", "published_at", "summary", "body_paragraphs",
                 "images", "tags", "category", "byline")


def _canonical_images(images) -> list[dict]:
    """Image URLs in canonical form (see :func:`pipelines.sites.registry.canonical_url`)."""
    return [{"url": canonical_url(im["url"]) if im.get("url") else None, "caption": im.get("caption")}
            for im in images or []]


def content_hash(record: dict, images: list[dict] | None = None) -> str:
    """SHA-1 of the fields whose change makes a new version (``images``: already canonical)."""
    fields = {k: record.get(k) for k in HASHED_FIELDS}
    fields["images"] = images if images is not None else _canonical_images(record.get("images"))
    payload = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def quality_flags(record: dict) -> list[str]:
    """What an article version lacks (``articles.quality_flags``): ``empty-body``,
    ``no-date``, ``no-title``. Counted per site in ``runs/``: a portal whose layout changed
    shows up as a run of new articles with flags."""
    flags = []
    if not record.get("body_paragraphs"):
        flags.append("empty-body")
    if not record.get("published_date"):
        flags.append("no-date")
    if not record.get("title"):
        flags.append("no-title")
    return flags


def _utc(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, timezone.utc).replace(microsecond=0) if ts else None


def rows_for_record(record: dict, *, fetch_url: str, fetched_at: float, site: str | None = None,
                    source: str = "live", http_status: int | None = 200, raw_sha1: str | None = None,
                    capture_time: float | None = None, run_id: str | None = None,
                    original_url: str | None = None) -> tuple[dict, list[dict], list[dict]]:
    """Rows of one article version: (article row, image rows, official rows)."""
    url = canonical_url(original_url or record["url"])
    aid = article_id(url)
    district = site if is_slug(site) else district_slug(url, record.get("site_name"))
    pub = date.fromisoformat(record["published_date"]) if record.get("published_date") else None
    year = pub.year if pub else 0
    published_at = datetime.fromisoformat(record["published_at"]) if record.get("published_at") else None
    fetched = _utc(fetched_at)
    canonical_images = _canonical_images(record.get("images"))
    chash = content_hash(record, canonical_images)
    paragraphs = record.get("body_paragraphs") or []
    common = {"article_id": aid, "district": district, "year": year}
    article = {
        **common,
        "url": url,
        "fetch_url": fetch_url,
        "site_name": record.get("site_name"),
        "title": record.get("title"),
        "published_date": pub,
        "published_at": published_at,
        "date_source": record.get("date_source"),
        "summary": record.get("summary") or "",
        "body_paragraphs": paragraphs,
        "body_chars": sum(len(p) for p in paragraphs),
        "n_images": len(record.get("images") or []),
        "n_officials": len(record.get("officials") or []),
        "tags": record.get("tags") or [],
        "category": record.get("category"),
        "byline": record.get("byline"),
        "extractor": record.get("extractor"),
        "source": source,
        "capture_time": _utc(capture_time),
        "fetched_at": fetched,
        "http_status": http_status,
        "content_sha1": raw_sha1,
        "content_hash": chash,
        "run_id": run_id,
        "quality_flags": quality_flags(record),
    }
    version = {"published_date": pub, "content_hash": chash, "fetched_at": fetched}
    images = [
        {**common, **version, "position": i, "image_url": im["url"], "caption": im["caption"]}
        for i, im in enumerate(canonical_images)
    ]
    officials = []
    for person in record.get("officials_detail") or []:
        officials.append({
            **common, **version,
            "name": person.get("name"),
            "name_raw": person.get("name_raw"),
            "name_key": person.get("name_key"),
            "honorific": person.get("honorific"),
            "positions": [
                {k: p.get(k) for k in ("raw", "role", "organization", "organization_full", "level")}
                for p in person.get("positions") or []
            ],
            "mentions": person.get("mentions"),
            "in_caption": person.get("in_caption"),
            "context": person.get("context"),
        })
    return article, images, officials


def page_rows(body: bytes, url: str, *, content_type: str | None = None, fetched_at: float | None = None,
              site: str | None = None, source: str = "live", http_status: int | None = 200,
              capture_time: float | None = None, original_url: str | None = None,
              run_id: str | None = None) -> dict:
    """One fetched page → its dataset rows, in one call (what an extraction worker runs).

    Returns ``{"is_article", "extractor", "site", "error", "error_detail"}`` and, for an
    article, ``"article"``, ``"images"``, ``"officials"`` rows. ``url`` is the URL fetched;
    an archive capture is extracted as ``original_url`` (the portal's page). ``site``
    defaults to the registry's district of the page."""
    page_url = original_url or url
    record = extract(body, page_url, content_type=content_type)
    out = {"is_article": bool(record["is_article"]), "extractor": record.get("extractor"),
           # a site named by the input (a WARC header) must be a plain slug: it names a folder
           "site": site if is_slug(site) else district_slug(page_url, record.get("site_name")),
           "error": record.get("error"), "error_detail": record.get("error_detail")}
    if out["is_article"]:
        out["article"], out["images"], out["officials"] = rows_for_record(
            record, fetch_url=url, fetched_at=fetched_at, site=out["site"], source=source,
            http_status=http_status, raw_sha1=hashlib.sha1(body).hexdigest(), capture_time=capture_time,
            run_id=run_id, original_url=original_url)
    return out


def page_kwargs(page) -> dict:
    """:func:`page_rows` keywords of a fetched page: a :class:`crawler.items.RawPage` or a
    dict with the same fields (``pipelines.storage.archives.iter_warc_pages``)."""
    p = page if isinstance(page, dict) else vars(page)
    return {"content_type": p["content_type"], "fetched_at": p["fetched_at"], "site": p["site"],
            "source": p["source"], "http_status": p["status"], "capture_time": p["capture_time"],
            "original_url": p["original_url"]}
