"""Fake web archives over the replica's articles: the Wayback Machine (this module) and the
capture history it shares with the fake Common Crawl (:mod:`replica.commoncrawl`).

What the archives hold (deterministic in the portal's seed), with the traps real archives have:

* **several captures per URL**, at times after publication, under the host forms crawlers
  met (``http://host``, ``http://www.host``, ``https://host``, ``https://www.host:443``,
  ``http://host:80``); the index keys them all under one SURT ``urlkey``;
* **edits between captures**: some articles were edited after publication (once or twice);
  a capture shows the text of its time (``revision`` = edits before it; the text of revision
  r has the paragraph :func:`revision_note` (r) before its byline);
* **captures indexed with status 200 that are not the article**: the platform's error page,
  a login page, a body cut short when archived, a body that is not the one its index entry
  describes (its digest is another page's: the record holds another article), and a replay
  that answers with a redirect; besides captures indexed 301/302/404/500;
* **captures the prefix index misses**: some articles only Wayback holds are found by
  exact-URL queries only (the bulk index lags behind); the captured listing pages link them
  (every page of every category and the home page were captured on 2025-06-20);
* a **second archive**, Common Crawl, with overlapping and unique captures (commoncrawl.py).

:func:`expected` is the truth a complete pull of both archives must match.

Endpoints of the fake Wayback Machine (the replica's own, ``http://127.0.0.1:PORT/wayback/…``):

* ``/wayback/cdx`` (also ``/wayback/cdx/search/cdx``) — the Internet Archive CDX API: ``url``,
  ``matchType`` exact|prefix|host|domain (a trailing ``*`` means prefix), ``output=json``
  (JSON rows, the first one the field names ``urlkey,timestamp,original,mimetype,statuscode,
  digest,length``; else space-separated lines), ``fl``, ``filter=[!]field:regex`` (repeatable),
  ``collapse=field[:N]``, ``from``/``to``, ``limit`` (negative: the last N), and paging by
  **resumption key**: ``showResumeKey=true`` appends, when rows remain beyond ``limit`` (or
  :data:`MAX_ROWS`), an empty row and ``[<key>]`` (plain text: a blank line and the key);
  ``resumeKey=<key>`` continues after it. ``digest`` is the base-32 SHA-1 of the body a
  replay gives (except for the mismatch trap), ``length`` the size of the compressed record.
* ``/wayback/web/<14-digit timestamp>id_/<original url>`` — the capture as archived (raw,
  no toolbar). A timestamp that is not a capture of that URL answers 302 to the nearest
  capture, as the real archive does; captures recorded with another status answer with it.

Fault mode (``--faults``) adds, on the first request of a URL only: 429 with ``Retry-After``
on about 10 % of captures (see ``faults.py``), and on about a third of CDX pages an answer
cut mid-line, an answer that is not JSON, or 503 with ``Retry-After``. :class:`ArchiveControl`
(``/_control/…`` on the replica) switches a whole archive endpoint to 503 for a while — an
outage — and counts the requests each endpoint received.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import random
import re
import threading
import time
import zlib
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, unquote, urlsplit

from . import render
from .generate import revise
from .model import Article, Portal, _h

FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
LAST_CAPTURE = datetime(2025, 11, 30)
LISTING_CAPTURE = datetime(2025, 6, 20, 8)      # every listing page and the home page, once
MAX_ROWS = 150000                               # the CDX server's own cap per answer (as IA's)
ARCHIVES = ("wayback", "commoncrawl")
GOOD = "article"
WAYBACK_BAD = ("error-page", "login", "truncated", "corrupt", "redirect")
HOST_FORMS = (("http://{h}", 70), ("http://www.{h}", 10), ("https://{h}", 10), ("https://www.{h}:443", 5),
              ("http://{h}:80", 5))


def surt(url: str) -> str:
    """SURT form of a URL as the CDX index keys it: ``vn,gov,thanhhoa,muonglat)/portal/pages/x.aspx``
    (no scheme, no ``www.``, no default port, lower case)."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    key = ",".join(reversed(host.split("."))) + ")" + (parts.path or "/").lower()
    if parts.query:
        key += "?" + parts.query.lower()
    return key


def digest_of(body: bytes) -> str:
    """Base-32 SHA-1 of a payload, as CDX indexes and WARC-Payload-Digest write it."""
    return base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def revision_note(revision: int) -> str:
    """The paragraph an edit adds (before the byline): :func:`replica.generate.revise`."""
    return f"Cập nhật lần {revision}: bài viết đã được bổ sung số liệu theo báo cáo của cơ quan chuyên môn."


