"""Page objects on saved pages: each page type gives its exact item.

One saved page per page type (the gold pages and the shared real-article example): the item
is of the right class and every field the page's answer states is equal, whole lists
included (no per-field partial credit as in the scorer)."""

import json
from pathlib import Path

import pytest

from pipelines.extraction.extract import extract_item
from pipelines.extraction.items import Article, Listing, Unusable
from pipelines.extraction.pages import PAGE_TYPES, ErrorPage, GenericArticlePage, ListingPage, TandanArticlePage

HERE = Path(__file__).parent
GOLD = HERE / "gold" / "pages"

CASES = [  # (saved page, its answer, item class, page type that must apply first)
    (HERE / "fixtures" / "muonglat-2021-3-24.html", HERE / "fixtures" / "muonglat-2021-3-24.json", Article, TandanArticlePage),
    (GOLD / "tandan-skin-new.html", None, Article, TandanArticlePage),
    (GOLD / "quangxuong-entities-caption-next-p.html", None, Article, TandanArticlePage),
    (GOLD / "generic-wordpress.html", None, Article, GenericArticlePage),
    (GOLD / "generic-liferay-vnpt.html", None, Article, GenericArticlePage),
    (GOLD / "listing-channel-news-page2.html", None, Listing, ListingPage),
    (GOLD / "home-default.html", None, Listing, ListingPage),
    (GOLD / "error-sharepoint-vi.html", None, Unusable, ErrorPage),
]
SCORED_ELSEWHERE = {"_notes", "officials", "not_officials", "published_at_best"}  # officials: tests/test_officials.py


@pytest.mark.parametrize("page,answer,cls,page_type", CASES, ids=[c[0].stem for c in CASES])
def test_page_type_gives_its_exact_item(page, answer, cls, page_type):
    from pipelines.extraction.dom import Doc
    from pipelines.extraction.extract import parse_document

    expected = json.loads((answer or page.with_suffix(".json")).read_text(encoding="utf-8"))
    html = page.read_bytes()
    doc = Doc(parse_document(html)[0])
    first = next(p for p in PAGE_TYPES if p.applies(doc, expected["url"]))
    assert first is page_type
    item = extract_item(html, expected["url"])
    assert type(item) is cls
    record = item.to_record()
    for key, value in expected.items():
        if key in SCORED_ELSEWHERE or key == "extractor" and cls is Listing and "extractor" not in expected:
            continue
        if key == "images":  # the shared example names an image's URL "src"
            value = [{"url": im.get("url", im.get("src")), "caption": im["caption"]} for im in value]
        assert record[key] == value, key
    if "published_at_best" in expected:
        assert record["published_at"] == expected["published_at_best"]


def test_every_item_record_has_the_same_keys():
    urls = "http://muonglat.thanhhoa.gov.vn/portal/Pages/2021-3-24/x.aspx"
    keys = {frozenset(k for k in cls(urls, *args).to_record() if k not in ("officials_detail", "error_detail"))
            for cls, args in ((Article, ("tandan",)), (Listing, ()), (Unusable, ("not-html",)))}
    assert len(keys) == 1
