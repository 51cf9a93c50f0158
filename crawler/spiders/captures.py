"""Archive captures: what one is, what fetching it gave, and whether it is really the article.

A capture the index lists with status 200 is not always the article. :func:`problem_of`
says why one is not: its replay redirects or fails, its body does not match the index entry
(digest, or for Common Crawl the record's length and URL), it was cut when archived, it is
the platform's error page or a sign-in page. Whether what remains is an article is then
the extraction's answer (the spider extracts archive captures itself: the choice of the
capture depends on it, and archives answer a few pages a second, so the reactor thread has
time for it).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field

from pipelines.extraction.extract import looks_like_error_page

ARCHIVE_ORDER = ("wayback", "commoncrawl")


@dataclass(slots=True)
class Cap:
    """One capture of a URL in an archive (from its index)."""

    archive: str
    ts: str                      # 14-digit UTC timestamp
    original: str                # the URL as the archive recorded it (any host form)
    digest: str = ""             # base-32 SHA-1 of the payload, per the index
    status: str = "200"
    mime: str = ""
    filename: str | None = None  # Common Crawl: the WARC file, the record's offset and length, the crawl
    offset: int | None = None
    length: int | None = None
    crawl: str | None = None

    @property
    def key(self) -> str:
        return f"{self.archive} {self.ts} {self.original}"

    @property
    def order(self) -> tuple:
        return (self.ts, ARCHIVE_ORDER.index(self.archive) if self.archive in ARCHIVE_ORDER else 9)

    def label(self) -> str:
        when = f"{self.ts[:4]}-{self.ts[4:6]}-{self.ts[6:8]} {self.ts[8:10]}:{self.ts[10:12]}"
        return f"{self.archive} {when}" + (f" ({self.crawl})" if self.crawl else "")


@dataclass(slots=True)
class Payload:
    """What fetching a capture gave: the archived HTTP status, headers and body."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    location: str | None = None
    digest: str = ""             # base-32 SHA-1 of the payload as stored (before any decoding)
    problem: tuple[str, str] | None = None   # (kind, reason) when the record itself is unusable


@dataclass(slots=True)
class Verdict:
    """Is a capture the article? ``rows`` are its dataset rows when it is (None for a capture
    whose body is byte-identical to one already judged good)."""

    good: bool
    kind: str = ""               # why not: redirect, digest, length, record, truncated, error-page, login,
                                 # not-article, http-NNN, timeout, connection, archive-unavailable, …
    reason: str = ""
    rows: dict | None = None
    archive_error: bool = False  # the archive failed (try again later), not the capture
    known: bool = False          # judged by an earlier run (not fetched again)
    extra: dict = field(default_factory=dict)

    @property
    def content_hash(self) -> str | None:
        return self.rows["article"]["content_hash"] if self.rows else None


def digest_of(data: bytes) -> str:
    """Base-32 SHA-1, the form of CDX ``digest`` and ``WARC-Payload-Digest``."""
    return base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


_END = re.compile(rb"</(html|body)\s*>", re.I)
_PASSWORD = re.compile(rb"<input[^>]+type\s*=\s*[\"']?password", re.I)
_SIGN_IN = re.compile(rb"authenticate\.aspx|login\.aspx|signin\.aspx|/_login/|/_trust/|\xc4\x90\xc4\x83ng nh\xe1\xba\xadp"
                      rb"|sign in", re.I)


def looks_truncated(body: bytes) -> bool:
    """A page cut when archived: no closing ``</body>`` or ``</html>`` (the portals' pages always have them)."""
    return _END.search(body[-65536:]) is None


def looks_like_login_page(body: bytes) -> bool:
    """A sign-in page: a password field on a page that says it signs in (SharePoint's
    Authenticate.aspx / "Đăng nhập")."""
    return _PASSWORD.search(body) is not None and _SIGN_IN.search(body) is not None


def problem_of(p: Payload, cap: Cap, check_digest: bool = True) -> tuple[str, str] | None:
    """Why a fetched capture is not the article, before extraction; None when it may be."""
    if p.problem:
        return p.problem
    if 300 <= p.status < 400:
        return "redirect", f"the replay redirects (HTTP {p.status}) to {p.location or '?'}"
    if p.status != 200:
        return f"http-{p.status}", f"the archive answers HTTP {p.status} for this capture"
    if check_digest and cap.digest and p.digest and p.digest != cap.digest:
        return "digest", (f"body does not match its index entry: digest {p.digest[:10]}… "
                          f"where the index says {cap.digest[:10]}…")
    if looks_truncated(p.body):
        return "truncated", f"the body ends before </html> ({len(p.body)} bytes): cut when archived"
    if looks_like_error_page(p.body, p.content_type):
        return "error-page", "the platform's error page, archived with status 200"
    if looks_like_login_page(p.body):
        return "login", "a sign-in page, archived in place of the article"
    return None