@dataclass(eq=False)
class Capture:
    archive: str                 # wayback | commoncrawl
    timestamp: str               # 14 digits, UTC
    original: str                # the URL as the archive recorded it (one of the host forms)
    statuscode: str              # as indexed
    article: Article | None = None
    kind: str = GOOD             # article | error-page | login | truncated | corrupt | redirect |
                                 # digest | length (commoncrawl) | listing | home | phantom | status
    revision: int = 0            # edits of the article before this capture
    indexed: bool = True         # False: prefix/host/domain queries miss it, exact queries find it
    target: object = None        # (district, category, page) of a listing, district of a home page, Phantom
    collection: str | None = None   # Common Crawl crawl id
    filename: str | None = None     # Common Crawl: WARC file, offset and length of its record
    offset: int | None = None
    length: int | None = None
    mimetype: str = "text/html"
    _digest: str | None = field(default=None, repr=False)
    _wb_length: int | None = field(default=None, repr=False)

    @property
    def urlkey(self) -> str:
        return surt(self.original)

    @property
    def good(self) -> bool:
        return self.kind == GOOD

    def as_dict(self, base: str) -> dict:
        out = {"archive": self.archive, "urlkey": self.urlkey, "timestamp": self.timestamp,
               "original": self.original, "statuscode": self.statuscode, "kind": self.kind,
               "revision": self.revision, "indexed": self.indexed,
               "article_url": self.article.url if self.article else None}
        if self.archive == "wayback":
            out["url"] = f"{base}/wayback/web/{self.timestamp}id_/{self.original}"
        else:
            out.update(collection=self.collection, filename=self.filename, offset=self.offset, length=self.length)
        return out


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y%m%d%H%M%S")


def ts_datetime(ts: str) -> datetime:
    return datetime.strptime((ts + "00000000000000")[:14], "%Y%m%d%H%M%S")


def host_form(rng: random.Random, url: str) -> str:
    """``url`` under one of the host forms crawlers used for the same page."""
    parts = urlsplit(url)
    forms, weights = zip(*HOST_FORMS)
    form = rng.choices(forms, weights)[0]
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return form.format(h=parts.hostname) + rest


# --- what each archive holds --------------------------------------------------------------------
@dataclass
class History:
    """An article's archive history: where it is held, when it was edited."""
    wayback: bool
    commoncrawl: bool
    unindexed: bool                     # its Wayback captures are missing from the prefix index
    edits: list[datetime]


def history(portal: Portal, a: Article) -> History:
    rng = random.Random(_h("archive-history", portal.seed, a.idx))
    none = rng.random() < 0.03
    wb = not none and rng.random() < 0.92
    cc = not none and rng.random() < 0.4
    if not none and not wb and not cc:
        cc = True
    unindexed = wb and not cc and a.listed and rng.random() < 0.06
    edits = []
    if rng.random() < 0.3:
        edits.append(a.dt + timedelta(days=rng.randint(5, 400), minutes=rng.randint(0, 1439)))
        if rng.random() < 0.35:
            edits.append(edits[0] + timedelta(days=rng.randint(5, 400), minutes=rng.randint(0, 1439)))
    return History(wb, cc, unindexed, edits)


def revision_at(hist: History, when: datetime) -> int:
    return sum(1 for e in hist.edits if e < when)


def _wayback_article_captures(portal: Portal, a: Article, hist: History) -> list[Capture]:
    rng = random.Random(_h("wayback", portal.seed, a.idx))
    out: list[Capture] = []
    t = a.dt
    for k in range(rng.choice((1, 1, 2, 2, 3, 4))):
        t = t + timedelta(hours=rng.randint(2, 24 * 120), seconds=rng.randint(0, 3599))
        if t > LAST_CAPTURE:
            break
        kind = rng.choice(WAYBACK_BAD) if rng.random() < 0.18 else GOOD
        out.append(Capture("wayback", _ts(t), host_form(rng, a.url), "200", a, kind, revision_at(hist, t),
                           not hist.unindexed))
    if not out:
        t = min(a.dt + timedelta(hours=3), LAST_CAPTURE)
        out.append(Capture("wayback", _ts(t), a.url, "200", a, GOOD, revision_at(hist, t), not hist.unindexed))
    if rng.random() < 0.15:  # a capture indexed with another status (moved, gone, broken)
        t = ts_datetime(out[-1].timestamp) + timedelta(days=rng.randint(1, 300), seconds=rng.randint(0, 59))
        if t <= LAST_CAPTURE:
            out.append(Capture("wayback", _ts(t), host_form(rng, a.url), rng.choice(("302", "404", "500")), a,
                               "status", revision_at(hist, t), not hist.unindexed))
    return out


