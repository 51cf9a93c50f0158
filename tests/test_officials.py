"""Officials extraction, scoring and cross-article resolution."""

from __future__ import annotations

import json
import random
import time
import unicodedata
from pathlib import Path

import pytest

from pipelines.evaluation.officials import load_gold, ours_predict, position_matches, score_officials
from pipelines.extraction.officials import extract_officials, officials_brief, parse_positions
from pipelines.extraction.orgs import expand_abbreviations
from pipelines.storage.people import resolve_people
from pipelines.extraction.text import name_key

from tests.conftest import EXAMPLE_HTML, EXAMPLE_JSON

GOLD_DIR = Path(__file__).parent / "gold" / "officials"


def _example_texts():
    html_path, json_path = EXAMPLE_HTML, EXAMPLE_JSON
    if not html_path.exists() or not json_path.exists():
        pytest.skip("shared example absent")
    import lxml.html

    doc = lxml.html.fromstring(html_path.read_bytes())
    body = [p.text_content() for p in doc.cssselect("div.ms-rtestate-field p")]
    captions = [e.text_content() for e in doc.cssselect("td em")]
    return body, captions, json.loads(json_path.read_text(encoding="utf-8"))


def test_shared_example_exactly_the_gold_officials():
    body, captions, gold = _example_texts()
    got = extract_officials(body, captions, site_name=gold["site_name"])
    assert {o["name_key"] for o in got} == {name_key(o["name"]) for o in gold["officials"]}
    acceptable = {name_key(o["name"]): o["positions"] for o in gold["officials"]}
    for person in got:
        assert person["positions"], person
        for p in person["positions"]:
            assert position_matches(p["raw"], acceptable[person["name_key"]]), (person["name"], p["raw"])
    names = {o["name"] for o in got}
    for bad in gold["not_officials"]:
        assert bad not in names
    bình = next(o for o in got if o["name"] == "Nguyễn Văn Bình")
    assert [p["raw"] for p in bình["positions"]] == ["Phó Bí thư Huyện ủy", "Chủ tịch UBND huyện"]
    assert bình["positions"][1]["organization_full"] == "Ủy ban nhân dân huyện Mường Lát"
    sáng = next(o for o in got if o["name"] == "Phạm Bá Sáng")
    assert sáng["in_caption"] and sáng["honorific"] == "đồng chí"
    assert len(sáng["positions"]) == 1  # body and caption forms resolve to one organisation
    brief = officials_brief(got)
    assert brief[0].keys() == {"name", "honorific", "positions"}
    assert all(isinstance(p, str) for b in brief for p in b["positions"])


def test_gold_thresholds():
    items = load_gold(GOLD_DIR)
    assert len(items) >= 40
    assert sum(len(i["officials"]) for i in items) >= 200
    scores = score_officials(items, ours_predict)
    assert scores["f1"] >= 0.97, scores
    assert scores["position_exact"] >= 0.93
    assert scores["forbidden"] == []


def test_abbreviation_expansion():
    assert expand_abbreviations("Chủ tịch UBND huyện") == "Chủ tịch Ủy ban nhân dân huyện"
    assert expand_abbreviations("Phó Chủ tịch LĐLĐ tỉnh") == "Phó Chủ tịch Liên đoàn Lao động tỉnh"
    assert expand_abbreviations("Ủy viên BTV Huyện ủy") == "Ủy viên Ban Thường vụ Huyện ủy"
    assert expand_abbreviations("Phó Chủ tịch TT HĐND") == "Phó Chủ tịch Thường trực Hội đồng nhân dân"
    assert expand_abbreviations("Giám đốc TT VH-TT&TT") == "Giám đốc Trung tâm Văn hóa - Thông tin và Thể thao"
    assert expand_abbreviations("Chỉ huy trưởng BCH Quân sự") == "Chỉ huy trưởng Ban Chỉ huy Quân sự"
    assert expand_abbreviations("Ủy viên BCH Đảng bộ") == "Ủy viên Ban Chấp hành Đảng bộ"
    assert expand_abbreviations("Chủ tịch Ủy ban MTTQ") == "Chủ tịch Ủy ban Mặt trận Tổ quốc"


