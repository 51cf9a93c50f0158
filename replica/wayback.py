"""A fake Wayback Machine over the replica's articles.

Endpoints (the replica's own, under its own address ``http://127.0.0.1:PORT``):

* ``/wayback/cdx?url=<host>/portal/Pages/&matchType=prefix&output=json&filter=statuscode:200
  &collapse=urlkey&from=YYYY&to=YYYY`` — the Internet Archive CDX API: JSON rows, the first
  one being the field names ``urlkey,timestamp,original,mimetype,statuscode,digest,length``
  (``fl=`` picks fields, ``limit=`` cuts, ``filter=[!]field:regex`` may repeat,
  ``collapse=field[:N]`` drops adjacent duplicates, ``matchType`` exact|prefix|host|domain,
  a trailing ``*`` in ``url`` means prefix; without ``output=json`` rows are space-separated
  lines).  ``original`` uses the portal's real host (``http://muonglat.thanhhoa.gov.vn/…``).
* ``/wayback/web/<14-digit timestamp>id_/<original url>`` — the archived page as captured
  (raw HTML, no toolbar, links as on the real host).  A timestamp that is not a capture of
  that URL answers 302 to the nearest capture, as the real archive does; captures recorded
  with a status other than 200 answer with that status.

Capture timestamps are deterministic and later than the article's publication.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from .model import Article, Portal, _h

FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
LAST_CAPTURE = datetime(2025, 11, 30)
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def surt(url: str) -> str:
    """SURT form of a URL as the CDX index keys it: ``gov,thanhhoa,muonglat)/portal/pages/x.aspx``."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    key = ",".join(reversed(host.split("."))) + ")" + (parts.path or "/").lower()
    if parts.query:
        key += "?" + parts.query.lower()
    return key


@dataclass
class Capture:
    timestamp: str
    original: str
    statuscode: str
    article: Article | None
    length: int
    digest: str
    mimetype: str = "text/html"
    target: object = None   # (district, category) for listing captures, "home" for home pages

    @property
    def urlkey(self) -> str:
        return surt(self.original)

    def row(self) -> dict:
        return {"urlkey": self.urlkey, "timestamp": self.timestamp, "original": self.original,
                "mimetype": self.mimetype if self.statuscode == "200" else "text/html",
                "statuscode": self.statuscode, "digest": self.digest, "length": str(self.length)}

    def as_dict(self, base: str) -> dict:
        return {**self.row(), "url": f"{base}/wayback/web/{self.timestamp}id_/{self.original}",
                "article_url": self.article.url if self.article else None}


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y%m%d%H%M%S")


def _digest(rng: random.Random) -> str:
    return "".join(rng.choice(_B32) for _ in range(32))


def captures(portal: Portal) -> list[Capture]:
    """Every capture of the portals' pages, sorted by (urlkey, timestamp); cached."""
    cached = getattr(portal, "_captures", None)
    if cached is not None:
        return cached
    out: list[Capture] = []
    for a in portal.articles:
        rng = random.Random(_h("wayback", portal.seed, a.idx))
        original = a.url
        t = a.dt
        for k in range(rng.choice((1, 1, 2, 3))):
            t = t + timedelta(hours=rng.randint(2, 24 * 120), seconds=rng.randint(0, 3599))
            if t > LAST_CAPTURE:
                break
            status = "200"
            if k > 0 and rng.random() < 0.25:
                status = rng.choice(("302", "404", "500"))
            out.append(Capture(_ts(t), original, status, a, rng.randint(18000, 60000), _digest(rng)))
        if not any(c.article is a for c in out[-3:]):
            t = min(a.dt + timedelta(hours=3), LAST_CAPTURE)
            out.append(Capture(_ts(t), original, "200", a, rng.randint(18000, 60000), _digest(rng)))
    for ph in portal.phantoms:
        rng = random.Random(_h("wayback-ph", portal.seed, ph.url))
        t = ph.dt + timedelta(days=rng.randint(1, 30))
        out.append(Capture(_ts(t), ph.url,
                           "404" if ph.kind == "broken" else "200", None, 1200, _digest(rng),
                           target=ph))
    for d in portal.districts:
        rng = random.Random(_h("wayback-home", portal.seed, d.slug))
        t = datetime(2025, 6, 20, 8) + timedelta(minutes=rng.randint(0, 5000))
        out.append(Capture(_ts(t), d.url(d.home_path()), "200", None,
                           40000, _digest(rng), target="home"))
        for c in d.categories:
            out.append(Capture(_ts(t + timedelta(minutes=7)), d.url(c.path), "200", None,
                               35000, _digest(rng), target=c))
    out.sort(key=lambda c: (c.urlkey, c.timestamp))
    portal._captures = out
    portal._capture_index = {}
    for c in out:
        portal._capture_index.setdefault(c.urlkey, []).append(c)
    return out


