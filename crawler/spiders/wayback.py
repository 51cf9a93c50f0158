"""The Wayback Machine as a source (``-a source=wayback``, or ``archives`` with Common Crawl).

What is Wayback's own here; the pull itself (listing state, choosing captures, provenance,
pacing) is :mod:`crawler.spiders.archives`.

* **Listing**: per host of a site, a CDX prefix query for ``<host>/portal/Pages/`` (the index
  keys URLs in SURT form, without scheme and ``www.``, so one query covers ``www.`` and bare,
  http and https), every capture with status 200 (no ``collapse``: later captures are the
  fallback when the first is not the article, and the versions of ``--captures latest|all``),
  ``limit=WAYBACK_CDX_LIMIT`` rows an answer, paged with the **resumption key**
  (``showResumeKey=true`` / ``resumeKey=``): the key is the listing's position, saved after
  every answer, so a stopped listing continues where it stopped. (The CDX ``page=`` API is
  not used: it answers prefix queries empty or partly, and lags the live index.)
* **Exact lookups** (``url=<article url>``, no ``matchType``) for articles a captured listing
  page links and no prefix listing held.
* **Captures**: ``<WAYBACK_BASE_URL>/web/<timestamp>id_/<original>`` — the page as the portal
  served it (no toolbar, links as on the portal), not redirected (a replay that redirects is
  not the article). Its body is checked against the row's ``digest`` (base-32 SHA-1 of the payload).
"""

from __future__ import annotations

import json
import re
import time
from calendar import timegm
from urllib.parse import urlencode

from crawler.spiders.captures import Payload, digest_of

NAME = "wayback"
CDX_SLOT = "wayback-cdx"
SLOT = "wayback"        # captures (the slot's name since the first Wayback source)
FIELDS = "urlkey,timestamp,original,mimetype,statuscode,digest,length"


class ListingError(ValueError):
    """An index answer that cannot be read (not JSON, cut mid-line): asked again, then a failure."""


def year_bound(value, name: str) -> str | None:
    """``from``/``to`` argument → CDX timestamp prefix (YYYY[MM[DD…]]); ValueError when not digits."""
    if value in (None, ""):
        return None
    digits = re.sub(r"[-:T ]", "", str(value).strip())
    if not re.fullmatch(r"\d{4,14}", digits):
        raise ValueError(f"{name}={value!r} is not a year or timestamp (YYYY, YYYYMMDD, …)")
    return digits


def cdx_url(base: str, host: str, from_: str | None = None, to: str | None = None, *, limit: int | None = None,
            resume_key: str | None = None, exact_url: str | None = None) -> str:
    """A CDX query: every 200 capture under ``<host>/portal/Pages/`` (or of ``exact_url``),
    paged by resumption key when ``limit`` is given."""
    if exact_url:
        params = [("url", exact_url)]
    else:
        params = [("url", f"{host}/portal/Pages/"), ("matchType", "prefix")]
    params += [("output", "json"), ("fl", FIELDS), ("filter", "statuscode:200")]
    if from_:
        params.append(("from", from_))
    if to:
        params.append(("to", to))
    if limit:
        params += [("limit", str(limit)), ("showResumeKey", "true")]
    if resume_key:
        params.append(("resumeKey", resume_key))
    return f"{base.rstrip('/')}/cdx/search/cdx?{urlencode(params, safe=':/,')}"


def capture_url(base: str, timestamp: str, original: str) -> str:
    return f"{base.rstrip('/')}/web/{timestamp}id_/{original}"


def timestamp_to_unix(ts: str) -> float:
    """14-digit archive timestamp (UTC) → UNIX time."""
    ts = (ts + "00000000000000")[:14]
    return float(timegm(time.strptime(ts, "%Y%m%d%H%M%S")))


def _unreadable(text: str, exc: Exception) -> ListingError:
    head = text.lstrip()[:40].replace("\n", " ")
    if head.startswith("["):
        return ListingError(f"CDX answer cut off or malformed JSON ({exc}; {len(text)} characters)")
    return ListingError(f"CDX answer is not JSON (starts with {head!r})")