def test_levels_and_site_resolution():
    def one(text, site):
        (p,) = parse_positions(text, site_name=site)
        return p

    p = one("Phó Chủ tịch UBND huyện", "Huyện Mường Lát")
    assert (p["role"], p["organization_full"], p["level"]) == ("Phó Chủ tịch", "Ủy ban nhân dân huyện Mường Lát", "district")
    assert one("Phó trưởng Ban Dân vận Tỉnh ủy", "Huyện Mường Lát")["organization_full"] == "Ban Dân vận Tỉnh ủy Thanh Hóa"
    assert one("Phó trưởng Ban Dân vận Tỉnh ủy", None)["level"] == "province"
    assert one("Chủ tịch UBND xã Trung Lý", "Huyện Mường Lát")["level"] == "commune"
    assert one("Bí thư Chi bộ bản Xa Lung", None)["level"] == "village"
    assert one("Trưởng bản Pù Quăn", None)["organization"] == "bản Pù Quăn"
    assert one("Bộ trưởng Bộ Nội vụ", None)["level"] == "central"
    assert one("Chủ tịch UBND thành phố", "Thành phố Sầm Sơn")["organization_full"] == "Ủy ban nhân dân thành phố Sầm Sơn"
    assert one("Bí thư Thị ủy", "Thị xã Bỉm Sơn")["organization_full"] == "Thị ủy Bỉm Sơn"
    # site unknown: bare units stay bare
    assert one("Chủ tịch UBND huyện", None)["organization_full"] == "Ủy ban nhân dân huyện"


def test_tone_placement_and_nfd():
    text = "Đồng chí Hoàng Văn Hoá, Phó Bí thư Thường trực Huyện uỷ, Chủ tịch HĐND huyện phát biểu."
    for variant in (text, unicodedata.normalize("NFD", text)):
        (o,) = extract_officials([variant], site_name="Huyện Như Thanh")
        assert o["name"] == "Hoàng Văn Hóa"
        assert o["name_key"] == "hoàng văn hóa"
        assert [p["role"] for p in o["positions"]] == ["Phó Bí thư Thường trực", "Chủ tịch"]
        assert o["positions"][0]["organization_full"] == "Huyện ủy Như Thanh"
        assert unicodedata.is_normalized("NFC", o["name_raw"])
    (o,) = extract_officials(["ông\u00a0 Lò Văn   Piểng ,  Trưởng bản Pù Quăn"])  # spacing folded
    assert (o["name"], o["name_raw"], o["honorific"]) == ("Lò Văn Piểng", "Lò Văn Piểng", "ông")


def test_patterns_and_negatives():
    paras = [
        "Dự có các đồng chí: Lò Văn Hặc - Bí thư Đảng ủy xã; Vi Thị Hoa – Phó Chủ tịch UBND xã, Chủ tịch Hội LHPN xã.",
        "Phó Chủ tịch UBND tỉnh Lê Đức Giang kiểm tra công trình. Chủ tịch UBND huyện, đồng chí Hà Văn Dũng phát biểu.",
        "Thượng tá Phạm Văn Nam, Chỉ huy trưởng Ban CHQS huyện cùng dự.",
        "Học tập và làm theo tư tưởng, đạo đức, phong cách Chủ tịch Hồ Chí Minh; Đại tướng Võ Nguyên Giáp.",
        "Anh Lò Văn Piểng ở bản Chè Lầu; tuyến đường Bà Triệu, xã Hoằng Quang; đồng chí Chủ tịch UBND huyện phát biểu.",
        "Ông Nguyễn Văn Long, Giám đốc Công ty Cổ phần Biển Xanh; cô giáo Lê Thị Hạnh dạy lớp 5A.",
        # CONVENTIONS 2026-12: a school's head or deputy is an official, thầy/cô an honorific
        "Thầy Lê Văn Thắng, Hiệu trưởng Trường THCS Quang Chiểu cho biết; cô Tôn Nữ Minh Thư - Phó Hiệu trưởng nhà trường.",
        # a retired school head, a private company's union chair: not public posts
        "Bà Nguyễn Thị Hòa, nguyên Hiệu trưởng Trường THCS Tam Chung; ông Trần Văn Khang, Chủ tịch Công đoàn cơ sở công ty.",
    ]
    got = {o["name"]: o for o in extract_officials(paras, site_name="Huyện Mường Lát")}
    assert set(got) == {"Lò Văn Hặc", "Vi Thị Hoa", "Lê Đức Giang", "Hà Văn Dũng", "Phạm Văn Nam", "Lê Văn Thắng",
                        "Tôn Nữ Minh Thư"}
    assert got["Lê Văn Thắng"]["honorific"] == "thầy" and got["Tôn Nữ Minh Thư"]["honorific"] == "cô"
    assert [p["raw"] for p in got["Lê Văn Thắng"]["positions"]] == ["Hiệu trưởng Trường THCS Quang Chiểu"]
    assert len(got["Vi Thị Hoa"]["positions"]) == 2
    assert got["Phạm Văn Nam"]["honorific"] == "Thượng tá"
    assert got["Phạm Văn Nam"]["positions"][0]["organization_full"] == "Ban Chỉ huy Quân sự huyện Mường Lát"
    (o,) = extract_officials([], ["Đồng chí Phạm Bá Sáng - Chủ tịch Liên đoàn Lao động huyện phát động phong trào"])
    assert o["positions"][0]["raw"] == "Chủ tịch Liên đoàn Lao động huyện" and o["in_caption"]


