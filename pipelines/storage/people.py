"""Cross-article resolution of officials: ``officials`` rows → ``people`` (one row per person)
and ``positions`` (one row per spell of a person in a post). Pure Python.

A *mention* is one officials row: a person named in one article (the latest version of the
article counts). Mentions are compared only within a *block*: the same family and given
name (first and last syllable of ``name_key``), so a name written without its middle name
("Nguyễn Hùng" for "Nguyễn Văn Hùng"), with old-style tones or decomposed Unicode
(``name_key`` folds both) meets its full form. Within a block:

1. **Same name, same post.** Mentions with the same ``name_key`` that share a post — the
   same role in the same organisation of the same unit (the province, a district, a
   commune or a village, read from ``organization_full`` and the portal's district) — are
   one person: two namesakes in one post are rare enough to be ignored.
2. **Careers.** Clusters whose names are compatible (equal, or one is the other without
   (part of) its middle name) are merged, most plausible first, when their careers can
   be one person's and the move between them is plausible enough:

   - *impossible* (never merged): named side by side in one article; different middle
     names; two posts held at the same time that one person cannot hold together (two
     communes, a commune and a district department …; a party post beside a state or
     mass-organisation post of the same unit is allowed, as "Phó Bí thư Huyện ủy, Chủ
     tịch UBND huyện"); a post left and taken up again around another one;
   - *plausibility* of the move from the earlier post to the later one (``MOVES``): the
     same post again 0.97, another role in the same organisation (Phó Chủ tịch → Chủ tịch)
     0.93, another organisation of the same commune/district/province 0.85, the armed
     forces' and police's ladder 0.8, a commune leader to a district post 0.6, a district
     leader to another district or to the province 0.6, a village head to the commune 0.55,
     a commune to another commune of the district 0.5, two compatible posts held at the same
     time but never named together 0.55 (0.3 when each is named often), lesser staff moving
     up or across 0.25–0.4, downward or across kinds 0.1–0.2; times 0.95 / 0.9 / 0.8 / 0.65
     when nobody of the name was named for more than one / two / three / five years
     between the two; times 0.95 when joined only through a form of the name; plus 0.04
     per person named with both (from two, at most 0.12); times 0.8 when either side could
     as well join a third cluster that the other cannot be (a namesake); merged at ≥ 0.5.

   Every merge is kept as evidence (kind, confidence, the two spells) and a person's
   ``confidence`` is the lowest of its merges (1.0 for a single cluster of step 1).
3. Mentions without any position join the only person of the same ``name_key`` and district
   active within two years, if there is exactly one; otherwise they stay on their own.

Persons of one block that share a ``name_key`` but were kept apart list each other in
``homonyms`` with the reason.

**Stable ids.** ``person_id`` is kept from the previous ``people.parquet``: a new cluster takes
the id of the previous person whose mentions it holds most of (and that person's largest
cluster); a cluster that gathers mentions of several previous persons keeps the largest's id
and records the others in ``merged_from``; the other pieces of a previous person that was
split get new ids and record it in ``split_from``. A cluster with no previous mention gets a
new id from a hash of its block and its earliest mention, so a rebuild from scratch gives the
same ids as the runs that built the dataset (as long as no older article was added later).
"""

from __future__ import annotations

import hashlib
import fcntl
import heapq
import os
import re
import shutil
from collections import Counter, defaultdict
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.extraction.text import fold_key as _fold_key
from pipelines.extraction.text import name_key as _name_key
from pipelines.extraction.text import slugify
from pipelines.storage.dataset import columns_schema, data_files, read_file
from pipelines.storage.schema import PEOPLE, POSITIONS

# the same organisations, roles and districts recur on thousands of rows
fold_key = lru_cache(maxsize=1 << 16)(_fold_key)
name_key = lru_cache(maxsize=1 << 16)(_name_key)

__all__ = ["resolve_people", "rebuild_people", "positions_rows", "block_key", "MERGE_AT"]

MERGE_AT = 0.5          # plausibility needed to merge two clusters
STALE_DAYS = 60         # a post may still be named this long after its holder moved on
NEAR_DAYS = 730         # mentions without a position join a person active this close in time
COMMON_NAME = 0.8       # weaker moves count this much when either side could be a namesake
AMBIGUOUS_AT = 0.4      # … that is, could join a third cluster this plausibly that the other cannot be
AMBIGUOUS_MARGIN = 0.1  # … and at most this much less plausibly than the pair in question

# plausibility of a move from one post to another (see the module docstring)
MOVES = {
    "same-post": 0.97,
    "same-organisation": 0.93,
    "same-unit": 0.85,
    "concurrent": 0.55,
    "concurrent-apart": 0.3,
    "security-ladder": 0.8,
    "village-to-commune": 0.55,
    "commune-to-commune": 0.5,
    "commune-to-district": 0.6,
    "commune-staff-to-district": 0.4,
    "district-to-district": 0.6,
    "district-staff-to-district": 0.25,
    "district-to-province": 0.6,
    "district-staff-to-province": 0.35,
    "province-to-district": 0.25,
    "downward": 0.2,
    "unknown-organisation": 0.6,
    "unknown-other": 0.3,
    "other": 0.1,
}


# --- mentions and posts -------------------------------------------------------------------
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