def _force(portal: Portal, caps: dict[int, list[Capture]], hist: dict[int, History]) -> None:
    """Every trap at least once, also in a small replica: a first capture of each bad kind
    with a good one after it; an article whose every capture is bad (and that no other
    archive holds); an article edited between two good captures."""
    order = sorted(caps, key=lambda i: _h("archive-force", portal.seed, i))
    used: set[int] = set()

    def pick(test):
        for i in order:
            if i not in used and test(i, caps[i]):
                used.add(i)
                return i
        return None

    def two_good(i, cs):
        return len([c for c in cs if c.good]) >= 2 and cs[0].good and cs[0].indexed

    for kind in WAYBACK_BAD:
        if not any(cs[0].kind == kind and any(c.good for c in cs[1:]) for cs in caps.values()):
            i = pick(two_good)
            if i is not None:
                caps[i][0].kind = kind
    if not any(all(not c.good for c in cs) and not hist[i].commoncrawl for i, cs in caps.items()):
        i = pick(lambda i, cs: len(cs) == 1 and cs[0].indexed and not hist[i].commoncrawl)
        if i is not None:
            caps[i][0].kind = "error-page"
    if not any(len({c.revision for c in cs if c.good}) > 1 for cs in caps.values()):
        i = pick(two_good)
        if i is not None:
            last = [c for c in caps[i] if c.good][-1]
            hist[i].edits.append(ts_datetime(last.timestamp) - timedelta(minutes=30))
            hist[i].edits.sort()
            for c in caps[i]:
                c.revision = revision_at(hist[i], ts_datetime(c.timestamp))


def captures(portal: Portal) -> list[Capture]:
    """Every Wayback capture, sorted by (urlkey, timestamp); cached on the portal."""
    cached = getattr(portal, "_captures", None)
    if cached is not None:
        return cached
    with _lock(portal):
        cached = getattr(portal, "_captures", None)
        if cached is not None:
            return cached
        hist = {a.idx: history(portal, a) for a in portal.articles}
        per_article: dict[int, list[Capture]] = {}
        for a in portal.articles:
            if hist[a.idx].wayback:
                per_article[a.idx] = _wayback_article_captures(portal, a, hist[a.idx])
        _force(portal, per_article, hist)
        out = [c for cs in per_article.values() for c in cs]
        for ph in portal.phantoms:
            rng = random.Random(_h("wayback-ph", portal.seed, ph.url))
            t = ph.dt + timedelta(days=rng.randint(1, 30))
            kind = "status" if ph.kind == "broken" else "phantom"
            out.append(Capture("wayback", _ts(t), ph.url, "404" if ph.kind == "broken" else "200", None, kind,
                               target=ph))
        for d in portal.districts:
            rng = random.Random(_h("wayback-home", portal.seed, d.slug))
            t = LISTING_CAPTURE + timedelta(minutes=rng.randint(0, 600))
            out.append(Capture("wayback", _ts(t), d.url(d.home_path()), "200", None, "home", target=d))
            for c in d.categories:
                for page in range(1, c.page_count() + 1):
                    t = t + timedelta(seconds=rng.randint(20, 90))
                    out.append(Capture("wayback", _ts(t), d.url(d.listing_path(c, page)), "200", None, "listing",
                                       target=(d, c, page)))
        out.sort(key=lambda c: (c.urlkey, c.timestamp))
        portal._archive_history = hist
        portal._captures = out
        portal._capture_keys = [(c.urlkey, c.timestamp) for c in out]
        portal._capture_index = {}
        for c in out:
            portal._capture_index.setdefault(c.urlkey, []).append(c)
        return out


