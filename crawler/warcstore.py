"""Raw page store: every HTTP response the crawler receives, kept as WARC records.

A downloader middleware (``DOWNLOADER_MIDDLEWARES`` order 585: after the compression
middleware has decoded the body, before the retry middleware may drop a response) writes
one WARC ``response`` record per response — listings, articles, robots.txt, CDX answers,
404s and the error pages or 503s that are then retried — with ``WARC-Target-URI``,
``WARC-Date`` (fetch time), the HTTP status line and headers, and the body as decoded
(``Content-Encoding``/``Transfer-Encoding`` headers are dropped and ``Content-Length``
set to the stored body, so any WARC reader sees a consistent record).

Files: ``<OUTPUT_DIR>/warc/<run_id>-<NNNNN>.warc.gz`` (one gzip member per record),
rotated once a file reaches ``WARC_MAX_BYTES``. A file is written as
``….warc.gz.open`` and renamed when it is rotated or the spider closes; each record is
flushed when written, so a killed run leaves at most one ``.open`` file whose complete
records are readable (``portal-news reprocess`` accepts it). The next run that writes WARC
(it holds the root's lock, so no other writer is live) finishes such files before it writes
its own (:func:`recover_open_files`): each is cut after its last complete record and renamed
to ``….warc.gz``, so any WARC reader reads what it holds; one without a complete record is
removed.

Wayback captures are stored under the ORIGINAL URL (``WARC-Target-URI``), with the capture
URL in ``WARC-Source-URI`` and the archive's capture time in ``X-Capture-Time`` (plus
``X-Portal-Source: wayback``), so reprocessing restores their provenance.

The crawl's reactor thread only gathers each record's parts; a child process
(:class:`WarcWriterProcess`) builds, digests, compresses and writes them, so the WARC store
costs the crawl tens of microseconds per page instead of half a millisecond.

Settings: ``WARC_ENABLED`` (default True), ``WARC_MAX_BYTES`` (default 100 MB),
``WARC_WRITE_REQUESTS`` (default False: also write a ``request`` record per response),
``WARC_PROCESS`` (default True; False writes in the crawl process itself).
"""

from __future__ import annotations

import logging
import os
import pickle
import time
import zlib
from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
_DROP_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}


def warc_date(ts: float) -> str:
    """WARC 1.1 date (UTC, microseconds)."""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- files of killed runs -----------------------------------------------------------------------
_SCAN_CHUNK = 1 << 20


def complete_records_end(path: str | Path) -> tuple[int, int]:
    """(offset after the last complete WARC record, number of complete records) of a gzip
    WARC file written one gzip member per record. A member is complete when its gzip trailer
    is there and it decompresses to something starting with ``WARC/``; the scan stops at the
    first that is not (a record cut by a kill). Memory stays bounded (1 MB at a time)."""
    good_end, records, consumed = 0, 0, 0
    with open(path, "rb") as f:
        d, head, pending = zlib.decompressobj(31), b"", b""
        while True:
            if not pending:
                pending = f.read(_SCAN_CHUNK)
                if not pending:
                    break
            before = len(pending)
            try:
                out = d.decompress(pending, _SCAN_CHUNK)
            except zlib.error:
                break
            rest = d.unconsumed_tail if not d.eof else d.unused_data
            consumed += before - len(rest)
            if len(head) < 5:
                head += out[: 5 - len(head)]
            if d.eof:
                if head != b"WARC/":
                    break
                good_end, records = consumed, records + 1
                d, head = zlib.decompressobj(31), b""
            pending = rest
    return good_end, records


