"""Joining links with their page's URL: the one place that does it for the extractors."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

__all__ = ["ARTICLE_PATH", "join_url", "url_origin"]

_UNSAFE_IN_SRC = frozenset("?#;\t\r\n[]")
_BASES: dict = {}


def _plain_origin(base: str) -> str | None:
    """``url_origin(base)`` of a plain http(s) URL, read without urlsplit; None when urlsplit
    must decide. urlsplit finds the same netloc here: the URL starts with a lower-case scheme
    (nothing to strip before it, nothing to lower-case), the netloc runs to the first "/", "?"
    or "#" after "//" as in urlsplit's _splitnetloc, and a printable ASCII netloc without
    brackets has no tab or newline for urlsplit to remove and nothing for its IPv6 and NFKC
    checks to reject."""
    if base.startswith(("http://", "https://")):
        start = 7 if base[4] == ":" else 8
        end = len(base)
        for ch in "/?#":
            i = base.find(ch, start, end)
            if i >= 0:
                end = i
        netloc = base[start:end]
        if netloc and netloc.isascii() and netloc.isprintable() and "[" not in netloc and "]" not in netloc:
            return base[:end]
    return None


def url_origin(base: str) -> str | None:
    """``scheme://netloc`` of an http(s) base URL as urljoin reads it, else None."""
    origin = _BASES.get(base, "")
    if origin == "":
        origin = _plain_origin(base)
        if origin is None:
            try:
                parts = urlsplit(base)
            except ValueError:
                parts = None
            origin = (parts.scheme + "://" + parts.netloc
                      if parts and parts.scheme in ("http", "https") and parts.netloc else None)
        if len(_BASES) >= 256:
            _BASES.clear()
        _BASES[base] = origin
    return origin


def join_url(base: str, src: str) -> str | None:
    """``urljoin(base, src)``, without parsing both URLs for the platform's usual links and
    image sources: an absolute path (no dot segments, query, fragment or parameters) on an
    http(s) base, or an absolute ASCII http(s) URL that urljoin would give back unchanged.
    None for a link urljoin cannot read (``//[x``: a malformed IPv6 host)."""
    if src and _UNSAFE_IN_SRC.isdisjoint(src):
        if src[0] == "/":
            if src[1:2] != "/" and "/." not in src:
                origin = url_origin(base)
                if origin is not None:
                    return origin + src
        elif src.startswith(("http://", "https://")) and src.isascii():
            rest = src[src.index("/") + 2:]
            if rest and rest[0] != "/" and "/." not in rest and url_origin(base) is not None:
                return src
    try:
        return urljoin(base, src)
    except ValueError:
        return None


# The platform's article path: /portal/Pages/2021-3-24/Slug-abc123.aspx (also lower-case
# /portal/pages/, the id glued to a slug cut mid-word, "--" where punctuation was dropped)
ARTICLE_PATH = re.compile(r"/Pages/\d{4}-\d{1,2}-\d{1,2}/[^/?#]+\.aspx$", re.I)