_LEVEL_WORDS = re.compile(r"^(huyện|thị xã|thành phố|tỉnh|quận)\s+")


@lru_cache(maxsize=4096)
def _district_key(value: str | None) -> str:
    """"muong-lat", "Huyện Mường Lát", "tp-thanh-hoa" → "muong-lat" / "thanh-hoa"."""
    if not value:
        return ""
    v = fold_key(value)
    if " " in v:
        v = slugify(_LEVEL_WORDS.sub("", v))
    return v[3:] if v.startswith("tp-") else v


_DISTRICT_RE = re.compile(r"\b(?:huyện ủy|thị ủy|thành ủy|quận ủy|huyện|thị xã|thành phố|quận)\s+(\w[\w\s-]*)$")
_COMMUNE_RE = re.compile(r"\b(?:xã|thị trấn|phường)\s+(\w[\w\s-]*)$")
_VILLAGE_RE = re.compile(r"\b(?:bản|thôn|làng|xóm|khu phố|tổ dân phố|khu)\s+(\w[\w\s-]*)$")
_SECURITY_RE = re.compile(r"công an|quân sự|biên phòng|quân đội|cảnh sát")
_PARTY_RE = re.compile(r"(^|\s)(huyện ủy|tỉnh ủy|thành ủy|thị ủy|đảng ủy|đảng bộ|chi bộ|ban thường vụ|ban chấp hành)")
_MEMBER_RE = re.compile(r"^(ủy viên|huyện ủy viên|tỉnh ủy viên|thành ủy viên|thị ủy viên|đảng ủy viên)")
_STAFF_RE = re.compile(r"^(trưởng phòng|phó trưởng phòng|giám đốc|phó giám đốc|chánh|phó chánh|bí thư huyện đoàn|"
                       r"phó bí thư huyện đoàn|chủ tịch hội|chủ tịch liên đoàn)")
_LEADING_ORG_RE = re.compile(r"^(huyện ủy|tỉnh ủy|thành ủy|thị ủy|quận ủy|đảng ủy|ủy ban nhân dân|hội đồng nhân dân)")
_LEVEL_BASE = {"central": 14, "province": 10, "district": 6, "commune": 3, "village": 1}


class _Post:
    """A position as the resolution sees it: role, organisation, level, unit, rank, kind."""

    __slots__ = ("key", "role", "org", "level", "unit", "district", "rank", "kind", "party", "member", "raw",
                 "role_text", "org_text", "staff")

    def __init__(self, p: dict, district: str):
        self.raw = p.get("raw") or ""
        self.role_text = p.get("role") or ""
        self.org_text = p.get("organization_full") or p.get("organization") or ""
        role = fold_key(self.role_text or self.raw)
        org = fold_key(self.org_text)
        level = (p.get("level") or "").lower() or None
        self.role, self.org, self.level = role, org, level
        self.district = district
        unit_district = district
        if level in ("province", "central"):
            unit = level
            unit_district = ""
        elif level == "district":
            m = _DISTRICT_RE.search(org)
            if m:
                unit_district = slugify(m.group(1))
            unit = "d:" + unit_district
        elif level == "commune":
            m = _COMMUNE_RE.search(org)
            unit = f"c:{district}:{m.group(1) if m else org}"
        elif level == "village":
            m = _VILLAGE_RE.search(org)
            unit = f"v:{district}:{m.group(1) if m else org}"
        else:
            unit = f"?:{district}:{org}"
        self.unit = unit
        self.district = unit_district
        self.kind = "security" if _SECURITY_RE.search(org) or _SECURITY_RE.search(role) else "civil"
        self.party = bool(_PARTY_RE.search(org))
        self.member = bool(_MEMBER_RE.match(role))
        self.staff = bool(_STAFF_RE.match(role + " " + org))
        rank = _LEVEL_BASE.get(level or "", 2)
        if _LEADING_ORG_RE.match(org):   # the party committee, the people's committee or council
            for prefix, up in (("bí thư", 4), ("phó bí thư", 3), ("chủ tịch", 3), ("phó chủ tịch", 2), ("ủy viên", 1)):
                if role.startswith(prefix):
                    rank += up
                    break
        elif role.startswith(("chủ tịch", "giám đốc", "trưởng", "chánh", "chỉ huy trưởng", "bí thư", "đồn trưởng")):
            rank += 1
        self.rank = rank
        self.key = f"{unit}|{org}|{role}"


@lru_cache(maxsize=1 << 16)
def _post(raw, role, org, level, district) -> _Post:
    """Posts recur on thousands of rows: one object each."""
    return _Post({"raw": raw, "role": role, "organization_full": org, "level": level}, district)


def block_key(key: str) -> str:
    """The block a name is resolved in: family and given name (first and last syllable)."""
    syl = key.split()
    return f"{syl[0]} {syl[-1]}" if len(syl) > 1 else key