def recover_open_files(directory: str | Path, skip_prefix: str | None = None) -> list[tuple[Path, Path | None, int]]:
    """Finish the ``.warc.gz.open`` files killed runs left in ``directory`` (not those named
    ``skip_prefix-…``: the current run's): cut each after its last complete record and rename
    it to ``….warc.gz`` (another free name if that one is taken); remove one that holds no
    complete record. Call it only while holding the root's lock (no other writer is live).
    Returns (file, final path or None when removed, records kept) per file."""
    directory = Path(directory)
    done = []
    if not directory.is_dir():
        return done
    for path in sorted(directory.glob("*.warc.gz" + OPEN_SUFFIX)):
        if skip_prefix and path.name.startswith(skip_prefix + "-"):
            continue
        end, records = complete_records_end(path)
        if records == 0:
            path.unlink()
            done.append((path, None, 0))
            continue
        with open(path, "r+b") as f:
            if f.seek(0, os.SEEK_END) > end:
                f.truncate(end)
            f.flush()
            os.fsync(f.fileno())
        final = Path(str(path)[: -len(OPEN_SUFFIX)])
        n = 1
        while final.exists():
            final = path.with_name(path.name[: -len(".warc.gz" + OPEN_SUFFIX)] + f"-recovered{n}.warc.gz")
            n += 1
        os.replace(path, final)
        done.append((path, final, records))
    return done


class RotatingWarcWriter:
    """gzip WARC files ``<directory>/<prefix>-NNNNN.warc.gz``, rotated at ``max_bytes``."""

    def __init__(self, directory: str | Path, prefix: str, max_bytes: int = 100 * 1024 * 1024):
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_bytes = max(int(max_bytes), 1)
        self.seq = 0
        self._fh = None
        self._writer: WARCWriter | None = None
        self._path: Path | None = None
        self.files: list[Path] = []
        self.records = 0

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            final = self.directory / f"{self.prefix}-{self.seq:05d}.warc.gz"
            if not final.exists() and not Path(str(final) + OPEN_SUFFIX).exists():
                break
            self.seq += 1
        self._path = Path(str(final) + OPEN_SUFFIX)
        self._fh = open(self._path, "xb")
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="WARC/1.1")

    def _finish(self) -> None:
        if self._fh is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        final = Path(str(self._path)[: -len(OPEN_SUFFIX)])
        os.replace(self._path, final)
        self.files.append(final)
        self._fh = self._writer = self._path = None
        self.seq += 1

    def write(self, records) -> None:
        """Write records (built with :meth:`record`) together, then rotate if the file is full."""
        if self._fh is None:
            self._open()
        for rec in records:
            self._writer.write_record(rec)
            self.records += 1
        self._fh.flush()
        if self._fh.tell() >= self.max_bytes:
            self._finish()

    @property
    def builder(self) -> WARCWriter:
        if self._writer is None:
            self._open()
        return self._writer

    def close(self) -> list[Path]:
        self._finish()
        return self.files