_LOCKS: dict[int, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def _lock(portal: Portal) -> threading.Lock:
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(id(portal), threading.RLock())


def archive_history(portal: Portal) -> dict[int, History]:
    captures(portal)
    return portal._archive_history


def captures_of(portal: Portal, original: str) -> list[Capture]:
    captures(portal)
    return portal._capture_index.get(surt(original), [])


# --- what a replay gives --------------------------------------------------------------------------
def article_at(a: Article, revision: int) -> Article:
    """The article as it read after ``revision`` edits (a copy; the model is not changed)."""
    if revision <= 0:
        return a
    b = copy.copy(a)
    b.__dict__["content"] = revise(a.content, revision)
    return b


def login_html(host: str, path: str) -> str:
    """The platform's sign-in page, as crawlers archived it in place of a page they were not let in to."""
    src = quote(path, safe="")
    return (
        '<!DOCTYPE html>\n<html dir="ltr" lang="vi-VN"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
        '<title>Đăng nhập</title><link rel="stylesheet" type="text/css" href="/_layouts/15/1066/styles/Themable/corev15.css" /></head>\n'
        f'<body><form method="post" action="/_layouts/15/Authenticate.aspx?Source={src}" id="aspnetForm">\n'
        '<div id="s4-simple-card"><h1 class="ms-core-pageTitle">Đăng nhập</h1>\n'
        f'<p>Cổng thông tin điện tử {host}: vui lòng đăng nhập để tiếp tục.</p>\n'
        '<label for="ctl00_PlaceHolderMain_signInControl_UserName">Tên đăng nhập</label>'
        '<input name="ctl00$PlaceHolderMain$signInControl$UserName" type="text" id="ctl00_PlaceHolderMain_signInControl_UserName" />\n'
        '<label for="ctl00_PlaceHolderMain_signInControl_password">Mật khẩu</label>'
        '<input name="ctl00$PlaceHolderMain$signInControl$password" type="password" id="ctl00_PlaceHolderMain_signInControl_password" />\n'
        '<input type="submit" value="Đăng nhập" /></div></form></body></html>\n'
    )


def _other_article(portal: Portal, a: Article) -> Article:
    arts = portal.articles
    return arts[(arts.index(a) + 1 + _h("other", a.idx) % max(1, len(arts) - 1)) % len(arts)] if len(arts) > 1 else a


def true_body(portal: Portal, cap: Capture) -> tuple[bytes, str]:
    """The body the capture should hold: the page of its URL at its time (for an article
    capture of any kind, the article's page at its revision)."""
    if cap.article is not None:
        return render.article_page(article_at(cap.article, cap.revision))
    if cap.kind == "home":
        return render.home_html(cap.target).encode("utf-8"), "text/html; charset=utf-8"
    if cap.kind == "listing":
        d, c, page = cap.target
        return render.listing_html(d, c, page).encode("utf-8"), "text/html; charset=utf-8"
    if cap.kind == "phantom":
        return render.error_html(cap.target.path).encode("utf-8"), "text/html; charset=utf-8"
    return render.not_found_html().encode("utf-8"), "text/html; charset=utf-8"


def capture_body(portal: Portal, cap: Capture) -> tuple[bytes, str]:
    """(body, content type) the archive holds for a capture, traps included."""
    html = "text/html; charset=utf-8"
    if cap.article is None or cap.kind in (GOOD, "status", "length"):
        return true_body(portal, cap)
    path = urlsplit(cap.original).path
    if cap.kind == "error-page":
        return render.error_html(path + cap.timestamp).encode("utf-8"), html
    if cap.kind == "login":
        return login_html(urlsplit(cap.original).hostname or "", path).encode("utf-8"), html
    if cap.kind == "truncated":
        body, ctype = true_body(portal, cap)
        return body[: int(len(body) * 0.55)], ctype
    if cap.kind in ("corrupt", "digest"):   # the record holds another article's page
        other = _other_article(portal, cap.article)
        return render.article_page(other)
    return true_body(portal, cap)


def index_digest(portal: Portal, cap: Capture) -> str:
    """The digest the index gives for a capture: of the body it holds, except for the
    mismatch traps, whose index entry describes the page that should be there."""
    if cap._digest is None:
        if cap.kind in ("corrupt", "digest", "redirect"):
            cap._digest = digest_of(true_body(portal, cap)[0])
        else:
            cap._digest = digest_of(capture_body(portal, cap)[0])
    return cap._digest


def wayback_length(portal: Portal, cap: Capture) -> int:
    """``length`` of a Wayback row: the size of the compressed record (headers and body)."""
    if cap._wb_length is None:
        cap._wb_length = len(zlib.compress(capture_body(portal, cap)[0], 6)) + 620
    return cap._wb_length






def describe(portal: Portal, base: str) -> dict:
    """The manifest's ``wayback`` section."""
    return {"cdx": base + "/wayback/cdx", "web": base + "/wayback/web/",
            "captures": [cap.as_dict(base) for cap in captures(portal)]}


# --- CDX query ------------------------------------------------------------------------------
def _bound(value: str, fill: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    return (digits + fill * 14)[:14]


def resume_key(urlkey: str, timestamp: str) -> str:
    """IA's resumption key: ``<urlkey> <timestamp>!``, URL-encoded."""
    return quote(f"{urlkey} {timestamp}!", safe="")


def _parse_resume_key(key: str) -> tuple[str, str] | None:
    text = unquote(key.replace("+", " "))
    if not text.endswith("!") or " " not in text:
        return None
    urlkey, ts = text[:-1].rsplit(" ", 1)
    return urlkey, ts


def _matching(caps, keys, key: str, match: str):
    """Captures matching a URL key, from the sorted list (a contiguous range for prefixes)."""
    if match == "exact":
        lo = bisect_left(keys, (key, ""))
        hi = bisect_left(keys, (key, "~"))
        return caps[lo:hi], True
    host_key = key.split(")", 1)[0]
    if match == "prefix":
        start = key
    elif match == "host":
        start = host_key + ")"
    else:  # domain: the host and every sub-host (SURT keys of sub-hosts extend the host's with ",")
        start = host_key
    lo = bisect_left(keys, (start, ""))
    hi = bisect_left(keys, (start + "\U0010ffff", ""))
    out = caps[lo:hi]
    if match == "domain":
        out = [c for c in out if c.urlkey.startswith((host_key + ")", host_key + ","))]
    return out, False


def cdx_query(portal: Portal, params: dict[str, list[str]]) -> tuple[int, str, str]:
    """Answer a CDX request: (status, body, content type)."""
    get = lambda k, d=None: (params.get(k) or [d])[0]  # noqa: E731
    url = get("url", "") or ""
    if not url:
        return 400, "url parameter required\n", "text/plain; charset=utf-8"
    match = get("matchType", "exact")
    if url.endswith("*"):
        url, match = url.rstrip("*"), "prefix"
    caps = captures(portal)
    selected, exact = _matching(caps, portal._capture_keys, surt(url), match)
    lo, hi = _bound(get("from", ""), "0"), _bound(get("to", ""), "9")
    filters = []
    for f in params.get("filter", []):
        neg = f.startswith("!")
        name, _, rx = f.lstrip("!").partition(":")
        try:
            filters.append((neg, name, re.compile(rx)))
        except re.error:
            return 400, f"bad filter {f}\n", "text/plain; charset=utf-8"
    after = _parse_resume_key(get("resumeKey") or "") if get("resumeKey") else None

    def value(c: Capture, name: str) -> str:
        if name == "urlkey":
            return c.urlkey
        if name == "timestamp":
            return c.timestamp
        if name == "original":
            return c.original
        if name == "mimetype":
            return c.mimetype if c.statuscode == "200" else "text/html"
        if name == "statuscode":
            return c.statuscode
        if name == "digest":
            return index_digest(portal, c)
        if name == "length":
            return str(wayback_length(portal, c))
        return ""

    def rows():
        last: dict[str, object] = {}
        for c in selected:
            if not (exact or c.indexed) or not (lo <= c.timestamp <= hi):
                continue
            if after is not None and (c.urlkey, c.timestamp) <= after:
                continue
            if any(bool(rx.fullmatch(value(c, name))) == neg for neg, name, rx in filters):
                continue
            dup = False
            for col in params.get("collapse", []):
                name, _, n = col.partition(":")
                v = value(c, name)[: int(n)] if n.isdigit() else value(c, name)
                if last.get(col) == v:
                    dup = True
                last[col] = v
            if not dup:
                yield c

    limit = get("limit")
    n = int(limit) if limit and limit.lstrip("-").isdigit() else None
    if n is not None and n < 0:
        chosen, more = list(rows())[n:], None
    else:
        cap = min(n, MAX_ROWS) if n is not None else MAX_ROWS
        chosen, more = [], None
        for c in rows():
            if len(chosen) >= cap:
                more = True
                break
            chosen.append(c)
    key = resume_key(chosen[-1].urlkey, chosen[-1].timestamp) if more and chosen else None
    show_key = (get("showResumeKey") or "").lower() == "true"
    fl = [f for f in (get("fl") or "").split(",") if f in FIELDS] or FIELDS
    table = [[value(c, f) for f in fl] for c in chosen]
    if get("output") == "json":
        data = [fl] + table if table else []
        if show_key and key:
            data += [[], [key]]
        text = "[" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in data) + "]\n" if data else "[]\n"
        return 200, text, "application/json"
    text = "".join(" ".join(r) + "\n" for r in table)
    if show_key and key:
        text += "\n" + key + "\n"
    return 200, text, "text/plain; charset=utf-8"


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


def replay(portal: Portal, ts: str, flag: str, original: str) -> tuple[int, bytes, str, list]:
    """The answer to ``/wayback/web/<ts><flag>/<original>``: (status, body, content type, headers)."""
    html = "text/html; charset=utf-8"
    caps = [c for c in captures_of(portal, original)]
    if not caps:
        return 404, b"<html><body><p>Wayback Machine has not archived that URL.</p></body></html>", html, []
    exact = [c for c in caps if c.timestamp == ts]
    if not exact:
        near = nearest(caps, ts)
        return 302, b"", html, [("Location", f"/wayback/web/{near.timestamp}{flag}/{near.original}")]
    cap = exact[0]
    hdrs = [("Memento-Datetime", time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                               time.strptime(cap.timestamp, "%Y%m%d%H%M%S")))]
    if cap.statuscode in ("301", "302") or cap.kind == "redirect":
        home = f"http://{urlsplit(original).hostname}/portal/Pages/default.aspx"
        return 302, b"", html, hdrs + [("Location", f"/wayback/web/{cap.timestamp}{flag}/{home}")]
    if cap.statuscode != "200":
        return int(cap.statuscode), render.not_found_html().encode("utf-8"), html, hdrs
    body, ctype = capture_body(portal, cap)
    return 200, body, ctype, hdrs


