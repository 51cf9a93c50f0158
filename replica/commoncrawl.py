"""A fake Common Crawl over the replica's articles: CDX index servers per crawl and WARC files
read by byte range — the second archive beside the fake Wayback Machine (:mod:`replica.wayback`,
which also holds the articles' shared history: which archive holds what, edits over time).

Endpoints (the replica's own address):

* ``/commoncrawl/index/collinfo.json`` — the crawls, newest first (``id``, ``name``,
  ``cdx-api``, ``from``, ``to``), as ``index.commoncrawl.org/collinfo.json``;
* ``/commoncrawl/index/<crawl id>-index?url=…`` — the pywb CDX server API Common Crawl runs:
  ``matchType`` exact|prefix|host|domain (a trailing ``*`` means prefix), ``output=json``
  (one JSON object per line: ``urlkey, timestamp, url, mime, mime-detected, status, digest,
  length, offset, filename, languages, encoding``), ``fl``, ``filter=[!][=|~]field:value``
  (``=`` exact, ``~`` contains, else a regular expression), ``from``/``to``, and the
  **page API**: ``showNumPages=true`` answers ``{"pages": P, "pageSize": S, "blocks": B}``
  and ``page=N`` (0-based, ``pageSize`` blocks of :data:`BLOCK_LINES` index lines each, taken
  before filters, as ZipNum blocks are) the lines of that page. An answer with no line is a
  404 ``{"error": "No Captures found for: …"}``, as pywb gives;
* ``/commoncrawl/data/<filename>`` — the WARC files, ``Range: bytes=a-b`` answered with 206
  (one gzip member per record: a ``warcinfo`` record first, then ``response`` records).

Common Crawl's captures of an article (when it holds it) fall in the windows of its crawls;
the traps: the platform's error page served as 200, a record cut at the crawler's size limit
(``WARC-Truncated: length``; the index digest is of what was stored), an index entry whose
digest is not the record's payload (the record holds another article's page: an index
misaligned with its files), an index ``length`` shorter than the record (the byte range ends
inside the gzip member), and captures indexed 301. In fault mode the first request of about
a third of index pages goes wrong (cut mid-line, not JSON, 503) and about 10 % of byte
ranges answer 503 ("Slow Down") once, with ``Retry-After``.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import uuid
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from .model import Portal, _h
from .wayback import (GOOD, LAST_CAPTURE, Capture, _matching, _ts, archive_history, capture_body, digest_of,
                      host_form, index_digest, revision_at, surt, ts_datetime)

BLOCK_LINES = 2          # index lines per block (real ZipNum blocks hold 3,000; small here, so pages show)
DEFAULT_PAGE_SIZE = 5    # blocks per page unless ``pageSize`` says otherwise (pywb's default)
RECORDS_PER_FILE = 40
CC_BAD = ("error-page", "truncated", "digest", "length")
LISTING_CRAWL_BEFORE = datetime(2025, 7, 1)


@dataclass(frozen=True)
class Crawl:
    id: str               # CC-MAIN-2019-09
    start: datetime
    end: datetime

    @property
    def name(self) -> str:
        return f"{self.start:%B %Y} Index"


def crawls() -> list[Crawl]:
    """The crawls of the fake: two a year (weeks 9 and 39), 2015 to the last capture, oldest first."""
    out = []
    for year in range(2015, 2026):
        for week in (9, 39):
            end = datetime.combine(date.fromisocalendar(year, week, 7), datetime.min.time()) + timedelta(hours=23)
            start = end - timedelta(days=11)
            if start <= LAST_CAPTURE:
                out.append(Crawl(f"CC-MAIN-{year}-{week:02d}", start, end))
    return out


def _in_window(rng: random.Random, crawl: Crawl) -> datetime:
    span = int((crawl.end - crawl.start).total_seconds())
    return crawl.start + timedelta(seconds=rng.randrange(span))


def cc_captures(portal: Portal) -> list[Capture]:
    """Every Common Crawl capture, sorted by (crawl, urlkey, timestamp); cached on the portal."""
    cached = getattr(portal, "_cc_captures", None)
    if cached is not None:
        return cached
    hist = archive_history(portal)
    from .wayback import _lock

    with _lock(portal):
        cached = getattr(portal, "_cc_captures", None)
        if cached is not None:
            return cached
        cs = crawls()
        starts = [c.start for c in cs]
        per_article: dict[int, list[Capture]] = {}
        for a in portal.articles:
            h = hist[a.idx]
            if not h.commoncrawl:
                continue
            rng = random.Random(_h("commoncrawl", portal.seed, a.idx))
            j = bisect_left(starts, a.dt + timedelta(days=2))
            got = []
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                if j >= len(cs):
                    break
                t = _in_window(rng, cs[j])
                kind = rng.choice(CC_BAD) if rng.random() < 0.16 else GOOD
                got.append(Capture("commoncrawl", _ts(t), host_form(rng, a.url), "200", a, kind,
                                   revision_at(h, t), True, collection=cs[j].id))
                if rng.random() < 0.08:   # crawled once more as a redirect (a trailing-slash or https move)
                    t2 = t + timedelta(seconds=rng.randint(60, 3600))
                    got.append(Capture("commoncrawl", _ts(t2), host_form(rng, a.url), "301", a, "status",
                                       revision_at(h, t2), True, collection=cs[j].id))
                j += rng.randint(1, 6)
            if got:
                per_article[a.idx] = got
        _force_cc(portal, per_article, hist)
        out = [c for caps in per_article.values() for c in caps]
        last = [c for c in cs if c.start < LISTING_CRAWL_BEFORE][-1]
        for d in portal.districts:
            rng = random.Random(_h("commoncrawl-listing", portal.seed, d.slug))
            t = _in_window(rng, last)
            out.append(Capture("commoncrawl", _ts(t), d.url(d.home_path()), "200", None, "home", target=d,
                               collection=last.id))
            for c in d.categories:
                t = t + timedelta(seconds=rng.randint(30, 900))
                out.append(Capture("commoncrawl", _ts(t), d.url(d.listing_path(c, 1)), "200", None, "listing",
                                   target=(d, c, 1), collection=last.id))
        out.sort(key=lambda c: (c.collection, c.urlkey, c.timestamp))
        portal._cc_captures = out
        portal._cc_by_crawl = {}
        for c in out:
            portal._cc_by_crawl.setdefault(c.collection, []).append(c)
        portal._cc_keys = {k: [(c.urlkey, c.timestamp) for c in v] for k, v in portal._cc_by_crawl.items()}
        portal._cc_files = {}
        portal._cc_file_cache = OrderedDict()
        return out


def _force_cc(portal: Portal, per_article: dict[int, list[Capture]], hist) -> None:
    """Each trap of the fake Common Crawl at least once, first of an article with a good capture after it."""
    order = sorted(per_article, key=lambda i: _h("cc-force", portal.seed, i))
    used: set[int] = set()
    for kind in CC_BAD:
        if any(caps[0].kind == kind and any(c.good for c in caps[1:]) for caps in per_article.values()):
            continue
        for i in order:
            caps = per_article[i]
            if i in used or not caps[0].good:
                continue
            used.add(i)
            first = caps[0]
            t = ts_datetime(first.timestamp) - timedelta(hours=2)
            caps.insert(0, Capture("commoncrawl", _ts(t), first.original, "200", first.article, kind,
                                   revision_at(hist[i], t), True, collection=first.collection))
            break


# --- WARC files -----------------------------------------------------------------------------------
def _warc_date(ts: str) -> str:
    return ts_datetime(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


def _record(headers: list[tuple[str, str]], block: bytes) -> bytes:
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + f"Content-Length: {len(block)}\r\n\r\n"
    return gzip.compress(head.encode("utf-8") + block + b"\r\n\r\n", compresslevel=6, mtime=0)


def _warcinfo(filename: str) -> bytes:
    body = (f"software: replica fake Common Crawl\r\nformat: WARC File Format 1.0\r\n"
            f"isPartOf: {filename.split('/')[1]}\r\n").encode()
    rid = uuid.UUID(int=_h("warcinfo", filename) << 64 | _h("warcinfo2", filename))
    return _record([("WARC-Type", "warcinfo"), ("WARC-Date", "2025-01-01T00:00:00Z"),
                    ("WARC-Filename", filename.rsplit("/", 1)[-1]), ("WARC-Record-ID", f"<urn:uuid:{rid}>"),
                    ("Content-Type", "application/warc-fields")], body)


def record_bytes(portal: Portal, cap: Capture) -> bytes:
    """The gzip member of a capture's ``response`` record, as it sits in its WARC file."""
    if cap.statuscode == "301":
        home = f"{urlsplit(cap.original).scheme}://{urlsplit(cap.original).netloc}/portal/Pages/default.aspx"
        body, ctype = b"<html><head><title>Object moved</title></head><body>Moved</body></html>", "text/html"
        http = f"HTTP/1.1 301 Moved Permanently\r\nLocation: {home}\r\nContent-Type: {ctype}\r\n"
    else:
        body, ctype = capture_body(portal, cap)
        http = f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nServer: Microsoft-IIS/8.5\r\n"
    http += f"Content-Length: {len(body)}\r\n\r\n"
    block = http.encode("latin-1") + body
    rid = uuid.UUID(int=_h("cc-record", cap.original, cap.timestamp) << 64 | _h("cc2", cap.original, cap.timestamp))
    headers = [("WARC-Type", "response"), ("WARC-Date", _warc_date(cap.timestamp)),
               ("WARC-Record-ID", f"<urn:uuid:{rid}>"), ("Content-Type", "application/http; msgtype=response"),
               ("WARC-IP-Address", "203.162.4.190"), ("WARC-Target-URI", cap.original),
               ("WARC-Payload-Digest", "sha1:" + digest_of(body)), ("WARC-Block-Digest", "sha1:" + digest_of(block)),
               ("WARC-Identified-Payload-Type", "text/html")]
    if cap.kind == "truncated":
        headers.append(("WARC-Truncated", "length"))
    return _record(headers, block)