def test_introductions_of_2026_12():
    """Title first with the place before a four-syllable name; a long chain of one person's
    posts with commas inside an organ's name; a post taken with a verb; a person named
    without a post is not an official."""
    paras = [
        "Báo cáo tại buổi lễ, Giám đốc Sở Giáo dục và Đào tạo Lê Nguyễn Minh Khang cho biết, ngành đã đổi mới.",
        "Dự có đồng chí Đỗ Thị Huyền Trang, Phó Bí thư Huyện ủy, Chủ tịch UBND huyện, Phó Trưởng Ban Chỉ đạo "
        "phòng, chống tham nhũng, tiêu cực huyện.",
        "Ban Chấp hành đã bầu đồng chí Đỗ Văn Chiến giữ chức Bí thư Đảng ủy xã; ông Lò Văn Tiến, nông dân ở bản Na Tao.",
        "Chủ tịch Công đoàn các Khu kinh tế và khu công nghiệp tỉnh Nguyễn Thanh Sơn cùng dự.",
    ]
    got = {o["name"]: [p["raw"] for p in o["positions"]] for o in extract_officials(paras, site_name="Huyện Triệu Sơn")}
    assert got == {
        "Lê Nguyễn Minh Khang": ["Giám đốc Sở Giáo dục và Đào tạo"],
        "Đỗ Thị Huyền Trang": ["Phó Bí thư Huyện ủy", "Chủ tịch UBND huyện",
                               "Phó Trưởng Ban Chỉ đạo phòng, chống tham nhũng, tiêu cực huyện"],
        "Đỗ Văn Chiến": ["Bí thư Đảng ủy xã"],
        "Nguyễn Thanh Sơn": ["Chủ tịch Công đoàn các Khu kinh tế và khu công nghiệp tỉnh"],
    }


def test_never_raises_on_garbage():
    rng = random.Random(7)
    alphabet = "aăâbcdđeêghiklmnoôơpqrstuưvxyÁÀẢÃẠĐƯỜNG -–—,;:()/&UBNDHĐ\u0301\u0300\u00a0\t\n0123456789"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        extract_officials([text], [text], site_name=rng.choice([None, "", "Huyện X", "garbage"]))
    extract_officials([None, "", 5], [None])  # type: ignore[list-item]
    huge = "Đồng chí Lê Văn A, Chủ tịch UBND huyện phát biểu. " * 4000
    t0 = time.perf_counter()
    out = extract_officials([huge])
    assert out and out[0]["mentions"] == 4000
    assert time.perf_counter() - t0 < 10
    extract_officials(["Chủ tịch " * 5000])
    extract_officials(["Ông " + "Lê " * 3000 + ", Chủ tịch UBND xã"])