class _Mention:
    __slots__ = ("i", "article_id", "name", "key", "middle", "district", "district_raw", "day", "date",
                 "posts", "co", "fetched")

    def __init__(self, i: int, row: dict):
        self.i = i
        self.article_id = str(row.get("article_id"))
        self.name = row.get("name") or row.get("name_key") or ""
        self.key = row.get("name_key") or name_key(self.name)
        syl = self.key.split()
        self.middle = tuple(syl[1:-1])
        self.district_raw = row.get("district") if isinstance(row.get("district"), str) else None
        self.district = _district_key(self.district_raw)
        self.date = _date(row.get("published_date"))
        self.day = date.fromisoformat(self.date).toordinal() if self.date else None
        posts = {}
        for p in row.get("positions") or []:
            if not isinstance(p, dict):
                p = {"raw": str(p)}
            if not (p.get("role") or p.get("raw")):
                continue
            post = _post(p.get("raw"), p.get("role"), p.get("organization_full") or p.get("organization"),
                         p.get("level"), self.district)
            posts.setdefault(post.key, post)
        self.posts = list(posts.values())
        self.co = frozenset(row.get("_co") or ())
        self.fetched = row.get("fetched_at")


def _middles_compatible(a: tuple, b: tuple) -> bool:
    """One middle name is the other with syllables left out ("" ⊂ "văn", "thu" ⊂ "thị thu")."""
    if len(a) > len(b):
        a, b = b, a
    it = iter(b)
    return all(s in it for s in a)


# --- clusters -------------------------------------------------------------------------------
class _Spell:
    __slots__ = ("post", "first", "last", "n", "raws", "roles", "orgs", "levels", "articles")

    def __init__(self, post: _Post):
        self.post = post
        self.first = self.last = None
        self.n = 0
        self.raws: Counter = Counter()
        self.roles: Counter = Counter()
        self.orgs: Counter = Counter()
        self.levels: Counter = Counter()
        self.articles: set = set()

    def add(self, m: _Mention, post: _Post) -> None:
        if m.day is not None:
            self.first = m.day if self.first is None else min(self.first, m.day)
            self.last = m.day if self.last is None else max(self.last, m.day)
        self.n += 1
        self.articles.add(m.article_id)
        self.raws[post.raw] += 1
        self.roles[post.role_text] += 1
        self.orgs[post.org_text] += 1
        self.levels[post.level] += 1


class _Cluster:
    __slots__ = ("members", "spells", "middles", "articles", "co", "evidence", "confidence", "version", "keys")

    def __init__(self, members: list[_Mention], evidence=None, confidence: float = 1.0):
        self.members = members
        self.spells: dict[str, _Spell] = {}
        self.middles: set = set()
        self.articles: set = set()
        self.co: Counter = Counter()
        self.keys: Counter = Counter()
        self.evidence = list(evidence or [])
        self.confidence = confidence
        self.version = 0
        for m in members:
            self._add(m)

    def _add(self, m: _Mention) -> None:
        for post in m.posts:
            sp = self.spells.get(post.key)
            if sp is None:
                sp = self.spells[post.key] = _Spell(post)
            sp.add(m, post)
        self.middles.add(m.middle)
        self.articles.add(m.article_id)
        self.co.update(m.co)
        self.keys[m.key] += 1

    def absorb(self, other: "_Cluster", evidence: dict) -> None:
        for m in other.members:
            self._add(m)
        self.members.extend(other.members)
        self.evidence.extend(other.evidence)
        self.evidence.append(evidence)
        self.confidence = min(self.confidence, other.confidence, evidence["confidence"])
        self.version += 1

    def span(self) -> tuple:
        days = [m.day for m in self.members if m.day is not None]
        return (min(days), max(days)) if days else (None, None)


def _fmt_day(day) -> str:
    return date.fromordinal(day).isoformat() if day is not None else "?"


def _spell_text(sp: _Spell) -> str:
    raw = sp.raws.most_common(1)[0][0] or sp.post.role_text
    org = sp.orgs.most_common(1)[0][0]
    text = raw if not org or fold_key(org) in fold_key(raw) else f"{raw} ({org})"
    return f"{text} {_fmt_day(sp.first)}…{_fmt_day(sp.last)}"


_COMMITTEE_ROLES = ("bí thư", "phó bí thư")
_COUNCIL_ORG_RE = re.compile(r"^(ủy ban nhân dân|hội đồng nhân dân)")


def _same_org(a: _Post, b: _Post) -> bool:
    """One organisation, also when one name runs on ("Sở Y tế" / "Sở Y tế kiểm tra": a verb
    read into it)."""
    return a.org == b.org or (bool(a.org) and bool(b.org) and (a.org.startswith(b.org + " ") or b.org.startswith(a.org + " ")))


def _same_role(a: _Post, b: _Post) -> bool:
    """"Phó Chủ tịch" and "Phó Chủ tịch Thường trực" of one organisation: one post."""
    return a.role.startswith(b.role) or b.role.startswith(a.role)


def _combined(a: _Post, b: _Post) -> bool:
    """A party committee's (deputy) secretary who chairs the council or the people's
    committee of the same unit: "Phó Bí thư Huyện ủy, Chủ tịch UBND huyện"."""
    return (a.party and a.role.startswith(_COMMITTEE_ROLES) and not a.staff
            and bool(_COUNCIL_ORG_RE.match(b.org)) and "chủ tịch" in b.role)


def _unknown_match(a: _Post, b: _Post) -> bool:
    """A position whose organisation was not read ("Giám đốc TTYT huyện") that may be the
    other one: same district, one role the start of the other."""
    if a.district and b.district and a.district != b.district:
        return False
    return bool(a.role and b.role) and (a.role.startswith(b.role) or b.role.startswith(a.role))


