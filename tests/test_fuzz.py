"""Fuzzing extraction (hypothesis): mutated real pages, random bytes, deep nesting, huge pages.
It must never raise, and must stay within bounded time and memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines import extract
from tests.conftest import GOLD_PAGES

SEEDS = [p.read_bytes() for p in sorted(GOLD_PAGES.glob("*.html"))][:12]
KEYS = {"url", "is_article", "title", "published_date", "summary", "body_paragraphs", "images", "officials"}
URL = "http://muonglat.thanhhoa.gov.vn/portal/Pages/2021-3-24/Bai-viet-abcdef.aspx"
FUZZ = settings(max_examples=60, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])


def check(record):
    assert KEYS <= set(record)
    assert isinstance(record["body_paragraphs"], list)
    assert all(isinstance(p, str) and p for p in record["body_paragraphs"])
    assert all(isinstance(im["url"], str) for im in record["images"])


@st.composite
def mutated_page(draw):
    page = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["cut", "delete", "insert", "duplicate", "flip"]))
        i = draw(st.integers(0, max(0, len(page) - 1)))
        j = min(len(page), i + draw(st.integers(0, 4000)))
        if op == "cut":
            del page[i:]
        elif op == "delete":
            del page[i:j]
        elif op == "insert":
            page[i:i] = draw(st.binary(max_size=300) | st.sampled_from(
                [b"<div>", b"</p></div></table>", b"<!--", b"<![CDATA[", b"\xff\xfe", b"&#x1F600;", b"<script>"]))
        elif op == "duplicate":
            page[i:i] = page[i:j]
        else:
            if page:
                page[i] ^= draw(st.integers(1, 255))
    return bytes(page)


@FUZZ
@given(mutated_page())
def test_mutated_real_pages(page):
    check(extract(page, URL))


@FUZZ
@given(st.binary(max_size=20000))
def test_random_bytes(data):
    check(extract(data, URL))


@FUZZ
@given(st.text(max_size=5000))
def test_random_text(text):
    check(extract(text, URL))


@FUZZ
@given(st.integers(1, 30000), st.sampled_from(["div", "p", "span", "table", "td", "font", "em", "li"]))
def test_deep_nesting(depth, tag):
    page = "<html><body><h1 class='tandan-p-article-news-title'>T</h1><div class='tandan-p-article-main'>" + \
        f"<{tag}>" * depth + "chữ" + f"</{tag}>" * depth + "</div></body></html>"
    check(extract(page, URL))


def test_50_megabyte_page_bounded_time_and_memory(example):
    """In a fresh process so the peak RSS is this page's alone."""
    code = textwrap.dedent("""
        import resource, sys, time
        from pipelines import extract
        html = open(sys.argv[1], 'rb').read()
        i = html.index(b'<p style="text-align:justify;">Thi')
        para = '<p><span style="font-size:12pt"><font face="Times">Chữ&nbsp;&nbsp; soup <b>x</b></font></span></p>\\n'.encode()
        big = html[:i] + para * (50_000_000 // len(para)) + html[i:]
        t = time.perf_counter()
        r = extract(big, sys.argv[2])
        print(round(time.perf_counter() - t, 2), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
              r["is_article"], len(r["body_paragraphs"]))
    """)
    from tests.conftest import EXAMPLE_HTML

    out = subprocess.run([sys.executable, "-c", code, str(EXAMPLE_HTML), URL], capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    seconds, peak_mb, is_article, paragraphs = float(out[0]), int(out[1]), out[2], int(out[3])
    print(f"50 MB page: {seconds} s, peak RSS {peak_mb} MB, {paragraphs} paragraphs kept")
    assert is_article == "True" and paragraphs > 1000
    assert seconds < 30 and peak_mb < 1500
