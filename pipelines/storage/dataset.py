"""Parquet datasets on disk: crash-safe writing, reading back what is stored, compaction.

Writing is a small write-ahead protocol, so a reader never sees a partial file and a
killed process never leaves an article half-stored (article row without its images or
officials, or the reverse):

1. every file of a batch (articles, images, officials, all partitions) is written under a
   hidden temporary name (``.tmp-….parquet.inprogress``: ignored by pyarrow, pandas and
   DuckDB globs);
2. a journal ``_journal/<batch>.json`` listing (temporary → final) names is written and
   renamed into place — this is the commit point;
3. the temporary files are renamed to their final ``part-….parquet`` names, and the
   journal is deleted.

:func:`recover` (run by every writer on open) rolls committed batches forward and deletes
temporary files of batches that never committed. Files are only ever added or, by
``compact``, replaced with the same rows by the same protocol: nothing is overwritten in place.

One writer at a time: a run (:class:`pipelines.storage.run.RunLedger`) and ``compact`` hold
the root's :class:`RootLock` (an ``flock`` on ``<root>/.lock``, which the kernel drops when
its process dies, so a killed run never leaves a stale lock; a second writer is refused
with a message naming the holder), so recovery never touches a live writer's files.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
import uuid
from collections import defaultdict, deque
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.sites.registry import is_slug
from pipelines.storage.schema import ADDED_COLUMNS, PARTITION_COLS, PARTITIONED, TABLES

__all__ = ["DatasetError", "DatasetWriter", "RootBusy", "RootLock", "check_dataset", "commit", "recover", "data_files",
           "read_file", "read_table", "compact", "merge_small_files"]

JOURNAL_DIR = "_journal"
TMP_PREFIX = ".tmp-"
TMP_SUFFIX = ".parquet.inprogress"
ROW_GROUP_SIZE = 2000
SMALL_FILE_BYTES = 32 * 1024 * 1024  # part files below this are merged at the end of a run


class DatasetError(RuntimeError):
    """A problem with the files under the output root, with a message for the user."""


class RootBusy(DatasetError):
    """Another live run holds the output root."""


class RootLock:
    """Lock of an output root for one run: an ``flock`` on ``<root>/.lock``.

    *On its own* (``job_id`` None) a run holds the lock exclusively and writes its pid and
    run id into the file; a second run is refused with a message naming it.

    *In a job* (``job_id`` set: the workers of one shared crawl) each worker holds the lock
    shared, so the job's workers write the root together while an uncoordinated run (which
    wants it exclusively) is still refused, and so is a worker of another job. The job's
    name is kept in ``<root>/.job``; each worker also holds an exclusive ``flock`` on its own
    ``<root>/.worker-<run_id>`` file, so the others can tell a live worker from a dead one
    (the kernel drops the lock with the process). Joining, leaving and recovering the files
    of dead workers happen under a short exclusive lock of ``<root>/.job.lock``."""

    NAME = ".lock"
    JOB_FILE = ".job"
    JOB_MUTEX = ".job.lock"
    WORKER_PREFIX = ".worker-"
    MUTEX_WAIT = 60.0   # seconds to wait for the short mutex before giving up

    def __init__(self, root: Path, run_id: str, job_id: str | None = None):
        self.root = Path(root)
        self.path = self.root / self.NAME
        self.run_id = run_id
        self.job_id = job_id
        self._fd: int | None = None
        self._worker_fd: int | None = None

    def acquire(self) -> None:
        if self.job_id is not None:
            return self._acquire_in_job()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
                raise RootBusy(f"{self.root} is being written by {self._holder()}; "
                               "wait for it to finish or use another --output") from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, run {self.run_id}\n".encode(), 0)
        self._fd = fd

    def _holder(self) -> str:
        """Who holds the root: a run on its own (pid, run id), or a job's live workers."""
        with self._mutex():
            live = self.live_workers()
        if live:
            jobs = sorted({job for job, _ in live.values()})
            pids = ", ".join(f"pid {pid}" for _, pid in sorted(live.values())[:5])
            return f"job {', '.join(jobs)} ({len(live)} worker(s): {pids})"
        try:
            holder = self.path.read_text("utf-8", "replace").strip() or "another process"
        except OSError:
            holder = "another process"
        return f"another run ({holder})"

    # --- job mode -----------------------------------------------------------------------
    @contextlib.contextmanager
    def _mutex(self):
        fd = os.open(self.root / self.JOB_MUTEX, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + self.MUTEX_WAIT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            yield
        finally:
            os.close(fd)

    def live_workers(self) -> dict[str, tuple[str, int]]:
        """Run id → (job id, pid) of the workers whose ``.worker-<run_id>`` file is locked
        (alive). Files of dead workers are left for :meth:`recover_dead`. Call under the mutex."""
        live = {}
        for path in self.root.glob(self.WORKER_PREFIX + "*"):
            run_id = path.name[len(self.WORKER_PREFIX):]
            if run_id == self.run_id and self._worker_fd is not None:
                live[run_id] = (self.job_id, os.getpid())
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                    raise
                info = os.pread(fd, 300, 0).decode("utf-8", "replace").split()
                job = info[info.index("job") + 1] if "job" in info[:-1] else "?"
                pid = int(info[info.index("pid") + 1]) if "pid" in info[:-1] and info[info.index("pid") + 1].isdigit() else 0
                live[run_id] = (job, pid)
            finally:
                os.close(fd)
        return live

    def live_run_ids(self) -> dict[str, tuple[str, int]]:
        """:meth:`live_workers`, under the mutex."""
        with self._mutex():
            return self.live_workers()

    def _acquire_in_job(self) -> None:
        with self._mutex():
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError as exc:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
                    raise RootBusy(f"{self.root} is being written by another run ({holder}); "
                                   "wait for it to finish or use another --output") from None
                raise
            try:
                others = {job for job, _ in self.live_workers().values() if job != self.job_id}
                if others:
                    raise RootBusy(f"{self.root} is being written by job {', '.join(sorted(others))}; "
                                   f"wait for it to finish, join it with --job {sorted(others)[0]}, "
                                   "or use another --output")
                _write_atomic(self.root / self.JOB_FILE, f"{self.job_id}\n")
                wpath = self.root / f"{self.WORKER_PREFIX}{self.run_id}"
                wfd = os.open(wpath, os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(wfd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.ftruncate(wfd, 0)
                os.pwrite(wfd, f"pid {os.getpid()} run {self.run_id} job {self.job_id}\n".encode(), 0)
            except BaseException:
                os.close(fd)
                raise
            self._fd, self._worker_fd = fd, wfd

    def recover(self) -> dict:
        """Recovery of the root as this run may do it: everything when on its own; in a job
        only the files and journals of dead workers (and of runs before the job), under the mutex."""
        if self.job_id is None:
            return recover(self.root)
        with self._mutex():
            live = set(self.live_workers())
            return recover(self.root, keep=live)

    def recover_dead(self, run_id: str) -> bool:
        """In a job: finish what the dead worker ``run_id`` left half-committed and delete its
        worker file. False (nothing done) when its worker file is still locked: it is alive."""
        with self._mutex():
            live = self.live_workers()
            if run_id in live:
                return False
            recover(self.root, keep=set(live))
            (self.root / f"{self.WORKER_PREFIX}{run_id}").unlink(missing_ok=True)
            return True

    def leave_unless_last(self) -> bool:
        """In a job: leave it (as :meth:`release` does for the worker file) unless this is
        its last live worker, in one step under the mutex; True when it is the last (it
        stays registered, so what it still does — the ``people/`` rebuild — is a live
        worker's). Of workers leaving at once, exactly one is last. On its own: True."""
        if self._worker_fd is None:
            return True
        with self._mutex():
            if set(self.live_workers()) - {self.run_id}:
                self._leave_job()
                return False
        return True

    def _leave_job(self) -> None:
        """Remove this worker's file and drop its lock (under the mutex)."""
        (self.root / f"{self.WORKER_PREFIX}{self.run_id}").unlink(missing_ok=True)
        os.close(self._worker_fd)
        self._worker_fd = None

    def release(self) -> None:
        if self._worker_fd is not None:
            try:
                with self._mutex():
                    self._leave_job()
            except OSError:
                pass
            if self._worker_fd is not None:
                os.close(self._worker_fd)
                self._worker_fd = None
        if self._fd is not None:
            os.close(self._fd)  # (the lock goes with the descriptor; the file stays)
            self._fd = None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


def _writer_of(name: str) -> str:
    """The batch name inside a temporary file's or journal's name (``<run_id>-<seq>-<hex>``)."""
    name = name.rsplit("/", 1)[-1]
    for prefix in (TMP_PREFIX + "part-", TMP_PREFIX):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _kept(name: str, keep: set[str] | None) -> bool:
    """Is this file or journal a live worker's (``keep``: their run ids)? Names carry the
    writer's run id first."""
    if keep is None:
        return False
    batch = _writer_of(name)
    return any(batch.startswith(run_id + "-") for run_id in keep)


def fsync_dir(path: Path) -> None:
    """fsync a directory (a rename in it is durable after this); errors are ignored."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def recover(root: str | Path, keep: set[str] | None = None) -> dict:
    """Finish committed batches and delete uncommitted temporary files. Returns counts.

    ``keep`` (in a job): run ids of live workers, whose journals and temporary files are
    left alone — their names carry the writer's run id. Temporary files that name no run
    (a ``people/`` rebuild's) are then left to their owner too."""
    root = Path(root)
    done = {"rolled_forward": 0, "discarded": 0}
    jdir = root / JOURNAL_DIR
    if jdir.is_dir():
        for journal in sorted(jdir.glob("*.json")):
            if _kept(journal.name, keep):
                continue
            try:
                data = json.loads(journal.read_text("utf-8"))
                entries, removals = data["files"], data.get("remove", [])
            except FileNotFoundError:
                continue  # finished by its writer meanwhile
            except (ValueError, KeyError, OSError) as exc:
                raise DatasetError(f"{journal}: unreadable commit journal ({exc}); move it away to continue") from None
            for tmp, final in entries:
                tmp_p, final_p = root / tmp, root / final
                if tmp_p.exists():
                    os.replace(tmp_p, final_p)
                    done["rolled_forward"] += 1
            if all((root / final).exists() for _, final in entries):
                for old in removals:  # compaction: the merged file replaces these (only once it is there)
                    (root / old).unlink(missing_ok=True)
            journal.unlink(missing_ok=True)
        for stale in jdir.glob("*.json.tmp"):
            if not _kept(stale.name, keep):
                stale.unlink(missing_ok=True)
    if root.is_dir():
        for tmp in root.rglob(TMP_PREFIX + "*" + TMP_SUFFIX):
            if keep is not None and (_kept(tmp.name, keep) or not tmp.name.startswith(TMP_PREFIX + "part-")):
                continue
            tmp.unlink(missing_ok=True)
            done["discarded"] += 1
    return done


def commit(root: Path, name: str, entries: list[tuple[str, str]], remove: list[str] = ()) -> None:
    """Make written temporary files visible as one step (the protocol of the module
    docstring): fsync them, write the journal (the commit point), rename them to their
    final names, delete the files they replace (``remove``, compaction), drop the journal.
    :func:`recover` finishes the same steps after a crash."""
    for tmp, _ in entries:
        with open(root / tmp, "rb+") as fh:
            os.fsync(fh.fileno())
    jdir = root / JOURNAL_DIR
    jdir.mkdir(exist_ok=True)
    journal = jdir / f"{name}.json"
    tmp_journal = jdir / f"{name}.json.tmp"
    with open(tmp_journal, "w", encoding="utf-8") as fh:
        json.dump({"files": [list(e) for e in entries], "remove": list(remove)}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp_journal, journal)  # commit point
    fsync_dir(jdir)
    for tmp, final in entries:
        os.replace(root / tmp, root / final)
    for old in remove:
        (root / old).unlink(missing_ok=True)
    journal.unlink()


def _partition_dir(table: str, row: dict) -> str:
    if table not in PARTITIONED:
        return table
    district = row["district"]
    if not is_slug(district):  # (rows name their district by slug; never a path of the input's)
        raise DatasetError(f"refusing district {district!r} as a partition folder name")
    return f"{table}/district={district}/year={int(row['year'] or 0)}"


CHUNK_ARTICLES = 200  # articles whose rows are turned into Arrow tables at a time
MAX_QUEUED_JOBS = 8   # conversions/commits waiting for the background thread before add() waits


class DatasetWriter:
    """Buffers rows per table and commits them in batches (see module docstring).

    Rows are turned into Arrow tables every ``CHUNK_ARTICLES`` articles (columnar, about a
    third of the memory of the row dicts) and a batch of ``flush_rows`` articles is
    committed as one step. ``background=True`` does both in one background thread while new
    rows come in (Arrow conversion, zstd and file I/O partly release the GIL, so a crawl's
    reactor thread keeps fetching); at most ``MAX_QUEUED_JOBS`` jobs wait for it, so memory
    stays bounded. :meth:`close` (or ``flush(wait=True)``) returns when everything is
    committed and re-raises a failed job."""

    def __init__(self, root: str | Path, run_id: str, flush_rows: int = 2000, background: bool = False,
                 lock: RootLock | None = None):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        # in a job, only what dead workers left (the lock knows the live ones)
        lock.recover() if lock is not None else recover(self.root)
        self.run_id = run_id
        self.flush_rows = flush_rows
        self._chunk: dict[str, list[dict]] = defaultdict(list)  # rows not yet converted
        self._chunk_articles = 0
        self._batch: dict[tuple[str, str], list[pa.Table]] = defaultdict(list)  # converted, not committed
        self._batch_rows = 0
        self._batch_articles = 0
        self._seq = 0
        self.files_written: list[str] = []
        self._waiters: list = []   # when_committed() callbacks waiting for the next flush
        self._commit_failed = False
        self._executor = None
        self._jobs: deque = deque()
        if background:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(1, thread_name_prefix="dataset-commit")

    def add(self, table: str, rows: list[dict] | dict) -> None:
        if isinstance(rows, dict):
            rows = [rows]
        self._chunk[table].extend(rows)
        self._batch_rows += len(rows)

    def add_article(self, article: dict, images: list[dict], officials: list[dict]) -> None:
        """Queue one article version with its image and official rows; they commit together."""
        self.add("articles", article)
        self.add("images", images)
        self.add("officials", officials)
        self._chunk_articles += 1
        self._batch_articles += 1
        if self._batch_articles >= self.flush_rows:
            self.flush()
        elif self._chunk_articles >= CHUNK_ARTICLES:
            self._convert()

    def _run(self, fn, *args):
        """``fn(*args)`` now, or queued for the background thread (FIFO) with bounded backlog."""
        if self._executor is None:
            return fn(*args)
        while self._jobs and self._jobs[0].done():
            self._jobs.popleft().result()  # re-raises a failed job here
        if len(self._jobs) >= MAX_QUEUED_JOBS:
            self._jobs.popleft().result()
        fut = self._executor.submit(fn, *args)
        self._jobs.append(fut)
        return fut

    def _convert(self) -> None:
        chunk, self._chunk, self._chunk_articles = self._chunk, defaultdict(list), 0
        if any(chunk.values()):
            self._run(self._convert_into, chunk, self._batch)

    @staticmethod
    def _convert_into(chunk: dict[str, list[dict]], batch: dict) -> None:
        for table, rows in chunk.items():
            groups: dict[str, list[dict]] = defaultdict(list)
            for row in rows:
                groups[_partition_dir(table, row)].append(row)
            for rel_dir, group in groups.items():
                # from_pylist takes the schema's fields from each row and ignores other keys
                batch[(table, rel_dir)].append(pa.Table.from_pylist(group, schema=TABLES[table]))

    def flush(self, wait: bool | None = None) -> list[str]:
        """Commit everything added so far as one batch. Returns the final file names (none
        when the batch went to the background thread and ``wait`` is false)."""
        wait = self._executor is None if wait is None else wait
        self._convert()
        result = []
        if self._batch_rows:
            self._seq += 1
            name = f"{self.run_id}-{self._seq:05d}-{uuid.uuid4().hex[:6]}"
            batch, self._batch = self._batch, defaultdict(list)
            self._batch_rows = self._batch_articles = 0
            result = self._run(self._commit_batch, name, batch)
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            self._run(self._call_waiters, waiters)
        if not wait:
            return []
        while self._jobs:
            self._jobs.popleft().result()
        return result.result() if hasattr(result, "result") else result

    def poll(self) -> None:
        """Re-raise the failure of a finished background job, without waiting for others."""
        while self._jobs and self._jobs[0].done():
            self._jobs.popleft().result()

    def _call_waiters(self, fns) -> None:
        if not self._commit_failed:
            for fn in fns:
                fn()

    def when_committed(self, fn) -> None:
        """Call ``fn()`` once every row added so far is committed: right away when nothing
        is buffered or being committed, else after the commit of the next :meth:`flush` (in
        the commit thread when ``background``). A batch that fails to commit never calls it."""
        if self._batch_rows or any(self._chunk.values()):
            self._waiters.append(fn)
        elif self._executor is not None and any(not j.done() for j in self._jobs):
            self._run(fn)
        else:
            fn()

    def after_commits(self, fn, *args):
        """Run ``fn(*args)`` once every batch handed over so far is committed: in the commit
        thread (returns its future) when ``background``, else right away (returns its result)."""
        return self._run(fn, *args)

    def _commit_batch(self, name: str, batch: dict[tuple[str, str], list[pa.Table]]) -> list[str]:
        try:
            return self._commit_batch_files(name, batch)
        except BaseException:
            self._commit_failed = True
            raise

    def _commit_batch_files(self, name: str, batch: dict[tuple[str, str], list[pa.Table]]) -> list[str]:
        entries: list[tuple[str, str]] = []
        for (table, rel_dir), pieces in sorted(batch.items()):
            directory = self.root / rel_dir
            directory.mkdir(parents=True, exist_ok=True)
            final = f"{rel_dir}/part-{name}.parquet"
            tmp = f"{rel_dir}/{TMP_PREFIX}part-{name}{TMP_SUFFIX}"
            data = pieces[0] if len(pieces) == 1 else pa.concat_tables(pieces)
            pq.write_table(data, self.root / tmp, row_group_size=ROW_GROUP_SIZE, compression="zstd")
            entries.append((tmp, final))
        batch.clear()
        commit(self.root, name, entries)
        pa.default_memory_pool().release_unused()  # Arrow keeps freed buffers cached per thread otherwise
        finals = [final for _, final in entries]
        self.files_written.extend(finals)
        return finals

    def close(self) -> list[str]:
        """Commit what is buffered and wait for every job (the writer stays usable)."""
        return self.flush(wait=True)


def data_files(root: str | Path, table: str) -> list[Path]:
    base = Path(root) / table
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*.parquet") if not p.name.startswith((".", "_")))


def _check_file(path: Path, table: str, columns: list[str]) -> pq.ParquetFile:
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DatasetError(f"{path}: not a readable Parquet file ({exc.__class__.__name__}: {exc}); "
                           f"move it out of the output root and rerun") from None
    names = set(pf.schema_arrow.names)
    added = ADDED_COLUMNS.get(table, frozenset())
    missing = [c for c in columns if c not in names and c not in added]
    if missing:
        raise DatasetError(f"{path}: not a portal-news {table} file (missing columns {', '.join(missing)}); "
                           f"move it out of the output root and rerun")
    return pf


def check_dataset(root: str | Path) -> None:
    """Raise :class:`DatasetError` naming the first foreign or corrupt file under ``root``
    (reads each file's footer only, no rows)."""
    for table, schema in TABLES.items():
        names = [n for n in schema.names if n not in PARTITION_COLS]
        for path in data_files(root, table):
            _check_file(path, table, names)


def _partition_values(path: Path) -> dict:
    values = {}
    for part in path.parts:
        if "=" in part:
            k, v = part.split("=", 1)
            if k in PARTITION_COLS:
                values[k] = v
    return values


def read_file(path: Path, table: str, columns: list[str]) -> pa.Table:
    """The rows of one data file of ``table`` (partition columns added from its path)."""
    file_cols = [c for c in columns if c not in PARTITION_COLS]
    pf = _check_file(path, table, file_cols)
    present = set(pf.schema_arrow.names)
    t = pf.read(columns=[c for c in file_cols if c in present])
    for c in file_cols:
        if c not in present:  # a column added since this file was written (schema.ADDED_COLUMNS)
            t = t.append_column(TABLES[table].field(c), pa.nulls(len(t), TABLES[table].field(c).type))
    t = t.select(file_cols)
    if table in PARTITIONED:
        pv = _partition_values(path)
        if "district" in columns:
            t = t.append_column("district", pa.array([pv.get("district")] * len(t), pa.string()))
        if "year" in columns:
            t = t.append_column("year", pa.array([int(pv.get("year", 0))] * len(t), pa.int32()))
    return t


def read_table(root: str | Path, table: str, columns: list[str] | None = None) -> pa.Table:
    """All rows of a table (partition columns added), checking every file first."""
    schema = TABLES[table]
    cols = columns or schema.names
    parts = [read_file(path, table, cols) for path in data_files(root, table)]
    if not parts:
        return columns_schema(table, cols).empty_table()
    return pa.concat_tables(parts, promote_options="default")


def columns_schema(table: str, columns: list[str]) -> pa.Schema:
    """Schema of ``columns`` of ``table`` as :func:`read_file` returns them (partition
    columns: ``district`` string, ``year`` int32)."""
    schema = TABLES[table]
    return pa.schema([schema.field(c) if c in schema.names else pa.field(c, pa.string() if c == "district" else pa.int32())
                      for c in columns])


def compact(root: str | Path, run_id: str | None = None) -> dict:
    """Merge each partition's part files into one and drop duplicate rows, holding the
    root's lock. An article version stored twice (same article_id and content_hash: two
    runs that fetched the same text) is kept once, the earliest fetch; the image and
    official rows of the dropped copies go with them (they carry the copy's
    ``fetched_at``), and exact duplicate child rows are dropped too. Versions (other
    content hashes) are all kept. Files of an older version, without columns added since,
    are rewritten with them (null)."""
    root = Path(root)
    run_id = run_id or "compact-" + uuid.uuid4().hex[:8]
    lock = RootLock(root, run_id)
    lock.acquire()
    try:
        recover(root)
        return _compact(root, run_id)
    finally:
        lock.release()


_VERSION_KEY = ("article_id", "content_hash", "fetched_at")


def _compact(root: Path, run_id: str) -> dict:
    stats = {"partitions": 0, "files_before": 0, "files_after": 0, "rows_before": 0, "rows_after": 0}
    kept_versions: set[tuple] = set()     # (article_id, content_hash, fetched_at) of kept article rows
    dropped_versions: set[tuple] = set()  # … of article rows dropped as duplicates
    for table in ("articles",) + tuple(t for t in PARTITIONED if t != "articles"):
        schema = TABLES[table]
        by_dir: dict[Path, list[Path]] = defaultdict(list)
        for path in data_files(root, table):
            by_dir[path.parent].append(path)
        for directory, files in sorted(by_dir.items()):
            names = [n for n in schema.names if n not in PARTITION_COLS]
            tables = [read_file(p, table, names) for p in files]
            merged = pa.concat_tables(tables, promote_options="default").cast(schema)
            rows = merged.to_pylist()
            seen, keep = set(), []
            if table == "articles":
                rows.sort(key=lambda r: (r["fetched_at"] is None, r["fetched_at"] or 0))
            for row in rows:
                version = tuple(row.get(k) for k in _VERSION_KEY)
                if table == "articles":
                    key = (row["article_id"], row["content_hash"])
                    if key in seen:
                        dropped_versions.add(version)
                        continue
                    kept_versions.add(version)
                else:
                    if version in dropped_versions and version not in kept_versions:
                        continue  # a child of a dropped duplicate article row
                    key = json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)
                    if key in seen:
                        continue
                seen.add(key)
                keep.append(row)
            stats["partitions"] += 1
            stats["files_before"] += len(files)
            stats["rows_before"] += len(rows)
            stats["rows_after"] += len(keep)
            outdated = any(set(names) - set(pq.ParquetFile(p).schema_arrow.names) for p in files)
            if len(files) == 1 and len(keep) == len(rows) and not outdated:
                stats["files_after"] += 1
                continue
            merged = pa.Table.from_pylist(keep, schema=schema)
            _replace_files(root, directory, files, run_id, lambda path: pq.write_table(
                merged, path, row_group_size=ROW_GROUP_SIZE, compression="zstd"))
            stats["files_after"] += 1
    return stats


MERGED_TABLES = PARTITIONED + ("runs", "failures")   # tables whose part files a run adds


def merge_small_files(root: str | Path, run_id: str, dirs: set[str] | None = None,
                      small_bytes: int = SMALL_FILE_BYTES) -> dict:
    """Merge the small part files of each table directory, keeping every row (every
    version; no deduplication, which is ``compact``'s), by the same commit protocol (the
    merged file appears and the files it replaces go in one committed step; a crash leaves
    either the old files or the merged one). ``dirs``: only these directories (relative to
    the root, e.g. ``articles/district=…/year=2024``, ``runs``), e.g. those a run wrote
    into. Files of ``small_bytes`` or more are left as they are, so a partition holds about
    (its size ÷ ``small_bytes``) + 1 files however many runs wrote to it.

    Streamed: the small files are read one at a time and appended to the merged file, so
    memory is bounded by the largest small file, not by the partition; one merged file
    takes at most ``4 × small_bytes`` of small files (more make several).

    The caller holds the root's lock (a run at its end). Returns counts."""
    root = Path(root)
    stats = {"dirs": 0, "files_before": 0, "files_after": 0, "rows": 0}
    pa.default_memory_pool().release_unused()
    for table in MERGED_TABLES:
        schema = TABLES[table]
        names = [n for n in schema.names if n not in PARTITION_COLS]
        by_dir: dict[Path, list[tuple[Path, int]]] = defaultdict(list)
        for path in data_files(root, table):
            rel_dir = str(path.parent.relative_to(root))
            if dirs is not None and rel_dir not in dirs:
                continue
            size = path.stat().st_size
            if size < small_bytes:
                by_dir[path.parent].append((path, size))
        for directory, sized in sorted(by_dir.items()):
            groups: list[list[Path]] = [[]]
            total = 0
            for path, size in sized:
                if groups[-1] and total + size > 4 * small_bytes:
                    groups.append([])
                    total = 0
                groups[-1].append(path)
                total += size
            for files in groups:
                if len(files) < 2:
                    continue
                stats["rows"] += _merge_files(root, table, schema, names, directory, files, run_id)
                stats["dirs"] += 1
                stats["files_before"] += len(files)
                stats["files_after"] += 1
    return stats


def _merge_files(root: Path, table: str, schema: pa.Schema, names: list[str], directory: Path,
                 files: list[Path], run_id: str) -> int:
    """Append ``files`` (of one directory) one by one to a new file that replaces them in one
    committed step. Returns its rows."""
    rows = 0

    def write(path: Path) -> None:
        nonlocal rows
        with pq.ParquetWriter(path, schema, compression="zstd") as writer:
            pending: list[pa.Table] = []   # small files' rows gathered into row groups of ROW_GROUP_SIZE
            pending_rows = 0
            for file in files:
                part = read_file(file, table, names).cast(schema)
                pending.append(part)
                pending_rows += part.num_rows
                rows += part.num_rows
                if pending_rows >= ROW_GROUP_SIZE:
                    writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_SIZE)
                    pending, pending_rows = [], 0
            if pending:
                writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_SIZE)

    _replace_files(root, directory, files, run_id, write)
    pa.default_memory_pool().release_unused()   # (Arrow keeps freed buffers cached otherwise)
    return rows


def _replace_files(root: Path, directory: Path, files: list[Path], run_id: str, write) -> None:
    """Replace ``files`` of ``directory`` by one new part file that ``write(path)`` writes under
    a temporary name: the new file appears and the old ones go in one committed step
    (:func:`commit`). A failed write changes nothing (its temporary file is deleted)."""
    rel = directory.relative_to(root)
    name = f"part-{run_id}-{uuid.uuid4().hex[:6]}"
    tmp, final = rel / f"{TMP_PREFIX}{name}{TMP_SUFFIX}", rel / f"{name}.parquet"
    try:
        write(root / tmp)
    except BaseException:
        (root / tmp).unlink(missing_ok=True)   # before the commit point: nothing changed
        raise
    commit(root, name, [(str(tmp), str(final))], remove=[str(p.relative_to(root)) for p in files])
