"""Where an archive pull stands, kept under the output root so a stopped pull continues:
``<root>/archive-state/<site>/``.

* ``<archive>.json`` + ``<archive>.jsonl`` — one archive's listing of the site: the queries
  (per host, and per crawl for Common Crawl), for each its position (the CDX resumption key,
  or the next page) and whether it is done; the index rows kept so far (one JSON array a
  line: only the site's article and listing URLs). Rows are appended and synced first, then
  the small JSON is replaced atomically (temporary file, ``fsync``, ``rename``) with the
  file's length at that point: rows written after the last saved position (a killed run) are
  cut off on load, so a page is never counted twice nor lost.
* ``bad.jsonl`` — captures found not to be the article (error page, login page, cut body,
  body that does not match its index entry, redirect): not fetched again by later runs.
* ``listings.jsonl`` — listing captures read, with the article links found on them;
  ``lookups.jsonl`` — exact-URL index queries made for linked articles no listing had.
* ``done.jsonl`` — articles finished in ``--captures latest|all`` (first-capture pulls need no
  marker: a stored article is done).

A listing is reused by later runs while it is younger than ``ARCHIVE_LISTING_MAX_AGE_DAYS``
and was made with the same query (hosts, ``from``/``to``, crawls); otherwise it starts over.
A reused listing is brought up to date (``refresh``): Wayback is asked for the captures
indexed since it was last complete (:data:`REFRESH_OVERLAP_DAYS` before, as the index lags),
Common Crawl for crawls published since.
Only the run holding the output root's lock writes here (the spider runs inside that run).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from pipelines.storage.dataset import fsync_dir

STATE_DIR = "archive-state"
REFRESH_OVERLAP_DAYS = 30


def write_json_atomic(path: Path, data) -> None:
    """Replace ``path`` with ``data`` as JSON: a reader sees the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def read_jsonl(path: Path) -> list:
    """Lines of a JSON-lines file; a line cut by a killed run (the last one) is dropped."""
    out = []
    try:
        with open(path, "rb") as fh:
            for line in fh:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue
    except FileNotFoundError:
        pass
    return out


class JsonLines:
    """An append-only JSON-lines file (each append synced)."""

    def __init__(self, path: Path):
        self.path = path

    def read(self) -> list:
        return read_jsonl(self.path)

    def append(self, *items) -> None:
        if not items:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab") as fh:
            for item in items:
                fh.write(json.dumps(item, ensure_ascii=False).encode("utf-8") + b"\n")
            fh.flush()
            os.fsync(fh.fileno())


class ListingState:
    """One archive's listing of one site (see the module docstring).

    ``queries`` maps a query id to ``{"position": …, "done": bool, "pages": int, "rows": int}``;
    ``info`` holds what the archive wants to keep besides (Common Crawl: its crawl ids)."""

    def __init__(self, directory: Path, archive: str, signature: dict, max_age_days: float = 30.0):
        self.directory = Path(directory)
        self.archive = archive
        self.signature = signature
        self.max_age_days = max_age_days
        self.json_path = self.directory / f"{archive}.json"
        self.rows_path = self.directory / f"{archive}.jsonl"
        self.queries: dict[str, dict] = {}
        self.info: dict = {}
        self.started_at: float | None = None
        self.completed_at: float | None = None   # first complete
        self.updated_at: float | None = None     # last complete (first, or after a refresh)
        self.offset = 0
        self.restarted = ""   # why an earlier listing was not reused ("" when there was none or it was)
        self.refresh = False  # a complete listing reused by this run: bring it up to date
        self._since: str | None = None

    def load(self) -> "ListingState":
        try:
            data = json.loads(self.json_path.read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            data = None
        if data is not None:
            age_days = (time.time() - (data.get("completed_at") or time.time())) / 86400
            if data.get("signature") != self.signature:
                self.restarted = "the query changed"
                data = None
            elif data.get("completed_at") and self.max_age_days >= 0 and age_days > self.max_age_days:
                self.restarted = f"it is {age_days:.0f} days old"
                data = None
        if data is None:
            self._reset()
            return self
        self.queries = data.get("queries", {})
        self.info = {k: v for k, v in data.get("info", {}).items() if not k.startswith("_")}   # "_": this run only
        self.started_at = data.get("started_at")
        self.completed_at = data.get("completed_at")
        self.updated_at = data.get("updated_at") or self.completed_at
        self.refresh = self.updated_at is not None
        if self.refresh:   # fixed for the run: the same queries (and positions) if it is stopped and resumed
            self._since = time.strftime("%Y%m%d%H%M%S", time.gmtime(self.updated_at - REFRESH_OVERLAP_DAYS * 86400))
        self.offset = int(data.get("offset", 0))
        size = self.rows_path.stat().st_size if self.rows_path.exists() else 0
        if size < self.offset:   # rows lost (a file removed by hand): start over rather than trust the positions
            self.restarted = "its rows file is shorter than recorded"
            self._reset()
        elif size > self.offset:  # rows of a page whose position was never saved (a killed run)
            with open(self.rows_path, "r+b") as fh:
                fh.truncate(self.offset)
        return self

    def _reset(self) -> None:
        self.queries, self.info, self.offset = {}, {}, 0
        self.started_at, self.completed_at, self.updated_at, self.refresh = time.time(), None, None, False
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.rows_path, "wb"):
            pass
        self.save()

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.json_path, {
            "archive": self.archive, "signature": self.signature, "queries": self.queries, "info": self.info,
            "started_at": self.started_at, "completed_at": self.completed_at, "updated_at": self.updated_at,
            "offset": self.offset})

    # --- progress ------------------------------------------------------------------------
    def query(self, qid: str) -> dict:
        return self.queries.setdefault(qid, {"position": None, "done": False, "pages": 0, "rows": 0})

    def add_page(self, qid: str, rows: list, position, done: bool) -> None:
        """Keep one answer's rows and the position after it (rows first, then the position)."""
        if rows:
            with open(self.rows_path, "ab") as fh:
                fh.seek(0, os.SEEK_END)
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
                self.offset = fh.tell()
        q = self.query(qid)
        q["position"], q["done"] = position, bool(done)
        q["pages"] += 1
        q["rows"] += len(rows)
        self.save()

    def set_info(self, **info) -> None:
        self.info.update(info)
        self.save()

    def complete(self, qids) -> bool:
        return all(self.queries.get(q, {}).get("done") for q in qids)

    def mark_complete(self) -> None:
        """Every query done: the listing is whole (up to now)."""
        now = time.time()
        self.completed_at = self.completed_at or now
        self.updated_at = now
        self.save()

    def since(self) -> str | None:
        """For a refresh: the 14-digit UTC time to ask for new captures from (the last complete
        listing, :data:`REFRESH_OVERLAP_DAYS` before); None when this run lists from scratch."""
        return self._since if self.refresh else None

    def pages(self) -> int:
        return sum(q.get("pages", 0) for q in self.queries.values())

    def rows(self) -> list:
        return read_jsonl(self.rows_path)
