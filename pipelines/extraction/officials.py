"""Officials named in an article: who, with which posts. Pure functions, no Scrapy.

``extract_officials(paragraphs, captions, site_name=…)`` finds every person named with a
government, Party, mass-organisation, police or army post, in the patterns of the portals:

* honorific + name + dash/comma/colon/parenthesis + position(s):
  ``đồng chí Nguyễn Quốc Thanh – Phó trưởng Ban Dân vận Tỉnh ủy``,
  ``ông Ngân Văn Lon, Chủ tịch UBND xã Trung Lý``, ``Đại tá Lê Văn A, Chỉ huy trưởng …``;
* lists after ``các đồng chí:`` separated by ``;``;
* position first: ``Phó Chủ tịch UBND tỉnh Lê Văn A``, ``Bí thư Huyện ủy, đồng chí Lê Văn A``;
* two positions joined by a comma or ``kiêm``;
* captions where a verb phrase follows the position (the phrase is not part of it).

How it works: roles are found with one precompiled regex; from the end of a role the
organisation is read piece by piece (abbreviation, known organisation phrase, organisation
head + domain words, party-committee compound, administrative unit + place name), which
stops at the first word that cannot belong to an organisation (a verb, a name). A position
group (positions chained by ``,``/``kiêm``) is then attached to the name right before it
(across a separator) or, failing that, to the name right after it. Names are runs of
capitalised syllables; outside an honorific or list context the first syllable must be a
known family name (including Thái, Mông, Mường, Dao family names). Historical figures of set
phrases are blocked by name, and a role with no organisation ("Chủ tịch Hồ Chí Minh") is
not a position.

Matching runs on the text with new-style tones (``uỷ`` → ``ủy``) while every ``raw`` string
is cut from the text as written (NFC, spaces folded).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Iterable

from pipelines.extraction import orgs
from pipelines.extraction.orgs import expand_abbreviations
from pipelines.extraction.text import clean_text, fold_key, modern_tones, modern_tones_nfc

__all__ = [
    "extract_officials",
    "officials_brief",
    "parse_positions",
    "display_name",
]

_U, _L = orgs.UPPER, orgs.LOWER
_SYL = rf"[{_U}][{_L}]*(?![\w])"
_CAPRUN_RE = re.compile(rf"(?<![\w]){_SYL}(?: {_SYL})*")
_CAPWORD_RE = re.compile(rf"[{_U}][{_L}]*$")


def _alt(words: Iterable[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", " ") for w in sorted(set(words), key=len, reverse=True))


def _trie_alt(words: Iterable[str]) -> str:
    """Alternation factored on common prefixes (Python's re does not do it for us)."""
    trie: dict = {}
    for w in set(words):
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        end = "" in node
        alts = [re.escape(ch).replace(r"\ ", " ") + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if end:
            return "(?:" + body + ")?"
        return body

    return build(trie)


# role (optionally preceded by "nguyên" = former); the search runs on the lower-cased text
_ROLES_LC = [r.lower() for r in orgs.ROLES]
_ROLE_RE = re.compile(rf"(?<![\w])(?P<former>nguyên )?(?P<role>{_trie_alt(orgs.ROLES + [r.lower() for r in orgs.ROLES])})(?![\w])", re.I)
# searched without a leading look-behind so that re can skip on the first letter
_ROLE_LC_RE = re.compile(rf"(?P<role>{_trie_alt(_ROLES_LC)})(?![\w])")
# Where a text has a role, and where the first one may start, told by one search of lower(t)
# (its tones not modernised yet):
# * of the rhymes modern_tones() changes (o + toned a/e, u + toned y, at a word's end) the
#   roles hold only "ủy", old style "uỷ": wherever _ROLE_LC_RE matches in
#   lower(modern_tones(t)), the role or its old-style spelling is in lower(t) at the same place;
# * each role is looked for from its first vowel with a mark (a tone, a hat, a horn): these
#   letters are each far rarer than the consonants the roles begin with, and a search that
#   tries less often costs less. That tail of the role is where the role is, _ROLE_ANCHOR_BACK
#   characters back at most.
# So a text where _ROLE_ANCHOR_RE does not match has no role, and no role starts before
# _ROLE_ANCHOR_BACK characters before where it first matches.
def _marked_tail(role: str) -> tuple[int, str]:
    """(i, role[i:]) from the role's first marked vowel; not from an "à" (the commonest of them:
    và, là …) when another follows."""
    marked = [k for k, ch in enumerate(role) if len(unicodedata.normalize("NFD", ch)) > 1]
    if not marked:
        return 0, role
    i = marked[1] if role[marked[0]] == "à" and len(marked) > 1 else marked[0]
    return i, role[i:]


_ROLE_TAILS = [_marked_tail(r) for r in _ROLES_LC + [r.replace("ủy", "uỷ") for r in _ROLES_LC if "ủy" in r]]
_ROLE_ANCHOR_BACK = max(i for i, _ in _ROLE_TAILS)
_ROLE_ANCHOR_RE = re.compile(rf"(?:{_trie_alt(tail for _, tail in _ROLE_TAILS)})(?![\w])")
# the same for text whose tones are modernised (_ROLE_LC_RE's roles only)
_ROLE_TAILS_LC = [_marked_tail(r) for r in _ROLES_LC]
_ROLE_TAIL_BACK = max(i for i, _ in _ROLE_TAILS_LC)
_ROLE_TAIL_RE = re.compile(rf"(?:{_trie_alt(tail for _, tail in _ROLE_TAILS_LC)})(?![\w])")
assert not any(re.search("[óòõỏọ][ae]|[úùũủụ]y", r.replace("ủy", "")) for r in _ROLES_LC)
# the letters of lower(modern_tones(t)) that may differ from lower(t): the first vowel of a
# rhyme that took the tone, the second that gave it away
_TONE_MOVED_RE = re.compile("[óòõỏọúùũủụaey]")


def _search_role(lc: str, pos: int) -> tuple[str, bool, int, int] | None:
    """(role as written in ``lc``, former, start of the role, its end) of the first role at or
    after ``pos`` that starts a word; "nguyên " right before it makes it a former post."""
    while True:
        # (= _ROLE_LC_RE.search(lc, pos): a role that starts at or after pos has its tail found
        # by _ROLE_TAIL_RE at most _ROLE_TAIL_BACK characters after its start, so none starts
        # before that many characters before the first tail; from there the roles are close)
        a = _ROLE_TAIL_RE.search(lc, pos)
        if a is None:
            return None
        back = a.start() - _ROLE_TAIL_BACK
        r = _ROLE_LC_RE.search(lc, back if back > pos else pos)
        if r is None:
            return None
        rs, re_ = r.span()
        if rs > 0 and (lc[rs - 1].isalnum() or lc[rs - 1] == "_"):
            pos = rs + 1
            continue
        former = rs >= 7 and lc[rs - 7:rs] == "nguyên " and (rs == 7 or not lc[rs - 8].isalnum())
        return lc[rs:re_], former, rs, re_

# organisation pieces
_PIECE_KIND: dict[str, str] = {}
for _w in orgs.ORG_HEADS:
    _PIECE_KIND[fold_key(_w)] = "head"
for _w in orgs.ORG_PHRASES:
    _PIECE_KIND[fold_key(_w)] = "phrase"
for _w in ("Ban Quản lý", "Ban Chỉ đạo", "Ban Quản lý dự án", "Hội đồng", "Văn phòng"):
    _PIECE_KIND[fold_key(_w)] = "head"  # open: a domain may follow
for _w in orgs.COMPOUND_UNITS:
    _PIECE_KIND[fold_key(_w)] = "compound"
for _w in orgs.UNIT_WORDS:
    _PIECE_KIND[fold_key(_w)] = "unit"
_ABBR_FOLD = {fold_key(a): a for a in orgs.ABBREVIATIONS}
_ABBR_FOLD.update({fold_key(a): a for a in ("CHQS", "BCHQS", "QS", "CA")})
_ABBR_WRITTEN = frozenset(_ABBR_FOLD.values())
# alternations factored on prefixes (longest match first, as a length-sorted alternation);
# the case-insensitive part from lower-cased keys, so that no two branches match one text
_PIECE_RE = re.compile(
    rf"(?P<piece>{_trie_alt(list(orgs.ABBREVIATIONS) + ['QS'])}|(?i:{_trie_alt({k.lower() for k in _PIECE_KIND})}))(?![\w&])"
)

_JOIN_RE = re.compile(r" ?(?:-|–|&|và) ?| ")
# a separator, then a piece: the separator as _JOIN_RE alone finds it (atomic: a piece that
# does not follow it is no reason to try it shorter)
_JOIN_PIECE_RE = re.compile(rf"(?>(?P<j>{_JOIN_RE.pattern})){_PIECE_RE.pattern}")
# the same, then the capitalised run right after the piece if there is one (_PLACE_RE at the
# piece's end, read in the same match: an optional last group that always matches changes
# nothing before it)
_PLACE_TAIL = rf"(?: (?P<run>{_SYL}(?: {_SYL})*))?"
_PIECE_PLACE_RE = re.compile(_PIECE_RE.pattern + _PLACE_TAIL)
_JOIN_PIECE_PLACE_RE = re.compile(_JOIN_PIECE_RE.pattern + _PLACE_TAIL)
# piece as written -> (its fold, its kind)
_WORD_FOLD_KIND: dict[str, tuple[str, str]] = {}
_WORD_RE = re.compile(r" (?P<j>(?:và|&|-|–) )?(?P<w>[^\W\d_]+)(?![\w&])")
_PLACE_RE = re.compile(rf" (?P<run>{_SYL}(?: {_SYL})*)")
_QUALIFIER_RE = re.compile(rf", (?P<unit>huyện|thị xã|thành phố|tỉnh)(?= [{_U}])")
_CHAIN_RE = re.compile(r"(?:,| kiêm| và kiêm|, kiêm) ")

_KNOWN_PLACES = {fold_key(p) for p in orgs.KNOWN_PLACES}
_LEVELS = ["central", "province", "district", "commune", "village"]
_LEVEL_RANK = {lv: i for i, lv in enumerate(_LEVELS)}
_UNIT_LEVEL = {fold_key(k): v for k, v in orgs.UNIT_WORDS.items()}
_COMPOUND_LEVEL = {fold_key(k): v for k, v in orgs.COMPOUND_UNITS.items()}
_FAMILY = orgs.FAMILY_NAMES
_STOP_SYL = {
    fold_key(w)
    for w in """Phó Chủ Bí Ủy Uỷ Hội Huyện Tỉnh Xã Đảng Trưởng Giám Chánh Tham Về Tại Theo
    Ngày Chiều Các Những Lãnh Phòng Sở Bộ Mặt Trận Viện Chỉ Tổng Chi Trạm
    Phố Cùng Với Tổ Nhà Nước Việt Lào Mường Lát Ông Bà Bác Đoàn Công Đồng Huyện Đại
    Thượng Thiếu""".split()
} - _FAMILY
# stop syllables that are also common middle or given names (Trần Công Sính, Nguyễn Việt
# Hùng, Lê Đại Nghĩa, Vũ Đồng Khánh): allowed after the family name
_GIVEN_OK = {fold_key(w) for w in "Công Việt Đại Đồng Thượng".split()}
_HON_STRIP = {"ông", "bà", "anh", "chị", "bác", "cô", "thầy"}
_HON_WORDS = ("đồng chí", "đ/c", "ông", "bà", "anh", "chị", "thầy", "cô")  # (matched in any case)
_HON_BEFORE_RE = re.compile(rf"(?<![\w])(?P<h>{_alt(orgs.RANKS)}|(?i:{'|'.join(_HON_WORDS)})) ?$")
_RANK_SET = frozenset(orgs.RANKS)
# last two letters (lower case) -> lengths of the ranks and honorifics ending so, longest first
_HON_ENDINGS: dict[str, list[int]] = {}
for _w in sorted((*orgs.RANKS, *_HON_WORDS), key=len, reverse=True):
    _sizes = _HON_ENDINGS.setdefault(_w[-2:].lower(), [])
    if len(_w) not in _sizes:
        _sizes.append(len(_w))


def _hon_before(before: str) -> str | None:
    """``_HON_BEFORE_RE.search(before).group("h")`` (None when no match) without trying the
    pattern at every position: the honorific ends the text, so its last letters tell which it
    can be; the longest one that fits starts leftmost, as the search would find it."""
    if "\n" in before:
        h = _HON_BEFORE_RE.search(before)  # ("$" also matches before a final newline)
        return h.group("h") if h else None
    end = len(before) - 1 if before[-1:] == " " else len(before)
    for size in _HON_ENDINGS.get(before[end - 2:end].lower(), ()):
        start = end - size
        if start < 0:
            continue
        cand = before[start:end]
        # (no letter of the honorific words has a case variant that str.lower() and re's
        # IGNORECASE see differently: no i, s or k)
        if cand in _RANK_SET or cand.lower() in _HON_WORDS:
            if start == 0 or not (before[start - 1].isalnum() or before[start - 1] == "_"):
                return cand
    return None


_HON_AFTER_RE = re.compile(
    rf"(?P<h>{_alt(orgs.RANKS)}|(?i:đồng chí|đ/c|ông|bà)) "
)
_LOWER_NOT_ROLE = {"đại biểu", "ủy viên", "thường trực"}
_NUM_RE = re.compile(r" \d+[A-Za-z]?(?!\w)")
_VILLAGE_UNITS = {"thôn", "bản", "khu phố", "tổ dân phố", "khu", "tiểu khu", "làng", "tổ"}  # a text without a role cannot name an official


# --------------------------------------------------------------------------- helpers
def _prep(text: str | None, clean: bool = False) -> tuple[str, str, str]:
    """(as written: NFC + folded spaces, same with new-style tones, lower case); same length.
    ``clean``: the text is already :func:`clean_text` output."""
    t = text if clean and text is not None else clean_text(text)
    m = modern_tones_nfc(t)  # (clean_text output is NFC)
    if len(m) != len(t):
        t = m
    lc = m.lower()
    if len(lc) != len(m):
        lc = m
    return t, m, lc


def _prep_lowered(t: str, lc0: str) -> tuple[str, str, str]:
    """``_prep(t, clean=True)`` when ``lc0`` is ``t.lower()`` (as long as ``t``): ``lc0`` itself
    where modernising the tones changes nothing (most texts), else as _prep makes it."""
    m = modern_tones_nfc(t)
    if m is t or m == t:
        return t, m, lc0
    if len(m) != len(t):
        t = m
    lc = m.lower()
    return t, m, (lc if len(lc) == len(m) else m)


def display_name(name: str | None) -> str:
    """NFC, new tones, single spaces, each syllable capitalised."""
    return " ".join(s[:1].upper() + s[1:].lower() for s in modern_tones(clean_text(name)).split())


def _honorific(h: str | None) -> str | None:
    if not h:
        return None
    f = h.casefold()
    if f in ("đồng chí", "đ/c"):
        return "đồng chí"
    if f in ("ông", "bà", "anh", "chị", "thầy", "cô"):
        return f
    return h[:1].upper() + h[1:].lower()


_STOP_NOT_GIVEN = frozenset(_STOP_SYL - _GIVEN_OK)


def _valid_name(syls: list[str], lenient: bool) -> bool:
    if not 2 <= len(syls) <= 4:
        return False
    # (case folding maps each character by itself and makes no space: fold once, then split)
    key = " ".join(syls).casefold()
    if key in orgs.BLOCKED_NAMES or key in _KNOWN_PLACES:
        return False
    folded = key.split(" ")
    if not _STOP_NOT_GIVEN.isdisjoint(folded[1:]) or (folded[0] in _STOP_SYL and folded[0] not in _FAMILY):
        return False
    if not lenient and folded[0] not in _FAMILY:
        return False
    return True


def _place_len(syls: list[str], unit: str, site_place: str | None) -> int:
    """How many syllables of the capitalised run after a unit word are its place name."""
    n = len(syls)
    if n == 0:
        return 0
    # (case folding maps each character by itself and makes no space: fold once, then split)
    folded = " ".join(syls).casefold().split(" ")
    for k in (3, 2, 1):
        if k <= n and " ".join(folded[:k]) in _KNOWN_PLACES:
            return k
    if site_place:
        sp = site_place.split()
        if folded[: len(sp)] == sp:
            return len(sp)
    if unit == "tỉnh":
        return n if n <= 2 and folded[0] not in _FAMILY else 0
    if n <= 2:
        return n
    if n <= 4 and folded[0] in _FAMILY and folded[1] in _MIDDLE_NAMES:
        return 0  # "huyện Lê Thị Hà Giang": a name ("Thị", "Văn" never follow a place's first syllable)
    if n == 3:
        return 0 if folded[0] in _FAMILY else 3
    for p in (2, 1, 3):
        if 2 <= n - p <= 4 and folded[p] in _FAMILY:
            return p
    if folded[0] in _FAMILY and n <= 4:
        return 0
    return n


_MIDDLE_NAMES = frozenset(("văn", "thị"))


# the unit words and party committees a site of each kind stands for
_SITE_UNITS = {"huyện": ("huyện", "huyện ủy", "huyện đoàn"),
               "thị xã": ("thị xã", "thị ủy", "thị đoàn"),
               "thành phố": ("thành phố", "thành ủy", "thành đoàn"),
               "xã": ("xã",), "phường": ("phường",), "thị trấn": ("thị trấn",)}


class _Site:
    __slots__ = ("kind", "place", "province", "place_fold")

    def __init__(self, site_name: str | None, province: str | None):
        self.kind = None
        self.place = None
        self.province = modern_tones(clean_text(province)) if province else None
        if site_name:
            s = modern_tones(clean_text(site_name))
            for prefix, kind in (("Thành phố ", "thành phố"), ("Thị xã ", "thị xã"), ("Huyện ", "huyện"),
                                 ("Tỉnh ", "tỉnh"), ("Xã ", "xã"), ("Phường ", "phường"), ("Thị trấn ", "thị trấn")):
                if s.casefold().startswith(prefix.casefold()):
                    self.kind, self.place = kind, s[len(prefix):].strip()
                    break
            if self.kind == "tỉnh":
                self.province = self.place
        self.place_fold = self.place.casefold() if self.place else None

    def resolve(self, unit_fold: str) -> str | None:
        """Place name for a bare unit word / party committee, if the site tells it."""
        if unit_fold in ("tỉnh", "tỉnh ủy", "tỉnh đoàn"):
            return self.province
        if self.kind is None or self.kind == "tỉnh":
            return None
        if unit_fold in _SITE_UNITS.get(self.kind, ()):
            return self.place
        return None


@functools.lru_cache(maxsize=256)
def _site(site_name, province) -> "_Site":
    return _Site(site_name if isinstance(site_name, str) else None, province if isinstance(province, str) else None)


def _scan_org(m: str, pos: int, site: _Site) -> tuple[int, list[tuple]]:
    """Read an organisation starting at ``pos`` of the matching text ``m``.

    Returns (end, pieces) where pieces are (kind, start, end, fold, place_start, place_end).
    """
    pieces: list[tuple] = []
    end = pos
    after_unit = False
    n = len(m)
    joiner = ""
    while end < n:
        # separator before the next piece
        if pieces:
            pm = _JOIN_PIECE_PLACE_RE.match(m, end)
            if not pm:
                break
            joiner = pm.group("j")
            p = pm.start("piece")
        else:
            p = end
            if p < n and m[p] == " ":
                p += 1
            pm = _PIECE_PLACE_RE.match(m, p)
            if not pm:
                break
        word = pm.group("piece")
        fk = _WORD_FOLD_KIND.get(word)
        if fk is None:
            fold = word.casefold()
            fk = (fold, _PIECE_KIND.get(fold) or ("abbr" if fold in _ABBR_FOLD else "head"))
            if len(_WORD_FOLD_KIND) < 4096:
                _WORD_FOLD_KIND[word] = fk
        fold, kind = fk
        if after_unit and kind != "unit":
            break
        if pieces and joiner != " " and kind == "unit":
            break
        if kind == "head" and word[0].islower() and not pieces and fold not in ("ban", "phòng", "bản", "thôn"):
            break
        pend = pm.end("piece")
        pl_s = pl_e = pend
        if kind in ("unit", "compound"):
            if kind == "unit":
                after_unit = True
            if fold in _VILLAGE_UNITS:
                num = _NUM_RE.match(m, pend)
                if num:
                    pieces.append((kind, p, num.end(), fold, pend + 1, num.end()))
                    end = num.end()
                    continue
            run = pm.group("run")  # (_PLACE_RE.match(m, pend))
            if run is not None:
                syls = run.split(" ")
                k = _place_len(syls, fold, site.place_fold)
                if kind == "compound":
                    k = k if " ".join(s.casefold() for s in syls[:k]) in _KNOWN_PLACES or (
                        site.place_fold and " ".join(s.casefold() for s in syls[:k]) == site.place_fold) else 0
                if k:
                    pl_s = pm.start("run")
                    pl_e = pl_s + len(" ".join(syls[:k]))
                    pend = pl_e
        elif kind == "head" or (kind == "phrase" and fold in ("ban quản lý", "ban chỉ đạo")):
            pend = _scan_domain(m, pend)
        pieces.append((kind, p, pend, fold, pl_s, pl_e))
        end = pend
    # location qualifier: "xã Trung Lý, huyện Mường Lát"
    if pieces and after_unit and m.startswith(", ", end):
        q = _QUALIFIER_RE.match(m, end)
        if q:
            r = _PLACE_RE.match(m, q.end())
            if r:
                syls = r.group("run").split(" ")
                k = _place_len(syls, q.group("unit"), site.place_fold)
                if k:
                    pl_s = r.start("run")
                    pl_e = pl_s + len(" ".join(syls[:k]))
                    pieces.append(("unit", q.start("unit"), pl_e, q.group("unit"), pl_s, pl_e))
                    end = pl_e
    return end, pieces


_DOMAIN_BIGRAMS = {("nông", "thôn"), ("xã", "hội"), ("khu", "vực"), ("đô", "thị"), ("đại", "hội"),
                   ("chuyên", "trách"), ("của", "quốc")}
_DOMAIN_RE = re.compile(rf" (?:(?:và|&|-|–) )?(?P<d>{_trie_alt({w.lower() for w in orgs.DOMAIN_WORDS - {'và'}})})(?![\w])", re.I)
_COMMA_CAP_RE = re.compile(rf", (?=[{_U}])")
_AND_AHEAD_RE = re.compile(r"[^,;.]{0,40} và ")  # (no anchor, no look-behind: matched in place)
# ("doanh nghiệp" alone is also a domain word: "Chi cục Tài chính doanh nghiệp")
_ENTERPRISE_STOP_RE = re.compile(rf"(?:{_trie_alt(set(orgs.ENTERPRISE_WORDS) - {'doanh nghiệp'})})(?![\w])", re.I)


def _scan_domain(m: str, pos: int) -> int:
    """Domain words after an organisation head: "Phòng Tài nguyên và Môi trường"."""
    end = pos
    prev = ""
    domain = False  # a domain word read (not only abbreviations and place names)
    nxt = None
    nxt_at = -1  # where nxt was matched (the word after the last word read)
    while True:
        w = nxt if end == nxt_at else _WORD_RE.match(m, end)
        if not w:
            # "Sở Văn hóa, Thể thao và Du lịch": a comma inside the domain
            c = _COMMA_CAP_RE.match(m, end)
            if c:
                w2 = _WORD_RE.match(m, c.end() - 1)
                if w2 and not w2.group("j"):
                    word = w2.group("w")
                    if (not _ROLE_RE.match(m, c.end()) and word.casefold() not in _FAMILY
                            and _AND_AHEAD_RE.match(m, w2.end()) and fold_key(word) not in _PIECE_KIND):
                        end = c.end() - 1
                        prev = ""
                        continue
            break
        word = w.group("w")
        if _ENTERPRISE_STOP_RE.match(m, w.start("w")):
            break  # "Công đoàn cơ sở Công ty …": a company is neither a domain nor a place name
        f = word.casefold()
        nxt_at = w.end()
        nxt = _WORD_RE.match(m, nxt_at)
        nf = nxt.group("w").casefold() if nxt and not nxt.group("j") else ""
        if (prev, f) in _DOMAIN_BIGRAMS and not w.group("j"):
            end = w.end()
            prev = f
            continue
        if nxt is not None and (f, nf) in _DOMAIN_BIGRAMS and not w.group("j"):
            end = nxt.end()
            prev = nf
            continue
        if word[0].islower() and (f in _UNIT_LEVEL or f in ("thị", "thành", "khu", "tổ")):
            break
        if word[0].isupper():
            d = _DOMAIN_RE.match(m, end)
            if d and d.start("d") == w.start("w") and " " in d.group("d") and not m.startswith(" ủy", d.end()):
                end = d.end()
                prev = d.group("d").rsplit(" ", 1)[-1].casefold()
                domain = True
                continue
            # (a compound unit, "Huyện ủy", is two words: no single word folds to one; what
            # follows below stops at those)
            if m.startswith(" ủy", w.end()) or m.startswith(" đoàn", w.end()):
                break  # "Huyện ủy" etc. are pieces of their own
            if _ROLE_RE.match(m, w.start("w")):
                break
            if not _CAPWORD_RE.match(word):
                if word in _ABBR_WRITTEN:
                    end = w.end()
                    prev = f
                    continue
                break
            r = _CAPRUN_RE.match(m, w.start("w"))
            if r is None:  # (cannot be: the word is capitalised)
                break
            syls = r.group(0).split(" ")
            if domain and 2 <= len(syls) <= 4 and syls[0].casefold() in _FAMILY and not any(
                    " ".join(s.casefold() for s in syls[:i]) in _KNOWN_PLACES for i in (1, 2, 3)):
                break  # "Sở Giáo dục và Đào tạo Lê Nguyễn Minh Khang": a name after the domain
            k = _place_len(syls, "xã", None)
            if k == 0:
                break
            end = w.start("w") + len(" ".join(syls[:k]))
            prev = syls[k - 1].casefold()
            continue
        else:
            d = _DOMAIN_RE.match(m, end)
            if not d or d.start("d") != w.start("w"):
                break
            end = d.end()
            f = d.group("d").rsplit(" ", 1)[-1].casefold()
            domain = True
        prev = f
    return end


_ABBR_HINT = re.compile(rf"[{_U}][{_U}&]")


def _org_full(m: str, org_start: int, pieces: list[tuple], site: _Site) -> str:
    out = []
    cur = org_start
    for kind, s, e, fold, pl_s, pl_e in pieces:
        out.append(m[cur:s])
        text = m[s:e]
        if kind == "abbr" or ((kind == "head" or kind == "phrase") and _ABBR_HINT.search(text)):
            text = expand_abbreviations(text)
        out.append(text)
        if kind in ("unit", "compound") and pl_s == pl_e:
            place = site.resolve(fold)
            if place:
                out.append(" " + place)
        cur = e
    full = "".join(out).strip()
    return full[:1].upper() + full[1:] if full else full


_CENTRAL_RE = re.compile("|".join(map(re.escape, orgs.CENTRAL_MARKERS)))  # (any of them in the text)


def _level(pieces: list[tuple], org_full: str) -> str | None:
    """The most local level named by the pieces' unit words, else by their compound units
    (party committees), else by the organisation's name."""
    unit = compound = None  # the most local level of each kind
    for k, _start, _end, fold, _pl_start, _pl_end in pieces:
        if k == "unit":
            lv = _UNIT_LEVEL.get(fold)
            if lv and (unit is None or _LEVEL_RANK[lv] > _LEVEL_RANK[unit]):
                unit = lv
        elif k == "compound":
            lv = _COMPOUND_LEVEL.get(fold)
            if lv and (compound is None or _LEVEL_RANK[lv] > _LEVEL_RANK[compound]):
                compound = lv
    best = unit or compound
    if best:
        return best
    org_fold = org_full.casefold()
    if org_fold.startswith(("bộ ", "cục ", "tổng cục")) or _CENTRAL_RE.search(org_fold):
        if not org_fold.startswith("bộ chỉ huy"):
            return "central"
    if org_fold.startswith(orgs.PROVINCE_MARKERS) or "bộ chỉ huy" in org_fold:
        return "province"
    return None


_SCHOOL_ROLES = frozenset(("Hiệu trưởng", "Phó Hiệu trưởng"))
_HEAD_FOLD = {h: fold_key(h) for h in orgs.ROLE_HEADS.values()}  # organisation head of a role -> its fold
# role as found in the lower-cased text -> canonical role (ROLE_CANON of its fold)
_ROLE_CANON = {r: orgs.ROLE_CANON.get(r.casefold(), r) for r in _ROLES_LC}
_CHAIN_STARTS = (",", " kiêm", " và kiêm")
# _CHAIN_RE, then _ROLE_RE where it ends, in one match (the separator atomic: _CHAIN_RE's
# match is the only one tried)
_CHAIN_ROLE_RE = re.compile(rf"(?>{_CHAIN_RE.pattern})(?P<rp>(?i:{_ROLE_RE.pattern}))")
# not public bodies (orgs.NONPUBLIC_ORG_STARTS): an organisation that is one, or a body of one
# ("Công đoàn cơ sở Công ty TNHH …", "Chi đoàn Nhà máy …")
_NONPUBLIC_START_RE = re.compile(rf"(?:{_trie_alt(orgs.NONPUBLIC_ORG_STARTS)})(?![\w])", re.I)
_NONPUBLIC_AFTER_RE = re.compile(rf" (?:(?:cơ sở|của|thuộc) )?(?:{_trie_alt(orgs.ENTERPRISE_WORDS)})(?![\w])", re.I)
# their first two letters (lower case): the patterns cannot match where these do not start
# (with the dotless i that re's IGNORECASE takes for an i; str.lower() of a dotted capital I
# gives two characters, the first an i: hence the [:2] after lower())
_NONPUBLIC_STARTS = frozenset(p for w in orgs.NONPUBLIC_ORG_STARTS for p in (w[:2], w[:2].replace("i", "ı")))
_NONPUBLIC_AFTERS = frozenset(p for w in orgs.ENTERPRISE_WORDS + ["cơ sở", "của", "thuộc"]
                              for p in (w[:2], w[:2].replace("i", "ı")))


def _parse_position(t: str, m: str, role_text: str, former: bool, start: int, role_end: int,
                    site: _Site) -> tuple[int, dict] | None:
    """The position whose role ``role_text`` (with "nguyên " before it when ``former``) spans
    ``start`` to ``role_end``: (its end, the position) or None."""
    canon = _ROLE_CANON.get(role_text)
    if canon is None:
        canon = orgs.ROLE_CANON.get(role_text.casefold(), role_text)
    if former and canon in _SCHOOL_ROLES:
        return None  # a retired school head is not an official (a former chairman still is)
    head = orgs.ROLE_HEADS.get(canon)
    if head:
        org_start = role_end - len(head)
        end, pieces = _scan_org(m, org_start, site)
        if not pieces or pieces[0][1] != org_start:
            hf = _HEAD_FOLD[head]
            is_unit = hf in _UNIT_LEVEL
            if not is_unit and hf not in _COMPOUND_LEVEL:
                return None
            # the head word alone ("Trưởng bản") still names the organisation
            end = role_end
            pieces = [("unit" if is_unit else "head", org_start, end, hf, end, end)]
            r = _PLACE_RE.match(m, end) if is_unit else None
            if r:
                syls = r.group("run").split(" ")
                k = _place_len(syls, hf, site.place_fold)
                if k:
                    pl_s = r.start("run")
                    end = pl_s + len(" ".join(syls[:k]))
                    pieces = [("unit", org_start, end, hf, pl_s, end)]
    else:
        org_start = role_end
        end, pieces = _scan_org(m, org_start, site)
        if pieces:
            org_start = pieces[0][1]
        elif canon not in orgs.STANDALONE_ROLES:
            return None
    # (the patterns fail on the first letters of most organisations: asked only when those fit)
    if (m[org_start:org_start + 2].lower()[:2] in _NONPUBLIC_STARTS and _NONPUBLIC_START_RE.match(m, org_start)) or (
            pieces and m[end + 1:end + 3].lower()[:2] in _NONPUBLIC_AFTERS and _NONPUBLIC_AFTER_RE.match(m, end)):
        return None  # a post in an enterprise, a cooperative or a body of one is not a public post
    raw = t[start:end].strip()
    key = m[start:end].strip().lower()
    if pieces:
        org_full = _org_full(m, org_start, pieces, site)
        level = _level(pieces, org_full)
    else:
        org_full = ""
        level = orgs.ROLE_LEVEL.get(canon, "central")
    return end, {
        "_key": key,
        "raw": raw,
        "role": "nguyên " + canon if former else canon,
        "organization": t[org_start:end].strip(),
        "organization_full": org_full,
        "level": level,
    }


def _position_groups(t: str, m: str, site: _Site, lc: str | None = None,
                     pos: int = 0) -> list[tuple[int, int, list[dict]]]:
    """[(start, end, [positions])] of chained positions in one text (no role starts before ``pos``)."""
    groups: list[tuple[int, int, list[dict]]] = []
    n = len(m)
    if lc is None:
        lc = m.lower() if len(m.lower()) == len(m) else m
    while pos < n:
        found = _search_role(lc, pos)
        if found is None:
            break
        role, former, rs, role_end = found
        if role in _LOWER_NOT_ROLE and m[rs].islower():
            pos = role_end
            continue
        start = rs - 7 if former else rs
        parsed = _parse_position(t, m, role, former, start, role_end, site)
        if parsed is None:
            pos = role_end
            continue
        end, p = parsed
        positions = [p]
        # (a chain goes on after "," or " kiêm": nothing else to try after anything else)
        while m.startswith(_CHAIN_STARTS, end):
            rm2 = _CHAIN_ROLE_RE.match(m, end)
            if not rm2:
                break
            parsed2 = _parse_position(t, m, rm2.group("role"), rm2.group("former") is not None, rm2.start("rp"),
                                      rm2.end(), site)
            if parsed2 is None:
                break
            end, p2 = parsed2
            positions.append(p2)
        groups.append((start, end, positions))
        pos = end
    return groups


def _run_ending_at_words(m: str, j: int) -> tuple[int, int] | None:
    """The run of capitalised syllables that ends at ``j`` (at most 8 syllables back), word by
    word: what _run_ending_at tells with one match."""
    start = None
    k = j
    for _ in range(8):
        sp = m.rfind(" ", 0, k)
        # (the word m[sp + 1:k] matched in place: "$" is the end position as it is a slice's end)
        if sp + 1 == k or not _CAPWORD_RE.match(m, sp + 1, k) or (sp > 0 and m[sp - 1] == " "):
            break
        start = sp + 1
        if sp < 0:
            break
        k = sp
    if start is None:
        return None
    return start, j


# _run_ending_at_words read backwards: the text before j reversed, one word after the other:
# a capitalised word read from its end (_CAPWORD_RE's "$" lets it end in a newline), then the
# space before it (not a double space: the word would not count) or the text's start
# (possessive: no letter of _L is one of _U, and nothing follows the repetition)
_RUN_REV_RE = re.compile(rf"(?:\n?[{_L}]*+[{_U}](?: (?! )|\Z)){{1,8}}+")
_RUN_WINDOW = 40  # characters read back (a reversed text costs by the character)


def _run_ending_at(m: str, j: int) -> tuple[int, int] | None:
    """The run of capitalised syllables that ends at ``j`` (at most 8 syllables back)."""
    if j <= 0:
        return None
    lo = j - _RUN_WINDOW
    if lo <= 0:
        r = m[j - 1::-1]
        run = _RUN_REV_RE.match(r)
    else:
        r = m[j - 1:lo - 1:-1]
        run = _RUN_REV_RE.match(r)
        # the window's end told nothing: the word the match stopped at (and the character after
        # the space before it) lies inside it
        e = run.end() if run else 0
        sp = r.find(" ", e)
        if sp < 0 or sp >= len(r) - 1:
            return _run_ending_at_words(m, j)
    if run is None:
        return None
    e = run.end()
    return (j - e + 1 if r[e - 1] == " " else j - e), j


# "đồng chí X giữ chức Bí thư …", "ông X được bầu làm Chủ tịch …", "bổ nhiệm đồng chí X làm
# Trưởng phòng …", "cử ông X làm Trưởng đoàn": the post after the verb is X's
_APPOINT_VERBS = ("bầu", "bầu lại", "bổ nhiệm", "bổ nhiệm lại", "tái bổ nhiệm", "điều động", "cử", "phân công",
                  "chỉ định", "giới thiệu", "luân chuyển", "tín nhiệm bầu")
_TAKES_POST_RE = re.compile(rf"(?<![\w])(?:(?:được|đã được|vừa được)\s+(?:{_alt(_APPOINT_VERBS)})"
                            r"(?:\s+(?:giữ chức(?: vụ)?|làm|tham gia))?|giữ chức(?: vụ)?|tái đắc cử(?: chức)?|"
                            r"đảm nhiệm(?: chức(?: vụ)?)?|làm)\s*$")


def _name_before(m: str, start: int) -> tuple[int, int, str | None] | None:
    j = start
    while j > 0 and m[j - 1] == " ":
        j -= 1
    takes = None
    if j > 0 and m[j - 1] in "-–—,:(":
        j -= 1
        while j > 0 and m[j - 1] == " ":
            j -= 1
    elif j > 0 and (takes := _TAKES_POST_RE.search(m, max(0, j - 40), j)) is not None:
        j = takes.start()
        while j > 0 and m[j - 1] == " ":
            j -= 1
    else:
        return None
    run = _run_ending_at(m, j)
    if run is None:
        return None
    rs, re_ = run
    syls = m[rs:re_].split(" ")
    offs = rs
    while syls and syls[0].casefold() in _HON_STRIP and len(syls) > 2:
        offs += len(syls[0]) + 1
        syls = syls[1:]
    # context
    if offs > rs:  # "Ông Lò Văn A": the honorific was part of the capitalised run
        hon = m[rs:offs].strip()
    else:
        hon = _hon_before(m[offs - 16 if offs > 16 else 0:offs])
    k = offs
    while k > 0 and m[k - 1] == " ":
        k -= 1
    list_ctx = k == 0 or m[k - 1] in ":;" or m[k - 3 if k > 3 else 0:k] == " và"
    lenient = bool(hon) or (list_ctx and takes is None)
    if list_ctx and not hon and k > 0:
        colon = m.rfind(":", 0, k)
        if colon > 0 and m[max(0, colon - 9):colon].casefold().endswith("đồng chí"):
            hon = "đồng chí"
    if len(syls) > 4 or not _valid_name(syls, lenient):
        # try the tail of a long run: "… Mường Lát Lê Văn A"
        found = None
        for size in (3, 4, 2):
            if size < len(syls) and _valid_name(syls[-size:], False):
                found = size
                break
        if not found:
            return None
        offs = re_ - len(" ".join(syls[-found:]))
        syls = syls[-found:]
        hon = None
    return offs, re_, hon


def _name_after(m: str, end: int) -> tuple[int, int, str | None] | None:
    n = len(m)
    p = end
    if p < n and m[p] == " ":
        p += 1
    if p < n and m[p] in ",–—-":
        p += 1
        if p < n and m[p] == " ":
            p += 1
        else:
            return None
    elif p == end:
        return None
    hon = None
    h = _HON_AFTER_RE.match(m, p)
    if h:
        hon = h.group("h")
        p = h.end()
    r = _CAPRUN_RE.match(m, p)
    if not r:
        return None
    syls = r.group(0).split(" ")
    if syls[0].casefold() in _HON_STRIP and len(syls) > 2:
        hon = syls[0]
        p += len(syls[0]) + 1
        syls = syls[1:]
    if len(syls) > 4:
        return None
    if not _valid_name(syls, bool(hon)):
        return None
    return p, p + len(" ".join(syls)), hon


def _snippet(t: str, s: int, e: int, width: int = 160) -> str:
    """t[a:b] with a 50 characters before ``s``, b ``width`` after a; a moved after a space in the
    first 20 characters of the window, b back to a space in its last 20 (found in t, sliced
    once)."""
    n = len(t)
    a = s - 50 if s > 50 else 0
    b = a + width if a + width < n else n
    if a > 0:
        sp = t.find(" ", a, a + 20 if a + 20 < b else b)
        if sp >= 0:
            a = sp + 1
    if b < n:
        sp = t.rfind(" ", a, b)
        if sp >= 0:
            if sp > b - 20:
                b = sp
        elif b - a < 19 and b > a:  # (the slice's rfind gave -1, and [:-1] cut one character)
            b -= 1
    return t[a:b].strip()[:width]


def _texts_people(t: str, m: str, lc: str, site: _Site, pos: int = 0) -> list[tuple[int, int, str | None, list[dict]]]:
    """[(name_start, name_end, honorific, positions)] found in one text (no role starts before
    ``pos``)."""
    groups = _position_groups(t, m, site, lc, pos)
    if not groups:
        return []
    found = []
    claimed: dict[tuple[int, int], int] = {}
    owner: dict[int, tuple[int, int, str | None]] = {}  # group -> the person it was given to
    for gi, (gs, ge, positions) in enumerate(groups):
        nb = _name_before(m, gs)
        if nb is None and gi - 1 in owner:
            # "bầu đồng chí X, <post> giữ chức <new post>": the post taken with the verb right
            # after X's post is X's too
            pe = groups[gi - 1][1]
            takes = _TAKES_POST_RE.search(m, pe, gs)
            if takes is not None and not m[pe:takes.start()].strip():
                found.append((*owner[gi - 1], positions))
                owner[gi] = owner[gi - 1]
                continue
        if nb:
            s, e, hon = nb
            if (s, e) in claimed:
                # the previous group took this name from after it; share it only if this
                # group has no name of its own after it
                na = _name_after(m, ge)
                nxt = _name_before(m, groups[gi + 1][0]) if na and gi + 1 < len(groups) else None
                if na and not (nxt and nxt[:2] == na[:2]):
                    s, e, hon = na
            found.append((s, e, hon, positions))
            claimed[(s, e)] = gi
            owner[gi] = (s, e, hon)
            continue
        na = _name_after(m, ge)
        if na and m[gs - 4 if gs > 4 else 0:gs].casefold() == "của ":
            na = None  # "thừa ủy quyền của Chủ tịch nước, đồng chí X": X is not the president
        if na:
            s, e, hon = na
            if not hon:
                hon = _hon_before(m[gs - 16 if gs > 16 else 0:gs])
            found.append((s, e, hon, positions))
            claimed[(s, e)] = gi
            owner[gi] = (s, e, hon)
    return found


# --------------------------------------------------------------------------- public
def extract_officials(
    paragraphs: Iterable[str] | None,
    captions: Iterable[str] | None = (),
    *,
    site_name: str | None = None,
    province: str = "Thanh Hóa",
    clean: bool = False,
) -> list[dict]:
    """Officials named in body paragraphs and captions; one dict per person (see module doc).

    ``clean=True``: every text is already :func:`~pipelines.extraction.text.clean_text` output (as in an
    ``extract()`` record), so it is not cleaned again."""
    site = _site(site_name, province)
    clean = bool(clean)
    # lower-cased texts for the mention counts: a text with a role as _prep makes it; a text
    # without one as lower(t), its tones not modernised yet (only a text in which a name may
    # be counted needs them: see the counts below)
    body_lcs: list[str] = []
    cap_lcs: list[str] = []
    # the texts without a role, and lower(t) of each
    body_rest_ts: list[str] = []
    body_rest_lc0s: list[str] = []
    cap_rest_ts: list[str] = []
    cap_rest_lc0s: list[str] = []
    # the texts in which a role is written (most name nobody: one search tells), with where the
    # first one may start
    texts: list[tuple[str, str, str, bool, int]] = []
    for group, is_cap, lcs, rest_ts, rest_lc0s in ((paragraphs, False, body_lcs, body_rest_ts, body_rest_lc0s),
                                                  (captions, True, cap_lcs, cap_rest_ts, cap_rest_lc0s)):
        for p in group or ():
            if isinstance(p, str) and p:
                t = p if clean else clean_text(p)
                if not t:
                    continue
                lc0 = t.lower()
                if len(lc0) != len(t):  # (a letter that lower-cases to two: as _prep says)
                    t, m, lc = _prep(t, True)
                    lcs.append(lc)
                    r = _ROLE_LC_RE.search(lc)
                    if r is not None:
                        texts.append((t, m, lc, is_cap, r.start()))
                    continue
                r = _ROLE_ANCHOR_RE.search(lc0)
                if r is None:
                    rest_ts.append(t)
                    rest_lc0s.append(lc0)
                    continue
                t, m, lc = _prep_lowered(t, lc0)
                lcs.append(lc)
                first = r.start() - _ROLE_ANCHOR_BACK
                texts.append((t, m, lc, is_cap, first if first > 0 else 0))
    people: dict[str, dict] = {}
    for t, m, lc, is_cap, first in texts:
        for s, e, hon, positions in _texts_people(t, m, lc, site, first):
            raw_name = t[s:e]
            key = lc[s:e]  # == name_key(m[s:e]): lc is m (cleaned, new tones) lower-cased
            person = people.get(key)
            if person is None:
                person = people[key] = {
                    # every syllable of a name span is [UPPER][LOWER]* (_CAPWORD_RE, _CAPRUN_RE):
                    # already capitalised as display wants it
                    "name": m[s:e],
                    "name_raw": raw_name,
                    "name_key": key,
                    "honorific": _honorific(hon),
                    "positions": [],
                    "mentions": 0,
                    "in_caption": False,
                    "context": _snippet(t, s, e),
                    "_seen": set(),
                }
            elif person["honorific"] is None and hon:
                person["honorific"] = _honorific(hon)
            if is_cap:
                person["in_caption"] = True
            for position in positions:
                k1 = position.pop("_key")
                k2 = (position["role"].lower(), position["organization_full"].lower())
                if k1 in person["_seen"] or k2 in person["_seen"]:
                    continue
                person["_seen"].add(k1)
                person["_seen"].add(k2)
                person["positions"].append(position)
    if not people:
        return []
    # the mention counts, in the texts joined by "\n" (a name has no "\n": the sums of the counts
    # in each text); in a text without a role the tones are modernised only where the name may be
    body_lc = "\n".join(body_lcs)
    cap_lc = "\n".join(cap_lcs)
    body_rest_lc0 = "\n".join(body_rest_lc0s)
    cap_rest_lc0 = "\n".join(cap_rest_lc0s)
    body_rest_lc = cap_rest_lc = None
    out = []
    for person in people.values():
        del person["_seen"]
        key = person["name_key"]
        in_cap = cap_lc.count(key) if cap_lc else 0
        mentions = body_lc.count(key) if body_lc else 0
        if body_rest_lc0 or cap_rest_lc0:
            # where key is in lower(modern_tones(t)), this part of it (no letter that modernising
            # the tones changes) is in lower(t) at the same place
            sub = ""  # (the longest such part: the first of the longest)
            for part in _TONE_MOVED_RE.split(key):
                if len(part) > len(sub):
                    sub = part
            if cap_rest_lc0 and sub in cap_rest_lc0:
                if cap_rest_lc is None:
                    cap_rest_lc = _modern_lcs(cap_rest_ts, cap_rest_lc0s)
                in_cap += cap_rest_lc.count(key)
            if body_rest_lc0 and sub in body_rest_lc0:
                if body_rest_lc is None:
                    body_rest_lc = _modern_lcs(body_rest_ts, body_rest_lc0s)
                mentions += body_rest_lc.count(key)
        if in_cap:
            person["in_caption"] = True
        mentions += in_cap
        person["mentions"] = mentions if mentions > 1 else 1
        out.append(person)
    return out


def _modern_lcs(ts: list[str], lc0s: list[str]) -> str:
    """The texts ``ts`` lower-cased as _prep does (new-style tones), joined by "\n"; ``lc0s``:
    lower(t) of each."""
    return "\n".join(_prep_lowered(t, lc0)[2] for t, lc0 in zip(ts, lc0s))


def officials_brief(officials: Iterable[dict] | None) -> list[dict]:
    """Compact form for ``extract()`` JSON: name, honorific, position strings, as written
    (``Phạm Văn Hoà`` stays so, like every text of the record; the detail's ``name`` has the
    new-style tones the names are matched by)."""
    return [
        {"name": o.get("name_raw") or o["name"], "honorific": o.get("honorific"),
         "positions": [p["raw"] for p in o.get("positions") or []]}
        for o in officials or []
    ]


def parse_positions(text: str | None, *, site_name: str | None = None, province: str = "Thanh Hóa") -> list[dict]:
    """All positions (role + organisation) found in a text, with or without a person."""
    site = _site(site_name, province)
    t, m, lc = _prep(text)
    out = [p for _, _, ps in _position_groups(t, m, site, lc) for p in ps]
    for p in out:
        p.pop("_key", None)
    return out

