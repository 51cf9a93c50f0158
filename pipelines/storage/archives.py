"""WARC input: re-extract stored raw pages (ours, or any archive's, e.g. Common Crawl) into
the same datasets a crawl writes.

``iter_warc_pages(paths)`` yields the HTML pages answered with HTTP 200 of any WARC files
(gzip or not, also a ``.warc.gz.open`` file left by a killed crawl): RawPage-like dicts.
``reprocess(paths, output_dir, workers)`` extracts them and builds their rows with
:func:`pipelines.storage.rows.page_rows` in a process pool (chunked, results taken in input
order, so any worker count gives the same rows), skips versions already
stored (same canonical URL and content hash), writes through
:class:`pipelines.storage.dataset.DatasetWriter`, adds a ``runs/`` row and rebuilds ``people/``.

Provenance: ``source="warc"`` and ``fetched_at`` = ``WARC-Date``; records our WARC store
wrote for Wayback captures (``X-Portal-Source: wayback``) keep ``source="wayback"``, the
capture URL (``WARC-Source-URI``) as ``fetch_url`` and ``X-Capture-Time`` as ``capture_time``.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

__all__ = ["WarcError", "DaskFailed", "iter_warc_pages", "check_warc", "reprocess"]

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")


class WarcError(ValueError):
    """A file that is missing or not a WARC file (message for the user)."""


class DaskFailed(RuntimeError):
    """The Dask cluster could not be reached or went away mid-run (message for the user)."""


def _iso_to_unix(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).astimezone(timezone.utc).timestamp()
    except ValueError:
        return None


def check_warc(path: str | Path) -> None:
    """Raise :class:`WarcError` unless ``path`` is a readable file starting with a WARC record."""
    p = Path(path)
    if not p.is_file():
        raise WarcError(f"{p}: no such file")
    try:
        with open(p, "rb") as fh:
            for record in ArchiveIterator(fh):
                if not str(record.format).startswith("warc") or not record.rec_headers.get_header("WARC-Type"):
                    raise WarcError(f"{p}: not a readable WARC file (first record is {record.format}, not WARC)")
                return
        raise WarcError(f"{p}: not a readable WARC file (no record in it)")
    except WarcError:
        raise
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "first line" in detail or not detail.isprintable():  # warcio quotes the file's bytes
            detail = "unknown archive format"
        raise WarcError(f"{p}: not a readable WARC file ({detail[:120]})") from None
    except Exception as exc:  # zlib.error and friends from a corrupt gzip member
        raise WarcError(f"{p}: not a readable WARC file ({type(exc).__name__})") from None


def _is_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        return any(t in content_type.lower() for t in HTML_TYPES)
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def iter_warc_pages(paths: Iterable[str | Path], stats: Counter | None = None) -> Iterator[dict]:
    """HTML pages answered with 200 in WARC files, as RawPage-like dicts:
    ``url`` (URL fetched), ``original_url`` (portal URL of an archive capture, else None),
    ``body``, ``status``, ``content_type``, ``fetched_at`` (WARC-Date, UNIX time), ``source``,
    ``capture_time``, ``site`` (or None), ``warc_file``. Other records are counted in ``stats``
    (``records``, ``responses``, ``skipped_status``, ``skipped_not_html``, ``truncated_files``)."""
    stats = stats if stats is not None else Counter()
    for path in paths:
        path = Path(path)
        with open(path, "rb") as fh:
            it = iter(ArchiveIterator(fh))
            while True:
                try:
                    record = next(it)
                except StopIteration:
                    break
                except Exception as exc:  # a killed writer's last record, a corrupt member
                    logger.warning("%s: stopped reading at a damaged record (%s)", path, exc)
                    stats["truncated_files"] += 1
                    break
                stats["records"] += 1
                if record.rec_type != "response":
                    continue
                stats["responses"] += 1
                http = record.http_headers
                status = int(http.get_statuscode() or 0) if http is not None else 0
                if status != 200:
                    stats["skipped_status"] += 1
                    continue
                ctype = http.get_header("Content-Type")
                try:
                    body = record.content_stream().read()
                except Exception as exc:
                    logger.warning("%s: unreadable record %s (%s)", path, record.rec_headers.get_header("WARC-Target-URI"), exc)
                    stats["truncated_files"] += 1
                    break
                if not _is_html(ctype, body):
                    stats["skipped_not_html"] += 1
                    continue
                h = record.rec_headers
                target = h.get_header("WARC-Target-URI")
                if not target:
                    stats["skipped_no_uri"] += 1
                    continue
                target = target.strip("<>")
                wayback = (h.get_header("X-Portal-Source") or "").lower() == "wayback"
                page = {
                    "url": target, "original_url": None, "body": body, "status": status, "content_type": ctype,
                    "fetched_at": _iso_to_unix(h.get_header("WARC-Date")) or os.path.getmtime(path),
                    "source": "warc", "capture_time": None, "site": h.get_header("X-Portal-Site"),
                    "warc_file": str(path),
                }
                if wayback:
                    page.update(source="wayback", original_url=target,
                                url=h.get_header("WARC-Source-URI") or target,
                                capture_time=_iso_to_unix(h.get_header("X-Capture-Time")))
                yield page


# --- extraction in worker processes --------------------------------------------------------
def _extract_chunk(chunk: list[tuple[bytes, str, dict]]) -> list[dict]:
    from pipelines.storage.rows import page_rows

    return [page_rows(body, url, **kwargs) for body, url, kwargs in chunk]


def _chunks(pages: Iterator[dict], size: int) -> Iterator[list[dict]]:
    chunk = []
    for page in pages:
        chunk.append(page)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _payload(chunk: list[dict]) -> list[tuple]:
    from pipelines.storage.rows import page_kwargs

    return [(p["body"], p["url"], page_kwargs(p)) for p in chunk]


def _extracted(pages: Iterator[dict], workers: int, chunk_size: int) -> Iterator[tuple[dict, dict]]:
    """(page, rows of :func:`pipelines.storage.rows.page_rows`) in input order; at most
    ``4 * workers`` chunks in flight."""
    chunks = _chunks(pages, chunk_size)
    if workers <= 1:
        for chunk in chunks:
            yield from zip(chunk, _extract_chunk(_payload(chunk)))
        return
    from collections import deque

    with ProcessPoolExecutor(max_workers=workers) as pool:
        window: deque = deque()
        for chunk in chunks:
            window.append((chunk, pool.submit(_extract_chunk, _payload(chunk))))
            while len(window) >= 4 * workers:
                done, future = window.popleft()
                yield from zip(done, future.result())
        while window:
            done, future = window.popleft()
            yield from zip(done, future.result())


# --- on a Dask cluster: one task per WARC file ------------------------------------------------
def file_rows(path: str) -> tuple[list[tuple[dict, dict]], dict]:
    """The Dask task: every HTML page of one WARC file with its rows
    (:func:`pipelines.storage.rows.page_rows`), in file order, and the file's counters."""
    from pipelines.storage.rows import page_kwargs, page_rows

    stats: Counter = Counter()
    out = []
    for page in iter_warc_pages([path], stats):
        rows = page_rows(page["body"], page["url"], **page_kwargs(page))
        out.append(({"url": page["url"], "original_url": page["original_url"], "fetched_at": page["fetched_at"]},
                    rows))
    return out, dict(stats)


