"""An article's body, generated on demand from the article's seed: lead, paragraphs, images
with captions, photo credits, byline, tags, and the people named (officials or not)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import content as C
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

    def mention(self, pattern):
        """(text, people, not_officials) for one mention pattern (caption: text is a caption)."""
        rng, ev = self.rng, self.ctx["ev"]
        if pattern == "official-dash" or pattern == "name-4-syllables":
            n = self.name(female=rng.random() < 0.2, syllables=4 if pattern == "name-4-syllables" else None)
            pos = self.district_position()
            lead = rng.choice(["Phát biểu tại {ev}", "Phát biểu chỉ đạo tại {ev}", "Tại {ev}"]).format(ev=ev)
            return (f"{lead}, đồng chí {n} {self.dash()} {pos} {rng.choice(C.SPEECH_VERBS)}.",
                    [self.person(n, "đồng chí", [pos])], [])
        if pattern in ("official-comma", "official-woman", "official-ethnic"):
            female = pattern == "official-woman" or (pattern == "official-comma" and rng.random() < 0.3)
            n = self.name(female=female, ethnic=True if pattern == "official-ethnic" else None)
            hon = "bà" if female else "ông"
            if female and rng.random() < 0.6:
                pos = self.position(["Chủ tịch Hội Liên hiệp Phụ nữ huyện", "Chủ tịch Hội Liên hiệp Phụ nữ {xa}",
                                     "Phó Chủ tịch UBND {xa}", "Trưởng phòng Giáo dục và Đào tạo huyện"])
            else:
                pos = self.position(C.COMMUNE_POSITIONS)
            if rng.random() < 0.5:
                text = (f"Theo {hon} {n}, {pos}, thời gian tới địa phương sẽ tiếp tục huy động mọi nguồn lực, "
                        f"phấn đấu hoàn thành các chỉ tiêu đề ra.")
            else:
                text = (f"{hon.capitalize()} {n}, {pos} cho biết: “Được sự quan tâm của các cấp, các ngành, "
                        f"đời sống của bà con đã có nhiều thay đổi”.")
            return text, [self.person(n, hon, [pos])], []
        if pattern == "official-title-first":
            n = self.name(female=rng.random() < 0.2)
            pos = self.position(TITLE_FIRST_POSITIONS)
            text = rng.choice([f"Tới dự và chỉ đạo {ev} có {pos} {n}.",
                               f"Trước đó, {pos} {n} đã đi kiểm tra thực tế tại {self.ctx['xa']}."])
            return text, [self.person(n, None, [pos])], []
        if pattern == "official-list":
            a, b = self.name(), self.name(female=rng.random() < 0.3)
            pa = self.position(C.PROVINCE_POSITIONS)
            pb = rng.choice(C.DOUBLE_POSITIONS)
            self.used_pos.update(pb)
            people = [self.person(a, "đồng chí", [pa]), self.person(b, "đồng chí", list(pb))]
            second = ("đồng chí " if rng.random() < 0.4 else "") + f"{b} {self.dash()} {pb[0]}, {pb[1]}"
            items = [f"{a} {self.dash()} {pa}", second]
            if rng.random() < 0.5:
                c = self.name()
                pc = self.district_position()
                items.append(f"{c} {self.dash()} {pc}")
                people.append(self.person(c, "đồng chí", [pc]))
            text = (f"Tham dự {ev} có các đồng chí: " + "; ".join(items)
                    + "; cùng lãnh đạo các phòng, ban, ngành, đoàn thể của huyện.")
            return text, people, []
        if pattern == "official-caption":
            n = self.name()
            pos = self.district_position()
            return (f"Đồng chí {n} {self.dash()} {pos} {rng.choice(C.CAPTION_VERBS)}",
                    [self.person(n, "đồng chí", [pos])], [])
        if pattern == "official-rank":
            rank, pos = rng.choice(C.RANKED_POSITIONS)
            pos = pos.format(**self.ctx)
            n = self.name(ethnic=False if rank == "Đại tá" else None)
            if rng.random() < 0.5:
                text = f"{rank} {n}, {pos} {rng.choice(C.SPEECH_VERBS)}."
            else:
                text = f"Phát biểu tại {ev}, {rank} {n} {self.dash()} {pos} {rng.choice(C.SPEECH_VERBS)}."
            return text, [self.person(n, rank, [pos])], []
        if pattern in ("official-village", "name-2-syllables"):
            female = pattern == "official-village" and rng.random() < 0.3
            n = self.name(female=female, ethnic=True, syllables=2 if pattern == "name-2-syllables" else None)
            hon = "bà" if female else "ông"
            pos = self.position(C.VILLAGE_POSITIONS)
            text = (f"{hon.capitalize()} {n}, {pos} chia sẻ: “Bà con trong bản rất phấn khởi, "
                    f"ai cũng tích cực tham gia đóng góp ngày công”.")
            return text, [self.person(n, hon, [pos])], []
        if pattern == "non-official-hcm":
            return self.sentence(C.HCM_SENTENCES), [], ["Hồ Chí Minh"]
        if pattern == "non-official-citizen":
            female = rng.random() < 0.4
            n = self.name(female=female, ethnic=self.mountain or None)
            who = "chị" if female else "anh"
            clause = rng.choice(C.CITIZEN_CLAUSES).format(who=who, who_cap=who.capitalize(), name=n, **self.ctx)
            return clause[0].upper() + clause[1:] + ".", [], [n]
        raise ValueError(pattern)

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
        return content


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