class WarcStoreMiddleware:
    """Downloader middleware writing every response to WARC files (see module docstring)."""

    def __init__(self, crawler):
        # Scrapy is imported here, not at module level: the writer process imports this
        # module too and needs none of it (~25 MB less per crawl)
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED", True):
            raise NotConfigured("WARC_ENABLED is off")
        from crawler.run import RunOwner

        self.crawler = crawler
        self.owner = RunOwner.of(crawler)
        self.directory = Path(self.owner.root) / "warc"
        self.max_bytes = settings.getint("WARC_MAX_BYTES", 100 * 1024 * 1024)
        self.write_requests = settings.getbool("WARC_WRITE_REQUESTS", False)
        # WARC_PROCESS: write from a child process (default) or in the crawl's own thread
        self.use_process = settings.getbool("WARC_PROCESS", True)
        self._store: RotatingWarcWriter | None = None
        self._proc: WarcWriterProcess | None = None
        self._started = False
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _run_id(self) -> str:
        """The run's id (the run owner's), so WARC files and ``runs/`` rows match."""
        return self.owner.run_id

    @property
    def store(self) -> RotatingWarcWriter:
        if self._store is None:
            self._store = RotatingWarcWriter(self.directory, self._run_id(), self.max_bytes)
        return self._store

    def process_response(self, request, response):
        self._start()
        try:
            self._write(request, response)
        except OSError as exc:  # a full disk must not stop the crawl silently: log loudly
            logger.error("WARC store: cannot write %s: %s", response.url, exc)
        return response

    def _write(self, request, response) -> None:
        parts = record_parts(request, response, self.write_requests)
        if self._proc is not None:
            try:
                self._proc.write(parts)
                return
            except OSError as exc:  # the writer process is gone: write here from now on
                logger.error("WARC store: writer process failed (%s); writing in the crawl process", exc)
                self._proc.abandon()
                self._proc = None
        write_parts(self.store, parts)

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        if self.owner.opened:  # the root's lock is ours: no other writer is live
            self._recover()
        if self.use_process:
            try:
                self._proc = WarcWriterProcess(self.directory, self._run_id(), self.max_bytes)
            except OSError as exc:
                logger.error("WARC store: cannot start the writer process (%s); writing in the crawl process", exc)

    def _recover(self) -> None:
        """Finish the ``.open`` WARC files of earlier, killed runs (:func:`recover_open_files`)."""
        try:
            done = recover_open_files(self.directory, skip_prefix=self._run_id())
        except OSError as exc:
            logger.error("WARC store: cannot finish the files of earlier runs under %s: %s", self.directory, exc)
            return
        for path, final, records in done:
            if final is None:
                logger.warning("WARC store: %s (left by a killed run) held no complete record; removed", path.name)
            else:
                logger.warning("WARC store: %s (left by a killed run) finished as %s with %d complete records",
                               path.name, final.name, records)
        if done:
            self.crawler.stats.set_value("warc/recovered_files", len(done))

    def spider_closed(self, spider, reason=None):
        records, files, errors = 0, [], []
        if self._proc is not None:
            r, f, errors = self._proc.close()
            records += r
            files += f
            self._proc = None
        if self._store is not None:
            files += self._store.close()
            records += self._store.records
        if not self._started and self._store is None:
            return
        for err in errors[:5]:
            logger.error("WARC store: %s", err)
        if len(errors) > 5:
            logger.error("WARC store: … and %d more write errors", len(errors) - 5)
        self.crawler.stats.set_value("warc/records", records)
        self.crawler.stats.set_value("warc/files", len(files))
        if errors:
            self.crawler.stats.set_value("warc/write_errors", len(errors))
        logger.info("WARC store: %d records in %d files under %s", records, len(files), self.directory)


# --- one record: built from the response in the crawl, written wherever the writer runs ----------
def record_parts(request, response, write_requests: bool = False) -> tuple:
    """Plain data (picklable, cheap to build) of the WARC record(s) of one response."""
    now = time.time()
    fetched = now - float(request.meta.get("download_latency") or 0.0)
    status = response.status
    headers = []
    for name, values in response.headers.items():
        if name.lower() in _DROP_HEADERS:
            continue
        for v in values:
            headers.append((name.decode("latin-1"), v.decode("latin-1")))
    body = response.body or b""
    headers.append(("Content-Length", str(len(body))))
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    meta = request.meta
    original = meta.get("wayback_original")
    target = original or response.url
    warc_headers = {"WARC-Date": warc_date(fetched)}
    if original:
        warc_headers["WARC-Source-URI"] = response.url
        warc_headers["X-Portal-Source"] = "wayback"
        if meta.get("wayback_capture_time"):
            warc_headers["X-Capture-Time"] = warc_date(float(meta["wayback_capture_time"]))
    if meta.get("site"):
        warc_headers["X-Portal-Site"] = str(meta["site"])
    try:
        ip = response.ip_address
    except AttributeError:
        ip = None
    if ip is not None:
        warc_headers["WARC-IP-Address"] = str(ip)
    req = None
    if write_requests:
        req_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in request.headers.items() for v in vs]
        path = request.url.split("/", 3)[3] if request.url.count("/") >= 3 else ""
        req = (f"{request.method} /{path} HTTP/1.1", req_headers, request.body or b"")
    return target, status, protocol, headers, body, warc_headers, req