def dask_client(address: str):
    """A ``distributed.Client``: ``tcp://HOST:PORT`` of a running scheduler, or ``local:N``
    for a local cluster of N worker processes (one thread each) on 127.0.0.1. Returns
    (client, cluster or None). Raises :class:`DaskFailed`."""
    import logging as _logging

    from distributed import Client, LocalCluster

    # the command says in one line when the cluster goes away: not the client's reconnect tracebacks
    for name in ["distributed"] + [n for n in _logging.root.manager.loggerDict if n.startswith("distributed.")]:
        _logging.getLogger(name).setLevel(_logging.CRITICAL)

    if address.startswith("local:"):
        try:
            n = int(address.split(":", 1)[1])
        except ValueError:
            raise DaskFailed(f"--dask {address}: expected local:N (N worker processes)") from None
        if n < 1:
            raise DaskFailed(f"--dask {address}: at least one worker")
        # every port on 127.0.0.1 (the dashboard too: it shows pages when bokeh is installed)
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               scheduler_port=0, dashboard_address="127.0.0.1:0", silence_logs=_logging.ERROR)
        return Client(cluster), cluster
    if not address.startswith(("tcp://", "tls://")):
        raise DaskFailed(f"--dask {address}: expected tcp://HOST:PORT of a Dask scheduler, or local:N")
    try:
        return Client(address, timeout="10s"), None
    except (OSError, TimeoutError) as exc:
        raise DaskFailed(f"the Dask scheduler at {address} is unreachable ({str(exc).splitlines()[0][:160]})") from None


def dashboard_of(client, local: bool = False) -> str | None:
    """Dask's dashboard address, when the scheduler runs one (for a local cluster: when
    bokeh, which draws its pages, is installed)."""
    import importlib.util

    if local and importlib.util.find_spec("bokeh") is None:
        return None
    try:
        port = client.scheduler_info().get("services", {}).get("dashboard")
    except Exception:
        return None
    if not port:
        return None
    host = client.scheduler.address.split("://", 1)[-1].rsplit(":", 1)[0]
    link = f"http://{host}:{port}/status"
    import urllib.request

    try:   # the scheduler's HTTP server also runs without bokeh, with no dashboard pages
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(link, timeout=3) as resp:
            return link if resp.status == 200 else None
    except Exception:
        return None