def parse_cdx_page(body: bytes | str) -> tuple[list[dict], str | None]:
    """A CDX ``output=json`` answer → (rows as dicts, resumption key or None). The first row
    holds the field names; with ``showResumeKey`` an empty row and ``[key]`` end it.
    Raises :class:`ListingError` when the answer is not complete JSON."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not text.strip():
        return [], None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise _unreadable(text, exc) from None
    if not isinstance(data, list) or any(not isinstance(r, list) for r in data):
        raise ListingError("CDX answer is JSON but not a list of rows")
    if not data:
        return [], None
    key = None
    if len(data) >= 2 and data[-2] == [] and len(data[-1]) == 1:
        key = str(data[-1][0])
        data = data[:-2]
    fields = data[0]
    return [dict(zip(fields, row)) for row in data[1:] if row], key


def parse_cdx_json(body: bytes | str) -> list[dict]:
    """CDX ``output=json`` answer → rows as dicts (the resumption key, if any, dropped)."""
    return parse_cdx_page(body)[0]


def saved_row(row: dict) -> list:
    """A CDX row as the listing state keeps it: [urlkey, timestamp, original, status, digest, mimetype]."""
    return [row.get("urlkey", ""), row.get("timestamp", ""), row.get("original", ""), row.get("statuscode", ""),
            strip_digest(row.get("digest", "")), row.get("mimetype", "")]


def strip_digest(value: str | None) -> str:
    value = (value or "").strip()
    return value.split(":", 1)[1] if value.lower().startswith("sha1:") else value


def response_content_type(response) -> str | None:
    """The response's Content-Type header as text (both spiders' pages)."""
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None


# --- the archive adapter the pull uses (crawler.spiders.archives) ---------------------------------
class Wayback:
    """Wayback Machine side of an archive pull: its queries, answers, captures."""

    name = NAME
    cdx_slot = CDX_SLOT
    data_slot = SLOT

    def __init__(self, settings, from_: str | None = None, to: str | None = None):
        self.base = (settings.get("WAYBACK_BASE_URL") or "https://web.archive.org").rstrip("/")
        self.limit = settings.getint("WAYBACK_CDX_LIMIT", 5000)
        self.from_, self.to = from_, to

    def signature(self, hosts: list[str]) -> dict:
        return {"base": self.base, "hosts": sorted(hosts), "from": self.from_, "to": self.to, "v": 1}

    def queries(self, hosts: list[str], state) -> list[str]:
        """Query ids of the listing: one per host; when a complete listing is reused, one more
        per host for the captures indexed since (``<host> since <timestamp>``)."""
        out = sorted(hosts)
        since = state.since()
        if since and not self.to:
            out += [f"{host} since {since}" for host in sorted(hosts)]
        return out

    def query_url(self, qid: str, position) -> str:
        host, _, since = qid.partition(" since ")
        from_ = max(since, self.from_ or "") if since else self.from_
        return cdx_url(self.base, host, from_, self.to, limit=self.limit, resume_key=position)

    def parse_answer(self, response, qid: str, query: dict) -> tuple[list[list], object, bool]:
        """(saved rows, next position, done) of one answer; ListingError when unreadable."""
        if response.status != 200:
            raise ListingError(f"CDX answered HTTP {response.status}")
        rows, key = parse_cdx_page(response.body)
        return [saved_row(r) for r in rows], key, key is None

    def lookup_url(self, url: str) -> str:
        return cdx_url(self.base, "", self.from_, self.to, exact_url=url)

    def parse_lookup(self, response) -> list[list]:
        if response.status == 404:
            return []
        if response.status != 200:
            raise ListingError(f"CDX answered HTTP {response.status}")
        return [saved_row(r) for r in parse_cdx_page(response.body)[0]]

    @staticmethod
    def cap_fields(row: list) -> dict:
        """A saved row → the fields of a capture."""
        urlkey, ts, original, status, digest, mime = (row + [""] * 6)[:6]
        return {"ts": ts, "original": original, "status": status, "digest": digest, "mime": mime}

    def capture_request(self, cap) -> tuple[str, dict]:
        return capture_url(self.base, cap.ts, cap.original), {}

    def fetch_url(self, cap) -> str:
        return capture_url(self.base, cap.ts, cap.original)

    def payload(self, response, cap) -> Payload:
        """The replay as the archive answered it (never redirected: a redirect is not the article)."""
        location = response.headers.get(b"Location")
        return Payload(response.status, response.body, response_content_type(response),
                       location.decode("latin-1") if location else None, digest_of(response.body))
