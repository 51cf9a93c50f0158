"""The mypyc-compiled copies of hot modules (built by setup.py) against their source.

``pipelines.X`` (officials, blocks, dom) takes its public names from
``pipelines._X_native_<digest>`` only when that extension was built from the current sources
of the package (``pipelines/_compiled.py``); these tests check that the copies are in use
when they are built, that they answer exactly as the Python source does, also to odd
arguments, and that a copy built from other sources is not used.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import _compiled, blocks, dom, officials
from pipelines.evaluate_officials import load_gold

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = Path(__file__).parent / "gold" / "officials"

compiled = pytest.mark.skipif(not officials.IMPLEMENTATION.startswith("compiled"),
                              reason=f"officials scanner: {officials.IMPLEMENTATION}")


COMPILED_MODULES = tuple(importlib.import_module(f"pipelines.{name}") for name in _compiled.COMPILED)
# (a fresh interpreter's answer: "|".join of what runs of each module of COMPILED)
IMPLEMENTATIONS_CODE = "from pipelines._compiled import implementations; print(*implementations().values(), sep='|')"


def test_compiled_copies_in_use_when_built():
    """Skipped (with the reason) when no copy of the current sources is built: no C compiler or
    Python headers at install, PORTAL_NEWS_PURE_PYTHON, or sources edited since the install.
    PORTAL_NEWS_REQUIRE_COMPILED=1 makes that a failure instead."""
    not_compiled = [f"{m.__name__}: {m.IMPLEMENTATION}" for m in COMPILED_MODULES
                    if not m.IMPLEMENTATION.startswith("compiled")]
    if not_compiled and os.environ.get("PORTAL_NEWS_REQUIRE_COMPILED") != "1":
        pytest.skip("; ".join(not_compiled))
    for module in COMPILED_MODULES:
        assert module.IMPLEMENTATION == "compiled (mypyc)", (module.__name__, module.IMPLEMENTATION)
        for name, pure in module.PYTHON_FUNCTIONS.items():
            assert getattr(module, name) is not pure, (module.__name__, name)
    assert _compiled.COMPILED == ("officials", "blocks", "dom")


def _replica_texts(n: int = 120):
    from crawler.replica import build_portal, render
    from pipelines.extract import extract

    portal = build_portal(seed=7, articles=n)
    for a in portal.articles[:n]:
        body, ctype = render.article_page(a, a.district.prefix)
        rec = extract(body, "http://127.0.0.1:8000" + a.full_path, content_type=ctype, with_officials=False)
        captions = [im["caption"] for im in rec["images"] if im.get("caption")]
        paragraphs = ([rec["summary"]] if rec["summary"] else []) + rec["body_paragraphs"]
        yield paragraphs, captions, rec.get("site_name")


@compiled
def test_compiled_and_python_give_the_same_officials():
    py = officials.PYTHON_FUNCTIONS
    cases = [(g.get("paragraphs") or [], g.get("captions") or [], g.get("site_name")) for g in load_gold(GOLD_DIR)]
    cases += list(_replica_texts())
    # inputs the extractor never sends: raw (uncleaned, NFD, old tones) text, odd types
    cases += [(["  Ông  Lê Văn A,\u00a0Chủ tịch UBND xã Trung Lý, thăm hoà bình\u0301 "], [None, 3, ""], 5),
              ((p for p in ["Đ/c Hà Văn B – Bí thư Đảng uỷ xã"]), (), None)]
    found = 0
    for paragraphs, captions, site in cases:
        paragraphs = list(paragraphs)
        for clean in (False, True):
            if clean and not all(isinstance(p, str) for p in paragraphs):
                continue
            got = officials.extract_officials(paragraphs, captions, site_name=site, clean=clean)
            want = py["extract_officials"](paragraphs, captions, site_name=site, clean=clean)
            assert got == want, (paragraphs, captions, site)
            found += len(got)
        for text in paragraphs:
            if isinstance(text, str):
                assert officials.parse_positions(text, site_name=site) == py["parse_positions"](text, site_name=site)
        for person in officials.extract_officials(paragraphs, captions, site_name=site):
            assert officials.display_name(person["name_raw"]) == py["display_name"](person["name_raw"])
        brief = officials.officials_brief(officials.extract_officials(paragraphs, captions, site_name=site))
        assert brief == py["officials_brief"](py["extract_officials"](paragraphs, captions, site_name=site))
    assert found > 200  # the comparison saw real officials, not only empty answers


def _implementation_of_copy(tmp_path: Path, edit: str | None) -> str:
    """IMPLEMENTATION of officials, blocks and dom as seen by a fresh interpreter importing a
    copy of the package (with its built extensions), one file of the copy edited or not."""
    dest = tmp_path / (edit or "same")
    shutil.copytree(ROOT / "pipelines", dest / "pipelines")
    if edit:
        with open(dest / "pipelines" / edit, "a", encoding="utf-8") as fh:
            fh.write("\n# edited after the build\n")
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_NEWS_PURE_PYTHON"}
    out = subprocess.run([sys.executable, "-c", IMPLEMENTATIONS_CODE], cwd=dest, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@compiled
def test_compiled_copy_of_other_sources_is_not_used(tmp_path):
    assert _implementation_of_copy(tmp_path, edit=None).split("|") == ["compiled (mypyc)"] * 3
    # a compiled module, or one whose types a compiled module was built against (orgs.py for
    # officials): either way every copy is of other sources now
    for edited in ("blocks.py", "orgs.py"):
        states = _implementation_of_copy(tmp_path, edit=edited).split("|")
        assert states == [f"python (the compiled copy of {n} is of other sources: rerun pip install)"
                          for n in ("officials", "blocks", "dom")], (edited, states)


@pytest.mark.parametrize("value, pure", [("1", True), ("yes", True), ("0", False), ("", False)])
def test_pure_python_on_request(value, pure):
    if not pure and not officials.IMPLEMENTATION.startswith("compiled"):
        pytest.skip(f"officials scanner: {officials.IMPLEMENTATION}")
    env = dict(os.environ, PORTAL_NEWS_PURE_PYTHON=value)
    out = subprocess.run([sys.executable, "-c", IMPLEMENTATIONS_CODE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    want = "python (PORTAL_NEWS_PURE_PYTHON is set)" if pure else "compiled (mypyc)"
    assert out.stdout.strip().split("|") == [want] * 3


_DUMP = """
import json, sys
from pathlib import Path
from pipelines.extract import extract
from pipelines._compiled import implementations
out = {"implementation": list(implementations().values()), "records": []}
for line in Path(sys.argv[1]).read_text().splitlines():
    path, url = line.split("\\t")
    out["records"].append(extract(Path(path).read_bytes(), url))