def _extracted_dask(paths: list[Path], client, address: str, stats: Counter, progress) -> Iterator[tuple[dict, dict]]:
    """(page, rows) of every file, computed on the cluster, in input order (so the rows are
    those of the single-process path); a bounded window of files in flight."""
    from collections import deque

    nworkers = max(1, len(client.scheduler_info().get("workers", {})))
    window: deque = deque()
    todo = iter(paths)
    done_files = pages = 0
    t0 = time.monotonic()

    def submit_next() -> bool:
        path = next(todo, None)
        if path is None:
            return False
        window.append((path, client.submit(file_rows, str(path), pure=False, key=f"warc-{len(window)}-{path.name}-{os.urandom(4).hex()}")))
        return True

    while len(window) < 2 * nworkers + 2 and submit_next():
        pass
    while window:
        path, future = window.popleft()
        try:
            rows, file_stats = future.result()
        except Exception as exc:   # the scheduler (or every worker) went away, or the task failed
            if isinstance(exc, (OSError, ValueError, MemoryError)) and client.status == "running":
                raise DaskFailed(f"{path}: the Dask task failed ({type(exc).__name__}: {exc})") from None
            raise DaskFailed(f"the Dask scheduler at {address} went away mid-run ({done_files} of {len(paths)} "
                             f"files done; {type(exc).__name__}); rerun: what is stored is not written again") from None
        submit_next()
        stats.update(file_stats)
        done_files += 1
        pages += len(rows)
        if progress is not None:
            elapsed = time.monotonic() - t0
            progress(f"{done_files}/{len(paths)} files, {pages} pages ({pages / elapsed if elapsed else 0:.0f} pages/s)")
        yield from rows


# --- reprocess ------------------------------------------------------------------------------
def reprocess(paths: Iterable[str | Path], output_dir: str | Path, workers: int | None = None,
              chunk_size: int = 16, run_id: str | None = None, flush_rows: int = 2000,
              dask: str | None = None, progress=None) -> dict:
    """Re-extract the pages of WARC files into the datasets under ``output_dir``, as one run
    (:class:`pipelines.storage.run.RunLedger`: the root's lock, the version rule, ``runs/``,
    ``failures/`` and ``people/``). Returns stats. Raises DatasetError (the root is busy or
    unreadable) and StorageError (rows could not be stored).

    ``dask`` (``tcp://…`` of a scheduler, or ``local:N``): one task per WARC file on Dask
    distributed; this process (the driver) still writes every row, through its one run, in
    input order — the same rows as without Dask. ``progress(line)`` hears of each file done.
    A cluster that cannot be reached or goes away mid-run raises :class:`DaskFailed` (what
    was stored is committed; a rerun adds only the rest)."""
    from pipelines.storage.run import Failure, RunLedger, StorageError

    paths = [Path(p) for p in paths]
    for p in paths:
        check_warc(p)
    client = cluster = None
    if dask:
        client, cluster = dask_client(dask)
        workers = len(client.scheduler_info().get("workers", {}))
        if progress is not None:
            link = dashboard_of(client, local=cluster is not None)
            progress(f"Dask scheduler {client.scheduler.address}, {workers} worker(s)"
                     + (f"; dashboard {link}" if link else "; no dashboard (pip install bokeh for Dask's)"))
    workers = max(1, int(workers or os.cpu_count() or 1))
    t0 = time.monotonic()
    settings = {"OUTPUT_DIR": str(output_dir), "inputs": [str(p) for p in paths], "workers": workers,
                "chunk_size": chunk_size}
    if dask:
        settings["dask"] = dask
    try:
        ledger = RunLedger(output_dir, run_id=run_id, command="reprocess", flush_rows=flush_rows,
                           settings=settings).open()
    except BaseException:
        _close_dask(client, cluster)
        raise
    stats: Counter = Counter()
    reason = "interrupted"
    pages = (_extracted_dask(paths, client, dask, stats, progress) if dask
             else _extracted(iter_warc_pages(paths, stats), workers, chunk_size))
    try:
        for page, rows in pages:
            stats["pages"] += 1
            site = rows["site"]
            ledger.count(site, "pages_fetched")
            if not rows["is_article"]:
                if rows["extractor"] == "listing":
                    ledger.count(site, "listing_pages")
                    stats["skipped_listing"] += 1
                else:
                    kind = rows.get("error") or "not-article"
                    stats[f"skipped_{kind}"] += 1
                    ledger.add_failure(Failure(url=page["original_url"] or page["url"], site=site, kind=kind,
                                               reason=rows.get("error_detail") or f"page is not an article ({kind})",
                                               failed_at=page["fetched_at"] or 0.0))
                stats["not_article"] += 1
                continue
            ledger.count(site, "articles_fetched")
            outcome = ledger.add_article(site, rows)
            if outcome == "refused":
                break
            stats[f"articles_{outcome}"] += 1
        else:
            reason = "finished"
    except DaskFailed:
        reason = "dask-lost"
        raise
    finally:
        summary = ledger.close(reason)
        _close_dask(client, cluster)
    if summary["storage_error"]:
        raise StorageError(summary["storage_error"])
    elapsed = time.monotonic() - t0
    out = dict(stats)
    out.update(dask=dask, run_id=ledger.run_id, files=len(paths), workers=workers, seconds=round(elapsed, 3),
               pages_per_second=round(stats["pages"] / elapsed, 1) if elapsed > 0 else None,
               files_written=summary["files_written"], failures=summary["failures"],
               finish_reason=summary["finish_reason"])
    return out


def _close_dask(client, cluster) -> None:
    for thing in (client, cluster):
        if thing is not None:
            try:
                thing.close(timeout=10) if thing is client else thing.close()
            except Exception:
                pass
