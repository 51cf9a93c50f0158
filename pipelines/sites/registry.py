"""Site registry: reads ``sites.toml`` beside this file; the one place that maps URLs to portals.

URLs are the portals' own: a crawl of the offline replica fetches the real URLs through it
as an HTTP proxy, so nothing here knows the replica.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit, parse_qsl, urlencode

from pipelines.extraction.text import fold_key, slugify

REGISTRY_PATH = Path(__file__).with_name("sites.toml")

# Query parameters that never change what a page shows.
_DROP_PARAMS = {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "fbclid", "gclid"}


@dataclass(frozen=True)
class Site:
    slug: str
    name: str
    host: str
    province: str
    level: str
    categories: tuple[str, ...]
    scheme: str = "http"
    verified: bool = False
    evidence: str = "naming-rule"     # real | crawler | naming-rule (sites.toml says what each means)
    platform: str = "tandan"          # tandan | liferay
    platform_note: str | None = None
    abolished: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def listing_urls(self) -> list[str]:
        """Category listing URLs, in crawl order."""
        return [self.base_url + path for path in self.categories]


class UnknownSite(ValueError):
    pass


@lru_cache(maxsize=4)
def load_registry(path: str | None = None) -> tuple[Site, ...]:
    if path is None:  # importlib.resources: also from a zipped egg (a Scrapyd deployment)
        from importlib.resources import files

        text = files(__package__).joinpath(REGISTRY_PATH.name).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    defaults = data.get("defaults", {})
    sites = []
    seen = set()
    for entry in data.get("site", []):
        entry = {**defaults, **entry}
        known = {k: entry.pop(k) for k in list(entry) if k in Site.__dataclass_fields__ and k != "extra"}
        known["categories"] = tuple(known.get("categories", ()))
        site = Site(**known, extra=entry)
        if site.slug in seen:
            raise ValueError(f"site registry: slug {site.slug!r} listed twice")
        seen.add(site.slug)
        sites.append(site)
    return tuple(sites)


def sites_by_slug(slugs: str | list[str] | None = None) -> list[Site]:
    """Sites named by slug (comma-separated string or list); all sites when empty."""
    sites = load_registry()
    if not slugs:
        return list(sites)
    if isinstance(slugs, str):
        slugs = [s.strip() for s in slugs.split(",") if s.strip()]
    index = {s.slug: s for s in sites}
    unknown = [s for s in slugs if s not in index]
    if unknown:
        raise UnknownSite(
            f"unknown site(s): {', '.join(unknown)}; known: {', '.join(sorted(index))}"
        )
    return [index[s] for s in slugs]


@lru_cache(maxsize=4)
def _indexes(registry: tuple[Site, ...]) -> tuple[dict, dict]:
    """Sites by host and by name key (the first site of a name wins)."""
    by_name: dict = {}
    for s in registry:
        by_name.setdefault(fold_key(s.name), s)
    return {s.host: s for s in registry}, by_name


def site_for_url(url: str) -> Site | None:
    """The registry site a URL belongs to, by its host (``www.`` in front allowed)."""
    host = (urlsplit(url).hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    return _indexes(load_registry())[0].get(host)


def site_for_name(site_name: str | None) -> Site | None:
    """The registry site whose display name matches a page's unit name ("Huyện Mường Lát")."""
    if not site_name:
        return None
    return _indexes(load_registry())[1].get(fold_key(site_name))


def canonical_url(url: str) -> str:
    """Stable form of an article URL: lower-case host, no fragment, sorted query without
    tracking parameters."""
    return _canonical(url)


@lru_cache(maxsize=16384)
def _canonical(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    path = parts.path or "/"
    netloc = host if port in (None, 80 if scheme == "http" else 443) else f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if k.lower() not in _DROP_PARAMS)) if parts.query else ""
    return urlunsplit((scheme, netloc, path, query, ""))


def article_id(url: str) -> str:
    """Stable 16-hex-digit id of an article, from its canonical URL (case of path kept:
    SharePoint paths are case-insensitive, but we keep what the portal links to)."""
    return hashlib.sha1(canonical_url(url).encode("utf-8")).hexdigest()[:16]


_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


def is_slug(value) -> bool:
    """Is ``value`` a plain slug (lower-case letters, digits, hyphens): safe as a partition
    folder name? Anything else given as a site (a WARC header, an argument) is not used as one."""
    return isinstance(value, str) and _SLUG.fullmatch(value) is not None


def district_slug(url: str, site_name: str | None = None) -> str:
    """Partition value for a page: registry slug by URL, then by the page's unit name,
    else ``other-<host>`` so pages of unknown portals still land somewhere sensible."""
    site = site_for_url(url) or site_for_name(site_name)
    if site is not None:
        return site.slug
    host = urlsplit(url).hostname or "unknown"
    return "other-" + slugify(host)