def _layout(portal: Portal, crawl_id: str) -> None:
    """Place a crawl's records in its WARC files: filename, offset and length of each capture."""
    cc_captures(portal)
    from .wayback import _lock

    with _lock(portal):
        if crawl_id in portal._cc_files:
            return
        caps = portal._cc_by_crawl.get(crawl_id, [])
        files: dict[str, list[tuple[Capture, int, int]]] = {}
        year, week = crawl_id.split("-")[2:4]
        for n in range(0, len(caps), RECORDS_PER_FILE):
            seg = f"{1420000000 + int(year) * 1000 + int(week) * 10}.{n // RECORDS_PER_FILE:02d}"
            name = f"crawl-data/{crawl_id}/segments/{seg}/warc/{crawl_id}-{year}{week}-{n // RECORDS_PER_FILE:05d}.warc.gz"
            offset = len(_warcinfo(name))
            placed = []
            for cap in caps[n: n + RECORDS_PER_FILE]:
                size = len(record_bytes(portal, cap))
                cap.filename, cap.offset = name, offset
                cap.length = size - 64 if cap.kind == "length" else size
                placed.append((cap, offset, size))
                offset += size
            files[name] = placed
        portal._cc_files[crawl_id] = files


def file_bytes(portal: Portal, filename: str) -> bytes | None:
    """A WARC file of the fake (built on demand, a few kept)."""
    m = re.match(r"crawl-data/(CC-MAIN-\d{4}-\d{2})/", filename)
    if not m:
        return None
    _layout(portal, m.group(1))
    placed = portal._cc_files.get(m.group(1), {}).get(filename)
    if placed is None:
        return None
    from .wayback import _lock

    with _lock(portal):
        cache = portal._cc_file_cache
        if filename in cache:
            cache.move_to_end(filename)
            return cache[filename]
        data = _warcinfo(filename) + b"".join(record_bytes(portal, cap) for cap, _, _ in placed)
        cache[filename] = data
        while len(cache) > 16:
            cache.popitem(last=False)
        return data