def test_people_resolution_career():
    rows = [
        {"article_id": "a1", "district": "Huyện Mường Lát", "published_date": "2019-05-02", "name": "Nguyễn Văn Bình",
         "name_key": "nguyễn văn bình",
         "positions": [{"raw": "Phó Chủ tịch UBND huyện", "role": "Phó Chủ tịch",
                        "organization_full": "Ủy ban nhân dân huyện Mường Lát", "level": "district"}]},
        {"article_id": "a2", "district": "Huyện Mường Lát", "published_date": "2021-03-24", "name": "Nguyễn Văn Bình",
         "name_key": "nguyễn văn bình",
         "positions": [{"raw": "Chủ tịch UBND huyện", "role": "Chủ tịch",
                        "organization_full": "Ủy ban nhân dân huyện Mường Lát", "level": "district"}]},
        {"article_id": "a3", "district": "Huyện Mường Lát", "published_date": "2022-01-10", "name": "Nguyễn Văn Bình",
         "name_key": "nguyễn văn bình",
         "positions": [{"raw": "Chủ tịch UBND huyện", "role": "Chủ tịch",
                        "organization_full": "Ủy ban nhân dân huyện Mường Lát", "level": "district"}]},
        # a namesake in another district, nothing in common: another person
        {"article_id": "b1", "district": "Huyện Nga Sơn", "published_date": "2021-06-01", "name": "Nguyễn Văn Bình",
         "name_key": "nguyễn văn bình",
         "positions": [{"raw": "Trưởng Công an xã Nga Thủy", "role": "Trưởng Công an",
                        "organization_full": "Công an xã Nga Thủy", "level": "commune"}]},
        # a province official seen on two district portals: same organisation joins them
        {"article_id": "c1", "district": "Huyện Mường Lát", "published_date": "2021-03-24", "name": "Mai Bá Nam",
         "name_key": "mai bá nam",
         "positions": [{"raw": "Phó Chủ tịch LĐLĐ tỉnh", "role": "Phó Chủ tịch",
                        "organization_full": "Liên đoàn Lao động tỉnh Thanh Hóa", "level": "province"}]},
        {"article_id": "c2", "district": "Huyện Quan Sơn", "published_date": "2021-04-02", "name": "Mai Bá Nam",
         "name_key": "mai bá nam",
         "positions": [{"raw": "Phó Chủ tịch Liên đoàn Lao động tỉnh", "role": "Phó Chủ tịch",
                        "organization_full": "Liên đoàn Lao động tỉnh Thanh Hóa", "level": "province"}]},
    ]
    people = resolve_people(rows)
    binh = [p for p in people if p["name_key"] == "nguyễn văn bình"]
    assert len(binh) == 2
    career = next(p for p in binh if p["districts"] == ["Huyện Mường Lát"])
    assert (career["first_seen"], career["last_seen"], career["articles"]) == ("2019-05-02", "2022-01-10", 3)
    assert [(h["role"], h["first_seen"], h["last_seen"], h["articles"]) for h in career["positions_held"]] == [
        ("Phó Chủ tịch", "2019-05-02", "2019-05-02", 1), ("Chủ tịch", "2021-03-24", "2022-01-10", 2)]
    (nam,) = [p for p in people if p["name_key"] == "mai bá nam"]
    assert nam["districts"] == ["Huyện Mường Lát", "Huyện Quan Sơn"] and nam["articles"] == 2
    assert len(nam["positions_held"]) == 1
    # stable ids
    assert [p["person_id"] for p in resolve_people(rows)] == [p["person_id"] for p in people]
    assert resolve_people([]) == []


def test_timing_print():
    body, captions, gold = _example_texts()
    extract_officials(body, captions, site_name=gold["site_name"])
    n = 200
    t0 = time.perf_counter()
    for _ in range(n):
        extract_officials(body, captions, site_name=gold["site_name"])
    print(f"\nextract_officials on the shared example: {(time.perf_counter() - t0) / n * 1000:.3f} ms/article")