print(json.dumps(out, ensure_ascii=False, sort_keys=True, default=repr))
"""


def test_extract_gives_the_same_records_in_pure_python(tmp_path):
    """Whatever is compiled: every record of replica and gold pages equals the pure-Python one."""
    from crawler.replica import build_portal, render

    lines = []
    portal = build_portal(seed=11, articles=80)
    for i, a in enumerate(portal.articles[:80]):
        body, _ = render.article_page(a, a.district.prefix)
        path = tmp_path / f"r{i}.html"
        path.write_bytes(body)
        lines.append(f"{path}\thttp://127.0.0.1:8000{a.full_path}")
    for page in sorted((Path(__file__).parent / "gold" / "pages").glob("*.html")):
        lines.append(f"{page}\thttp://example.invalid/{page.stem}.html")
    listing = tmp_path / "pages.tsv"
    listing.write_text("\n".join(lines))
    script = tmp_path / "dump.py"
    script.write_text(_DUMP)
    runs = {}
    for pure in (False, True):
        env = {k: v for k, v in os.environ.items() if k != "PORTAL_NEWS_PURE_PYTHON"}
        if pure:
            env["PORTAL_NEWS_PURE_PYTHON"] = "1"
        out = subprocess.run([sys.executable, str(script), str(listing)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        runs[pure] = json.loads(out.stdout)
    assert all(i.startswith("python") for i in runs[True]["implementation"])
    assert runs[False]["records"] == runs[True]["records"]
    assert sum(len(r["officials"]) for r in runs[True]["records"]) > 100


@pytest.mark.parametrize("pure", [False, True])
def test_deeper_trees_than_a_parse_gives_raise_recursion_error(pure):
    """A parsed page is at most 255 elements deep (libxml2), but a tree built otherwise can be
    deeper; mypyc-compiled code does not check Python's recursion limit, so the body walk
    counts its depth: RecursionError (which extract() reports as "too-deep"), not a crash."""
    from lxml import etree

    linearize = blocks.PYTHON_FUNCTIONS["linearize"] if pure else blocks.linearize
    for inner in ("div", "span"):  # block elements (_walk) and inline ones (_Run.add_inline)
        root = el = etree.Element("div")
        for _ in range(20_000):
            el = etree.SubElement(el, inner)
        el.text = "chữ"
        with pytest.raises(RecursionError):
            linearize(root, "http://x/a")
    shallow = etree.fromstring("<div>" + "<div><span>" * 100 + "chữ" + "</span></div>" * 100 + "</div>")
    assert [b.text for b in linearize(shallow, "http://x/a")] == ["chữ"]


def _plain(x):
    """Blocks and Bodies (compiled or not) as plain tuples, for comparison."""
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if hasattr(x, "__dataclass_fields__"):
        return (type(x).__name__, *(_plain(getattr(x, f)) for f in x.__dataclass_fields__))
    return x


def _outcome(fn, *args, **kwargs):
    try:
        return "ok", _plain(fn(*args, **kwargs))
    except Exception as exc:  # the same exception type in both, not a TypeError in one only
        return "raises", type(exc).__name__


def test_compiled_and_python_agree_on_odd_arguments():
    """The compiled copies check their annotations at run time: public functions take what
    the Python source takes (None, tuples, generators, lists for tuples, ints for bools)."""
    from types import MappingProxyType

    from lxml import etree

    page = ("<div><p>Lời dẫn đậm đủ dài để làm đoạn mở đầu của bài viết</p><p><img src='/a.jpg'/></p>"
            "<p><em>Ông Lê Văn An, Chủ tịch UBND xã Trung Lý</em></p><p>Thân bài.</p></div>")
    root = etree.fromstring(page)
    lin, pure_lin = blocks.linearize, blocks.PYTHON_FUNCTIONS["linearize"]
    asm, pure_asm = blocks.assemble, blocks.PYTHON_FUNCTIONS["assemble"]
    for base in ("http://x/a/", None):
        assert _outcome(lin, root, base) == _outcome(pure_lin, root, base)
    found = lin(root, "http://x/a/")
    for make, kwargs in [(list, {}), (tuple, {}), (iter, {}), (list, {"skip_texts": ["Thân bài."]}),
                         (list, {"want_lead": None}), (list, {"want_lead": 1})]:
        compiled_result = _outcome(asm, make(found), **kwargs)  # (a fresh argument each: iter is used up)
        assert compiled_result == _outcome(pure_asm, make(found), **kwargs), (make, kwargs)
        assert compiled_result[0] == "ok" and compiled_result[1][1], (make, kwargs)
    body = asm(found)
    body.paragraphs, body.lead = tuple(body.paragraphs), 0  # (any value, as in Python)
    assert body.paragraphs and body.lead == 0

    pure_doc = dom.PYTHON_FUNCTIONS["Doc"]
    for name in (None, 5, "x"):
        assert _outcome(dom.has_class, name) == _outcome(dom.PYTHON_FUNCTIONS["has_class"], name)
    el = root.find(".//em")
    for names in (["div"], "div", ("p",)):
        assert (_outcome(dom.Doc(root).has_ancestor_class, el, names)
                == _outcome(pure_doc(root).has_ancestor_class, el, names))
    assert _outcome(dom.Doc(root).cls, None, "x") == _outcome(pure_doc(root).cls, None, "x")

    py = officials.PYTHON_FUNCTIONS
    texts = ["Ông Lê Văn An, Chủ tịch UBND xã Trung Lý, phát biểu."]
    for clean in (1, None, 0, "yes"):
        assert (_outcome(officials.extract_officials, texts, clean=clean)
                == _outcome(py["extract_officials"], texts, clean=clean))
    got = [MappingProxyType(o) for o in officials.extract_officials(texts)]
    assert _outcome(officials.officials_brief, got) == _outcome(py["officials_brief"], got)
    for name in (None, "lê  văn AN", 5):
        assert _outcome(officials.display_name, name) == _outcome(py["display_name"], name)
