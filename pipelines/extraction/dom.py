"""One pass over a parsed page that indexes elements by class token.

Looking elements up by class with XPath (``contains(concat(' ', @class, ' '), …)``) scans
the whole tree once per query; the platform extractor needs about a dozen such queries
per page. :class:`Doc` walks the tree once and answers them from a dictionary.
"""

from __future__ import annotations

from itertools import chain, islice

from lxml import etree

from pipelines.extraction.text import clean_text

__all__ = ["Doc", "drop", "has_class", "text_of"]


def has_class(name: str) -> str:
    """XPath predicate: the element's class attribute has the token ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


_Element = etree._Element


def text_of(el) -> str:
    """Visible text of an element, cleaned (NFC, white space folded); "" for None."""
    if el is None:
        return ""
    # For a plain element without children itertext() yields just its .text (if any), and
    # reading that costs a twentieth of setting up the iterator. (Comments and the like, whose
    # itertext() raises, and other element classes keep the general path.)
    if type(el) is _Element:
        if not len(el):
            return clean_text(el.text)
        texts = _shallow_texts(el)
        if texts is not None:
            return clean_text(" ".join(texts))
    return clean_text(" ".join(el.itertext()))


def _shallow_texts(el) -> list | None:
    """``list(el.itertext())`` when every child of ``el`` is a plain element without children
    (a title wrapped in <strong>, a link and a date): read directly, a third of the time;
    else None."""
    texts = []
    text = el.text
    if text is not None:  # (itertext() leaves out None, not "")
        texts.append(text)
    for child in el:
        if type(child) is not _Element or len(child):
            return None
        text = child.text
        if text is not None:
            texts.append(text)
        text = child.tail
        if text is not None:
            texts.append(text)
    return texts


# elements whose proxies a Doc keeps alive (see Doc.__init__): more than a page has, few enough
# that a huge page costs no memory to speak of
_KEEP_ALIVE = 5000


class Doc:
    __slots__ = ("root", "by_class", "memo", "_alive")

    def __init__(self, root):
        self.root = root
        self.memo: dict = {}  # results the extractors compute once per page
        by_class: dict[str, list] = {}
        # The Python objects (proxies) of the first elements stay alive as long as the Doc: the
        # extractors walk parts of the tree again (body, sidebar, ancestors), and lxml then hands
        # back these instead of making and freeing new ones. (Nothing reads the list.)
        elements = root.iter(etree.Element)
        self._alive = alive = list(islice(elements, _KEEP_ALIVE))
        for el in chain(alive, elements):
            c = el.get(b"class")  # (a bytes name: lxml need not encode it, a quarter of the call)
            if c:
                for token in c.split():
                    by_class.setdefault(token, []).append(el)
        self.by_class = by_class

    def cls(self, *names: str) -> list:
        """Elements having any of the class tokens, in document order of the first name that matches."""
        for name in names:
            found = self.by_class.get(name)
            if found:
                return found
        return []

    def has_ancestor_class(self, el, names: tuple[str, ...]) -> bool:
        # the elements having one of the classes are known: an ancestor must be one of them
        # (the same objects: the index keeps them alive, so lxml hands back these)
        holders = [h for name in names for h in self.by_class.get(name, ())]
        if not holders:
            return False
        parent = el.getparent()
        while parent is not None:
            for h in holders:
                if h is parent:
                    return True
            parent = parent.getparent()
        return False

    @staticmethod
    def contains(ancestor, el) -> bool:
        parent = el.getparent()
        while parent is not None:
            if parent is ancestor:
                return True
            parent = parent.getparent()
        return False



def drop(el) -> None:
    """Remove an element from its tree, keeping the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)