def _concurrent_ok(a: _Post, b: _Post) -> bool:
    """Can one person hold both posts at the same time?"""
    if a.key == b.key:
        return True
    if a.unit.startswith("?") or b.unit.startswith("?"):
        return _unknown_match(a, b)
    if a.unit == b.unit:
        if _same_org(a, b):
            return _same_role(a, b)
        return a.member or b.member or _combined(a, b) or _combined(b, a)
    # a member of the provincial standing committee who is also a provincial leader or
    # leads a district's party committee
    for x, y in ((a, b), (b, a)):
        if x.member and x.level == "province" and (y.level == "province" or
                                                   (y.level == "district" and y.party and y.role.startswith("bí thư"))):
            return True
    return False


def _sequential(a: _Spell, b: _Spell) -> bool:
    """Do the two spells follow each other (within STALE_DAYS), rather than interleave?"""
    if a.first is None or b.first is None:
        return True
    return a.last <= b.first + STALE_DAYS or b.last <= a.first + STALE_DAYS


def _conflict(x: _Cluster, y: _Cluster) -> str | None:
    """Why the two clusters cannot be one person (None: they can)."""
    shared = x.articles & y.articles
    if shared:
        return f"named side by side in article {min(shared)}"
    for mx in x.middles:
        for my in y.middles:
            if not _middles_compatible(mx, my):
                return f"different middle names ({' '.join(mx) or '–'} / {' '.join(my) or '–'})"
    for a in x.spells.values():
        for b in y.spells.values():
            if not _concurrent_ok(a.post, b.post) and not _sequential(a, b):
                return f"held at the same time: {_spell_text(a)} and {_spell_text(b)}"
    return None


def _move(a: _Post, b: _Post) -> str:
    """The kind of move from post ``a`` (held earlier) to post ``b``."""
    if a.key == b.key:
        return "same-post"
    if a.unit == b.unit:
        if _same_org(a, b):
            return "same-organisation"
        return "same-unit" if a.kind == b.kind else "other"
    if a.unit.startswith("?") or b.unit.startswith("?"):
        return "unknown-organisation" if _unknown_match(a, b) else "unknown-other"
    if a.kind != b.kind:
        return "other"
    la, lb = a.level, b.level
    same_d = a.district == b.district
    if a.kind == "security":
        if (same_d or lb == "province") and b.rank >= a.rank:
            return "security-ladder"
        return "downward" if same_d else "other"
    if la == "village":
        if lb == "commune" and same_d:
            return "village-to-commune"
        return "other"
    if la == "commune":
        if lb == "commune":
            return "commune-to-commune" if same_d else "other"
        if lb == "district" and same_d:
            return "commune-to-district" if a.rank >= 5 else "commune-staff-to-district"
        return "other"
    if la == "district":
        if lb == "district":
            if same_d:
                return "same-unit"
            return "district-to-district" if (a.rank >= 8 and b.rank >= 8) else "district-staff-to-district"
        if lb in ("province", "central"):
            return "district-to-province" if a.rank >= 8 else "district-staff-to-province"
        if lb in ("commune", "village") and same_d:
            return "downward"
        return "other"
    if la in ("province", "central"):
        if lb in ("province", "central"):
            return "same-unit"
        if lb == "district":
            return "province-to-district"
        return "other"
    return "other"


def _gap_factor(days: int) -> float:
    """Careers are continuous: the longer nobody with the name is named between two posts,
    the less likely one person held both."""
    for upto, factor in ((365, 1.0), (730, 0.95), (1096, 0.9), (1826, 0.8)):
        if days <= upto:
            return factor
    return 0.65


def _score(x: _Cluster, y: _Cluster, ambiguous=None) -> tuple[float, dict | None, str | None, bool]:
    """(plausibility, evidence, why not, impossible) of merging two clusters.

    ``ambiguous``: a callable saying whether one of the two could as well be another person of
    the block (then a move weaker than another post of the same unit counts ``COMMON_NAME``
    times less)."""
    why = _conflict(x, y)
    if why:
        return 0.0, None, why, True
    best, best_ev, best_kind = 0.0, None, None
    for a in x.spells.values():
        for b in y.spells.values():
            # order the two spells in time
            if a.first is not None and b.first is not None and b.first < a.first:
                early, late = b, a
            else:
                early, late = a, b
            gap = 0
            if not _sequential(a, b):  # held at the same time (and allowed: see _conflict)
                if _same_org(a.post, b.post) and _same_role(a.post, b.post):
                    kind = "same-post"
                elif a.post.unit.startswith("?") or b.post.unit.startswith("?"):
                    kind = _move(early.post, late.post)
                elif a.n >= 3 and b.n >= 3:
                    kind = "concurrent-apart"   # often named, never together: two persons
                else:
                    kind = "concurrent"
            else:
                kind = _move(early.post, late.post)
                if early.last is not None and late.first is not None:
                    gap = late.first - early.last
            sc = MOVES[kind] * _gap_factor(max(0, gap))
            if sc > best:
                best, best_kind = sc, kind
                best_ev = {"kind": kind, "detail": f"{_spell_text(early)} → {_spell_text(late)}"}
    if best_ev is None:  # no position on one side: handled by the last step
        return 0.0, None, "no position to compare", False
    if not (x.keys.keys() & y.keys.keys()):  # joined only through a form of the name
        best *= 0.95
        best_ev["detail"] += f"; written {' / '.join(sorted(set(x.keys) | set(y.keys)))}"
    shared = len(x.co.keys() & y.co.keys())
    if shared >= 2 and shared / max(1, min(len(x.co), len(y.co))) >= 0.2:
        best = min(0.99, best + min(0.12, 0.04 * shared))
        best_ev["detail"] += f"; {shared} persons named with both"
    if (ambiguous is not None and MOVES[best_kind] < MOVES["same-unit"] and best >= AMBIGUOUS_AT
            and ambiguous(best)):
        best *= COMMON_NAME
        best_ev["detail"] += "; either could be a namesake of the other's"
    best_ev["confidence"] = round(best, 3)
    return best, best_ev, (None if best >= MERGE_AT else
                           f"move not plausible enough ({best:.2f}): {best_ev['detail']}"), False


