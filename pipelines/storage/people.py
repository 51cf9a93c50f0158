"""Cross-article resolution of officials: ``officials`` rows → ``people`` rows. Pure Python.

Two mentions are the same person when their normalized names (``name_key``) are equal and
they are *compatible*: same district, or at least one organisation in common
(``organization_full`` compared with :func:`pipelines.extraction.text.fold_key`). Compatibility is
transitive (union-find inside one name), so a career that moves from a commune to the
district is joined as long as each step shares a district or an organisation.

Output, one row per person: ``person_id`` (stable hash of name key + the first district in
alphabetical order, or the first organisation when no district is known), ``name``,
``name_key``, ``districts``, ``first_seen``, ``last_seen``, ``articles`` and
``positions_held`` — one entry per (role, organisation) with its own first/last dates and
article count, in order of first appearance.
"""

from __future__ import annotations

import hashlib
import fcntl
import os
import shutil
from collections import Counter, defaultdict
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.extraction.text import fold_key as _fold_key
from pipelines.storage.dataset import columns_schema, data_files, read_file
from pipelines.storage.schema import PEOPLE

# the same organisations, roles and districts recur on thousands of rows
fold_key = lru_cache(maxsize=1 << 16)(_fold_key)

__all__ = ["resolve_people", "rebuild_people"]


def _date(value) -> str | None:
    if value is None:
        return None
    try:
        if value != value:  # NaN / NaT
            return None
    except Exception:  # noqa: BLE001
        pass
    s = str(value)[:10]
    return s if len(s) == 10 and s[4] == "-" else None


def _orgs(row: dict) -> set[str]:
    out = set()
    for p in row.get("positions") or []:
        if isinstance(p, dict):
            o = p.get("organization_full") or p.get("organization")
            if o:
                out.add(fold_key(o))
    return out


def _district(row: dict) -> str | None:
    d = row.get("district")
    return fold_key(d) if isinstance(d, str) and d.strip() else None