def test_posts_taken_with_an_appointment_verb():
    """CONVENTIONS (officials): "bổ nhiệm/điều động/cử đồng chí X làm <post>", "X được chỉ định
    giữ chức <post>" — the post after the verb is X's; "bầu đồng chí X, <post> giữ chức <new post>"
    — X holds both. A verb with no post after it, or a post that is not public, gives nothing."""
    paras = [
        "Chủ tịch UBND huyện đã trao quyết định điều động, bổ nhiệm đồng chí Trịnh Văn Khải làm Chánh Văn phòng "
        "HĐND và UBND huyện.",
        "Sở Nội vụ điều động bà Lương Thị Mến làm Phó Giám đốc Trung tâm Y tế huyện Cẩm Thủy từ ngày 1/8.",
        "Hội nghị đã bầu ông Phạm Đình Quế, Phó Chủ tịch HĐND xã Cẩm Tú giữ chức Chủ tịch UBND xã nhiệm kỳ 2021 - 2026.",
        "Ban Chấp hành đã bầu bổ sung đồng chí Cao Văn Tuyến, Phó Bí thư Đảng ủy xã giữ chức vụ Chủ tịch HĐND xã.",
        "Đồng chí Hà Văn Tâm, Bí thư Huyện ủy làm Trưởng đoàn công tác.",
        "Bà Nguyễn Thị Vân được chỉ định giữ chức Bí thư Chi bộ thôn Chiềng.",
        "Ông Trương Công Hòa vừa được điều động làm Phó trưởng phòng Nội vụ huyện.",
        # counter-examples: "làm" with no post after it; posts that are not public
        "Anh Lò Văn Tiến làm nghề chăn nuôi ở bản Chiềng; chị Phạm Thị Lan làm việc tại UBND xã.",
        "Ông Bùi Văn Thịnh làm Giám đốc Công ty TNHH Xây dựng Cẩm Thủy từ năm 2015.",
        "Đại hội bầu ông Nguyễn Văn Sơn làm Giám đốc HTX dịch vụ nông nghiệp Cẩm Tân.",
    ]
    got = {o["name"]: [p["raw"] for p in o["positions"]] for o in extract_officials(paras, site_name="Huyện Cẩm Thủy")}
    assert got == {
        "Trịnh Văn Khải": ["Chánh Văn phòng HĐND và UBND huyện"],
        "Lương Thị Mến": ["Phó Giám đốc Trung tâm Y tế huyện Cẩm Thủy"],
        "Phạm Đình Quế": ["Phó Chủ tịch HĐND xã Cẩm Tú", "Chủ tịch UBND xã"],
        "Cao Văn Tuyến": ["Phó Bí thư Đảng ủy xã", "Chủ tịch HĐND xã"],
        "Hà Văn Tâm": ["Bí thư Huyện ủy", "Trưởng đoàn công tác"],
        "Nguyễn Thị Vân": ["Bí thư Chi bộ thôn Chiềng"],
        "Trương Công Hòa": ["Phó trưởng phòng Nội vụ huyện"],
    }


def test_public_funds_are_public_bodies():
    """A state fund ("Quỹ Đầu tư phát triển", "Quỹ Bảo vệ và Phát triển rừng", "Quỹ Hỗ trợ nông
    dân") heads an organisation like a Sở or a Trung tâm; a people's credit fund is a
    cooperative, not a public body."""
    paras = [
        "Phó Giám đốc Quỹ Đầu tư phát triển tỉnh Lê Thị Hải Yến cho biết; ông Vũ Đình Toản, Giám đốc Quỹ Hỗ trợ "
        "nông dân huyện cùng dự.",
        "Đồng chí Trần Minh Châu, Giám đốc Quỹ Phát triển đất tỉnh; bà Hà Thị Xuân - Phó Giám đốc Quỹ Bảo vệ và "
        "Phát triển rừng tỉnh.",
        "Ông Cao Văn Đạt, Giám đốc Quỹ Tín dụng nhân dân xã Cẩm Tú báo cáo; ông Lê Văn Bảy, Chi cục trưởng Chi cục "
        "Thủy lợi tỉnh phát biểu.",
        "Dự có đồng chí Lữ Văn Hiếu, Trưởng Ban Chỉ đạo phát triển lâm nghiệp bền vững huyện.",
    ]
    got = {o["name"]: o["positions"] for o in extract_officials(paras, site_name="Huyện Cẩm Thủy")}
    assert {k: [p["raw"] for p in v] for k, v in got.items()} == {
        "Lê Thị Hải Yến": ["Phó Giám đốc Quỹ Đầu tư phát triển tỉnh"],
        "Vũ Đình Toản": ["Giám đốc Quỹ Hỗ trợ nông dân huyện"],
        "Trần Minh Châu": ["Giám đốc Quỹ Phát triển đất tỉnh"],
        "Hà Thị Xuân": ["Phó Giám đốc Quỹ Bảo vệ và Phát triển rừng tỉnh"],
        "Lê Văn Bảy": ["Chi cục trưởng Chi cục Thủy lợi tỉnh"],
        "Lữ Văn Hiếu": ["Trưởng Ban Chỉ đạo phát triển lâm nghiệp bền vững huyện"],
    }
    assert got["Hà Thị Xuân"][0]["organization_full"] == "Quỹ Bảo vệ và Phát triển rừng tỉnh Thanh Hóa"
    assert got["Hà Thị Xuân"][0]["level"] == "province"


