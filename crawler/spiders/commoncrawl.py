"""Common Crawl as a source (``-a source=commoncrawl``, or ``archives`` with the Wayback Machine).

What is Common Crawl's own here; the pull itself is :mod:`crawler.spiders.archives`.

* **Crawls**: ``COMMONCRAWL_INDEXES`` names crawl ids (``CC-MAIN-2019-09,…``), or ``all``:
  the list from ``<COMMONCRAWL_INDEX_URL>/collinfo.json``, kept to the crawls that overlap
  ``--from``/``--to``.
* **Listing**: per crawl and host, the index server's CDX query (pywb: the same query
  language as Wayback's) ``<index>/<crawl>-index?url=<host>/portal/Pages/&matchType=prefix
  &output=json&filter=status:200``, paged with the **page API**: ``showNumPages=true`` first,
  then ``page=0…N-1`` (the page number is the saved position). An empty page answers 404
  "No Captures found", which is not an error.
* **Captures**: the record's byte range of its WARC file,
  ``GET <COMMONCRAWL_DATA_URL>/<filename>`` with ``Range: bytes=<offset>-<offset+length-1>``:
  one gzip member holding one WARC ``response`` record. It must be whole (``length`` bytes,
  a complete gzip member), of the URL the index says, not cut at the crawler's size limit
  (``WARC-Truncated``), and its payload's SHA-1 must be the index's ``digest``.
* ``fetch_url`` of a row from Common Crawl: ``<data URL>/<filename>#offset=<offset>&length=<length>``.
"""

from __future__ import annotations

import gzip
import json
import zlib
from datetime import datetime
from io import BytesIO
from urllib.parse import urlencode, urlsplit

from warcio.archiveiterator import ArchiveIterator

from crawler.spiders.captures import Payload, digest_of
from crawler.spiders.wayback import ListingError, strip_digest

NAME = "commoncrawl"
INDEX_SLOT = "commoncrawl-index"
DATA_SLOT = "commoncrawl-data"
COLLINFO = "collinfo"