def _ambiguity(clusters: list, raw: dict | None = None):
    """ambiguous(x, y, s): is there a third cluster z that x could join about as plausibly
    (≥ AMBIGUOUS_AT and ≥ s − AMBIGUOUS_MARGIN) but that cannot be y (or the reverse)? Then
    x or y may as well be a namesake.
    ``raw``: scores already known, {(id(a), id(b)): (score, impossible)}."""
    def known(a, b):
        k = (id(a), id(b)) if (id(a), id(b)) in (raw or {}) else (id(b), id(a))
        if raw is not None and k in raw:
            return raw[k]
        s, _, _, impossible = _score(a, b)
        return s, impossible

    def ambiguous(x, y, s_xy: float) -> bool:
        at = max(AMBIGUOUS_AT, s_xy - AMBIGUOUS_MARGIN)
        for z in clusters:
            if z is x or z is y:
                continue
            for p, q in ((x, y), (y, x)):
                s_pz, _ = known(p, z)
                if s_pz >= at and known(q, z)[1]:
                    return True
        return False
    return ambiguous


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


def _resolve_block(ms: list[_Mention]) -> list[_Cluster]:
    """Cluster the mentions of one block (see the module docstring)."""
    # 1. same name, same post
    uf = _UF(len(ms))
    first: dict[tuple, int] = {}
    for j, m in enumerate(ms):
        for post in m.posts:
            k = (m.key, post.key)
            if k in first:
                uf.union(j, first[k])
            else:
                first[k] = j
    groups: dict[int, list[_Mention]] = defaultdict(list)
    loose: list[_Mention] = []
    for j, m in enumerate(ms):
        if m.posts:
            groups[uf.find(j)].append(m)
        else:
            loose.append(m)
    clusters = [_Cluster(g) for g in groups.values()]
    for c in clusters:
        if len(c.members) > 1:
            top = max(c.spells.values(), key=lambda sp: (sp.n, sp.post.key))
            c.evidence.append({"kind": "same-post", "confidence": 1.0,
                               "detail": f"{_spell_text(top)}: {len(c.articles)} articles"})
    # 2. careers: merge the most plausible pairs first (a pair is scored again when one of
    # its clusters grew since it was scored)
    raw: dict = {}
    for a in range(len(clusters)):
        for b in range(a + 1, len(clusters)):
            s, _, _, impossible = _score(clusters[a], clusters[b])
            raw[(id(clusters[a]), id(clusters[b]))] = (s, impossible)
    ambiguous = _ambiguity(clusters, raw)
    heap: list = []
    tick = 0
    for a in range(len(clusters)):
        for b in range(a + 1, len(clusters)):
            if raw[(id(clusters[a]), id(clusters[b]))][0] < MERGE_AT:
                continue
            x, y = clusters[a], clusters[b]
            s, ev, _, _ = _score(x, y, lambda s_xy: ambiguous(x, y, s_xy))
            if s >= MERGE_AT:
                heap.append((-s, tick, a, b, 0, 0, ev))
                tick += 1
    heapq.heapify(heap)
    owner = list(range(len(clusters)))   # cluster index -> index of the cluster that absorbed it

    def root(i: int) -> int:
        while owner[i] != i:
            owner[i] = owner[owner[i]]
            i = owner[i]
        return i

    while heap:
        _, _, a, b, va, vb, ev = heapq.heappop(heap)
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        if (ra, rb) != (a, b) or (clusters[a].version, clusters[b].version) != (va, vb):
            x, y = clusters[ra], clusters[rb]
            live = _ambiguity([clusters[i] for i in range(len(clusters)) if root(i) == i])
            s, ev, _, _ = _score(x, y, lambda s_xy: live(x, y, s_xy))   # one of them grew since: score again
            if s >= MERGE_AT:
                heapq.heappush(heap, (-s, tick, ra, rb, x.version, y.version, ev))
                tick += 1
            continue
        keep, gone = min(ra, rb), max(ra, rb)
        clusters[keep].absorb(clusters[gone], ev)
        owner[gone] = keep
    result = [clusters[i] for i in range(len(clusters)) if root(i) == i]
    # 3. mentions without a position
    for m in loose:
        cands = []
        for c in result:
            if m.key not in c.keys or m.article_id in c.articles:
                continue
            if m.district and m.district not in {mm.district for mm in c.members}:
                continue
            lo, hi = c.span()
            if m.day is not None and lo is not None and not (lo - NEAR_DAYS <= m.day <= hi + NEAR_DAYS):
                continue
            cands.append(c)
        if len(cands) == 1:
            c = cands[0]
            c.members.append(m)
            c._add(m)
            c.evidence.append({"kind": "no-position", "confidence": 0.8,
                               "detail": f"named without a position on {m.date or '?'}: the only {m.name} "
                                         f"of {m.district_raw or '?'} then"})
            c.confidence = min(c.confidence, 0.8)
        else:
            result.append(_Cluster([m]))
    return result


