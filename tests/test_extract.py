"""Extraction as a pure function and as the `portal-news extract` command."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from pipelines import extract
from pipelines.extraction.text import fold_key


def test_shared_example_gives_its_gold_answer(example):
    html, gold = example
    rec = extract(html, gold["url"])
    assert rec["is_article"] and rec["extractor"] == "tandan"
    assert rec["url"] == gold["url"]
    assert rec["site_name"] == gold["site_name"]
    assert rec["title"] == gold["title"]
    assert rec["published_date"] == gold["published_date"]
    assert rec["published_at"] == gold["published_at_best"]
    assert rec["date_source"] == "sidebar"
    assert rec["summary"] == gold["summary"]
    assert rec["body_paragraphs"] == gold["body_paragraphs"]
    assert rec["images"] == [{"url": im["src"], "caption": im["caption"]} for im in gold["images"]]


def test_shared_example_officials(example):
    html, gold = example
    rec = extract(html, gold["url"])
    got = {o["name"]: o for o in rec["officials"]}
    assert set(got) == {o["name"] for o in gold["officials"]}
    for person in gold["officials"]:
        accepted = {fold_key(p) for p in person["positions"]}
        positions = got[person["name"]]["positions"]
        assert positions, person["name"]
        assert all(fold_key(p) in accepted for p in positions), (person["name"], positions)
    for name in gold["not_officials"]:
        assert name not in got


def test_cli_prints_gold_answer(example, tmp_path):
    html, gold = example
    page = tmp_path / "page.html"
    page.write_bytes(html)
    out = subprocess.run([sys.executable, "-m", "crawler.cli", "extract", str(page), "--url", gold["url"]],
                         capture_output=True, text=True, check=True)
    rec = json.loads(out.stdout)
    assert rec["title"] == gold["title"] and rec["body_paragraphs"] == gold["body_paragraphs"]
    assert rec["published_at"] == gold["published_at_best"]


@pytest.mark.parametrize("content", [b"", b"   \n", bytes(range(256)) * 20, b"just some text, no markup"])
def test_cli_unreadable_input_is_one_line_exit_2(tmp_path, content):
    page = tmp_path / "bad.html"
    page.write_bytes(content)
    out = subprocess.run([sys.executable, "-m", "crawler.cli", "extract", str(page), "--url", "http://x/a"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert str(page) in out.stderr


def test_cli_missing_file(tmp_path):
    out = subprocess.run([sys.executable, "-m", "crawler.cli", "extract", str(tmp_path / "nope.html")],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "no such file" in out.stderr and "Traceback" not in out.stderr


def test_nfd_and_windows_1258_give_nfc(example):
    html, gold = example
    text = html.decode("utf-8")
    nfd = unicodedata.normalize("NFD", text).encode("utf-8")
    rec = extract(nfd, gold["url"])
    assert rec["title"] == gold["title"] and rec["body_paragraphs"] == gold["body_paragraphs"]
    # windows-1258: base letters + combining tone marks, declared in the meta tag
    from tests.helpers import encode_cp1258

    cp = encode_cp1258(text.replace("charset=utf-8", "charset=windows-1258"))
    rec = extract(cp, gold["url"])
    assert rec["title"] == gold["title"] and rec["summary"] == gold["summary"]


def test_wrong_declared_charset(example):
    html, gold = example
    lying = html.replace(b"charset=utf-8", b"charset=iso-8859-1")
    rec = extract(lying, gold["url"])
    assert rec["title"] == gold["title"]


def test_truncated_and_bodyless_pages_never_raise(example):
    html, gold = example
    for cut in (200, 3000, 9000, 12000, len(html) - 500):
        rec = extract(html[:cut], gold["url"])
        assert isinstance(rec, dict) and "body_paragraphs" in rec
    cut = html.index(b"Phong tr\xc3\xa0o thi \xc4\x91ua")  # in the middle of the body
    rec = extract(html[:cut], gold["url"])
    assert rec["title"] == gold["title"] and rec["body_paragraphs"] == gold["body_paragraphs"][:2]
    nobody = html.replace(html[html.index(b'<div class="tandan-p-article-main">'):html.index(b'<div class="tandan-div-social">')], b"")
    rec = extract(nobody, gold["url"])
    assert rec["title"] == gold["title"] and rec["body_paragraphs"] == []


def test_deep_nesting_and_big_soup_do_not_raise():
    deep = "<html><body>" + "<div>" * 5000 + "x" + "</div>" * 5000 + "</body></html>"
    assert isinstance(extract(deep, "http://x/a"), dict)
    soup = "<html><body><div class='tandan-p-article-main'>" + (
        "<p><span style='x'><font>chữ&nbsp;&nbsp;</font></span></p>" * 60000) + "</div></body></html>"
    rec = extract(soup.encode(), "http://x/portal/Pages/2020-1-2/a-b.aspx")
    assert isinstance(rec, dict)


def test_error_page_served_as_200():
    page = """<html><head><title>Lỗi</title></head><body><div id="ms-error">
    <h1>Xin lỗi, đã xảy ra lỗi</h1><p>Đã xảy ra lỗi không mong muốn.</p>
    <p>Correlation ID: 7f3b2c1e-0d9a-4e5f-8a7b-1c2d3e4f5a6b</p></div></body></html>"""
    rec = extract(page.encode(), "http://muonglat.thanhhoa.gov.vn/portal/Pages/2021-3-24/x-abcdef.aspx")
    assert rec["is_article"] is False and rec["error"] == "error-page"


def test_links_urljoin_cannot_read_never_raise(example):
    """'//[x' (a malformed IPv6 host) makes urljoin raise: listing links, the next-page
    link, the sidebar and image sources skip or keep such a link, the page is still read."""
    html, gold = example
    bad = b'//[bad/x.aspx'
    listing = (b'<html><body><div class="channel-news-title"><a href="' + bad + b'">x</a></div>'
               b'<div class="channel-news-title"><a href="/portal/Pages/2021-3-24/ok-a1.aspx">ok</a></div>'
               b'<span class="CurrentPage">1</span><a href="' + bad + b'?PageIndex=2">2</a></body></html>')
    rec = extract(listing, "http://muonglat.thanhhoa.gov.vn/portal/Pages/list.aspx")
    assert rec["extractor"] == "listing"
    assert rec["listing_links"] == ["http://muonglat.thanhhoa.gov.vn/portal/Pages/2021-3-24/ok-a1.aspx"]
    assert rec["next_page"] is None
    page = html.replace(b'<img alt="" src="', b'<img alt="" src="' + bad + b'" data-src="', 1)
    page = page.replace(b'href="/portal/Pages/2020-12-28/', b'href="' + bad + b'" data-href="', 1)
    assert page.count(bad) == 2
    rec = extract(page, gold["url"])
    assert rec["is_article"] and rec["title"] == gold["title"]
    assert rec["images"][0]["url"] == bad.decode()  # kept as written: there is nothing to join it with
    from pipelines.extraction.dom import Doc
    from pipelines.extraction.extract import parse_document
    from pipelines.extraction.pages.tandan import sidebar_time

    root, _ = parse_document(page)
    assert sidebar_time(Doc(root), gold["url"], gold["title"])[0] is not None


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_modern_tones_moves_old_rhymes_only(form):
    from pipelines.extraction.text import modern_tones

    def n(s):
        return unicodedata.normalize(form, s)
    # old-style rhymes move their tone to the first vowel, in NFC and NFD input alike
    assert modern_tones(n("Thanh Hoá, thuỷ lợi, hoà bình, khoẻ")) == "Thanh Hóa, thủy lợi, hòa bình, khỏe"
    # "qu" is a consonant; a vowel with a second mark is not such a rhyme: "hoặc" (NFD: a +
    # dot below + breve) once came out as "họăc" when the dot was taken for the rhyme's tone
    assert modern_tones(n("quý, hoặc, Huệ, hoạch, oặ.")) == "quý, hoặc, Huệ, hoạch, oặ."
    assert fold_key(n("Hoặc")) == "hoặc"


GOLD = Path(__file__).resolve().parent / "gold" / "pages"
REAL_CAPTURE = Path(__file__).resolve().parents[2] / "shared" / "portal" / "real" / "quangxuong-2023-body-capture.html"


def test_real_body_only_capture_reads_as_a_platform_article():
    """The real quangxuong capture (lead, empty main, the rich-text field beside it; no page
    chrome) given with an article URL: a platform article with the day from the URL."""
    if not REAL_CAPTURE.exists():
        pytest.skip("real capture not found")
    url = "https://quangxuong.thanhhoa.gov.vn/portal/Pages/2023-2-11/Huong-dan-ky-thuat-cham-soc-cay-an-quab1c2d3.aspx"
    rec = extract(REAL_CAPTURE.read_bytes(), url)
    assert rec["is_article"] and rec["extractor"] == "tandan"
    assert rec["title"] is None and rec["published_date"] == "2023-02-11" and rec["date_source"] == "url"
    assert rec["summary"] and len(rec["body_paragraphs"]) >= 8
    assert [im["url"].rsplit("/", 1)[1] for im in rec["images"]] == [
        "106dffe2c1f733dd1%20(1).jpg", "5f0f9f8df8f3d75d1%20(2).jpg", "87aeb76724808a2d1%20(3).jpg"]
    assert all(im["caption"] for im in rec["images"])
    captions = {im["caption"] for im in rec["images"]}
    assert not captions & set(rec["body_paragraphs"])


def test_missing_body_markers_fall_back_to_the_generic_path(example):
    """A platform page whose body markers were renamed: the generic path finds the body and
    the item says which extractor produced it; a page whose body is really gone stays empty."""
    html, gold = example
    renamed = (html.replace(b"tandan-p-article-main", b"tandan-article-body-x")
               .replace(b"ms-rtestate-field", b"rte-field").replace(b"RichHtmlField", b"RichField"))
    rec = extract(renamed, gold["url"])
    assert rec["is_article"] and rec["extractor"] == "generic"
    assert rec["title"] == gold["title"] and rec["summary"] == gold["summary"]
    assert rec["body_paragraphs"] == gold["body_paragraphs"]
    assert rec["images"] == [{"url": im["src"], "caption": im["caption"]} for im in gold["images"]]
    assert rec["published_at"] == gold["published_at_best"]


@pytest.mark.parametrize("text,expected", [
    ("09:41:37 12/07/2023", "2023-07-12T09:41:37"),
    ("12/07/2023 09:41:37", "2023-07-12T09:41:37"),
    ("Đăng ngày 24 - 03 - 2021", "2021-03-24"),
    ("17/05/2023 2:05:33 CH", "2023-05-17T14:05:33"),
    ("Ngày đăng: 03/08/2023 14:30:12 · tin khác 10:00 12/08/2023", "2023-08-03T14:30:12"),
    ("08:30 | 10/05/2024", "2024-05-10T08:30:00"),
])
def test_dates_time_before_or_after_and_the_first_written_wins(text, expected):
    from pipelines.extraction.dates import parse_datetime_text

    d, t = parse_datetime_text(text)
    assert (d.isoformat() + (f"T{t.isoformat()}" if t else "")) == expected


def test_pager_urls():
    from pipelines.extraction.pages.listing import with_page_index

    assert with_page_index("http://a.gov.vn/portal/Pages/x.aspx", 2) == "http://a.gov.vn/portal/Pages/x.aspx?PageIndex=2"
    assert with_page_index("http://a.gov.vn/x.aspx?k=1&pageindex=3#top", 4) == "http://a.gov.vn/x.aspx?k=1&pageindex=4"
    page = (b'<html><body><div class="channel-news-title"><a href="/portal/Pages/2021-3-24/a-b1.aspx">a</a></div>'
            b'<div class="pager"><span class="CurrentPage">2</span> <a href="javascript:__doPostBack(\'p\',\'\')">3</a>'
            b'</div></body></html>')
    rec = extract(page, "http://a.gov.vn/portal/Pages/x.aspx?PageIndex=2")
    assert rec["next_page"] == "http://a.gov.vn/portal/Pages/x.aspx?PageIndex=3"
    last = page.replace(b"<a href=\"javascript:__doPostBack('p','')\">3</a>", b"")
    assert extract(last, "http://a.gov.vn/portal/Pages/x.aspx?PageIndex=2")["next_page"] is None


def test_alt_captions_and_resized_copies():
    from pipelines.extraction.blocks import alt_caption, one_per_photo

    assert alt_caption("Quang cảnh hội nghị") == "Quang cảnh hội nghị"
    for alt in ("IMG_2041.JPG", "anh1", "DSC 0012", "hoi-nghi.jpg", "ảnh"):
        assert alt_caption(alt) is None
    images = [{"url": "http://h/portal/Photos/2021-04/_w/99eff37a75b30deda1_JPG.jpg", "caption": None},
              {"url": "http://h/portal/Photos/2021-04/99eff37a75b30deda1.JPG", "caption": "Lễ khai mạc"},
              {"url": "http://h/portal/Photos/2021-04/other.jpg", "caption": None}]
    assert one_per_photo(images) == [{"url": images[0]["url"], "caption": "Lễ khai mạc"}, images[2]]


def test_unknown_date_class_reads_the_date_line_after_the_title(example):
    html, gold = example
    old = "Đăng ngày 24 - 03 - 2021".encode()
    page = html.replace(b'<span class="tandan-span-date-publish">' + old, b'<span class="td-ngay-dang">14:35:08 24/03/2021')
    assert page != html
    rec = extract(page, gold["url"])
    assert rec["published_at"] == "2021-03-24T14:35:08+07:00" and rec["date_source"] == "page"


def test_other_cms_article_linking_to_platform_articles_is_not_a_listing():
    page = ("<html><head><title>Ra quân lập lại trật tự đô thị năm 2025</title></head><body>"
            "<h1>Ra quân lập lại trật tự đô thị năm 2025</h1><div class='news-date'>11/03/2025</div>"
            "<div class='noi-dung'>" + "<p>Sáng 11/3, thành phố tổ chức lễ ra quân lập lại trật tự đô thị trên địa bàn.</p>" * 4
            + "</div><div class='tin-khac'><a href='/portal/Pages/2024-12-2/Tin-cu-ab12c.aspx'>Tin cũ</a>"
            "<a href='/portal/Pages/2024-11-5/Tin-cu-khac-x9y8.aspx'>Tin cũ khác</a></div></body></html>")
    rec = extract(page.encode(), "https://tpthanhhoa.thanhhoa.gov.vn/web/trang-chu/tin-tuc/ra-quan-trat-tu-do-thi-2025")
    assert rec["is_article"] and rec["extractor"] == "generic"
    assert rec["published_date"] == "2025-03-11" and len(rec["body_paragraphs"]) == 4


@pytest.mark.parametrize("article,expected", [
    ("<div class='cat-date'>05/03/2024 | Tin xã</div><h1>{t}</h1><div class='content'>{b}</div>", ("2024-03-05", None)),
    ("<h1>{t}</h1><p class='sapo'>{l}</p><div class='info'>Cập nhật 06/03/2024 09:10</div><div class='content'>{b}</div>",
     ("2024-03-06", "2024-03-06T09:10:00+07:00")),
    ("<h1>{t}</h1><div class='content'>{b}</div><p class='x'>Ngày đăng: 07/03/2024</p>", ("2024-03-07", None)),
    ("<h1>{t}</h1><div class='content'>{b}</div><div class='sidebar'><p>Tin khác (16/06/2024)</p></div>", (None, None)),
])
def test_other_cms_date_is_the_articles_own(article, expected):
    """Above the title, after a long lead, labelled after the body; never the top bar's day
    or a sidebar's date."""
    title = "Hội nghị tổng kết công tác năm 2024 của xã"
    body = "".join(f"<p>Đoạn văn thứ {i} của bài viết nói về hoạt động của xã trong năm qua.</p>" for i in range(5))
    lead = "Sáng 5/3, UBND xã tổ chức hội nghị tổng kết công tác năm và triển khai nhiệm vụ năm mới " * 3
    page = (f"<html><head><title>{title}</title></head><body><div class='top-bar'>Thứ Hai, 17/06/2024 | 08:15</div>"
            f"<div class='article'>{article.format(t=title, b=body, l=lead)}</div></body></html>")
    rec = extract(page.encode(), "https://xa.gov.vn/tin/hoi-nghi-tong-ket")
    assert (rec["published_date"], rec["published_at"]) == expected
    assert len(rec["body_paragraphs"]) == 5


