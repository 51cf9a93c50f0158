"""An article's body, generated on demand from the article's seed: lead, paragraphs, images
with captions, photo credits, byline, tags, and the people named (officials or not)."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

from . import content as C
from .careers import WOMEN_POSTS
from .textforms import old_tones

MOUNTAIN = {"muong-lat", "quan-hoa", "quan-son", "ba-thuoc", "lang-chanh", "thuong-xuan",
            "nhu-xuan", "ngoc-lac", "cam-thuy", "thach-thanh", "nhu-thanh"}
TITLE_FIRST_POSITIONS = ["Phó Chủ tịch UBND tỉnh", "Phó Chủ tịch HĐND tỉnh",
                         "Trưởng Ban Tuyên giáo Tỉnh ủy", "Ủy viên Ban Thường vụ Tỉnh ủy",
                         "Giám đốc Sở Y tế", "Bí thư Huyện ủy", "Chủ tịch UBND huyện"]


@dataclass
class Block:
    kind: str                      # "p" | "img" | "credit" | "byline"
    text: str = ""                 # paragraph / caption / credit / byline text
    images: list = field(default_factory=list)  # image paths on the portal (/portal/Photos/…) for "img"
    form: str = ""                 # caption form for "img", style for "byline"
    people: list = field(default_factory=list)  # officials named here, in order


@dataclass
class Content:
    summary: str
    lead_form: str
    blocks: list
    tags: list
    officials: list        # [{name, honorific, positions}]
    not_officials: list
    ctl: int               # ctlNN of the body div
    people: list = field(default_factory=list)  # [{name (as written), person_id, positions}], as officials

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if b.kind == "p"]

    @property
    def byline(self) -> str | None:
        return next((b.text for b in self.blocks if b.kind == "byline"), None)

    def image_list(self) -> list[tuple[str, str | None]]:
        return [(src, b.text or None) for b in self.blocks if b.kind == "img" for src in b.images]


class _Writer:
    def __init__(self, article):
        self.a = article
        self.rng = random.Random(article.seed ^ 0x5EED)
        self.ctx = dict(article.ctx)
        self.topic = C.TOPICS[article.topic]
        self.ctx["ev"] = self.topic["ev"]
        self.used_names: set[str] = set()
        self.used_pos: set[str] = set()
        self.used_sent: set[str] = set()
        self.mountain = article.district.slug in MOUNTAIN
        self.slots: list[dict] = []   # officials to cast from the portal's persons (see ``cast``)

    def fmt(self, template: str) -> str:
        return template.format(**self.ctx)

    # people ------------------------------------------------------------------------
    def name(self, female=False, ethnic=None, syllables=None) -> str:
        rng = self.rng
        for _ in range(50):
            if ethnic is None:
                eth = self.mountain and rng.random() < 0.5
            else:
                eth = ethnic
            fam = rng.choice(C.FAMILY_ETHNIC if eth else C.FAMILY_KINH)
            syl = syllables or rng.choice((3, 3, 3, 3, 4))
            if syl == 4 and fam in C.MONG_FAMILIES and not female:
                fam = rng.choice(C.FAMILY_KINH)
            given = rng.choice(C.GIVEN_FEMALE if female else C.GIVEN_MALE)
            if syl == 2:
                parts = [fam, given]
            elif female:
                parts = [fam, "Thị", given] if syl == 3 else [fam, "Thị", rng.choice(C.SECOND_FEMALE), given]
            else:
                mid = rng.choice(C.MONG_MIDDLE if fam in C.MONG_FAMILIES else C.MIDDLE_MALE)
                parts = [fam, mid, given] if syl == 3 else [fam, mid, rng.choice(C.SECOND_MALE), given]
            if len(set(parts)) < len(parts):
                continue
            full = " ".join(parts)
            if full not in self.used_names:
                self.used_names.add(full)
                return full
        raise RuntimeError("name space exhausted")

    def position(self, pool, **extra) -> str:
        rng = self.rng
        for _ in range(30):
            pos = rng.choice(pool).format(**self.ctx, **extra)
            if pos not in self.used_pos:
                self.used_pos.add(pos)
                return pos
        return pos

    def district_position(self) -> str:
        pos = self.position(C.DISTRICT_POSITIONS + C.PROVINCE_POSITIONS)
        if pos.endswith(" huyện") and self.rng.random() < 0.25:
            pos = f"{pos} {self.ctx['D']}"
        return pos

    def dash(self) -> str:
        return self.rng.choice(C.DASHES)

    @staticmethod
    def person(name, honorific, positions) -> dict:
        return {"name": name, "honorific": honorific, "positions": list(positions)}

    # sentences ----------------------------------------------------------------------
    def sentence(self, pool) -> str:
        rng = self.rng
        for _ in range(20):
            s = rng.choice(pool)
            if s not in self.used_sent:
                self.used_sent.add(s)
                break
        return self.fmt(s)

    def paragraph(self, k=None) -> str:
        k = k or self.rng.randint(2, 3)
        pools = [self.topic["sentences"], C.GENERIC_SENTENCES, C.GENERIC_SENTENCES]
        return " ".join(self.sentence(pools[j % len(pools)]) for j in range(k))

    def slot(self, kind: str, **prefs) -> dict:
        """An official to be cast later (:meth:`cast`) from the persons holding a post of
        ``kind`` on the article's day; the text holds tokens for the name (``n``), the
        honorific (``h``/``H``), the military rank (``r``) and the positions (``p0``, ``p1``)."""
        i = len(self.slots)
        tok = lambda part: f"\ue000{i}{part}\ue001"  # noqa: E731
        s = {"i": i, "kind": kind, "prefs": prefs, "n": tok("n"), "h": tok("h"), "H": tok("H"),
             "r": tok("r"), "p0": tok("p0"), "p1": tok("p1")}
        s["person"] = {"name": s["n"], "honorific": prefs.pop("honorific", None), "positions": [s["p0"]]}
        self.slots.append(s)
        return s

    def mention(self, pattern):
        """(text, people, not_officials) for one mention pattern (caption: text is a caption).

        The random draws of the names and positions of earlier versions are kept (their
        values unused) so that the rest of the page stays the same for the same seed; who is
        named is cast from the portal's persons (:meth:`cast`)."""
        rng, ev = self.rng, self.ctx["ev"]
        if pattern == "official-dash" or pattern == "name-4-syllables":
            female = rng.random() < 0.2
            self.name(female=female, syllables=4 if pattern == "name-4-syllables" else None)
            self.district_position()
            s = self.slot("dash", female=female, syllables=4 if pattern == "name-4-syllables" else None,
                          honorific="đồng chí")
            lead = rng.choice(["Phát biểu tại {ev}", "Phát biểu chỉ đạo tại {ev}", "Tại {ev}"]).format(ev=ev)
            return (f"{lead}, đồng chí {s['n']} {self.dash()} {s['p0']} {rng.choice(C.SPEECH_VERBS)}.",
                    [s["person"]], [])
        if pattern in ("official-comma", "official-woman", "official-ethnic"):
            female = pattern == "official-woman" or (pattern == "official-comma" and rng.random() < 0.3)
            self.name(female=female, ethnic=True if pattern == "official-ethnic" else None)
            if female and rng.random() < 0.6:
                self.position(["Chủ tịch Hội Liên hiệp Phụ nữ huyện", "Chủ tịch Hội Liên hiệp Phụ nữ {xa}",
                               "Phó Chủ tịch UBND {xa}", "Trưởng phòng Giáo dục và Đào tạo huyện"])
                kind = "women"
            else:
                self.position(C.COMMUNE_POSITIONS)
                kind = "commune"
            s = self.slot(kind, female=female, ethnic=True if pattern == "official-ethnic" else None)
            s["person"]["honorific"] = s["h"]
            if rng.random() < 0.5:
                text = (f"Theo {s['h']} {s['n']}, {s['p0']}, thời gian tới địa phương sẽ tiếp tục huy động mọi nguồn lực, "
                        f"phấn đấu hoàn thành các chỉ tiêu đề ra.")
            else:
                text = (f"{s['H']} {s['n']}, {s['p0']} cho biết: “Được sự quan tâm của các cấp, các ngành, "
                        f"đời sống của bà con đã có nhiều thay đổi”.")
            return text, [s["person"]], []
        if pattern == "official-title-first":
            female = rng.random() < 0.2
            self.name(female=female)
            self.position(TITLE_FIRST_POSITIONS)
            s = self.slot("title", female=female)
            text = rng.choice([f"Tới dự và chỉ đạo {ev} có {s['p0']} {s['n']}.",
                               f"Trước đó, {s['p0']} {s['n']} đã đi kiểm tra thực tế tại {self.ctx['xa']}."])
            return text, [s["person"]], []
        if pattern == "official-list":
            self.name()
            female_b = rng.random() < 0.3
            self.name(female=female_b)
            self.position(C.PROVINCE_POSITIONS)
            pb = rng.choice(C.DOUBLE_POSITIONS)
            self.used_pos.update(pb)
            a = self.slot("province", honorific="đồng chí")
            b = self.slot("double", female=female_b, honorific="đồng chí")
            b["person"]["positions"] = [b["p0"], b["p1"]]
            people = [a["person"], b["person"]]
            second = ("đồng chí " if rng.random() < 0.4 else "") + f"{b['n']} {self.dash()} {b['p0']}, {b['p1']}"
            items = [f"{a['n']} {self.dash()} {a['p0']}", second]
            if rng.random() < 0.5:
                self.name()
                self.district_position()
                c = self.slot("dash", honorific="đồng chí")
                items.append(f"{c['n']} {self.dash()} {c['p0']}")
                people.append(c["person"])
            text = (f"Tham dự {ev} có các đồng chí: " + "; ".join(items)
                    + "; cùng lãnh đạo các phòng, ban, ngành, đoàn thể của huyện.")
            return text, people, []
        if pattern == "official-caption":
            self.name()
            self.district_position()
            s = self.slot("dash", honorific="đồng chí")
            return (f"Đồng chí {s['n']} {self.dash()} {s['p0']} {rng.choice(C.CAPTION_VERBS)}",
                    [s["person"]], [])
        if pattern == "official-rank":
            rank, pos = rng.choice(C.RANKED_POSITIONS)
            self.name(ethnic=False if rank == "Đại tá" else None)
            s = self.slot("ranked", province=rank == "Đại tá")
            s["person"]["honorific"] = s["r"]
            if rng.random() < 0.5:
                text = f"{s['r']} {s['n']}, {s['p0']} {rng.choice(C.SPEECH_VERBS)}."
            else:
                text = f"Phát biểu tại {ev}, {s['r']} {s['n']} {self.dash()} {s['p0']} {rng.choice(C.SPEECH_VERBS)}."
            return text, [s["person"]], []
        if pattern in ("official-village", "name-2-syllables"):
            female = pattern == "official-village" and rng.random() < 0.3
            self.name(female=female, ethnic=True, syllables=2 if pattern == "name-2-syllables" else None)
            self.position(C.VILLAGE_POSITIONS)
            s = self.slot("village", female=female, syllables=2 if pattern == "name-2-syllables" else None)
            s["person"]["honorific"] = s["h"]
            text = (f"{s['H']} {s['n']}, {s['p0']} chia sẻ: “Bà con trong bản rất phấn khởi, "
                    f"ai cũng tích cực tham gia đóng góp ngày công”.")
            return text, [s["person"]], []
        if pattern == "non-official-hcm":
            return self.sentence(C.HCM_SENTENCES), [], ["Hồ Chí Minh"]
        if pattern == "non-official-citizen":
            female = rng.random() < 0.4
            n = self.name(female=female, ethnic=self.mountain or None)
            who = "chị" if female else "anh"
            clause = rng.choice(C.CITIZEN_CLAUSES).format(who=who, who_cap=who.capitalize(), name=n, **self.ctx)
            return clause[0].upper() + clause[1:] + ".", [], [n]
        raise ValueError(pattern)

    # casting ------------------------------------------------------------------------
    def _candidates(self, kind: str, prefs: dict) -> list:
        d = self.a.district
        cast = d.people.cast
        when = self.a.dt.date()
        local = cast.holders(d.slug, when)
        province = cast.holders("province", when)
        if kind == "dash":
            return ([(p, post, 1.0) for p, post in province if post.kind == "civil"]
                    + [(p, post, _weight(post)) for p, post in local if post.kind == "civil" and post.level == "district"])
        if kind == "commune":
            return [(p, post, _weight(post)) for p, post in local if post.kind == "civil" and post.level == "commune"]
        if kind == "women":
            return [(p, post, 1.0) for p, post in local
                    if post.base in WOMEN_POSTS and post.kind == "civil" and (post.level == "commune" or post.base != "pct-ubnd")]
        if kind == "title":
            return ([(p, post, 1.0) for p, post in province if post.title_first]
                    + [(p, post, 2.0) for p, post in local if post.title_first])
        if kind == "province":
            return [(p, post, 1.0) for p, post in province if post.kind == "civil"]
        if kind == "double":
            return [(p, post, _weight(post)) for p, post in local if post.double]
        if kind == "ranked":
            if prefs.get("province"):
                return [(p, post, 1.0) for p, post in province if post.military_rank]
            return [(p, post, 1.0) for p, post in local if post.military_rank]
        if kind == "village":
            return [(p, post, 1.0) for p, post in local if post.level == "village"]
        raise ValueError(kind)

    def cast(self, not_officials: list[str]) -> dict:
        """Choose the persons named by the article's official slots and write their names and
        positions into the text. A person is named at most once per article, and never beside
        someone whose family and given names are the same (two persons the reader could not
        tell apart). Returns {id(person dict): person_id}."""
        prng = random.Random(self.a.seed ^ 0xCA57)
        used = {_block(n) for n in not_officials}
        used_pids: set[str] = set()
        replace: dict[str, str] = {}
        pids: dict[int, str] = {}
        self.nfd_pids: set[str] = set()   # persons whose name this article writes decomposed (NFD)
        for s in self.slots:
            prefs = s["prefs"]
            pool = [c for c in self._candidates(s["kind"], prefs)
                    if c[0].pid not in used_pids and _block(c[0].name) not in used]
            if not pool:  # (never seen with the replica's districts) widen to any civil post of the district
                pool = [c for c in self._candidates("dash", {}) + self._candidates("commune", {})
                        if c[0].pid not in used_pids and _block(c[0].name) not in used]
            for relax in ("", "syllables", "ethnic", "female"):
                if relax:
                    prefs = {k: v for k, v in prefs.items() if k != relax}
                fit = [c for c in pool if _fits(c[0], prefs)]
                if fit:
                    pool = fit
                    break
            person, post, _ = prng.choices(pool, [w for *_, w in pool])[0]
            used_pids.add(person.pid)
            used.add(_block(person.name))
            name = _written(prng, person)
            if prng.random() < 0.03:
                self.nfd_pids.add(person.pid)
            pids[id(s["person"])] = person.pid
            hon = "bà" if person.female else "ông"
            replace[s["n"]] = name
            replace[s["h"]] = hon
            replace[s["H"]] = hon.capitalize()
            replace[s["r"]] = post.military_rank or ""
            if s["kind"] == "double":
                replace[s["p0"]], replace[s["p1"]] = post.double
            else:
                replace[s["p0"]] = self._post_text(prng, s["kind"], post)
        for b in self.blocks:
            if "\ue000" in b.text:
                b.text = _fill(b.text, replace)
            for person in b.people:
                for k in ("name", "honorific"):
                    if person[k] and "\ue000" in person[k]:
                        person[k] = _fill(person[k], replace) or None
                person["positions"] = [_fill(x, replace) for x in person["positions"]]
        return pids

    def _post_text(self, prng: random.Random, kind: str, post) -> str:
        if kind in ("title", "province", "ranked", "village") or len(post.texts) == 1:
            text = post.texts[0]
        else:
            text = post.texts[0] if prng.random() < 0.75 else prng.choice(post.texts[1:])
        if kind == "dash" and text.endswith(" huyện") and prng.random() < 0.25:
            text = f"{text} {self.ctx['D']}"
        return text

    # assembly ------------------------------------------------------------------------
    def image_path(self) -> str:
        dt = self.a.dt
        folder = f"{dt:%Y-%m}" if self.rng.random() < 0.85 else f"{dt:%Y-%m-%d}"
        hexpart = "%016x" % self.rng.getrandbits(64)
        return f"/portal/Photos/{folder}/{hexpart}{self.rng.choice(C.IMAGE_WORDS)}.jpg"

    def write(self) -> Content:
        a, rng, v = self.a, self.rng, self.a.variants
        leads = self.topic["leads"]
        summary = self.fmt(leads[self.ctx.get("ti", 0) % len(leads)])
        summary = summary[0].upper() + summary[1:]
        patterns = list(a.patterns)
        not_officials: list[str] = []

        # text paragraphs: topic paragraphs with mention sentences worked in
        paras = [Block("p", self.paragraph()) for _ in range(rng.randint(3, 5))]
        caption_people = None
        for p in patterns:
            text, people, nots = self.mention(p)
            not_officials += nots
            if p == "official-caption":
                caption_people = (text, people)
                continue
            if p == "official-list":
                paras.insert(min(1, len(paras)), Block("p", text, people=people))
            elif rng.random() < 0.5:
                paras.insert(rng.randint(1, len(paras) - 1), Block("p", text, people=people))
            else:
                host = paras[rng.randint(1, len(paras) - 1)]
                host.text = f"{host.text} {text}"
                host.people = host.people + people

        # images
        form = v.get("caption") or "caption-table"
        groups = []
        for _ in range(rng.randint(1, 3)):
            groups.append(Block("img", self.fmt(rng.choice(self.topic["captions"])),
                                images=[self.image_path()], form=form))
        if caption_people:
            groups[0].text, groups[0].people = caption_people
        if v.get("shared") == "images-shared-caption":
            g = Block("img", self.fmt(rng.choice(self.topic["captions"])),
                      images=[self.image_path(), self.image_path()], form=form)
            groups.append(g)
        if v.get("no_caption") == "image-no-caption":
            groups.append(Block("img", "", images=[self.image_path()], form="no-caption"))
        rng.shuffle(groups)
        # each group goes before a paragraph; an uncaptioned image is always followed by text
        before: dict[int, list[Block]] = {}
        slots = rng.sample(range(len(paras)), len(groups)) if len(groups) <= len(paras) else \
            [rng.randrange(len(paras)) for _ in groups]
        for slot, g in zip(slots, groups):
            before.setdefault(slot, []).append(g)
        want_credit = v.get("credit") == "photo-credit"
        body: list[Block] = []
        for i, para in enumerate(paras):
            for g in sorted(before.get(i, []), key=lambda g: not g.text):
                body.append(g)
                if want_credit and g.text:
                    body.append(Block("credit", rng.choice(["(Ảnh: {r})", "Ảnh: {r}"]).format(r=rng.choice(C.REPORTERS))))
                    want_credit = False
            body.append(para)
        if want_credit:  # every image lacked a caption: the credit goes right after the first
            idx = next(i for i, b in enumerate(body) if b.kind == "img")
            body.insert(idx + 1, Block("credit", f"(Ảnh: {rng.choice(C.REPORTERS)})"))

        byline_kind = v.get("byline")
        if byline_kind:
            reporter = rng.choice(C.REPORTERS)
            not_officials.append(reporter)
            if byline_kind == "byline-name-unit":
                text = f"{reporter} ({rng.choice(C.BYLINE_UNITS)})"
            elif byline_kind == "byline-tin-anh":
                text = rng.choice(["Tin, ảnh: {r}", "Bài, ảnh: {r}", "Tin: {r}"]).format(r=reporter)
            else:
                text = reporter
            body.append(Block("byline", text, form=byline_kind))

        tags = []
        if v.get("tags"):
            tags = rng.sample(C.TAGS, rng.randint(2, 4)) + [self.ctx["D"]]

        self.blocks = body
        pids = self.cast(not_officials)
        officials, seen = [], set()
        for b in body:
            for person in b.people:
                if person["name"] not in seen:
                    seen.add(person["name"])
                    officials.append(person)
        content = Content(summary, v.get("lead") or "lead-div", body, tags, officials,
                          list(dict.fromkeys(not_officials)), rng.randint(1, 40))
        if "old-tones" in a.traps:
            _to_old(content)
        nfd = {p["name"]: unicodedata.normalize("NFD", p["name"]) for p in officials if pids[id(p)] in self.nfd_pids}
        for b in content.blocks:
            for n, decomposed in nfd.items():
                if n in b.text:
                    b.text = b.text.replace(n, decomposed)
        content.people = [{"name": nfd.get(p["name"], p["name"]), "person_id": pids[id(p)],
                           "positions": list(p["positions"])} for p in officials]
        return content


