"""The replica's people: persons with identities and careers, from which articles name their
officials (who is who is the manifest's answer key for resolving people across articles).

Every post of the province, of each replicated district, of its communes and villages is
held by one person at a time. A quarter-by-quarter simulation from mid-2014 to mid-2025
moves people through them as local government does: holders retire at 60 (women at 55)
or leave; a vacancy is filled by promotion from the posts below (Phó Chủ tịch → Chủ tịch
of the same commune, a commune chairman to a district deputy, a district chairman to the
province), by transfer (to another commune of the district, or — for district leaders — to
another district), or by someone new; the post the promoted person leaves is filled the
same way (a vacancy chain). Armed forces and police move within their own ranks, their rank
(Thiếu tá … Đại tá) following the post.

Names are drawn with the real skew (a few family names, "Văn" and "Thị" as middle names,
repeated given names), so different persons share names, and on top of that every district
gets traps: two persons with one common name serving in the district at the same time, two
persons with one name serving years apart, and a provincial official with the name of a
commune official. How an article writes a name (the middle name dropped, old-style tones,
decomposed Unicode, the title before or after it) is chosen per mention in ``generate.py``.

Deterministic: the same seed and districts give the same persons and careers, whatever the
number of articles.
"""

from __future__ import annotations

import hashlib
import heapq
import random
from dataclasses import dataclass, field
from datetime import date

from . import content as C
from .textforms import new_tones

T0 = date(2014, 7, 1)   # first quarter of the simulation (before the first article)
STEPS = 45              # quarters: up to 2025-09-30, after the last article


def step_date(s: int) -> date:
    y, m = divmod(T0.month - 1 + 3 * s, 12)
    return date(T0.year + y, m + 1, 1)