# --- faults of the archives (fault mode), outages (control endpoint) ------------------------------------
def _unit(*parts) -> float:
    return _h("archive-fault", *parts) / 2 ** 64


def listing_fault(seed: int, key: str, attempt: int) -> str | None:
    """What goes wrong with the first request of a CDX/index page in fault mode: ``cut``
    (the answer stops mid-line), ``not-json`` (an HTML page with status 200), ``http-503``
    (with Retry-After) or None."""
    if attempt != 1:
        return None
    u = _unit(seed, "listing", key)
    return "cut" if u < 0.11 else "not-json" if u < 0.22 else "http-503" if u < 0.33 else None


def cut_mid_line(text: str) -> str:
    """An answer cut off in the middle of a line (as a dropped CDX stream gives)."""
    lines = text.splitlines(keepends=True)
    if len(lines) < 2:
        return text[: max(1, len(text) // 2)]
    keep = "".join(lines[: max(1, len(lines) // 2)])
    nxt = lines[len(lines) // 2] if len(lines) // 2 < len(lines) else ""
    return keep + nxt[: max(1, len(nxt) // 2)]


NOT_JSON = (b"<!DOCTYPE html><html><head><title>Internet Archive: Wayback Machine</title></head><body>"
            b"<h1>Wayback Machine is temporarily unavailable</h1><p>Please try again in a few minutes.</p>"
            b"</body></html>\n")

PARTS = ("wayback-cdx", "wayback-web", "commoncrawl-index", "commoncrawl-data")


class ArchiveControl:
    """Outages of the fake archives and request counts, per endpoint (:data:`PARTS`).

    ``outage(part, seconds, after)``: from the ``after``-th next request on, ``part`` answers
    503 (``Retry-After: 60``) for ``seconds``; ``outage(part, 0)`` ends it. ``count(part)``
    is called by the server on every request and says whether it falls in an outage."""

    def __init__(self):
        self._lock = threading.Lock()
        self.requests = {p: 0 for p in PARTS}
        self.outages: dict[str, tuple[int, float]] = {}   # part -> (first request number, until)

    def outage(self, part: str, seconds: float, after: int = 0) -> dict:
        if part not in PARTS:
            raise ValueError(f"unknown archive part {part!r}; known: {', '.join(PARTS)}")
        with self._lock:
            if seconds <= 0:
                self.outages.pop(part, None)
            else:
                self.outages[part] = (self.requests[part] + after + 1, time.monotonic() + seconds)
            return self.status()

    def count(self, part: str) -> bool:
        """Count a request; True when it falls in an outage."""
        with self._lock:
            self.requests[part] += 1
            o = self.outages.get(part)
            return o is not None and self.requests[part] >= o[0] and time.monotonic() < o[1]

    def status(self) -> dict:
        now = time.monotonic()
        return {"requests": dict(self.requests),
                "outages": {p: {"from_request": n, "seconds_left": round(until - now, 1)}
                            for p, (n, until) in self.outages.items() if until > now}}
