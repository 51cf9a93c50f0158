"""Test helpers (no fixtures here)."""

import sys
import unicodedata

# letters windows-1258 has as single bytes; tone marks are combining characters
_CP1258_BASE = set("âêôơưăđÂÊÔƠƯĂĐ")


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese text the way windows-1258 pages do: base letter + combining tone."""
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out:
            composed = unicodedata.normalize("NFC", out[-1] + ch)
            if len(composed) == 1 and composed in _CP1258_BASE:
                out[-1] = composed
                continue
        out.append(ch)
    return "".join(out).encode("cp1258", "xmlcharrefreplace")


def crawl_cmd(replica_url: str, out, sites: str, *extra: str) -> list[str]:
    """``portal-news crawl`` of replica districts into ``out``, every request through the replica
    at ``replica_url`` (the portals' real URLs, answered by the replica as an HTTP proxy):
    politeness off, warnings only; ``extra`` options and ``-s`` settings appended."""
    return [sys.executable, "-m", "crawler.cli", "crawl", "--sites", sites, "--replica", replica_url,
            "--impolite", "-o", str(out), "-s", "LOG_LEVEL=WARNING", *extra]