def test_body_only_capture_without_the_field_id_or_main():
    if not REAL_CAPTURE.exists():
        pytest.skip("real capture not found")
    html = REAL_CAPTURE.read_bytes()
    page = html.replace(b'<p class="tandan-p-article-main">&nbsp;</p>', b"").replace(
        b'id="ctl00_PlaceHolderMain_ctl03__ControlWrapper_RichHtmlField" ', b"")
    assert page != html
    rec = extract(page, "https://quangxuong.thanhhoa.gov.vn/portal/pages/2023-2-11/Huong-dan-cay-an-quab1c2d3.aspx")
    assert rec["extractor"] == "tandan" and rec["is_article"] and len(rec["images"]) == 3
    assert all(im["caption"] for im in rec["images"]) and len(rec["body_paragraphs"]) >= 8


def test_page_body_class_is_not_chrome():
    """Drupal writes the page's regions into <body class> ("one-sidebar sidebar-second"): the
    article under it is still found by its paragraphs when no known container names it."""
    paras = "".join(f"<p>Đoạn {i}: chiến dịch tiêm vắc xin cho trẻ em được triển khai tại các trạm y tế xã.</p>"
                    for i in range(4))
    page = (f"<html><head><title>Triển khai chiến dịch tiêm vắc xin</title></head>"
            f"<body class='html one-sidebar sidebar-second'><h1>Triển khai chiến dịch tiêm vắc xin</h1>"
            f"<div class='node-x'><span class='date'>14/04/2016 - 15:30</span><div class='body-x'>{paras}</div></div>"
            f"<div class='region-sidebar'><p>Tin khác về hoạt động y tế trong tỉnh (12/04/2016)</p></div></body></html>")
    rec = extract(page.encode(), "http://soyte.example.vn/tin-tuc/tiem-vac-xin")
    assert rec["is_article"] and len(rec["body_paragraphs"]) == 4
    assert rec["published_at"] == "2016-04-14T15:30:00+07:00"