class _UF:
    def __init__(self, n: int):
        self.p = list(range(n))

    def find(self, i: int) -> int:
        while self.p[i] != i:
            self.p[i] = self.p[self.p[i]]
            i = self.p[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


def _rows(rows) -> list[dict]:
    if hasattr(rows, "to_dict"):  # pandas DataFrame
        return rows.to_dict("records")
    return [dict(r) for r in rows]


def resolve_people(rows: Iterable[dict]) -> list[dict]:
    """Group officials rows (one per person per article) into people across articles."""
    rows = [r for r in _rows(rows) if r.get("name_key") or r.get("name")]
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        key = r.get("name_key") or fold_key(r.get("name") or "")
        r["_key"] = key
        r["_orgs"] = _orgs(r)
        r["_district"] = _district(r)
        r["_date"] = _date(r.get("published_date"))
        by_key[key].append(i)

    people = []
    for key, idx in by_key.items():
        uf = _UF(len(idx))
        # join on same district and on shared organisation
        first_by_district: dict[str, int] = {}
        first_by_org: dict[str, int] = {}
        for j, i in enumerate(idx):
            r = rows[i]
            if r["_district"]:
                if r["_district"] in first_by_district:
                    uf.union(j, first_by_district[r["_district"]])
                else:
                    first_by_district[r["_district"]] = j
            for o in r["_orgs"]:
                if o in first_by_org:
                    uf.union(j, first_by_org[o])
                else:
                    first_by_org[o] = j
            if not r["_district"] and not r["_orgs"] and j:
                uf.union(j, 0)  # nothing to tell them apart
        clusters: dict[int, list[dict]] = defaultdict(list)
        for j, i in enumerate(idx):
            clusters[uf.find(j)].append(rows[i])
        for members in clusters.values():
            people.append(_person(key, members))
    people.sort(key=lambda p: (p["first_seen"] or "9999", p["name_key"], p["person_id"]))
    return people


def _person(key: str, members: list[dict]) -> dict:
    if len(members) > 1:
        members = sorted(members, key=lambda r: (r["_date"] or "9999", str(r.get("article_id"))))
        name = Counter(r.get("name") or key for r in members).most_common(1)[0][0]
    else:  # most people are named in one article
        name = members[0].get("name") or key
    districts = sorted({r.get("district") for r in members if isinstance(r.get("district"), str) and r.get("district")})
    dates = [r["_date"] for r in members if r["_date"]]
    anchor = fold_key(districts[0]) if districts else (sorted(set().union(*(r["_orgs"] for r in members))) or [""])[0]
    person_id = hashlib.sha1(f"{key}|{anchor}".encode("utf-8")).hexdigest()[:16]
    held: dict[tuple, dict] = {}
    for r in members:
        for p in r.get("positions") or []:
            if not isinstance(p, dict):
                p = {"raw": str(p)}
            k = (fold_key(p.get("role") or ""), fold_key(p.get("organization_full") or p.get("raw") or ""))
            h = held.get(k)
            if h is None:
                h = held[k] = {
                    "raw": p.get("raw"),
                    "role": p.get("role"),
                    "organization_full": p.get("organization_full"),
                    "level": p.get("level"),
                    "first_seen": r["_date"],
                    "last_seen": r["_date"],
                    "_articles": set(),
                }
            if r["_date"]:
                if h["first_seen"] is None or r["_date"] < h["first_seen"]:
                    h["first_seen"] = r["_date"]
                if h["last_seen"] is None or r["_date"] > h["last_seen"]:
                    h["last_seen"] = r["_date"]
            h["_articles"].add(r.get("article_id"))
    positions_held = []
    for h in held.values():
        h["articles"] = len(h.pop("_articles"))
        positions_held.append(h)
    positions_held.sort(key=lambda h: h["first_seen"] or "9999")
    return {
        "person_id": person_id,
        "name": name,
        "name_key": key,
        "districts": districts,
        "first_seen": min(dates) if dates else None,
        "last_seen": max(dates) if dates else None,
        "articles": len({r.get("article_id") for r in members}),
        "positions_held": positions_held,
    }


def _as_date(value):
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


PEOPLE_BUCKET_ROWS = 10000  # officials rows turned into Python objects at a time
PEOPLE_COLUMNS = ["article_id", "district", "published_date", "name", "name_key", "positions"]


def rebuild_people(root: Path) -> int:
    """Rebuild ``people/people.parquet`` from every stored officials row (atomic replace).

    People are resolved within one ``name_key`` at a time. The officials files are read one
    by one and their rows spilled to temporary Arrow files by a hash of ``name_key``
    (about PEOPLE_BUCKET_ROWS rows per bucket); each bucket is then resolved on its own.
    Memory stays bounded by one file and one bucket, not by the size of the dataset."""
    root = Path(root)
    out = root / "people"
    out.mkdir(parents=True, exist_ok=True)
    # the workers of a shared job rebuild one after another (an flock the kernel drops with the process)
    lock_fd = os.open(out / ".rebuild.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        return _rebuild_people(root, out)
    finally:
        os.close(lock_fd)


def _rebuild_people(root: Path, out: Path) -> int:
    import tempfile
    import zlib

    import pyarrow.compute as pc
    import pyarrow.ipc as ipc

    files = data_files(root, "officials")
    total = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    buckets = max(1, -(-total // PEOPLE_BUCKET_ROWS))
    schema = columns_schema("officials", PEOPLE_COLUMNS)
    tmp = out / ".tmp-people.parquet.inprogress"
    for stale in out.glob(".tmp-people-*"):  # spill files of a rebuild that was killed
        shutil.rmtree(stale, ignore_errors=True)
    count = 0
    with tempfile.TemporaryDirectory(prefix=".tmp-people-", dir=out) as spill:
        sinks: dict[int, ipc.RecordBatchStreamWriter] = {}
        try:
            for path in files:
                t = read_file(path, "officials", PEOPLE_COLUMNS).select(PEOPLE_COLUMNS).cast(schema)
                if not t.num_rows:
                    continue
                idx = pa.array([zlib.crc32((k or "").encode("utf-8")) % buckets
                                for k in t.column("name_key").to_pylist()], pa.int32())
                for b in pc.unique(idx).to_pylist():
                    if b not in sinks:
                        sinks[b] = ipc.new_stream(f"{spill}/{b}.arrows", schema)
                    sinks[b].write_table(t.filter(pc.equal(idx, b)))
        finally:
            for sink in sinks.values():
                sink.close()
        with pq.ParquetWriter(tmp, PEOPLE, compression="zstd") as writer:
            for b in sorted(sinks):
                with ipc.open_stream(f"{spill}/{b}.arrows") as reader:
                    rows = reader.read_all().to_pylist()
                people = resolve_people(rows)
                for person in people:  # resolve_people speaks ISO strings; the schema stores dates
                    for key in ("first_seen", "last_seen"):
                        person[key] = _as_date(person.get(key))
                    for held in person.get("positions_held") or []:
                        for key in ("first_seen", "last_seen"):
                            held[key] = _as_date(held.get(key))
                if people:
                    writer.write_table(pa.Table.from_pylist(people, schema=PEOPLE))
                count += len(people)
                del rows, people
    os.replace(tmp, out / "people.parquet")
    pa.default_memory_pool().release_unused()  # hand Arrow's cached buffers back to the system
    return count