def serve_range(portal: Portal, filename: str, range_header: str | None) -> tuple[int, bytes, list]:
    """(status, body, headers) of a GET of a WARC file, with an optional ``Range: bytes=a-b``."""
    data = file_bytes(portal, filename)
    if data is None:
        return 404, (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
                     b'<Message>The specified key does not exist.</Message></Error>'), [("Content-Type", "application/xml")]
    hdrs = [("Content-Type", "application/octet-stream"), ("Accept-Ranges", "bytes")]
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", range_header or "")
    if not m:
        return 200, data, hdrs
    a, b = m.groups()
    if a == "":
        start, end = max(0, len(data) - int(b or 0)), len(data) - 1
    else:
        start, end = int(a), min(int(b) if b else len(data) - 1, len(data) - 1)
    if start >= len(data) or start > end:
        return 416, b"", hdrs + [("Content-Range", f"bytes */{len(data)}")]
    return 206, data[start: end + 1], hdrs + [("Content-Range", f"bytes {start}-{end}/{len(data)}")]


# --- the index server ------------------------------------------------------------------------------
def collinfo(base: str) -> list[dict]:
    return [{"id": c.id, "name": c.name, "timegate": f"{base}/{c.id}/", "cdx-api": f"{base}/{c.id}-index",
             "from": c.start.isoformat(), "to": c.end.isoformat()} for c in reversed(crawls())]


