"""Article body → paragraphs, images with captions, byline, stand-in lead.

:func:`linearize` walks a body element in document order and emits blocks: text
paragraphs (with a few style facts), images, and explicit captions (``figcaption``, the
row under an image in a table, text after ``<br>`` that follows an image in the same
``<p>``). :func:`assemble` then applies the conventions of ``pipelines/extraction/CONVENTIONS.md``:
implicit captions (the block right after an image when it is italic, centred, or short
without a final full stop), shared captions, photo credits, trailing bylines, and a bold
first paragraph standing in for a missing lead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from pipelines.extraction.text import clean_text
from pipelines.extraction.urls import join_url

__all__ = ["Block", "linearize", "assemble", "Body"]

BLOCK_TAGS = frozenset(
    "p div table tbody thead tfoot tr td th ul ol li h1 h2 h3 h4 h5 h6 blockquote figure "
    "figcaption section article center pre hr dl dt dd header footer aside main nav address".split()
)
SKIP_TAGS = frozenset("script style noscript iframe object embed form input button select textarea svg video audio".split())
ITALIC_TAGS = frozenset(("em", "i"))
BOLD_TAGS = frozenset(("strong", "b"))

_CENTER_RE = re.compile(r"text-align\s*:\s*center", re.I)
_RIGHT_RE = re.compile(r"text-align\s*:\s*right", re.I)
_CREDIT_RE = re.compile(r"^\(?\s*(?:ảnh|nguồn ảnh|ảnh minh họa|ảnh minh hoạ|photo)\s*:[^()]{0,60}\)?\.?$", re.I)
_BYLINE_PREFIX_RE = re.compile(
    r"^(?:tin|ảnh|bài|tin,\s*ảnh|tin\s*và\s*ảnh|bài,\s*ảnh|bài\s*và\s*ảnh|tin\s*-\s*ảnh|bài\s*-\s*ảnh|"
    r"tác giả|nguồn|thực hiện|nhóm phóng viên|phóng viên|pv|ctv)\s*:\s*\S", re.I)
# A person's name (2–5 capitalised syllables), optionally followed by "(unit)" or "- unit".
_UPPER = "A-ZÀ-ỸĐ"
_NAME_BYLINE_RE = re.compile(
    rf"^(?:[{_UPPER}][^\s.,;:!?()]*\s+){{1,4}}[{_UPPER}][^\s.,;:!?()]*(?:\s*\([^()]{{2,70}}\)|\s*[-–—]\s*[^.]{{2,50}})?\s*$"
)


@dataclass(slots=True)
class Block:
    kind: str  # "text", "img", "caption"
    text: str = ""
    src: str = ""
    centered: bool = False
    italic: bool = False
    bold: bool = False
    right: bool = False
    alt: str = ""  # an image's alt text (a caption of last resort on platform pages)


@dataclass
class Body:
    paragraphs: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    byline: str | None = None
    lead: str | None = None  # bold first paragraph, when the caller asked for a stand-in lead

def _tag_name(tag) -> str:
    if not isinstance(tag, str):
        return ""
    if "}" in tag:
        tag = tag.rsplit("}", 1)[1]
    return tag.lower()


# tag -> _tag_name(tag); pages use a few dozen tag names (comments' and PIs' tags are functions)
_TAGS: dict = {}


def _tag(el) -> str:
    tag = el.tag
    name = _TAGS.get(tag)
    if name is None:
        name = _tag_name(tag)
        if len(_TAGS) < 2048:
            _TAGS[tag] = name
    return name


def _align_flags(style: str | None, align: str | None) -> tuple[bool, bool]:
    centered = right = False
    if style and "align" in style:
        centered = bool(_CENTER_RE.search(style))
        right = bool(_RIGHT_RE.search(style))
    if align:
        align = align.lower()
        centered = centered or align == "center"
        right = right or align == "right"
    return centered, right


# (style, align) -> _align_flags; a page repeats the same few style attributes
_ALIGN: dict = {}


def _cached_align(style, align) -> tuple[bool, bool]:
    key = (style, align)
    flags = _ALIGN.get(key)
    if flags is None:
        flags = _align_flags(style, align)
        if len(_ALIGN) < 4096:
            _ALIGN[key] = flags
    return flags


class _Run:
    """The inline elements of one paragraph-like block: they add their text pieces and images
    to the block's ``parts`` (which :func:`_walk` fills with the block's own text and tails)
    and count the styled characters."""

    __slots__ = ("parts", "italic", "bold", "empty", "imgs")

    def __init__(self, parts: list):
        self.parts = parts  # str | ("img", el)
        self.italic = 0  # characters (stripped) of italic text
        self.bold = 0
        self.empty = True  # only white space from inline elements so far
        self.imgs = False  # has an image part

    def add_text(self, text, italic=False, bold=False):
        if text:
            self.parts.append(text)
            if not text.isspace():
                self.empty = False
                if italic or bold:
                    n = len(text.strip())
                    if italic:
                        self.italic += n
                    if bold:
                        self.bold += n

    def add_inline(self, el, italic=False, bold=False):
        tag = _TAGS.get(el.tag) or _tag(el)  # (_tag without the call, for the tags seen)
        if tag in SKIP_TAGS or not tag:
            return
        if tag == "img":
            self.parts.append(("img", el))
            self.empty = False
            self.imgs = True
            return
        if tag == "br":
            self.parts.append("\n")
            return
        if not (italic and bold):
            style = el.get(b"style") or ""
            italic = italic or tag in ITALIC_TAGS or "italic" in style
            bold = bold or tag in BOLD_TAGS or "bold" in style
        self.add_text(el.text, italic, bold)
        for child in el if len(el) else ():  # (setting up an iterator costs ~10x len())
            self.add_inline(child, italic, bold)
            self.add_text(child.tail, italic, bold)


def _emit_run(parts: list, run: _Run | None, out: list[Block], centered: bool, right: bool, base: str,
              in_caption=False):
    """Turn a run that is not empty into blocks: text, images, and text after an image as its
    caption. ``run`` is None when the block had no inline element: plain text, no styled
    characters."""
    if run is None or not run.imgs:  # the common case: one text segment
        text = clean_text(parts[0] if len(parts) == 1 else "".join(parts))
        if text:
            if run is None:
                italic = bold = False
            else:
                total = len(text)
                italic = run.italic >= 0.9 * total
                bold = run.bold >= 0.9 * total
            out.append(Block("caption" if in_caption else "text", text, "", centered, italic, bold, right))
        return
    if len(parts) == 1:  # a lone image (<p><img></p>): no text segments to make
        _emit_img(parts[0][1], out, centered, base)
        return
    segments: list[list] = [[]]
    imgs: list = []
    for part in parts:
        if isinstance(part, tuple):
            imgs.append(part[1])
            segments.append([])
        else:
            segments[-1].append(part)
    texts = [clean_text("".join(seg)) for seg in segments]
    total = sum(len(t) for t in texts) or 1
    italic = run.italic >= 0.9 * total
    bold = run.bold >= 0.9 * total
    kind = "caption" if in_caption else "text"
    if texts[0]:
        out.append(Block(kind, texts[0], "", centered, italic, bold, right))
    for img, after in zip(imgs, texts[1:]):
        _emit_img(img, out, centered, base)
        if after:
            # text after an image inside the same paragraph (after <br/>) is its caption
            out.append(Block("caption", after, "", centered, italic))


def _emit_img(img, out: list[Block], centered: bool, base: str):
    src = img.get(b"src") or img.get(b"data-src") or ""
    if src and not src.startswith("data:"):
        src = src.strip()
        out.append(Block("img", "", join_url(base, src) or src, centered, False, False, False, img.get(b"alt") or ""))


def linearize(root, base_url: str) -> list[Block]:
    """Blocks of a body element in document order (a tree deeper than Python's recursion limit
    raises RecursionError; parsed pages are at most 255 levels deep, libxml2's limit)."""
    out: list[Block] = []
    _walk(root, out, base_url, False, False)
    return out


def _has_block_child(el) -> bool:
    for child in el.iter():
        if child is not el and _tag(child) in BLOCK_TAGS:
            return True
    return False


def _walk(el, out, base, centered, right, in_caption=False):
    raw = el.tag
    tag = _TAGS.get(raw) or _tag(el)
    # (attribute names as bytes: lxml need not encode them, a quarter of each call)
    style = el.get(b"style")
    align = el.get(b"align")
    if style is not None or align is not None:
        flags = _cached_align(style, align)
        if flags[0]:
            centered = True
        if flags[1]:
            right = True
    if raw == "center":
        centered = True
    if tag == "table":
        _walk_table(el, out, base, centered, right)
        return
    if tag == "figcaption":
        in_caption = True
    if not len(el):  # no children (most paragraphs): the text is the run, the loop below not needed
        text = el.text
        if text and not text.isspace():
            _emit_run([text], None, out, centered, right, base, in_caption)
        return
    # the current run: its pieces, whether the block's own text and tails in it are all white
    # space, and a _Run for its inline elements, made only when one comes (most blocks hold
    # text only: no object to make for them)
    parts: list = []
    empty = True
    run = None
    text = el.text
    if text:
        parts.append(text)
        if not text.isspace():
            empty = False
    for child in el:
        ctag = _TAGS.get(child.tag) or _tag(child)
        if ctag in SKIP_TAGS or not ctag:
            pass
        elif ctag in BLOCK_TAGS:
            if ctag != "center" or _has_block_child(child):
                if not empty or (run is not None and not run.empty):
                    _emit_run(parts, run, out, centered, right, base, in_caption)
                    parts = []
                    empty = True
                    run = None
                elif parts:
                    # an empty run holds white space and line breaks only (no counts, no
                    # images): cleared, it is a new run
                    parts.clear()
            _walk(child, out, base, centered, right, in_caption)
        else:
            if run is None:
                run = _Run(parts)
            run.add_inline(child, False, False)
        text = child.tail
        if text:
            parts.append(text)
            if empty and not text.isspace():
                empty = False
    if not empty or (run is not None and not run.empty):
        _emit_run(parts, run, out, centered, right, base, in_caption)


def _walk_table(table, out, base, centered, right):
    rows = [tr for tr in table.iter("tr")]
    if not rows:
        for child in table:
            _walk(child, out, base, centered, right, False)
        return
    if len(rows) > 1 and next(table.iter("img"), None) is None:
        own = [tr for tr in rows if _nearest_table(tr) is table]
        if len(own) > 1 and any(sum(1 for c in tr if _tag(c) in ("td", "th")) > 1 for tr in own):
            _data_table(own, out, centered, right)
            return
    prev_had_img = False
    for tr in rows:
        if tr.getparent() is not None and _nearest_table(tr) is not table:
            continue  # row of a nested table: handled when that table is walked
        row_blocks: list[Block] = []
        for cell in tr:
            if _tag(cell) in ("td", "th"):
                _walk(cell, row_blocks, base, centered, right, False)
        has_img = any(b.kind == "img" for b in row_blocks)
        if not has_img and prev_had_img:
            # the row under an image row is its caption
            row_blocks = [Block("caption", b.text, centered=b.centered, italic=b.italic) if b.kind == "text" else b
                          for b in row_blocks]
        out.extend(row_blocks)
        prev_had_img = has_img


def _data_table(rows, out, centered, right):
    """A data table (two rows or more, two columns or more, no image): one paragraph per
    row, its non-empty cell texts joined with " | " in column order."""
    for tr in rows:
        cells = []
        for cell in tr:
            if _tag(cell) in ("td", "th"):
                text = clean_text("".join(_cell_texts(cell)))
                if text:
                    cells.append(text)
        if cells:
            out.append(Block("text", " | ".join(cells), "", centered, False, False, right))


def _cell_texts(el):
    """Visible text pieces of a table cell (scripts and styles left out)."""
    if _tag(el) in SKIP_TAGS:
        return
    if el.text:
        yield el.text
    for child in el:
        if isinstance(child.tag, str):
            tag = _tag(child)
            if tag == "br" or tag in BLOCK_TAGS:
                yield " "
                yield from _cell_texts(child)
                yield " "
            else:
                yield from _cell_texts(child)
        if child.tail:
            yield child.tail


def _nearest_table(el):
    p = el.getparent()
    while p is not None and _tag(p) != "table":
        p = p.getparent()
    return p


def _caption_like(block: Block) -> bool:
    text = block.text
    if len(text) > 300:
        return False
    if block.italic or block.centered:
        return True
    return len(text) <= 200 and not text.endswith((".", ":", ";", "…", "!", "?"))


def is_photo_credit(text: str) -> bool:
    return len(text) <= 80 and bool(_CREDIT_RE.match(text))


def is_byline(block: Block) -> bool:
    text = block.text
    if len(text) >= 80 or not text:
        return False
    if _BYLINE_PREFIX_RE.match(text):
        return True
    if text.endswith((".", ":", ";", "!", "?")) and not text.endswith(")"):
        return False
    if _NAME_BYLINE_RE.match(text):
        return True
    return (block.right or (block.bold and block.italic)) and len(text) < 60


def assemble(blocks: Iterable[Block], *, want_lead: bool = False, skip_texts: Iterable[str] = (),
             alt_captions: bool = False) -> Body:
    """Apply the caption / credit / byline / lead conventions to linearized blocks.
    ``alt_captions`` (platform pages): an image left without a visible caption takes its
    alt text when that is a caption (:func:`alt_caption`)."""
    body = Body()
    pending: list[dict] = []  # images waiting for a caption
    texts: list[Block] = []
    alts: list = []  # (image, alt) of the images that have an alt text
    resized = False  # a "_w/" copy among the images
    last_kind = None
    skip = set(skip_texts)
    for b in blocks:
        if b.kind == "img":
            image = {"url": b.src, "caption": None}
            body.images.append(image)
            if b.alt:
                alts.append((image, b.alt))
            if "/_w/" in b.src:
                resized = True
            pending.append(image)  # emptied by every non-image block
            last_kind = "img"
            continue
        if not b.text or b.text in skip:
            continue
        if is_photo_credit(b.text):
            continue
        if b.kind == "caption" or (pending and last_kind == "img" and _caption_like(b)):
            if pending:
                for image in pending:
                    image["caption"] = b.text
            elif body.images and body.images[-1]["caption"] is None:
                body.images[-1]["caption"] = b.text
            elif b.kind != "caption":
                texts.append(b)
            pending = []
            last_kind = "caption"
            continue
        pending = []
        texts.append(b)
        last_kind = "text"
    if texts and is_byline(texts[-1]):
        body.byline = texts.pop().text
    if want_lead and texts and texts[0].bold and len(texts[0].text) > 30:
        body.lead = texts.pop(0).text
    body.paragraphs = [b.text for b in texts]
    if alt_captions:
        for image, alt in alts:
            if image["caption"] is None:
                image["caption"] = alt_caption(alt)
    if resized and len(body.images) > 1:
        body.images = one_per_photo(body.images)
    return body


_FILE_NAME_RE = re.compile(r"\.(?:jpe?g|png|gif|bmp|webp|tiff?|heic)\b|^(?:img|dsc|dscn|dscf|pic|photo|image|anh|ảnh)?[\s_-]*\d+$",
                           re.I)


def alt_caption(alt: str) -> str | None:
    """An image's alt text as its caption: text of two words or more that is not a file
    name (``IMG_2041.JPG``, ``anh1``, ``DSC 0012``); else None."""
    text = clean_text(alt)
    if len(text.split()) < 2 or _FILE_NAME_RE.search(text):
        return None
    return text


_RESIZED_SUFFIX_RE = re.compile(r"_(?:jpe?g|png|gif|bmp)$", re.I)


def photo_key(url: str) -> str:
    """The photo an image URL shows: ``…/_w/<name>_JPG.jpg`` (a resized copy) and
    ``…/<name>.JPG`` (its original) give the same key."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    head, _, name = path.rpartition("/")
    stem = name.rsplit(".", 1)[0]
    if head.endswith("/_w"):
        return (head[:-3] + "/" + _RESIZED_SUFFIX_RE.sub("", stem)).lower()
    return (head + "/" + stem).lower()


def one_per_photo(images: list[dict]) -> list[dict]:
    """A resized ``_w/`` copy and its original are one image: the first shown is kept
    (with the caption of either)."""
    if not any("/_w/" in im["url"] for im in images):
        return images
    kept: dict[str, dict] = {}
    out = []
    for im in images:
        key = photo_key(im["url"])
        first = kept.get(key)
        if first is None or ("/_w/" in first["url"]) == ("/_w/" in im["url"]):
            kept.setdefault(key, im)
            out.append(im)
        elif first["caption"] is None:
            first["caption"] = im["caption"]
    return out