# --- people rows ----------------------------------------------------------------------------
def _new_id(block: str, c: _Cluster, taken: set) -> str:
    first = min(c.members, key=lambda m: (m.date or "9999", m.article_id, m.key))
    base = f"{block}|{first.article_id}|{first.key}"
    pid = hashlib.sha1(base.encode("utf-8")).hexdigest()[:16]
    n = 1
    while pid in taken:
        n += 1
        pid = hashlib.sha1(f"{base}#{n}".encode("utf-8")).hexdigest()[:16]
    return pid


def _assign_ids(block_clusters: list[tuple[str, _Cluster]], previous: dict) -> list[tuple[str, str, list, str | None]]:
    """(person_id, merged_from, split_from) per cluster; ``previous`` maps (article_id, name_key)
    → old person_id and holds ``_info``: old person_id → (merged_from, split_from)."""
    info = previous.get("_info", {}) if previous else {}
    overlaps = []
    for n, (block, c) in enumerate(block_clusters):
        cnt = Counter(previous.get((m.article_id, m.key)) or previous.get(("legacy", m.key, m.district))
                      for m in c.members) if previous else Counter()
        cnt.pop(None, None)
        overlaps.append(cnt)
    # mutual best: the old person's largest piece keeps its id
    pairs = sorted(((k, -v, n) for n, cnt in enumerate(overlaps) for k, v in cnt.items()),
                   key=lambda t: (t[1], t[0], t[2]))
    given: dict[int, str] = {}
    used_old: set = set()
    for old, negv, n in pairs:
        if n in given or old in used_old:
            continue
        given[n] = old
        used_old.add(old)
    taken = set(info) | set(given.values())
    out = []
    for n, (block, c) in enumerate(block_clusters):
        cnt = overlaps[n]
        if n in given:
            pid = given[n]
            merged, split = list(info.get(pid, ((), None))[0]), info.get(pid, ((), None))[1]
        else:
            pid = _new_id(block, c, taken)
            merged, split = [], None
            if cnt:  # a piece split off a previous person
                split = max(cnt.items(), key=lambda kv: (kv[1], kv[0]))[0]
        taken.add(pid)
        for old in cnt:
            if old != pid and old != split and old not in merged:
                merged.append(old)
        out.append((pid, sorted(set(merged)), split))
    return out


def _person(pid: str, c: _Cluster, merged_from: list, split_from: str | None) -> dict:
    members = sorted(c.members, key=lambda m: (m.date or "9999", m.article_id, m.key))
    # display name: the most common of the fullest forms
    longest = max(len(m.key.split()) for m in members)
    forms = Counter(m.name for m in members if len(m.key.split()) == longest)
    name = max(forms.items(), key=lambda kv: (kv[1], kv[0]))[0]
    variants = sorted({m.name for m in members})
    districts = sorted({m.district_raw for m in members if m.district_raw})
    dates = [m.date for m in members if m.date]
    spells = sorted(c.spells.values(), key=lambda sp: (sp.first if sp.first is not None else 10**7, sp.post.key))
    positions_held = []
    for sp in spells:
        positions_held.append({
            "raw": sp.raws.most_common(1)[0][0] or None,
            "role": sp.roles.most_common(1)[0][0] or None,
            "organization_full": sp.orgs.most_common(1)[0][0] or None,
            "level": sp.levels.most_common(1)[0][0],
            "first_seen": _fmt_day(sp.first) if sp.first is not None else None,
            "last_seen": _fmt_day(sp.last) if sp.last is not None else None,
            "articles": len(sp.articles),
            "_district": sp.post.district or None,
        })
    return {
        "person_id": pid,
        "name": name,
        "name_key": name_key(name),
        "districts": districts,
        "first_seen": min(dates) if dates else None,
        "last_seen": max(dates) if dates else None,
        "articles": len({m.article_id for m in members}),
        "positions_held": positions_held,
        "name_variants": variants,
        "confidence": round(c.confidence, 3),
        "evidence": c.evidence,
        "homonyms": [],
        "mentions": [{"article_id": m.article_id, "name_key": m.key} for m in members],
        "merged_from": merged_from,
        "split_from": split_from,
    }


def _latest(rows: list[dict]) -> list[dict]:
    """One row per (article_id, name_key): the latest version of the article."""
    best: dict[tuple, dict] = {}
    for r in rows:
        k = (str(r.get("article_id")), r.get("name_key") or name_key(r.get("name") or ""))
        old = best.get(k)
        if old is None:
            best[k] = r
            continue
        f, g = r.get("fetched_at"), old.get("fetched_at")
        if f is not None and (g is None or f > g):
            best[k] = r
    return list(best.values())