def test_main_holding_only_the_field_label_is_empty():
    page = GOLD / "real-empty-main-sibling-entities"
    gold = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    html = page.with_suffix(".html").read_bytes()
    labelled = html.replace(b'<p class="tandan-p-article-main">&nbsp;</p>',
                            '<p class="tandan-p-article-main"><span id="ctl00_PlaceHolderMain_ctl05_label">Nội dung'
                            '</span></p>'.encode())
    assert labelled != html
    rec = extract(labelled, gold["url"])
    assert rec["extractor"] == "tandan"
    assert rec["body_paragraphs"] == gold["body_paragraphs"] and rec["images"] == gold["images"]


@pytest.mark.parametrize("table,caption", [
    # the cell under the image row carries the CMS's caption class (with <em>, plain, bold)
    ("<table class='image-caption'><tr><td><img src='/u/a.jpg' alt=''></td></tr>"
     "<tr><td class='caption'><em>Đồng chí Lê Văn Hùng phát biểu tại hội nghị sơ kết.</em></td></tr></table>",
     "Đồng chí Lê Văn Hùng phát biểu tại hội nghị sơ kết."),
    ("<table><tbody><tr><td><img src='/u/a.jpg'></td></tr>"
     "<tr class='chu-thich'><td>Quang cảnh buổi lễ ra quân tiêm phòng</td></tr></tbody></table>",
     "Quang cảnh buổi lễ ra quân tiêm phòng"),
    ("<table><tr><td><img src='/u/a.jpg'></td></tr><tr><th class='img-caption'><strong>Cán bộ thú y tiêm vắc xin "
     "cho đàn trâu.</strong></th></tr></table>", "Cán bộ thú y tiêm vắc xin cho đàn trâu."),
])
def test_caption_marked_table_cells_on_other_cms(table, caption):
    """A table cell or row the CMS marks as a caption stays part of its table: it is the
    caption of the image above it, also when it reads like a sentence."""
    body = "".join(f"<p>Đoạn {i}: huyện triển khai tiêm phòng cho đàn gia súc, gia cầm trên địa bàn các xã.</p>"
                   for i in range(3))
    page = (f"<html><head><title>Ra quân tiêm phòng</title></head><body><h1>Ra quân tiêm phòng</h1>"
            f"<div class='news-date'>11/03/2024</div><div class='news-content'>{body}{table}{body}</div></body></html>")
    rec = extract(page.encode(), "https://sonn.example.gov.vn/tin-tuc/ra-quan-tiem-phong-4521.html")
    assert rec["extractor"] == "generic"
    assert rec["images"] == [{"url": "https://sonn.example.gov.vn/u/a.jpg", "caption": caption}]
    assert caption not in rec["body_paragraphs"] and len(rec["body_paragraphs"]) == 6


def test_every_item_kind_gives_the_record_keys_of_empty_record_in_order():
    """Article.to_record spells its keys out (built at once, for speed): it must stay the keys
    of empty_record, in the same order, as the listing's and the unusable page's records do."""
    from pipelines.extraction.items import Article, Listing, Unusable, empty_record

    keys = list(empty_record("http://x/"))
    article = Article("http://x/", "tandan", is_article=True, title="T", body_paragraphs=["p"])
    assert list(article.to_record()) == keys
    article.officials_detail = []
    assert list(article.to_record()) == keys + ["officials_detail"]
    assert list(Listing("http://x/").to_record()) == keys
    assert list(Unusable("http://x/", "empty").to_record()) == keys
    record = Article("http://x/", "tandan", title="T", summary="s").to_record()
    assert record["title"] == "T" and record["summary"] == "s" and record["error"] is None