def _weight(post) -> float:
    """How often a post's holder is named: leaders more than the rest."""
    if post.level == "district":
        return 3.0 if post.rank >= 9 else 2.0 if post.rank >= 7 else 1.0
    if post.level == "commune":
        return 1.5 if post.rank >= 4 else 1.0
    return 1.0


def _block(name: str) -> tuple:
    """Family and given name, folded: persons the reader could confuse."""
    parts = unicodedata.normalize("NFC", name).casefold().split()
    return (parts[0], parts[-1]) if parts else ()


def _fits(person, prefs: dict) -> bool:
    if prefs.get("female") is not None and person.female != prefs["female"]:
        return False
    if prefs.get("ethnic") and not person.ethnic:
        return False
    if prefs.get("syllables") and person.syllables != prefs["syllables"]:
        return False
    return True


def _written(rng: random.Random, person) -> str:
    """How one article writes a person's name: mostly in full; sometimes without the middle
    name ("Nguyễn Hùng", "Lê Thu Hằng" for "Lê Thị Thu Hằng") or with old-style tones
    ("Hoà" for "Hòa"). (Decomposed Unicode is chosen by the caller.)"""
    parts = person.name.split()
    if len(parts) == 4 and parts[1] == "Thị" and rng.random() < 0.3:
        parts = [parts[0]] + parts[2:]
    elif len(parts) == 4 and rng.random() < 0.06:
        parts = [parts[0]] + parts[2:]
    elif len(parts) == 3 and parts[1] not in C.MONG_MIDDLE and rng.random() < 0.06:
        parts = [parts[0], parts[2]]
    name = " ".join(parts)
    if old_tones(name) != name and rng.random() < 0.4:
        name = old_tones(name)
    return name


def _fill(text: str, replace: dict) -> str:
    for token, value in replace.items():
        if token in text:
            text = text.replace(token, value)
    return text


def _to_old(c: Content) -> None:
    c.summary = old_tones(c.summary)
    for b in c.blocks:
        b.text = old_tones(b.text)
    c.tags = [old_tones(t) for t in c.tags]
    for p in c.officials:
        p["name"] = old_tones(p["name"])
        p["positions"] = [old_tones(x) for x in p["positions"]]
    c.not_officials = [old_tones(x) for x in c.not_officials]


def generate_content(article) -> Content:
    return _Writer(article).write()


def revise(content: Content, revision: int) -> Content:
    """The article as edited later: a correction paragraph before the byline."""
    import copy

    edited = copy.copy(content)
    note = Block("p", f"Cập nhật lần {revision}: bài viết đã được bổ sung số liệu theo báo cáo của cơ quan chuyên môn.")
    blocks = list(content.blocks)
    at = next((i for i, b in enumerate(blocks) if b.kind == "byline"), len(blocks))
    blocks.insert(at, note)
    edited.blocks = blocks
    return edited