def step_of(d) -> int:
    return max(0, min(STEPS - 1, ((d.year - T0.year) * 12 + d.month - T0.month) // 3))


def _h(*parts) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


MOUNTAIN = {"muong-lat", "quan-hoa", "quan-son", "ba-thuoc", "lang-chanh", "thuong-xuan",
            "nhu-xuan", "ngoc-lac", "cam-thuy", "thach-thanh", "nhu-thanh"}
BORDER = {"muong-lat", "quan-hoa", "quan-son"}

# --- posts --------------------------------------------------------------------------------
# (key, ways it is written alone, written with its concurrent title in lists, rank, flags)
# flags: f = held by women only, y = young (youth union), t = said before a name as well
PROVINCE_POSTS = [
    ("pct-ubnd-1", ["Phó Chủ tịch UBND tỉnh"], None, 12, "t"),
    ("pct-ubnd-2", ["Phó Chủ tịch UBND tỉnh"], None, 12, "t"),
    ("pct-ubnd-3", ["Phó Chủ tịch UBND tỉnh"], None, 12, "t"),
    ("pct-hdnd", ["Phó Chủ tịch HĐND tỉnh"], None, 12, "t"),
    ("tb-tg", ["Trưởng Ban Tuyên giáo Tỉnh ủy"], None, 12, "t"),
    ("uv-btv-1", ["Ủy viên Ban Thường vụ Tỉnh ủy"], None, 12, "t"),
    ("uv-btv-2", ["Ủy viên Ban Thường vụ Tỉnh ủy"], None, 12, "t"),
    ("ct-mttq", ["Chủ tịch Ủy ban MTTQ tỉnh"], None, 12, ""),
    ("gd-snn", ["Giám đốc Sở Nông nghiệp và Phát triển nông thôn"], None, 11, ""),
    ("gd-syt", ["Giám đốc Sở Y tế"], None, 11, "t"),
    ("gd-svh", ["Giám đốc Sở Văn hóa, Thể thao và Du lịch"], None, 11, ""),
    ("ptb-dv", ["Phó trưởng Ban Dân vận Tỉnh ủy"], None, 10, ""),
    ("pct-ldld", ["Phó Chủ tịch LĐLĐ tỉnh"], None, 10, ""),
    ("pgd-syt", ["Phó Giám đốc Sở Y tế"], None, 10, ""),
    ("pct-hnd", ["Phó Chủ tịch Hội Nông dân tỉnh"], None, 10, ""),
]
DISTRICT_POSTS = [
    ("bt-hu", ["Bí thư Huyện ủy"], None, 10, "t"),
    ("pbttt-hu", ["Phó Bí thư Thường trực Huyện ủy", "Chủ tịch HĐND huyện"],
     ("Phó Bí thư Thường trực Huyện ủy", "Chủ tịch HĐND huyện"), 9, ""),
    ("ct-ubnd", ["Chủ tịch UBND huyện", "Phó Bí thư Huyện ủy"], ("Phó Bí thư Huyện ủy", "Chủ tịch UBND huyện"), 9, "t"),
    ("pct-tt-ubnd", ["Phó Chủ tịch UBND huyện"], ("Ủy viên BTV Huyện ủy", "Phó Chủ tịch Thường trực UBND huyện"), 8, ""),
    ("pct-ubnd", ["Phó Chủ tịch UBND huyện"], None, 7, ""),
    ("pct-hdnd", ["Phó Chủ tịch HĐND huyện"], None, 7, ""),
    ("tb-tg", ["Trưởng Ban Tuyên giáo Huyện ủy"], None, 7, ""),
    ("tb-dv", ["Trưởng Ban Dân vận Huyện ủy"], None, 7, ""),
    ("tb-tc", ["Trưởng Ban Tổ chức Huyện ủy"], ("Ủy viên BTV Huyện ủy", "Trưởng Ban Tổ chức Huyện ủy"), 7, ""),
    ("ct-mttq", ["Chủ tịch Ủy ban MTTQ huyện"], None, 7, ""),
    ("ct-ldld", ["Chủ tịch Liên đoàn Lao động huyện"], None, 6, ""),
    ("ct-ccb", ["Chủ tịch Hội Cựu chiến binh huyện"], None, 6, ""),
    ("ct-lhpn", ["Chủ tịch Hội Liên hiệp Phụ nữ huyện"], None, 6, "f"),
    ("ct-hnd", ["Chủ tịch Hội Nông dân huyện"], ("Huyện ủy viên", "Chủ tịch Hội Nông dân huyện"), 6, ""),
    ("tp-nn", ["Trưởng phòng Nông nghiệp và PTNT huyện"], None, 6, ""),
    ("gd-ttyt", ["Giám đốc Trung tâm Y tế huyện"], None, 6, ""),
    ("tp-gd", ["Trưởng phòng Giáo dục và Đào tạo huyện"], None, 6, ""),
    ("cvp", ["Chánh Văn phòng HĐND-UBND huyện"], None, 6, ""),
    ("gd-vh", ["Giám đốc Trung tâm VH-TT&TT huyện"], None, 5, ""),
    ("bt-hd", ["Bí thư Huyện đoàn"], None, 5, "y"),
]
COMMUNE_POSTS = [
    ("bt-du", ["Bí thư Đảng ủy {xa}"], None, 4, ""),
    ("ct-ubnd", ["Chủ tịch UBND {xa}"], None, 4, ""),
    ("pct-ubnd", ["Phó Chủ tịch UBND {xa}"], None, 3, ""),
    ("ct-mttq", ["Chủ tịch Ủy ban MTTQ {xa}"], None, 3, ""),
    ("ct-hnd", ["Chủ tịch Hội Nông dân {xa}"], None, 2, ""),
    ("ct-lhpn", ["Chủ tịch Hội Liên hiệp Phụ nữ {xa}"], None, 2, "f"),
]
# armed forces and police: (key, post, kind, rank in the ladder, military rank)
RANKED_PROVINCE = [("cht-bchqs", "Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh", "army", 4, "Đại tá"),
                   ("pgd-ca", "Phó Giám đốc Công an tỉnh", "police", 4, "Đại tá")]
RANKED_DISTRICT = [("tca", "Trưởng Công an huyện", "police", 3, "Thượng tá"),
                   ("ptca", "Phó Trưởng Công an huyện", "police", 2, "Trung tá"),
                   ("cht-bchqs", "Chỉ huy trưởng Ban Chỉ huy Quân sự huyện", "army", 3, "Thượng tá")]
RANKED_BORDER = ("dt-dbp", "Đồn trưởng Đồn Biên phòng {ban}", "army", 2, "Trung tá")
RANKED_COMMUNE = ("tca", "Trưởng Công an {xa}", "police", 1, "Thiếu tá")
VILLAGE_POSTS = [("tb", "Trưởng {unit}"), ("btcb", "Bí thư Chi bộ {unit}")]

# what the women's sentences of the generator name ("Theo bà …, <post>")
WOMEN_POSTS = {"ct-lhpn", "pct-ubnd", "tp-gd"}


@dataclass(eq=False)
class Post:
    key: str                 # unique: "muong-lat/xa-trung-ly/ct-ubnd"
    scope: str               # district slug, or "province"
    level: str               # province | district | commune | village
    unit: str                # the commune or village it belongs to ("" for district and province)
    texts: tuple             # ways it is written alone; the first is the usual one
    double: tuple | None     # written with its concurrent title ("Phó Bí thư Huyện ủy", "Chủ tịch UBND huyện")
    rank: int
    kind: str = "civil"      # civil | police | army | village
    female_only: bool = False
    young: bool = False
    title_first: bool = False
    military_rank: str | None = None
    base: str = ""           # the post's key without its place ("ct-ubnd")

    def __repr__(self):
        return f"Post({self.key})"


@dataclass(eq=False)
class Spell:
    post: Post
    start: int   # first quarter (step)
    end: int     # first quarter after it (exclusive)


@dataclass(eq=False)
class Person:
    pid: str
    name: str        # canonical: NFC, new-style tones
    female: bool
    ethnic: bool
    born: int
    spells: list = field(default_factory=list)
    homonym: bool = False    # given a common name on purpose (a trap)

    def __repr__(self):
        return f"Person({self.pid}, {self.name!r})"

    @property
    def syllables(self) -> int:
        return len(self.name.split())

    def post_at(self, step: int) -> Post | None:
        for s in self.spells:
            if s.start <= step < s.end:
                return s.post
        return None

    def career(self) -> list[dict]:
        return [{"position": s.post.texts[0], "posts": list(s.post.double or s.post.texts[:1]),
                 "level": s.post.level, "district": None if s.post.scope == "province" else s.post.scope,
                 "military_rank": s.post.military_rank,
                 "from": step_date(s.start).isoformat(), "until": step_date(s.end).isoformat()}
                for s in self.spells]


# --- names --------------------------------------------------------------------------------
FAMILY_KINH_W = [("Nguyễn", 30), ("Lê", 12), ("Trần", 8), ("Phạm", 7), ("Hoàng", 6), ("Vũ", 4), ("Đỗ", 4),
                 ("Mai", 3), ("Trịnh", 4), ("Đặng", 3), ("Bùi", 4), ("Đào", 2), ("Cao", 2), ("Lại", 1), ("Tống", 2)]
FAMILY_ETHNIC_W = [("Lò", 8), ("Hà", 10), ("Vi", 3), ("Lương", 5), ("Cầm", 3), ("Ngân", 3), ("Giàng", 3),
                   ("Vừ", 2), ("Lầu", 1), ("Sùng", 2), ("Thào", 1), ("Triệu", 2), ("Bàn", 1), ("Phạm", 4), ("Bùi", 5)]
MIDDLE_MALE_W = [("Văn", 40), ("Bá", 6), ("Đình", 8), ("Minh", 6), ("Quốc", 5), ("Xuân", 6), ("Hữu", 5),
                 ("Công", 5), ("Ngọc", 5), ("Trọng", 4), ("Đức", 6)]
# forced homonyms: common names given to several persons of one district
ETHNIC_GIVEN = {"Lon", "Piểng", "Xiết", "Chứ", "Páo", "Dế", "Tồng", "Pó", "Chống", "Dình", "Sính"}
GIVEN_MALE_KINH = [g for g in C.GIVEN_MALE if g not in ETHNIC_GIVEN]
COMMON_MALE = ["Nguyễn Văn Hùng", "Lê Văn Thanh", "Nguyễn Văn Nam", "Trần Văn Dũng", "Lê Văn Hùng"]
COMMON_FEMALE = ["Nguyễn Thị Hằng", "Lê Thị Hoa", "Hoàng Thị Hòa", "Đào Thị Hằng", "Nguyễn Thị Lan"]
COMMON_MALE_ETHNIC = ["Hà Văn Dũng", "Lò Văn Thắng", "Hà Văn Hùng", "Lương Văn Thanh"]
COMMON_FEMALE_ETHNIC = ["Lò Thị Hoa", "Hà Thị Hằng", "Lương Thị Lan"]


def _wchoice(rng: random.Random, pairs):
    return rng.choices([v for v, _ in pairs], [w for _, w in pairs])[0]


def draw_name(rng: random.Random, female: bool, ethnic: bool, syllables: int) -> str:
    for _ in range(50):
        fam = _wchoice(rng, FAMILY_ETHNIC_W if ethnic else FAMILY_KINH_W)
        if syllables == 4 and fam in C.MONG_FAMILIES and not female:
            fam = _wchoice(rng, FAMILY_KINH_W)
        if female:
            given = new_tones(rng.choice(C.GIVEN_FEMALE))
        else:
            given = new_tones(rng.choice(C.GIVEN_MALE if ethnic else GIVEN_MALE_KINH))
        if syllables == 2:
            parts = [fam, given]
        elif female:
            parts = [fam, "Thị", given] if syllables == 3 else [fam, "Thị", rng.choice(C.SECOND_FEMALE), given]
        else:
            mid = rng.choice(C.MONG_MIDDLE) if fam in C.MONG_FAMILIES else _wchoice(rng, MIDDLE_MALE_W)
            parts = [fam, mid, given] if syllables == 3 else [fam, mid, rng.choice(C.SECOND_MALE), given]
        if len(set(parts)) == len(parts):
            return " ".join(parts)
    return " ".join(parts)


# --- the cast -----------------------------------------------------------------------------
class Cast:
    """Every person of the replicated province and districts, with their careers.

    ``districts``: [(slug, communes, villages)] — villages as "bản Pù Quăn" / "thôn Yên Lộc"."""

    def __init__(self, seed: int, districts):
        self.seed = seed
        self.rng = random.Random(_h("cast", seed, *[d[0] for d in districts]))
        self.districts = [d[0] for d in districts]
        self.posts: list[Post] = []
        self._make_posts(districts)
        self.persons: list[Person] = []
        self.by_id: dict[str, Person] = {}
        self._simulate()
        self._homonyms()
        self._index()

    # posts ------------------------------------------------------------------------------
    def _add(self, **kw) -> None:
        self.posts.append(Post(**kw))

    def _make_posts(self, districts) -> None:
        for key, texts, double, rank, flags in PROVINCE_POSTS:
            self._add(key=f"province/{key}", scope="province", level="province", unit="", texts=tuple(texts),
                      double=double, rank=rank, female_only="f" in flags, title_first="t" in flags, base=key)
        for key, text, kind, rank, mil in RANKED_PROVINCE:
            self._add(key=f"province/{key}", scope="province", level="province", unit="", texts=(text,),
                      double=None, rank=rank, kind=kind, military_rank=mil, base=key)
        for slug, communes, villages in districts:
            rng = random.Random(_h("posts", self.seed, slug))
            for key, texts, double, rank, flags in DISTRICT_POSTS:
                self._add(key=f"{slug}/{key}", scope=slug, level="district", unit="", texts=tuple(texts),
                          double=double, rank=rank, female_only="f" in flags, young="y" in flags,
                          title_first="t" in flags, base=key)
            ranked = list(RANKED_DISTRICT) + ([RANKED_BORDER] if slug in BORDER else [])
            for key, text, kind, rank, mil in ranked:
                text = text.format(ban=rng.choice(C.VILLAGES))
                self._add(key=f"{slug}/{key}", scope=slug, level="district", unit="", texts=(text,), double=None,
                          rank=rank, kind=kind, military_rank=mil, base=key)
            for commune in communes:
                xa = "xã " + commune
                for key, texts, double, rank, flags in COMMUNE_POSTS:
                    self._add(key=f"{slug}/{xa}/{key}", scope=slug, level="commune", unit=xa,
                              texts=tuple(t.format(xa=xa) for t in texts), double=None, rank=rank,
                              female_only="f" in flags, base=key)
                key, text, kind, rank, mil = RANKED_COMMUNE
                self._add(key=f"{slug}/{xa}/{key}", scope=slug, level="commune", unit=xa, texts=(text.format(xa=xa),),
                          double=None, rank=rank, kind=kind, military_rank=mil, base=key)
            for village in villages:
                for key, text in VILLAGE_POSTS:
                    self._add(key=f"{slug}/{village}/{key}", scope=slug, level="village", unit=village,
                              texts=(text.format(unit=village),), double=None, rank=1, kind="village", base=key)

    # people -----------------------------------------------------------------------------
    def _new_person(self, post: Post, step: int) -> Person:
        rng = self.rng
        mountain = post.scope in MOUNTAIN
        if post.female_only:
            female = True
        elif post.kind in ("police", "army"):
            female = rng.random() < 0.05
        else:
            female = rng.random() < (0.22 if post.level in ("commune", "village") else 0.18)
        if post.level == "province":
            ethnic = rng.random() < 0.1
        elif mountain:
            ethnic = rng.random() < {"district": 0.4, "commune": 0.6, "village": 0.8}[post.level]
        else:
            ethnic = rng.random() < 0.03
        if post.level == "village" and ethnic:
            syllables = 2 if rng.random() < 0.35 else 3
        else:
            syllables = 4 if rng.random() < (0.18 if post.level in ("district", "province") else 0.08) else 3
        if post.young:
            age = rng.randint(25, 30)
        elif post.level == "province":
            age = rng.randint(44, 54)
        elif post.level == "district":
            age = rng.randint(34, 50)
        else:
            age = rng.randint(27, 48)
        year = step_date(step).year
        p = Person(f"p{len(self.persons) + 1:05d}", draw_name(rng, female, ethnic, syllables), female, ethnic,
                   year - age)
        self.persons.append(p)
        self.by_id[p.pid] = p
        return p

    def _retire_step(self, p: Person) -> int:
        year = p.born + (55 if p.female else 60)
        return step_of(date(year, 1 + (_h(p.pid) % 12), 1)) if year <= 2025 else STEPS + 1

    @staticmethod
    def _feeder(v: Post, h: Post) -> float:
        """How likely the holder of ``h`` is chosen to fill a vacancy at ``v`` (0: never)."""
        if h is v:
            return 0.0
        if v.kind == "village":
            return 2.0 if h.kind == "village" and h.unit == v.unit and h.scope == v.scope else 0.0
        if h.kind == "village":  # a village head elected to a commune post
            return 0.4 if (v.kind == "civil" and v.level == "commune" and v.rank <= 3 and h.scope == v.scope) else 0.0
        if v.kind != h.kind:
            return 0.0
        if v.kind in ("police", "army"):
            if h.rank == v.rank - 1 and (v.level == "province" or h.scope == v.scope):
                return 2.0
            if h.rank == v.rank and v.level == h.level == "district" and h.scope != v.scope:
                return 0.3  # an officer transferred to another district
            return 0.0
        if v.level == "commune":
            if h.level != "commune" or h.scope != v.scope:
                return 0.0
            if h.unit == v.unit and v.rank - 2 <= h.rank < v.rank:
                return 3.0   # promotion within the commune
            if h.unit != v.unit and v.rank - 1 <= h.rank <= v.rank:
                return 0.5   # transfer from another commune of the district
            return 0.0
        if v.level == "district":
            if h.level == "district":
                if h.scope == v.scope and v.rank - 2 <= h.rank < v.rank:
                    return 3.0
                if h.scope != v.scope and v.rank >= 9 and v.rank - 1 <= h.rank <= v.rank:
                    return 0.6  # rotation of district leaders between districts
                return 0.0
            if h.level == "commune" and h.scope == v.scope and h.rank >= 3 and v.rank <= 7:
                return 1.0 if h.rank == 4 else 0.3
            return 0.0
        if v.level == "province":
            if h.level == "province" and v.rank - 2 <= h.rank < v.rank:
                return 2.0
            if h.level == "district" and h.rank >= 9 and v.rank >= 10:
                return 1.2  # district leaders move to provincial posts
            if h.level == "district" and h.rank in (7, 8) and v.rank == 10:
                return 0.5
        return 0.0

    def _simulate(self) -> None:
        rng = self.rng
        holder: dict[Post, Person] = {}
        since: dict[Post, int] = {}
        term_end: dict[Post, int] = {}
        current: dict[str, Spell] = {}   # pid -> open spell
        retire: dict[str, int] = {}
        level_order = {"province": 0, "district": 1, "commune": 2, "village": 3}

        def start(p: Person, post: Post, step: int) -> None:
            sp = Spell(post, step, STEPS)
            p.spells.append(sp)
            current[p.pid] = sp
            holder[post] = p
            since[post] = step
            term_end[post] = step + rng.randint(8, 20)

        def stop(p: Person, step: int) -> None:
            sp = current.pop(p.pid)
            sp.end = step
            holder.pop(sp.post, None)

        for post in self.posts:  # the holders in office when the simulation starts
            p = self._new_person(post, 0)
            retire[p.pid] = self._retire_step(p)
            start(p, post, 0)
            term_end[post] = rng.randint(1, 20)
        by_kind: dict[str, list[Post]] = {}
        for post in self.posts:
            by_kind.setdefault(post.kind if post.kind != "village" else "civil", []).append(post)
            if post.kind == "village":
                by_kind.setdefault("village", []).append(post)

        for step in range(1, STEPS):
            vacant: list = []
            counter = 0
            for post in self.posts:
                p = holder.get(post)
                if p is None:
                    continue
                if retire[p.pid] <= step or (term_end[post] <= step and rng.random() < 0.08):
                    stop(p, step)   # retires, or leaves the province's records
                    heapq.heappush(vacant, (level_order[post.level], -post.rank, counter, post))
                    counter += 1
                elif term_end[post] <= step:
                    term_end[post] = step + rng.randint(6, 16)  # stays for another term unless moved
            while vacant:
                *_, v = heapq.heappop(vacant)
                if v in holder:
                    continue
                cands, weights = [], []
                if rng.random() < {"village": 0.25, "commune": 0.6, "district": 0.7, "province": 0.75}[v.level]:
                    pool = by_kind.get(v.kind, []) + (by_kind.get("village", []) if v.level == "commune" else [])
                    for h in pool:
                        p = holder.get(h)
                        if p is None or (v.female_only and not p.female):
                            continue
                        if step - since[h] < 4 or retire[p.pid] - step < 4:
                            continue  # just appointed, or about to retire
                        w = self._feeder(v, h)
                        if w:
                            cands.append((h, p))
                            weights.append(w * (3.0 if term_end[h] - step < 4 else 1.0))
                if cands:
                    h, p = rng.choices(cands, weights)[0]
                    stop(p, step)
                    start(p, v, step)
                    heapq.heappush(vacant, (level_order[h.level], -h.rank, counter, h))
                    counter += 1
                else:
                    p = self._new_person(v, step)
                    retire[p.pid] = self._retire_step(p)
                    start(p, v, step)
        self.persons = [p for p in self.persons if p.spells]

    def _homonyms(self) -> None:
        """The traps: persons of one district given one common name."""
        rng = random.Random(_h("homonyms", self.seed, *self.districts))
        taken: set[str] = set()

        def active(p, scope):
            return [(s.start, s.end) for s in p.spells if s.post.scope == scope]

        def overlap(a, b):
            return any(min(x[1], y[1]) - max(x[0], y[0]) >= 4 for x in a for y in b)

        def apart(a, b):
            return all(y[0] - x[1] >= 12 or x[0] - y[1] >= 12 for x in a for y in b)

        def rename(pair, names):
            names = [n for n in names if n not in taken] or names
            name = rng.choice(names)
            taken.add(name)
            for p in pair:
                p.name = name
                p.homonym = True

        for slug in self.districts:
            people = [p for p in self.persons if active(p, slug) and p.syllables == 3
                      and not p.homonym]
            rng.shuffle(people)
            for kind in ("concurrent", "concurrent", "apart", "province"):
                for a in people:
                    if a.homonym:
                        continue
                    if kind == "province":
                        pool = [p for p in self.persons if p.spells[0].post.scope == "province"
                                and p.female == a.female and p.syllables == 3 and not p.homonym
                                and overlap([(s.start, s.end) for s in p.spells], active(a, slug))]
                    else:
                        test = overlap if kind == "concurrent" else apart
                        pool = [b for b in people if b is not a and b.female == a.female
                                and b.ethnic == a.ethnic and not b.homonym
                                and test(active(a, slug), active(b, slug))
                                and (kind != "concurrent" or all(s.post.level != "village" for s in a.spells + b.spells))]
                    if pool:
                        b = rng.choice(pool)
                        if a.ethnic:
                            names = COMMON_FEMALE_ETHNIC if a.female else COMMON_MALE_ETHNIC
                        else:
                            names = COMMON_FEMALE if a.female else COMMON_MALE
                        rename((a, b), names)
                        break

    def _index(self) -> None:
        self._holders: dict[tuple[str, int], list[tuple[Person, Post]]] = {}
        for p in self.persons:
            for s in p.spells:
                for step in range(s.start, s.end):
                    self._holders.setdefault((s.post.scope, step), []).append((p, s.post))

    def holders(self, scope: str, when) -> list[tuple[Person, Post]]:
        """(person, post) of every post of ``scope`` (a district slug or "province") on a date."""
        return self._holders.get((scope, step_of(when)), [])

    def describe(self) -> dict:
        """The manifest's ``persons``: who is who, with each career."""
        return {p.pid: {"name": p.name, "female": p.female, "career": p.career()} for p in self.persons}