def _rows(rows) -> list[dict]:
    if hasattr(rows, "to_dict"):  # pandas DataFrame
        return rows.to_dict("records")
    return [dict(r) for r in rows]


def _co_mentions(rows: list[dict]) -> None:
    """Give every row ``_co``: the name keys of the other officials of its article."""
    by_article: dict[str, set] = defaultdict(set)
    for r in rows:
        by_article[str(r.get("article_id"))].add(r.get("name_key") or name_key(r.get("name") or ""))
    for r in rows:
        k = r.get("name_key") or name_key(r.get("name") or "")
        r["_co"] = by_article[str(r.get("article_id"))] - {k}


def resolve_people(rows: Iterable[dict], previous: Iterable[dict] | None = None) -> list[dict]:
    """Group officials rows (one per person per article version) into people across articles.

    ``previous``: rows of the previous people table (``person_id``, ``mentions``,
    ``merged_from``, ``split_from``) whose ids are kept. Rows may carry ``_co`` (the name keys
    of the other officials of their article); when none does, it is computed from ``rows``."""
    rows = [r for r in _rows(rows) if r.get("name_key") or r.get("name")]
    if rows and not any("_co" in r for r in rows):
        _co_mentions(rows)
    rows = _latest(rows)
    prev = _previous_map(previous)
    blocks: dict[str, list[_Mention]] = defaultdict(list)
    for i, r in enumerate(rows):
        m = _Mention(i, r)
        if m.key:
            blocks[block_key(m.key)].append(m)
    people = []
    for block in sorted(blocks):
        ms = sorted(blocks[block], key=lambda m: (m.date or "9999", m.article_id, m.key))
        clusters = _resolve_block(ms)
        clusters.sort(key=lambda c: min((m.date or "9999", m.article_id, m.key) for m in c.members))
        ids = _assign_ids([(block, c) for c in clusters], prev)
        persons = [_person(pid, c, merged, split) for (pid, merged, split), c in zip(ids, clusters)]
        _homonyms(clusters, persons)
        people.extend(persons)
    people.sort(key=lambda p: (p["first_seen"] or "9999", p["name_key"], p["person_id"]))
    return people


def _homonyms(clusters: list[_Cluster], persons: list[dict]) -> None:
    by_key: dict[str, list[int]] = defaultdict(list)
    for n, p in enumerate(persons):
        by_key[p["name_key"]].append(n)
    ambiguous = _ambiguity(clusters)
    for idx in by_key.values():
        if len(idx) < 2:
            continue
        for a in idx:
            out = []
            for b in idx:
                if a == b:
                    continue
                x, y = clusters[a], clusters[b]
                _, _, why, _ = _score(x, y, lambda s_xy: ambiguous(x, y, s_xy))
                out.append({"person_id": persons[b]["person_id"],
                            "reason": why or "kept apart: each was joined first with a more plausible match"})
            persons[a]["homonyms"] = sorted(out, key=lambda h: h["person_id"])[:20]


def _previous_map(previous) -> dict:
    """(article_id, name_key) → person_id of the previous people table, and ``_info``:
    person_id → (merged_from, split_from). A table written before ``mentions`` existed maps
    ("legacy", name_key, district) instead: its persons were one per name and district."""
    if not previous:
        return {}
    out: dict = {"_info": {}}
    for p in previous:
        pid = p.get("person_id")
        if not pid:
            continue
        out["_info"][pid] = (tuple(p.get("merged_from") or ()), p.get("split_from"))
        if p.get("mentions") is None and p.get("name_key"):
            for d in p.get("districts") or ():
                out.setdefault(("legacy", p["name_key"], _district_key(d)), pid)
            continue
        for m in p.get("mentions") or ():
            out[(str(m.get("article_id")), m.get("name_key"))] = pid
    return out


def positions_rows(people: list[dict]) -> list[dict]:
    """The ``positions`` table: one row per spell of a person in a post, in career order."""
    out = []
    for p in people:
        for seq, h in enumerate(p.get("positions_held") or []):
            out.append({
                "person_id": p["person_id"],
                "name": p["name"],
                "seq": seq,
                "role": h.get("role"),
                "organization": h.get("organization_full"),
                "level": h.get("level"),
                "district": h.get("_district"),
                "raw": h.get("raw"),
                "first_seen": h.get("first_seen"),
                "last_seen": h.get("last_seen"),
                "articles": h.get("articles"),
                "confidence": p.get("confidence"),
            })
    return out


# --- the rebuild ----------------------------------------------------------------------------
def _as_date(value):
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def _for_parquet(person: dict) -> dict:
    """resolve_people speaks ISO strings; the schema stores dates."""
    out = dict(person)
    for key in ("first_seen", "last_seen"):
        out[key] = _as_date(out.get(key))
    held = []
    for h in out.get("positions_held") or []:
        h = {k: v for k, v in h.items() if not k.startswith("_")}
        for key in ("first_seen", "last_seen"):
            h[key] = _as_date(h.get(key))
        held.append(h)
    out["positions_held"] = held
    return out


PEOPLE_BUCKET_ROWS = 10000  # officials rows turned into Python objects at a time
PEOPLE_COLUMNS = ["article_id", "district", "published_date", "name", "name_key", "positions", "fetched_at"]
_PREVIOUS_COLUMNS = ["person_id", "name_key", "districts", "mentions", "merged_from", "split_from"]


