"""Text normalization: the one place that decides how Vietnamese text is stored and matched.

Decisions (see README "Normalization"):

* every stored text field is Unicode NFC; NFD input (and windows-1258 input, whose letters
  decompose into base letter + combining tone mark) is composed;
* whitespace runs, ``&nbsp;``, zero-width characters and soft hyphens fold to one space;
* dashes and quotes are kept as written;
* tone placement is kept as the page wrote it (``hoá`` stays ``hoá``) in text fields;
  :func:`modern_tones` gives the new-style spelling (``hóa``) for *keys* used in matching
  (names, organisations, de-duplication).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "clean_text",
    "modern_tones",
    "modern_tones_nfc",
    "fold_key",
    "name_key",
    "strip_diacritics",
    "slugify",
    "tokens",
]

_INVISIBLE_RE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def clean_text(text: str | None) -> str:
    """NFC, invisible characters removed, every white-space run folded to one space, stripped."""
    if not text:
        return ""
    # already clean (the common case for text cut from cleaned text): every white space other
    # than " " and every invisible character (all in category Cf) is non-printable, so a
    # printable NFC text without double, leading or trailing spaces comes out unchanged
    # (normalize() returns an NFC text itself after its quick check, and composes a decomposed
    # one once: asking is_normalized() first would compose it twice)
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        if text.isascii():
            return text
        nfc = unicodedata.normalize("NFC", text)
        if nfc is text or nfc == text:
            return text
        text = nfc
    elif text.isascii():
        # str.split() splits on every Unicode white space (NBSP, U+2000–U+200A, U+3000 …)
        return " ".join(text.split())
    else:
        text = unicodedata.normalize("NFC", text)
    text = " ".join(text.split())
    # the invisible characters are no white space, and non-printable (category Cf): a folded
    # text that is printable holds none (one test instead of six); taken out, they may leave
    # spaces to fold again
    if not text.isprintable() and (
            "\u200b" in text or "\u200c" in text or "\u200d" in text or "\u2060" in text
            or "\ufeff" in text or "\u00ad" in text):
        text = " ".join(_INVISIBLE_RE.sub("", text).split())
    return text


# --- tone placement -------------------------------------------------------------------
# Old style puts the tone mark on the second vowel of the open rhymes "oa", "oe", "uy"
# (hoá, hoè, thuỷ); new style puts it on the first (hóa, hòe, thủy). "qu" is a consonant,
# so "quý" is the same in both styles and is left alone.
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
_OLD_RHYME_RE = re.compile(
    r"(?P<pre>[qQ]?)(?P<v1>[oOuU])(?P<v2>[aAeEyY])(?P<tone>[" + _TONES + r"])(?!\w)"
)


def _old_rhyme(text: str, i: int, v2: str) -> bool:
    """Do the vowel ``text[i]`` (o/O/u/U) and the next one, ``v2`` (a/e/y, its tone mark
    aside), make an old-style rhyme? Only oa, oe and uy, and not after "q" ("quý" keeps its
    tone where it is)."""
    if i > 0 and text[i - 1] in "qQ":
        return False
    return v2 in "aAeE" if text[i] in "oO" else v2 in "yY"


def _followed_by_mark(text: str, end: int) -> bool:
    """Another mark after the rhyme's tone: a second mark on the vowel ("ặ" is a + dot below +
    breve in NFD), so not an old-style rhyme."""
    return end < len(text) and unicodedata.category(text[end])[0] == "M"


def _move_tone(m: re.Match) -> str:
    i = m.start("v1")
    if not _old_rhyme(m.string, i, m.group("v2")) or _followed_by_mark(m.string, m.end()):
        return m.group(0)
    return m.group("v1") + m.group("tone") + m.group("v2")


# In NFC text the same rhymes are a plain o/O/u/U followed by a, e or y carrying a tone
# mark only (one code point each): moved without decomposing and recomposing the text.
_TONED_VOWELS = {c: unicodedata.normalize("NFD", c) for c in "ÀÁÃÈÉÝàáãèéýẠạẢảẸẹẺẻẼẽỲỳỴỵỶỷỸỹ"}
_OLD_RHYME_NFC_RE = re.compile("[oOuU][" + "".join(_TONED_VOWELS) + r"](?!\w)")
_TONED = {v + t: unicodedata.normalize("NFC", v + t) for v in "oOuU" for t in _TONES}


def modern_tones_nfc(text: str) -> str:
    """:func:`modern_tones` of a text known to be NFC (:func:`clean_text` output): ``text``
    itself when it has no old-style rhyme."""
    m = _OLD_RHYME_NFC_RE.search(text)
    if m is None:
        return text
    out = []
    last = 0
    while m is not None:
        i = m.start()
        decomposed = _TONED_VOWELS[text[i + 1]]
        base, tone = decomposed[0], decomposed[1]
        if _old_rhyme(text, i, base) and not _followed_by_mark(text, i + 2):
            out.append(text[last:i])
            out.append(_TONED[text[i] + tone])
            out.append(base)
            last = i + 2
        m = _OLD_RHYME_NFC_RE.search(text, i + 2)
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def modern_tones(text: str) -> str:
    """Return ``text`` (NFC) with old-style tone placement moved to new style: hoá → hóa."""
    if not text:
        return ""
    if unicodedata.is_normalized("NFC", text):
        return modern_tones_nfc(text)
    decomposed = unicodedata.normalize("NFD", text)
    # the rhymes we touch have no other mark on the second vowel; one that NFD orders after
    # the tone (dot below sorts before a circumflex or breve) is checked in _move_tone
    return unicodedata.normalize("NFC", _OLD_RHYME_RE.sub(_move_tone, decomposed))


def fold_key(text: str) -> str:
    """Matching key: cleaned, new-style tones, lower case."""
    return modern_tones(clean_text(text)).casefold()


def name_key(name: str) -> str:
    """Key for matching a person's name across articles (NFC, new tones, spacing, case)."""
    return fold_key(name)


def strip_diacritics(text: str) -> str:
    """ASCII-fold Vietnamese text: "Mường Lát" → "Muong Lat", "Đ" → "D"."""
    text = unicodedata.normalize("NFD", text or "").replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in text if not unicodedata.combining(c))


def slugify(text: str, sep: str = "-") -> str:
    """"Mường Lát" → "muong-lat"."""
    ascii_text = strip_diacritics(text).lower()
    return re.sub(r"[^a-z0-9]+", sep, ascii_text).strip(sep)


_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Word tokens of a text for token-level scoring (NFC, new tones, lower case)."""
    return _TOKEN_RE.findall(fold_key(text))