def write_parts(store: "RotatingWarcWriter", parts: tuple) -> None:
    """Build the record(s) of :func:`record_parts` and append them to ``store``."""
    target, status, protocol, headers, body, warc_headers, req = parts
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    http_headers = StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol=protocol)
    builder = store.builder
    rec = builder.create_warc_record(target, "response", payload=BytesIO(body), length=None,
                                     http_headers=http_headers, warc_headers_dict=warc_headers)
    records = [rec]
    if req is not None:
        status_line, req_headers, req_body = req
        req_http = StatusAndHeaders(status_line, req_headers, is_http_request=True)
        records.append(builder.create_warc_record(
            target, "request", payload=BytesIO(req_body), http_headers=req_http,
            warc_headers_dict={"WARC-Date": warc_headers["WARC-Date"],
                               "WARC-Concurrent-To": rec.rec_headers.get_header("WARC-Record-ID")}))
    store.write(records)


# --- the writer process ------------------------------------------------------------------------
PIPE_BYTES = 1 << 20  # kernel pipe buffer: ~80 pages in flight before the crawl waits for the writer


class WarcWriterProcess:
    """A :class:`RotatingWarcWriter` in a child process. The crawl's reactor thread only
    pickles each record's parts into a pipe (tens of microseconds); header building,
    digests and gzip (about half a millisecond per page) run beside it. A full pipe makes
    the crawl wait (bounded memory, bounded loss on a kill). The child dies with the crawl;
    a killed crawl leaves its ``.open`` file with every record the child had written."""

    def __init__(self, directory: str | Path, prefix: str, max_bytes: int):
        from crawler.procs import spawn_context

        ctx = spawn_context()
        self._recv_data, self._send_data = ctx.Pipe(duplex=False)
        self._recv_result, send_result = ctx.Pipe(duplex=False)
        try:
            import fcntl

            fcntl.fcntl(self._send_data.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except (ImportError, AttributeError, OSError):
            pass  # the default buffer (64 KB) only means the crawl waits sooner
        self._proc = ctx.Process(target=_writer_main, name="warc-writer", daemon=True,
                                 args=(self._recv_data, send_result, str(directory), prefix, max_bytes, os.getpid()))
        self._proc.start()
        self._recv_data.close()
        send_result.close()

    def write(self, parts: tuple) -> None:
        self._send_data.send_bytes(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL))

    def close(self, timeout: float = 600.0) -> tuple[int, list[Path], list[str]]:
        """Finish: the child writes what is queued, closes (renames) its file and reports."""
        try:
            self._send_data.send_bytes(b"")
            self._send_data.close()
            if self._recv_result.poll(timeout):
                records, files, errors = self._recv_result.recv()
                return records, [Path(f) for f in files], errors
            return 0, [], [f"writer process did not finish within {timeout:.0f} s"]
        except (OSError, EOFError) as exc:
            return 0, [], [f"writer process failed: {exc}"]
        finally:
            self._proc.join(10)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join()

    def abandon(self) -> None:
        try:
            self._send_data.close()
        except OSError:
            pass
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()


def _writer_main(conn, result, directory: str, prefix: str, max_bytes: int, parent_pid: int) -> None:
    from crawler.procs import die_with_parent

    die_with_parent(parent_pid)  # also leaves Ctrl-C to the crawl, which then closes us
    store = RotatingWarcWriter(directory, prefix, max_bytes)
    errors: list[str] = []
    while True:
        try:
            data = conn.recv_bytes()
        except EOFError:  # the crawl went away without saying goodbye
            break
        if not data:
            break
        try:
            write_parts(store, pickle.loads(data))
        except OSError as exc:  # a full disk: report it, keep the crawl going
            if len(errors) < 100:
                errors.append(f"cannot write a record: {exc}")
    try:
        files = [str(f) for f in store.close()]
    except OSError as exc:
        files = []
        errors.append(f"cannot close {store.prefix}: {exc}")
    result.send((store.records, files, errors))