def _bucket_of(key: str, buckets: int) -> int:
    import zlib

    return zlib.crc32(block_key(key or "").encode("utf-8")) % buckets


def rebuild_people(root: Path) -> int:
    """Rebuild ``people/people.parquet`` and ``positions/positions.parquet`` from every stored
    officials row (atomic replace of each), keeping the ids of the previous ``people.parquet``.

    People are resolved within one block (family + given name) at a time. The officials
    files are read one by one (each file holds whole articles: the co-mentions are taken
    there) and their rows spilled to temporary Arrow files by a hash of the block (about
    PEOPLE_BUCKET_ROWS rows per bucket), the previous people rows likewise; each bucket is
    then resolved on its own. Memory stays bounded by one file and one bucket, not by the
    size of the dataset."""
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

    import pyarrow.compute as pc
    import pyarrow.ipc as ipc

    files = data_files(root, "officials")
    total = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    buckets = max(1, -(-total // PEOPLE_BUCKET_ROWS))
    schema = columns_schema("officials", PEOPLE_COLUMNS).append(pa.field("_co", pa.list_(pa.string())))
    pos_dir = root / "positions"
    pos_dir.mkdir(parents=True, exist_ok=True)
    tmp = out / ".tmp-people.parquet.inprogress"
    pos_tmp = pos_dir / ".tmp-positions.parquet.inprogress"
    for stale in out.glob(".tmp-people-*"):  # spill files of a rebuild that was killed
        shutil.rmtree(stale, ignore_errors=True)
    previous_file = out / "people.parquet"
    prev_cols: list[str] = []
    if previous_file.exists():
        try:
            names = set(pq.ParquetFile(previous_file).schema_arrow.names)
            if {"person_id", "name_key"} <= names:
                prev_cols = [c for c in _PREVIOUS_COLUMNS if c in names]
        except Exception:  # noqa: BLE001 (an unreadable previous file: ids start afresh)
            prev_cols = []
    prev_schema = pa.schema([PEOPLE.field(c) for c in prev_cols]) if prev_cols else None
    count = 0
    with tempfile.TemporaryDirectory(prefix=".tmp-people-", dir=out) as spill:
        sinks: dict[int, ipc.RecordBatchStreamWriter] = {}
        prev_sinks: dict[int, ipc.RecordBatchStreamWriter] = {}
        try:
            for path in files:
                t = read_file(path, "officials", PEOPLE_COLUMNS).select(PEOPLE_COLUMNS)
                if not t.num_rows:
                    continue
                keys = t.column("name_key").to_pylist()
                arts = t.column("article_id").to_pylist()
                names: dict[str, set] = defaultdict(set)
                for a, k in zip(arts, keys):
                    names[a].add(k)
                co = pa.array([sorted(names[a] - {k}) for a, k in zip(arts, keys)], pa.list_(pa.string()))
                t = t.append_column("_co", co).cast(schema)
                idx = pa.array([_bucket_of(k, buckets) for k in keys], pa.int32())
                for b in pc.unique(idx).to_pylist():
                    if b not in sinks:
                        sinks[b] = ipc.new_stream(f"{spill}/{b}.arrows", schema)
                    sinks[b].write_table(t.filter(pc.equal(idx, b)))
            if prev_schema is not None:
                pf = pq.ParquetFile(previous_file)
                for batch in pf.iter_batches(batch_size=5000, columns=prev_cols):
                    t = pa.Table.from_batches([batch]).cast(prev_schema)
                    # (all of a person's names are of one block: the name key's is theirs)
                    idx = pa.array([_bucket_of(k or "", buckets) for k in t.column("name_key").to_pylist()], pa.int32())
                    for b in pc.unique(idx).to_pylist():
                        if b not in prev_sinks:
                            prev_sinks[b] = ipc.new_stream(f"{spill}/prev-{b}.arrows", prev_schema)
                        prev_sinks[b].write_table(t.filter(pc.equal(idx, b)))
        finally:
            for sink in list(sinks.values()) + list(prev_sinks.values()):
                sink.close()
        with pq.ParquetWriter(tmp, PEOPLE, compression="zstd") as writer, \
                pq.ParquetWriter(pos_tmp, POSITIONS, compression="zstd") as pos_writer:
            for b in sorted(sinks):
                with ipc.open_stream(f"{spill}/{b}.arrows") as reader:
                    rows = reader.read_all().to_pylist()
                previous = None
                if b in prev_sinks:
                    with ipc.open_stream(f"{spill}/prev-{b}.arrows") as reader:
                        previous = reader.read_all().to_pylist()
                people = resolve_people(rows, previous)
                if people:
                    writer.write_table(pa.Table.from_pylist([_for_parquet(p) for p in people], schema=PEOPLE))
                    spells = positions_rows(people)
                    for s in spells:
                        for key in ("first_seen", "last_seen"):
                            s[key] = _as_date(s.get(key))
                    if spells:
                        pos_writer.write_table(pa.Table.from_pylist(spells, schema=POSITIONS))
                count += len(people)
                del rows, people, previous
    os.replace(tmp, out / "people.parquet")
    os.replace(pos_tmp, pos_dir / "positions.parquet")
    pa.default_memory_pool().release_unused()  # hand Arrow's cached buffers back to the system
    return count