def captures_of(portal: Portal, original: str) -> list[Capture]:
    captures(portal)
    return portal._capture_index.get(surt(original), [])


# --- CDX query ------------------------------------------------------------------------------
def _bound(value: str, fill: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    return (digits + fill * 14)[:14]


def cdx_query(portal: Portal, params: dict[str, list[str]]) -> tuple[str, str]:
    """Answer a CDX request: (body, content type)."""
    get = lambda k, d=None: (params.get(k) or [d])[0]  # noqa: E731
    url = get("url", "") or ""
    match = get("matchType", "exact")
    if url.endswith("*"):
        url, match = url.rstrip("*"), "prefix"
    key = surt(url)
    host_key = key.split(")", 1)[0]
    if match == "prefix":
        test = lambda c: c.urlkey.startswith(key)  # noqa: E731
    elif match == "host":
        test = lambda c: c.urlkey.split(")", 1)[0] == host_key  # noqa: E731
    elif match == "domain":
        test = lambda c: c.urlkey.split(")", 1)[0].startswith(host_key)  # noqa: E731
    else:
        test = lambda c: c.urlkey == key  # noqa: E731
    lo, hi = _bound(get("from", ""), "0"), _bound(get("to", ""), "9")
    filters = []
    for f in params.get("filter", []):
        neg = f.startswith("!")
        field, _, rx = f.lstrip("!").partition(":")
        filters.append((neg, field, re.compile(rx)))
    rows = []
    for c in captures(portal):
        if not test(c) or not (lo <= c.timestamp <= hi):
            continue
        r = c.row()
        if any(bool(rx.fullmatch(r.get(field, ""))) == neg for neg, field, rx in filters):
            continue
        rows.append(r)
    for col in params.get("collapse", []):
        field, _, n = col.partition(":")
        size = int(n) if n.isdigit() else None
        kept, last = [], object()
        for r in rows:
            v = r.get(field, "")[:size] if size else r.get(field, "")
            if v != last:
                kept.append(r)
            last = v
        rows = kept
    limit = get("limit")
    if limit and limit.lstrip("-").isdigit():
        n = int(limit)
        rows = rows[:n] if n >= 0 else rows[n:]
    fl = [f for f in (get("fl") or "").split(",") if f in FIELDS] or FIELDS
    table = [[r[f] for f in fl] for r in rows]
    if get("output") == "json":
        return (json.dumps([fl] + table if table else [], ensure_ascii=False), "application/json")
    return ("".join(" ".join(r) + "\n" for r in table), "text/plain; charset=utf-8")


_WEB_RE = re.compile(r"^/wayback/web/(\d{1,14})([a-z]{2}_)?/(.+)$")


def parse_web_path(path_and_query: str):
    """``/wayback/web/<ts>id_/<url>`` → (timestamp, flag, original url) or None."""
    m = _WEB_RE.match(path_and_query)
    if not m:
        return None
    ts, flag, original = m.groups()
    original = re.sub(r"^(https?):/+", r"\1://", original)
    if "://" not in original:
        original = "http://" + original
    return ts, flag or "", original


def nearest(caps: list[Capture], ts: str) -> Capture:
    want = int(_bound(ts, "0"))
    return min(caps, key=lambda c: (abs(int(c.timestamp) - want), c.timestamp))