def _host_form(url: str) -> str:
    """Host without ``www.`` and port, path and query: two recordings of the same page compare equal."""
    p = urlsplit(url)
    host = (p.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    return f"{host}{p.path.lower()}?{p.query}"


class CommonCrawl:
    """Common Crawl side of an archive pull: crawls, index pages, byte ranges."""

    name = NAME
    cdx_slot = INDEX_SLOT
    data_slot = DATA_SLOT

    def __init__(self, settings, from_: str | None = None, to: str | None = None):
        self.index = (settings.get("COMMONCRAWL_INDEX_URL") or "https://index.commoncrawl.org").rstrip("/")
        self.data = (settings.get("COMMONCRAWL_DATA_URL") or "https://data.commoncrawl.org").rstrip("/")
        value = settings.get("COMMONCRAWL_INDEXES") or "all"
        if isinstance(value, (list, tuple)):
            value = ",".join(value)
        self.indexes = [] if str(value).strip().lower() == "all" else [v.strip() for v in str(value).split(",") if v.strip()]
        self.page_size = settings.getint("COMMONCRAWL_PAGE_SIZE", 0)
        self.from_, self.to = from_, to

    def signature(self, hosts: list[str]) -> dict:
        return {"index": self.index, "hosts": sorted(hosts), "from": self.from_, "to": self.to,
                "indexes": self.indexes or "all", "v": 1}

    # --- the crawls -----------------------------------------------------------------------
    def needs_collinfo(self, state) -> bool:
        """The crawl list is needed: never read, or a reused listing to bring up to date
        (crawls published since)."""
        return not self.indexes and ("crawls" not in state.info or (state.refresh and not state.info.get("_asked")))

    def collinfo_url(self) -> str:
        return f"{self.index}/collinfo.json"

    def parse_collinfo(self, response) -> list[str]:
        """Crawl ids of ``collinfo.json`` that overlap ``from``/``to``, oldest first."""
        if response.status != 200:
            raise ListingError(f"collinfo.json answered HTTP {response.status}")
        try:
            data = json.loads(response.body)
            ids = [(c["id"], c.get("from"), c.get("to")) for c in data]
        except (ValueError, KeyError, TypeError) as exc:
            raise ListingError(f"collinfo.json is not the list of crawls ({exc})") from None
        lo = self.from_ and (self.from_ + "00000000000000")[:14]
        hi = self.to and (self.to + "99999999999999")[:14]
        keep = []
        for cid, start, end in ids:
            s, e = _digits(start), _digits(end)
            if lo and e and e < lo:
                continue
            if hi and s and s > hi:
                continue
            keep.append(cid)
        return sorted(keep)

    def crawls(self, state) -> list[str]:
        return self.indexes or list(state.info.get("crawls", []))

    def add_crawls(self, state, crawls: list[str]) -> None:
        """Keep the crawl list of ``collinfo.json`` (crawls already listed stay listed)."""
        state.info["_asked"] = True   # for this run (the flag is dropped again when loaded)
        state.set_info(crawls=sorted(set(state.info.get("crawls", [])) | set(crawls)))

    def queries(self, hosts: list[str], state) -> list[str]:
        return [f"{crawl} {host}" for crawl in self.crawls(state) for host in sorted(hosts)]

    # --- index pages ----------------------------------------------------------------------
    def _params(self, host: str) -> list[tuple[str, str]]:
        params = [("url", f"{host}/portal/Pages/"), ("matchType", "prefix"), ("output", "json"),
                  ("filter", "status:200")]
        if self.from_:
            params.append(("from", self.from_))
        if self.to:
            params.append(("to", self.to))
        if self.page_size:
            params.append(("pageSize", str(self.page_size)))
        return params

    def query_url(self, qid: str, position) -> str:
        crawl, host = qid.split(" ", 1)
        params = self._params(host)
        if position is None:
            params.append(("showNumPages", "true"))
        else:
            params.append(("page", str(position["page"])))
        return f"{self.index}/{crawl}-index?{urlencode(params, safe=':/,')}"

    def parse_answer(self, response, qid: str, query: dict) -> tuple[list[list], object, bool]:
        crawl = qid.split(" ", 1)[0]
        position = query.get("position")
        text = response.body.decode("utf-8", "replace")
        if position is None:   # showNumPages
            if response.status == 404 and "No Captures" in text:
                return [], None, True
            if response.status != 200:
                raise ListingError(f"index answered HTTP {response.status} ({text.strip()[:80]!r})")
            try:
                pages = int(json.loads(text)["pages"])
            except (ValueError, KeyError, TypeError):
                try:
                    pages = int(text.strip())
                except ValueError:
                    raise ListingError(f"index page count is not readable ({text.strip()[:60]!r})") from None
            return [], ({"page": 0, "pages": pages} if pages > 0 else None), pages <= 0
        page, pages = position["page"], position["pages"]
        rows = []
        if response.status == 404 and "No Captures" in text:
            pass  # nothing on this page (after the filter)
        elif response.status != 200:
            raise ListingError(f"index answered HTTP {response.status} ({text.strip()[:80]!r})")
        else:
            for n, line in enumerate(text.splitlines()):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    raise ListingError(f"index answer cut off or not JSON lines (line {n + 1}: {line[:60]!r})") from None
                if not isinstance(row, dict):
                    raise ListingError(f"index answer line {n + 1} is not a JSON object")
                rows.append(saved_row(row, crawl))
            if not text.endswith("\n") and rows:
                raise ListingError("index answer cut off (no end of line after the last row)")
        nxt = page + 1
        return rows, ({"page": nxt, "pages": pages} if nxt < pages else None), nxt >= pages

    @staticmethod
    def cap_fields(row: list) -> dict:
        urlkey, ts, url, status, digest, mime, filename, offset, length, crawl = (row + [""] * 10)[:10]
        return {"ts": ts, "original": url, "status": status, "digest": digest, "mime": mime, "filename": filename,
                "offset": int(offset) if str(offset).isdigit() else None,
                "length": int(length) if str(length).isdigit() else None, "crawl": crawl}

    def lookup_url(self, url: str) -> str | None:
        return None   # exact lookups would be one query per crawl: the prefix listings are complete

    # --- captures ---------------------------------------------------------------------------
    def capture_request(self, cap) -> tuple[str, dict]:
        end = cap.offset + cap.length - 1
        return f"{self.data}/{cap.filename}", {"Range": f"bytes={cap.offset}-{end}"}

    def fetch_url(self, cap) -> str:
        return f"{self.data}/{cap.filename}#offset={cap.offset}&length={cap.length}"

    def payload(self, response, cap) -> Payload:
        """The capture's HTTP response, out of its WARC record — or why the record is unusable."""
        data = response.body
        if response.status == 200 and cap.offset is not None and len(data) > (cap.length or 0):
            data = data[cap.offset: cap.offset + cap.length]   # the server sent the whole file
        elif response.status not in (200, 206):
            return Payload(response.status, b"", problem=(f"http-{response.status}",
                                                           f"the data server answers HTTP {response.status}"))
        if cap.length is not None and len(data) != cap.length:
            return Payload(0, problem=("length", f"{len(data)} bytes where the index says {cap.length}"))
        try:
            gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            return Payload(0, problem=("length", f"the byte range is not one whole gzip member ({exc}): "
                                                 f"the index's offset or length is not the record's"))
        try:
            record = next(iter(ArchiveIterator(BytesIO(data))))
            headers = record.rec_headers
            target = headers.get_header("WARC-Target-URI") or ""
            http = record.http_headers
            raw = record.raw_stream.read()
        except StopIteration:
            return Payload(0, problem=("record", "the byte range holds no WARC record"))
        except Exception as exc:  # zlib, EOF, warcio: a range that is not one whole gzip member
            return Payload(0, problem=("length", f"the byte range is not one whole WARC record ({type(exc).__name__}: "
                                                 f"{str(exc)[:80]}); the index's offset or length is wrong"))
        if record.rec_type != "response" or http is None:
            return Payload(0, problem=("record", f"the record is a {record.rec_type!r} record, not a response"))
        if _host_form(target) != _host_form(cap.original):
            return Payload(0, problem=("record", f"the record is of {target}, not of {cap.original}"))
        if headers.get_header("WARC-Truncated"):
            return Payload(0, problem=("truncated", f"the record was cut when crawled "
                                                    f"(WARC-Truncated: {headers.get_header('WARC-Truncated')})"))
        digest = digest_of(raw)
        stated = strip_digest(headers.get_header("WARC-Payload-Digest"))
        if stated and stated != digest:
            return Payload(0, problem=("digest", "the record's payload does not match its own WARC-Payload-Digest"))
        body = raw
        encoding = (http.get_header("Content-Encoding") or "").lower()
        chunked = "chunked" in (http.get_header("Transfer-Encoding") or "").lower()
        if encoding in ("gzip", "deflate", "br") or chunked:
            try:
                again = next(iter(ArchiveIterator(BytesIO(data))))
                body = again.content_stream().read()
            except Exception as exc:
                return Payload(0, problem=("record", f"the payload cannot be decoded ({type(exc).__name__})"))
        status = int(http.get_statuscode() or 0)
        return Payload(status, body, http.get_header("Content-Type"), http.get_header("Location"), digest)


def saved_row(row: dict, crawl: str) -> list:
    """An index line as the listing state keeps it."""
    return [row.get("urlkey", ""), row.get("timestamp", ""), row.get("url", ""), str(row.get("status", "")),
            strip_digest(row.get("digest", "")), row.get("mime", ""), row.get("filename", ""),
            str(row.get("offset", "")), str(row.get("length", "")), crawl]


def _digits(value) -> str | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).strftime("%Y%m%d%H%M%S")
    except ValueError:
        digits = "".join(ch for ch in str(value) if ch.isdigit())
        return (digits + "0" * 14)[:14] if digits else None