def _bound(value: str, fill: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    return (digits + fill * 14)[:14]


def _row(portal: Portal, cap: Capture) -> dict:
    row = {"urlkey": cap.urlkey, "timestamp": cap.timestamp, "url": cap.original,
           "mime": "text/html" if cap.statuscode == "200" else "unk", "mime-detected": "text/html",
           "status": cap.statuscode, "digest": index_digest(portal, cap), "length": str(cap.length),
           "offset": str(cap.offset), "filename": cap.filename}
    if cap.statuscode == "200":
        row.update(languages="vie", encoding="UTF-8")
    else:
        row["redirect"] = f"{urlsplit(cap.original).scheme}://{urlsplit(cap.original).netloc}/portal/Pages/default.aspx"
    return row


def _filter(spec: str):
    neg = spec.startswith("!")
    spec = spec[1:] if neg else spec
    mode = spec[0] if spec[:1] in ("=", "~") else ""
    name, _, val = spec[len(mode):].partition(":")
    if mode == "=":
        test = lambda v: v == val  # noqa: E731
    elif mode == "~":
        test = lambda v: val in v  # noqa: E731
    else:
        rx = re.compile(val)
        test = lambda v: rx.match(v) is not None  # noqa: E731
    return lambda row: test(str(row.get(name, ""))) != neg


def index_query(portal: Portal, crawl_id: str, params: dict[str, list[str]]) -> tuple[int, str, str]:
    """Answer ``/<crawl_id>-index?…``: (status, body, content type)."""
    get = lambda k, d=None: (params.get(k) or [d])[0]  # noqa: E731
    known = {c.id for c in crawls()}
    if crawl_id not in known:
        return 404, f"<html><body><h1>Not Found</h1><p>No such collection: {crawl_id}</p></body></html>", \
            "text/html; charset=utf-8"
    url = get("url", "") or ""
    if not url:
        return 400, json.dumps({"error": "The \"url\" param is required"}), "application/json"
    match = get("matchType", "exact")
    if url.endswith("*"):
        url, match = url.rstrip("*"), "prefix"
    cc_captures(portal)
    _layout(portal, crawl_id)
    caps = portal._cc_by_crawl.get(crawl_id, [])
    selected, _ = _matching(caps, portal._cc_keys.get(crawl_id, []), surt(url), match)
    try:
        page_size = max(1, int(get("pageSize") or DEFAULT_PAGE_SIZE))
    except ValueError:
        page_size = DEFAULT_PAGE_SIZE
    blocks = (len(selected) + BLOCK_LINES - 1) // BLOCK_LINES
    pages = (blocks + page_size - 1) // page_size
    if (get("showNumPages") or "").lower() == "true":
        return 200, json.dumps({"pages": pages, "pageSize": page_size, "blocks": blocks}) + "\n", "application/json"
    if get("page") is not None:
        try:
            page = int(get("page"))
        except ValueError:
            return 400, json.dumps({"error": "page must be a number"}), "application/json"
        lines = page_size * BLOCK_LINES
        selected = selected[page * lines: (page + 1) * lines] if page >= 0 else selected
    lo, hi = _bound(get("from", ""), "0"), _bound(get("to", ""), "9")
    filters = [_filter(f) for f in params.get("filter", [])]
    rows = [r for r in (_row(portal, c) for c in selected if lo <= c.timestamp <= hi) if all(f(r) for f in filters)]
    limit = get("limit")
    if limit and limit.isdigit():
        rows = rows[: int(limit)]
    if not rows:
        return 404, json.dumps({"error": f"No Captures found for: {url}"}) + "\n", "application/json"
    fl = [f for f in (get("fl") or "").split(",") if f]
    if fl:
        rows = [{k: r[k] for k in fl if k in r} for r in rows]
    if get("output") == "json":
        return 200, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "application/json"
    return 200, "".join(f"{r.get('urlkey', '')} {r.get('timestamp', '')} "
                        f"{json.dumps({k: v for k, v in r.items() if k not in ('urlkey', 'timestamp')})}\n"
                        for r in rows), "text/plain; charset=utf-8"


def describe(portal: Portal, base: str) -> dict:
    """The manifest's ``commoncrawl`` section: its crawls and every capture (with its record's place)."""
    caps = cc_captures(portal)
    for c in crawls():
        _layout(portal, c.id)
    return {"index": base + "/commoncrawl/index", "data": base + "/commoncrawl/data",
            "crawls": [c.id for c in crawls()], "captures": [cap.as_dict(base) for cap in caps]}


def data_fault(seed: int, key: str, attempt: int) -> bool:
    """Fault mode: the first request of about 10 % of byte ranges answers 503 Slow Down."""
    return attempt == 1 and _h("cc-data-fault", seed, key) / 2 ** 64 < 0.10