def test_enterprises_cooperatives_and_their_bodies_are_not_public():
    """CONVENTIONS (officials): a post in an enterprise of any ownership, a cooperative, a
    business association, or in a body of one of them (its board, trade union, youth union
    branch) is not a public post; the trade unions of the public system are."""
    not_public = [
        "Ông Ngô Văn Tuấn, Chủ tịch Công đoàn Công ty cổ phần Mía đường Lam Sơn phát biểu.",
        "Bà Lê Thị Thu, Chủ tịch Hội đồng quản trị Công ty cổ phần Cẩm Thủy cho biết.",
        "Anh Phạm Văn Long, Bí thư Chi đoàn Nhà máy May Cẩm Thủy; ông Trịnh Đình Hùng - Chủ tịch HĐQT Công ty Cổ phần Vật tư.",
        "Ông Đỗ Văn Hải, Chủ tịch Hội Doanh nghiệp huyện; ông Hoàng Văn Cường, Chủ tịch Hội đồng thành viên Công ty "
        "TNHH MTV Sông Chu.",
        "Bà Vũ Thị Nhàn, Chủ tịch Công đoàn cơ sở công ty may Hồng Hà; ông Phan Văn Lực, Giám đốc Hợp tác xã Cẩm Vân.",
        "Chị Hà Thị Mai, Chủ tịch Công đoàn cơ sở Doanh nghiệp tư nhân Hải Hà; ông Lê Văn Tám, Giám đốc Xí nghiệp "
        "Gạch Cẩm Thạch.",
        "Ông Lê Văn Dũng, Bí thư Chi bộ Công ty TNHH Hải Hà; bà Đào Thị Lụa, Phó Giám đốc Quỹ Tín dụng nhân dân Cẩm Vân.",
    ]
    assert extract_officials(not_public, site_name="Huyện Cẩm Thủy") == []
    public = [
        "Đồng chí Bùi Thị Hoa, Chủ tịch Công đoàn ngành Giáo dục huyện; đồng chí Lê Văn Hạnh, Chủ tịch LĐLĐ huyện.",
        "Đồng chí Quách Văn Tú, Chủ tịch Công đoàn cơ sở xã Cẩm Ngọc; ông Phạm Văn Hà, Chủ tịch Liên minh Hợp tác xã tỉnh.",
    ]
    got = {o["name"]: [p["raw"] for p in o["positions"]] for o in extract_officials(public, site_name="Huyện Cẩm Thủy")}
    assert got == {
        "Bùi Thị Hoa": ["Chủ tịch Công đoàn ngành Giáo dục huyện"],
        "Lê Văn Hạnh": ["Chủ tịch LĐLĐ huyện"],
        "Quách Văn Tú": ["Chủ tịch Công đoàn cơ sở xã Cẩm Ngọc"],
        "Phạm Văn Hà": ["Chủ tịch Liên minh Hợp tác xã tỉnh"],
    }


def test_old_style_tones_role_and_mentions():
    """A role written with old-style tones ("Uỷ viên") is found, and a name is counted in the
    texts without a role whatever their tones ("Thuỷ" and "THỦY" count as "Thủy")."""
    paras = ["Đồng chí Lê Thị Thuỷ, Uỷ viên Ban Thường vụ Tỉnh uỷ, phát biểu.",
             "Bà Lê Thị Thuỷ nhấn mạnh nhiệm vụ của năm.",
             "LÊ THỊ THỦY cho biết thêm.",
             "Không nhắc tới ai."]
    out = extract_officials(paras, ["Bà Lê Thị Thủy tại hội nghị."])
    assert [(o["name"], o["name_raw"], o["mentions"], o["in_caption"]) for o in out] == [
        ("Lê Thị Thủy", "Lê Thị Thuỷ", 4, True)]
    assert out[0]["positions"][0]["role"] == "Ủy viên"
    assert out[0]["positions"][0]["organization"] == "Ban Thường vụ Tỉnh uỷ"
