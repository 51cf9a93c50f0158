"""The replica's manifest: what a perfect crawl + extraction of the replica must give,
computed from the model alone (no page is rendered)."""

from __future__ import annotations

import unicodedata
from collections import Counter

from .model import Article, Portal, listing_pages
from . import commoncrawl, wayback
from .commoncrawl import cc_captures
from .wayback import ARCHIVES, Capture, captures


def published(a: Article) -> tuple[str | None, str]:
    """(published_at, date_source) of an article per CONVENTIONS.md."""
    at = f"{a.dt:%Y-%m-%dT%H:%M}:00+07:00"
    date = a.variants.get("date")
    if date == "date-ngay-dang-time":
        return at, "page"
    if a.has("sidebar-self"):
        return at, "sidebar"
    if date == "date-none":
        return None, "url"
    return None, "page"


def _nfc(text):
    return unicodedata.normalize("NFC", text) if text else text


def people(a: Article) -> list[dict]:
    """Who is who in an article: every official it names, in the order of ``truth.officials``,
    with the name as the page writes it (old-style tones, decomposed Unicode, without the
    middle name, as the case may be), the person's id in ``persons`` and the positions."""
    return [dict(p, positions=list(p["positions"])) for p in a.content.people]


def truth(a: Article) -> dict:
    """The extraction answer for an article (served at its real URL, through the proxy or
    as an archived capture: the same page)."""
    c = a.content
    at, source = published(a)
    return {
        "url": a.url,
        "is_article": True,
        "extractor": "tandan",
        "error": None,
        "site_name": a.district.name,
        "title": a.title,
        "published_date": a.dt.date().isoformat(),
        "published_at": at,
        "date_source": source,
        "summary": c.summary,
        # (a name the page writes decomposed is read composed, as every text)
        "body_paragraphs": [_nfc(p) for p in c.paragraphs],
        "images": [{"url": a.district.url(src), "caption": _nfc(cap)} for src, cap in c.image_list()],
        "tags": list(c.tags),
        "category": a.category.name,
        "byline": c.byline,
        "officials": [dict(p, positions=list(p["positions"])) for p in c.officials],
        "not_officials": list(c.not_officials),
    }


def build_manifest(portal: Portal, base_url: str, faults=None, with_truth: bool = True) -> dict:
    """The manifest; ``with_truth=False`` leaves out each article's ``truth`` and ``people``
    (a much smaller file).

    ``articles[].people`` is who is who: per official named, the name as written and the
    ``person_id`` of ``persons``, which holds each person's name and career.

    Every portal URL in it is the portal's real URL (``http://muonglat.thanhhoa.gov.vn/…``),
    fetched through the replica as an HTTP proxy; ``base_url`` is the replica's own address
    (that proxy, ``/_manifest.json`` and the fake archive under ``/wayback``)."""
    base = base_url.rstrip("/")
    listed_in: dict[int, list[str]] = {}
    listings = []
    for d, c, page, entries in listing_pages(portal):
        url = d.url(d.listing_path(c, page))
        for e in entries:
            if isinstance(e, Article):
                listed_in.setdefault(e.idx, []).append(url)
        listings.append({
            "url": url, "district": d.slug, "category": c.name, "page": page,
            "links": [e.url for e in entries],
            "next_page": d.url(d.listing_path(c, page + 1)) if page < c.page_count() else None,
        })
    articles = []
    traps: dict[str, list[str]] = {}
    counts: Counter = Counter()
    for a in portal.articles:
        url = a.url
        variants = a.variant_list()
        counts.update(variants)
        for t in a.traps:
            traps.setdefault(t, []).append(url)
        articles.append({
            "url": url,
            "district": a.district.slug,
            "reachable": bool(listed_in.get(a.idx)),
            "listed_in": listed_in.get(a.idx, []),
            "variants": variants,
            **({"truth": truth(a), "people": people(a)} if with_truth else {}),
        })
    error_pages = [p.url for p in portal.phantoms if p.kind == "error"]
    broken = [p.url for p in portal.phantoms if p.kind == "broken"]
    traps["error-page"] = error_pages
    traps["broken-link"] = broken
    out = {
        "generator": "replica",
        "seed": portal.seed,
        "base_url": base,
        "article_count": len(articles),
        "districts": [{
            "slug": d.slug, "name": d.name, "host": d.host,
            "home": d.url(d.home_path()),
            "listing_start_urls": [d.url(d.listing_path(c)) for c in d.categories],
            "listing_skin": d.listing_skin,
        } for d in portal.districts],
        "articles": articles,
        "listings": listings,
        "error_pages": error_pages,
        "broken_links": broken,
        "traps": traps,
        "variant_counts": dict(sorted(counts.items())),
        "permanent_failures": [],
        "faults": {"enabled": False},
        # every person an article names as an official: name, and career (posts, from, until)
        "persons": portal.cast.describe(),
        "wayback": wayback.describe(portal, base),
        "commoncrawl": commoncrawl.describe(portal, base),
        "archives": expected(portal),   # what a pull of both archives must give
    }
    if faults is not None:
        out["faults"] = faults.describe()
        out["permanent_failures"] = out["faults"].pop("permanent_failures")
    return out


# --- the truth ----------------------------------------------------------------------------------------
def expected(portal: Portal, archives=ARCHIVES) -> dict[str, dict]:
    """What a complete pull of ``archives`` must give, per article URL: ``sources`` (archives
    holding a capture that is the article), the ``first`` and ``latest`` such capture over
    all of them, and ``versions`` (the first capture of each distinct text, in time order;
    ``revision`` says which). Articles no archive holds a good capture of are left out;
    an article whose every capture is bad is listed under ``no_good_capture``."""
    pools = []
    if "wayback" in archives:
        pools.append(captures(portal))
    if "commoncrawl" in archives:
        pools.append(cc_captures(portal))
    by_article: dict[str, list[Capture]] = {}
    for pool in pools:
        for c in pool:
            if c.article is not None and c.statuscode == "200":
                if c.indexed or c.article.listed:
                    by_article.setdefault(c.article.url, []).append(c)
    out, bad = {}, []
    for url, caps in sorted(by_article.items()):
        caps.sort(key=lambda c: (c.timestamp, ARCHIVES.index(c.archive)))
        goods = [c for c in caps if c.good]
        if not goods:
            bad.append(url)
            continue
        versions, seen = [], set()
        for c in goods:
            if c.revision not in seen:
                seen.add(c.revision)
                versions.append(_brief(c))
        out[url] = {"sources": sorted({c.archive for c in goods}), "first": _brief(goods[0]),
                    "latest": _brief(goods[-1]), "versions": versions,
                    "captures": len(caps), "district": goods[0].article.district.slug}
    return {"articles": out, "no_good_capture": bad}


def _brief(c: Capture) -> dict:
    return {"archive": c.archive, "timestamp": c.timestamp, "revision": c.revision, "original": c.original,
            "collection": c.collection}
