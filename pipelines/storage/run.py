"""A run's ledger: its id, and the ``runs/`` rows that say what it did per site.

Shared by the crawl (:mod:`crawler.itempipelines`) and ``reprocess``
(:mod:`pipelines.storage.archives`)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

__version__ = "0.1.0"


@dataclass
class Failure:
    """A URL given up on: one ``failures/`` row."""

    url: str
    site: str
    kind: str                     # http-500, timeout, connection, error-page, not-article, …
    reason: str
    failed_at: float = field(default=0.0)


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]



def run_rows(run_id: str, started, finished, reason: str, site_stats: dict, counts: dict,
             failures: list, settings: dict) -> list[dict]:
    """``runs/`` rows of one run: one per site and a ``"*"`` total. ``site_stats`` holds the
    fetch counters per site (pages_fetched, listing_pages, articles_fetched, articles_skipped_*),
    ``counts`` the write outcomes per site (articles_new/updated/unchanged), ``failures`` objects
    with ``.site`` and ``.kind``. Shared by the crawl and ``pipelines.storage.archives.reprocess``."""
    sites = sorted(set(site_stats) | set(counts) | {f.site for f in failures})
    rows = []
    total: Counter = Counter()
    for site in sites + ["*"]:
        if site == "*":
            s, c = total, total
            kinds = Counter(f.kind for f in failures)
        else:
            s = Counter({k: v for k, v in site_stats.get(site, {}).items()})
            c = counts.get(site, Counter())
            total.update(s)
            total.update(c)
            kinds = Counter(f.kind for f in failures if f.site == site)
        rows.append({
            "run_id": run_id, "site": site, "started_at": started, "finished_at": finished,
            "pages_fetched": s.get("pages_fetched", 0), "listing_pages": s.get("listing_pages", 0),
            "articles_fetched": s.get("articles_fetched", 0),
            "articles_new": c.get("articles_new", 0), "articles_updated": c.get("articles_updated", 0),
            "articles_unchanged": c.get("articles_unchanged", 0),
            "articles_skipped_known": s.get("articles_skipped_known", 0),
            "articles_skipped_failed": s.get("articles_skipped_failed", 0),
            "failures": sum(kinds.values()), "failures_by_kind": json.dumps(dict(kinds), sort_keys=True),
            "finish_reason": reason, "software_version": __version__,
            "settings": json.dumps(settings, default=str, sort_keys=True),
        })
    return rows
