"""Vocabulary of Vietnamese public posts: roles, organisation heads, abbreviations, names.

Everything here is data plus a few precompiled regular expressions; the parser lives in
:mod:`pipelines.extraction.officials`. All entries are written in NFC with the *new* tone placement
(``ủy``, ``hóa``): the parser matches against text passed through
:func:`pipelines.extraction.text.modern_tones`, so ``uỷ``/``hoá`` and NFD input match too.
"""

from __future__ import annotations

import functools
import re

from pipelines.extraction.text import fold_key

__all__ = [
    "ABBREVIATIONS",
    "ROLES",
    "ROLE_CANON",
    "ROLE_HEADS",
    "STANDALONE_ROLES",
    "ORG_PHRASES",
    "ORG_HEADS",
    "COMPOUND_UNITS",
    "UNIT_WORDS",
    "DOMAIN_WORDS",
    "FAMILY_NAMES",
    "RANKS",
    "BLOCKED_NAMES",
    "KNOWN_PLACES",
    "ENTERPRISE_WORDS",
    "NONPUBLIC_ORG_STARTS",
    "expand_abbreviations",
    "UPPER",
    "LOWER",
]

# --- letters ------------------------------------------------------------------------
# Python's ``re`` has no \p{Lu}; build the classes once from the Vietnamese range.
_LETTERS = [chr(c) for c in range(0x41, 0x1EFA) if chr(c).isalpha()]
_VI = [c for c in _LETTERS if ord(c) < 0x250 or "\u1E00" <= c <= "\u1EF9"]
UPPER = "".join(c for c in _VI if c.isupper())
LOWER = "".join(c for c in _VI if c.islower())

# --- abbreviations ------------------------------------------------------------------
# abbreviation → expansion. "TT" and "BCH" depend on context (see expand_abbreviations).
ABBREVIATIONS: dict[str, str] = {
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "MTTQVN": "Mặt trận Tổ quốc Việt Nam",
    "MTTQ": "Mặt trận Tổ quốc",
    "UBMTTQ": "Ủy ban Mặt trận Tổ quốc",
    "LĐLĐ": "Liên đoàn Lao động",
    "BCH": "Ban Chấp hành",
    "BTV": "Ban Thường vụ",
    "BTT": "Ban Thường trực",
    "CCB": "Cựu chiến binh",
    "HCCB": "Hội Cựu chiến binh",
    "HND": "Hội Nông dân",
    "HLHPN": "Hội Liên hiệp Phụ nữ",
    "LHPN": "Liên hiệp Phụ nữ",
    "HPN": "Hội Phụ nữ",
    "ĐTN": "Đoàn Thanh niên",
    "TNCS": "Thanh niên Cộng sản",
    "HCM": "Hồ Chí Minh",
    "UBKT": "Ủy ban Kiểm tra",
    "BCHQS": "Ban Chỉ huy Quân sự",
    "BCHQSH": "Ban Chỉ huy Quân sự huyện",
    "CHQS": "Chỉ huy Quân sự",
    "BĐBP": "Bộ đội Biên phòng",
    "VKSND": "Viện Kiểm sát nhân dân",
    "TAND": "Tòa án nhân dân",
    "BQL": "Ban Quản lý",
    "QLDA": "Quản lý dự án",
    "BHXH": "Bảo hiểm xã hội",
    "VH-TT&TT": "Văn hóa - Thông tin và Thể thao",
    "VHTT&TT": "Văn hóa - Thông tin và Thể thao",
    "VH-TT-TT": "Văn hóa - Thông tin và Thể thao",
    "VH&TT": "Văn hóa và Thông tin",
    "VH-TT": "Văn hóa - Thông tin",
    "VH,TT&DL": "Văn hóa, Thể thao và Du lịch",
    "VHTT&DL": "Văn hóa, Thể thao và Du lịch",
    "NN&PTNT": "Nông nghiệp và Phát triển nông thôn",
    "PTNT": "Phát triển nông thôn",
    "TN&MT": "Tài nguyên và Môi trường",
    "TNMT": "Tài nguyên và Môi trường",
    "GD&ĐT": "Giáo dục và Đào tạo",
    "GDĐT": "Giáo dục và Đào tạo",
    "LĐ-TB&XH": "Lao động - Thương binh và Xã hội",
    "LĐTB&XH": "Lao động - Thương binh và Xã hội",
    "KT-HT": "Kinh tế - Hạ tầng",
    "KT&HT": "Kinh tế và Hạ tầng",
    "TC-KH": "Tài chính - Kế hoạch",
    "TC-KH&ĐT": "Tài chính - Kế hoạch và Đầu tư",
    "KH&ĐT": "Kế hoạch và Đầu tư",
    "VP": "Văn phòng",
    "TT": "Trung tâm",  # or Thường trực before HĐND/UBND/MTTQ/…ủy: see below
    "ĐBQH": "Đại biểu Quốc hội",
    "THCS": "Trung học cơ sở",
    "THPT": "Trung học phổ thông",
    "PTDTNT": "Phổ thông Dân tộc nội trú",
    "PTDTBT": "Phổ thông Dân tộc bán trú",
}
_TT_THUONG_TRUC = re.compile(r"^\s*(?:HĐND|UBND|MTTQ|UBMTTQ|Huyện ủy|Tỉnh ủy|Thị ủy|Thành ủy|Đảng ủy|Hội đồng)")
_BCH_CHI_HUY = re.compile(r"^\s*(?:Quân sự|quân sự|QS)")

_ABBR_RE = re.compile(
    r"(?<![\w&])("
    + "|".join(re.escape(a) for a in sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")(?![\w&])"
)


@functools.lru_cache(maxsize=4096)  # organisation pieces repeat from article to article ("UBND huyện")
def expand_abbreviations(text: str) -> str:
    """``Chủ tịch UBND huyện`` → ``Chủ tịch Ủy ban nhân dân huyện``; context-aware for TT and BCH."""
    if not text:
        return ""

    def sub(m: re.Match) -> str:
        abbr = m.group(1)
        rest = text[m.end():m.end() + 12]
        if abbr == "TT" and _TT_THUONG_TRUC.match(rest):
            return "Thường trực"
        if abbr == "BCH" and _BCH_CHI_HUY.match(rest):
            return "Ban Chỉ huy"
        return ABBREVIATIONS[abbr]

    out = _ABBR_RE.sub(sub, text)
    # "Hội CCB" → "Hội Cựu chiến binh" already; "QS" after "Chỉ huy" etc.
    return _QS_RE.sub("Quân sự", out) if "QS" in out else out


_QS_RE = re.compile(r"(?<!\w)QS(?!\w)")


# --- roles --------------------------------------------------------------------------
# canonical role strings. "Phó " variants are generated for the roles in _WITH_PHO.
_BASE_ROLES = [
    "Chủ tịch", "Bí thư", "Giám đốc", "Chủ nhiệm", "Chánh Văn phòng", "Chánh án",
    "Viện trưởng", "Chánh Thanh tra", "Chỉ huy trưởng", "Cục trưởng", "Chi cục trưởng",
    "Hạt trưởng", "Đồn trưởng", "Tư lệnh", "Chính ủy", "Thủ trưởng",
    "Tổng Biên tập", "Trưởng khoa", "Chỉ huy phó", "Tổng Giám đốc", "Hiệu trưởng",
]
_WITH_PHO = set(_BASE_ROLES) - {"Chỉ huy phó"}
_OTHER_ROLES = [
    "Phó Bí thư Thường trực", "Phó Chủ tịch Thường trực", "Ủy viên Thường trực",
    "Ủy viên", "Chính trị viên", "Chính trị viên phó", "Đại biểu",
    "Tổng Bí thư", "Chủ tịch nước", "Phó Chủ tịch nước", "Thủ tướng", "Phó Thủ tướng",
    "Thủ tướng Chính phủ", "Phó Thủ tướng Chính phủ", "Bộ trưởng", "Thứ trưởng",
    "Kiểm sát viên", "Thẩm phán", "Phó Trưởng đoàn chuyên trách", "Trưởng đoàn chuyên trách", "Tỉnh ủy viên", "Huyện ủy viên", "Thành ủy viên", "Thị ủy viên",
]
# roles whose last word(s) are the head of the organisation: the organisation starts
# there ("Phó trưởng Ban Dân vận Tỉnh ủy": role "Phó trưởng ban", organisation "Ban Dân vận Tỉnh ủy").
ROLE_HEADS: dict[str, str] = {
    "Trưởng ban": "ban", "Phó trưởng ban": "ban",
    "Trưởng phòng": "phòng", "Phó trưởng phòng": "phòng",
    "Trưởng Công an": "Công an", "Phó trưởng Công an": "Công an",
    "Trưởng bản": "bản", "Phó bản": "bản", "Trưởng thôn": "thôn", "Phó thôn": "thôn",
    "Trưởng khu phố": "khu phố", "Tổ trưởng tổ dân phố": "tổ dân phố",
    "Bí thư Chi bộ": "Chi bộ", "Phó Bí thư Chi bộ": "Chi bộ",
    "Bí thư Chi đoàn": "Chi đoàn", "Phó Bí thư Chi đoàn": "Chi đoàn",
    "Trưởng Trạm": "Trạm", "Trưởng đoàn": "đoàn", "Phó Trưởng đoàn": "đoàn", "Trưởng Đài": "Đài", "Trưởng Đồn": "Đồn",
}
# roles that are a post by themselves (no organisation needed)
STANDALONE_ROLES = {
    "Tổng Bí thư", "Chủ tịch nước", "Phó Chủ tịch nước", "Thủ tướng", "Phó Thủ tướng",
    "Thủ tướng Chính phủ", "Phó Thủ tướng Chính phủ",
    "Tỉnh ủy viên", "Huyện ủy viên", "Thành ủy viên", "Thị ủy viên",
}
ROLE_LEVEL = {"Tỉnh ủy viên": "province", "Huyện ủy viên": "district", "Thành ủy viên": "district",
              "Thị ủy viên": "district"}

ROLES: list[str] = sorted(
    set(_BASE_ROLES) | {"Phó " + r for r in _WITH_PHO} | set(_OTHER_ROLES) | set(ROLE_HEADS),
    key=len,
    reverse=True,
)
ROLE_CANON: dict[str, str] = {fold_key(r): r for r in ROLES}
# "Phó Trưởng ban", "Phó trưởng Ban" … all fold to the same key.

# --- organisations -------------------------------------------------------------------
# multi-word organisation names matched case-insensitively (longest first)
ORG_PHRASES = [
    "Ủy ban nhân dân", "Hội đồng nhân dân", "Ủy ban Mặt trận Tổ quốc Việt Nam",
    "Ủy ban Mặt trận Tổ quốc", "Mặt trận Tổ quốc Việt Nam", "Mặt trận Tổ quốc",
    "Ủy ban Kiểm tra", "Liên đoàn Lao động", "Hội Nông dân", "Hội Liên hiệp Phụ nữ",
    "Hội Phụ nữ", "Hội Cựu chiến binh", "Hội Cựu Thanh niên xung phong", "Hội Chữ thập đỏ",
    "Hội Người cao tuổi", "Hội Khuyến học", "Hội Nạn nhân chất độc da cam",
    "Đoàn Thanh niên Cộng sản Hồ Chí Minh", "Đoàn Thanh niên", "Đoàn TNCS Hồ Chí Minh",
    "Đoàn đại biểu Quốc hội", "Ban Chỉ huy Quân sự", "Bộ Chỉ huy Quân sự",
    "Bộ Chỉ huy Bộ đội Biên phòng", "Bộ đội Biên phòng",
    "Ban Dân vận", "Ban Tuyên giáo", "Ban Nội chính", "Ban Kinh tế - Ngân sách",
    "Ban Kinh tế - Xã hội", "Ban Pháp chế", "Ban Dân tộc", "Ban Văn hóa - Xã hội",
    "Ban Thường vụ", "Ban Chấp hành", "Ban Thường trực", "Ban Chỉ đạo", "Ban Quản lý",
    "Ban Bí thư", "Bộ Chính trị", "Ban Chấp hành Trung ương Đảng", "Ban Chấp hành Trung ương", "Trung ương Đảng", "Công an", "Quân sự",
    "Viện Kiểm sát nhân dân", "Tòa án nhân dân", "Hạt Kiểm lâm",
    "Quốc hội", "Chính phủ", "Văn phòng", "Thanh tra", "Thường trực",
    "Đảng bộ", "Chi bộ", "Chi đoàn", "Huyện đoàn", "Tỉnh đoàn", "Thành đoàn", "Thị đoàn",
    "Đảng ủy", "Huyện ủy", "Tỉnh ủy", "Thị ủy", "Thành ủy", "Trung ương", "Hội đồng",
    "Liên minh Hợp tác xã", "Ban Quản lý dự án", "Đài Truyền thanh", "Trạm Y tế",
    "Đoàn công tác", "nhà trường",
]
# single words that head an organisation with a free domain after them ("Phòng Tài nguyên và Môi trường")
ORG_HEADS = [
    "Phòng", "Sở", "Bộ", "Ban", "Hội", "Trung tâm", "Cục", "Chi cục", "Tổng cục", "Hạt",
    "Đội", "Trạm", "Viện", "Đài", "Văn phòng", "Ủy ban", "Đoàn", "Liên đoàn", "Ngành",
    "Đồn Biên phòng", "Ban Công tác Mặt trận", "Khu kinh tế", "Chi cục Thuế", "Ban Tổ chức",
    "Kho bạc Nhà nước", "Trường", "Công đoàn", "Quỹ",
]
# party committees that stand for a unit ("Ban Dân vận Tỉnh ủy")
COMPOUND_UNITS: dict[str, str] = {
    "Tỉnh ủy": "province", "Huyện ủy": "district", "Thị ủy": "district",
    "Thành ủy": "district", "Đảng ủy": "commune", "Tỉnh đoàn": "province",
    "Huyện đoàn": "district", "Thị đoàn": "district", "Thành đoàn": "district",
    "Chi bộ": "village", "Chi đoàn": "village",
}
# administrative unit words (lower case as written inside a position)
UNIT_WORDS: dict[str, str] = {
    "tỉnh": "province", "huyện": "district", "thị xã": "district", "thành phố": "district",
    "xã": "commune", "phường": "commune", "thị trấn": "commune",
    "bản": "village", "thôn": "village", "khu phố": "village", "tổ dân phố": "village",
    "làng": "village", "khu": "village", "tiểu khu": "village",
}
CENTRAL_MARKERS = ("quốc hội", "chính phủ", "trung ương", "bộ chính trị", "ban bí thư")
PROVINCE_MARKERS = ("sở ", "bộ chỉ huy", "tỉnh đoàn")

# lower-case words allowed inside an organisation name after a head
DOMAIN_WORDS = {
    w.strip()
    for w in """văn hóa, thể thao, du lịch, tài nguyên, môi trường, nông nghiệp, phát triển,
    nông thôn, nội vụ, tư pháp, kế hoạch, đầu tư, y tế, giáo dục, đào tạo, lao động,
    thương binh, xã hội, kinh tế, hạ tầng, công thương, quản lý, dự án, xây dựng, dân vận,
    tuyên giáo, tổ chức, kiểm tra, chính sách, quân sự, an ninh, nhân dân, nông dân, phụ nữ,
    thanh niên, cựu chiến binh, cộng sản, chữ thập đỏ, người cao tuổi, khuyến học, liên hiệp,
    tài chính, ngân sách, pháp chế, dân tộc, truyền thanh, truyền hình, thanh tra, kiểm lâm,
    biên phòng, thuế, chấp hành, thường vụ, thường trực, mặt trận, tổ quốc, khoa học,
    công nghệ, giao thông, vận tải, nhà nước, kho bạc, hợp tác, dịch vụ, cung ứng, đất đai,
    quỹ đất, quy hoạch, bảo vệ thực vật, thú y, khuyến nông, dân số, gia đình, trẻ em,
    tôn giáo, đối ngoại, nội chính, kiểm sát, hành chính, tổng hợp, nước sạch, vệ sinh,
    công tác, đô thị, khu vực, đại hội, chuyên trách, nghĩa vụ quân sự, thi đua,
    khen thưởng, giải phóng mặt bằng, cơ quan, doanh nghiệp, thông tin, chỉ huy, chỉ đạo,
    nghĩa vụ, an toàn giao thông, phòng chống, thiên tai, tìm kiếm cứu nạn, và,
    phổ thông, nội trú, bán trú, tiểu học, mầm non, trung học cơ sở, trung học phổ thông,
    chuyên, liên cấp, khu công nghiệp, khu kinh tế, các khu kinh tế và khu công nghiệp,
    các khu công nghiệp, cơ sở, tham nhũng, tiêu cực, ma túy, tội phạm, dịch bệnh,
    chương trình mục tiêu quốc gia, chương trình, mục tiêu quốc gia, nông thôn mới, giảm nghèo,
    giảm nghèo bền vững, liên ngành, an toàn thực phẩm, liên ngành về an toàn thực phẩm, bầu cử,
    chuyển đổi số, cải cách hành chính, phòng cháy chữa cháy, lâm nghiệp, thủy lợi, thủy sản,
    chăn nuôi, bảo vệ và phát triển rừng, phát triển rừng, đầu tư phát triển, phát triển quỹ đất,
    phát triển đất, hỗ trợ nông dân, bảo trợ trẻ em, bảo lãnh tín dụng, vì người nghèo,
    phát triển bền vững, lâm nghiệp bền vững""".split(",")
} | {"phòng, chống", "tham nhũng, tiêu cực", "phòng, chống tham nhũng, tiêu cực", "phòng cháy, chữa cháy"}

# organisations that are not public bodies: enterprises of any ownership, cooperatives (a
# people's credit fund is one), their boards, and business associations. A post in one of them,
# or in a body of one of them ("Công đoàn cơ sở Công ty …", "Chi bộ Công ty …"), is not a
# public post. Matched case-insensitively at the start of an organisation or right after it.
ENTERPRISE_WORDS = [
    "công ty", "cty", "ctcp", "tổng công ty", "tập đoàn", "doanh nghiệp tư nhân", "doanh nghiệp",
    "nhà máy", "xí nghiệp", "hợp tác xã", "htx", "liên hiệp hợp tác xã", "tổ hợp tác",
    "quỹ tín dụng", "ngân hàng tmcp", "ngân hàng thương mại", "chi nhánh công ty",
]
NONPUBLIC_ORG_STARTS = ENTERPRISE_WORDS + [
    "hội đồng quản trị", "hđqt", "hội đồng thành viên", "ban giám đốc", "ban kiểm soát công ty",
    "hội doanh nghiệp", "hội doanh nhân", "hiệp hội doanh nghiệp", "câu lạc bộ doanh nhân",
]

# --- names --------------------------------------------------------------------------
FAMILY_NAMES = set(
    fold_key(x)
    for x in """Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào
    Đoàn Đinh Trịnh Mai Cao Lương Lưu Tạ Thái Trương Hà Vương Tô Lâm Quách Phùng Chu Đàm
    Kiều Tống Lại Mạc Mạch Khúc Nghiêm Nông Hứa Lục La Từ Thạch Triệu Doãn Cù Văn Giang
    Kim Âu Cung Bạch Viên Diệp Đồng Quan Trình Ninh Tôn Ông Thân Hàn Lữ Khổng Hầu Tăng
    Lò Vi Cầm Ngân Giàng Vừ Lầu Sùng Thào Bàn Mùa Hờ Chảo Tẩn Phàn Xồng Lang Lộc Sầm
    Quàng Lự Tòng Bạc Mã Hoàng Đèo Vì Lù Tráng Cứ Mua Hạng Lỳ Sình Ly Chang Thò Lầu Vàng
    Mùi Đầu Trương Phí Kha Ưng Lê Tào Nghiêm Âu Giáp Thiều Khuất Cấn Bế Hoàng Nhữ Trịnh Đậu
    Đới Lã Lỗ Mẫn Nhâm Ôn Phó Quản Sái Tiêu Triệu Ứng Vy Yên Hướng Bùi Mông""".split()
) - {"văn", "phó", "yên", "ninh", "thái", "giang", "quan", "ông", "đồng", "kim"}
# "Văn", "Phó", "Quan"… are far more often other words; a name after an honorific or in a
# list is still read without a known family name.

RANKS = [
    "Đại tướng", "Thượng tướng", "Trung tướng", "Thiếu tướng", "Đại tá", "Thượng tá",
    "Trung tá", "Thiếu tá", "Đại úy", "Thượng úy", "Trung úy", "Thiếu úy",
]

# historical figures and names that appear in set phrases, never reported
BLOCKED_NAMES = set(
    fold_key(x)
    for x in [
        "Hồ Chí Minh", "Võ Nguyên Giáp", "Lê Lợi", "Trần Hưng Đạo", "Lê Hoàn", "Nguyễn Trãi",
        "Lê Văn Hưu", "Đào Duy Từ", "Tô Hiến Thành", "Nguyễn Huệ", "Quang Trung",
        "Lê Thánh Tông", "Lý Thường Kiệt", "Trần Phú", "Lê Duẩn", "Tôn Đức Thắng",
        "Phạm Văn Đồng", "Trường Chinh", "Nguyễn Văn Cừ", "Lê Hồng Phong", "Hà Văn Mao",
        "Đinh Công Tráng", "Tống Duy Tân", "Cầm Bá Thước", "Triệu Thị Trinh", "Bà Triệu",
        "Nguyễn Thị Minh Khai", "Võ Thị Sáu", "Nguyễn Văn Trỗi", "Lê Lai", "Trần Quốc Toản",
        "Nguyễn Du", "Nguyễn Chí Thanh", "Lê Đình Chinh", "Phan Bội Châu", "Phan Chu Trinh",
        "Bế Văn Đàn", "Tô Vĩnh Diện", "Phan Đình Giót", "La Văn Cầu", "Cù Chính Lan",
        "Kim Đồng", "Lý Tự Trọng", "Đặng Thùy Trâm", "Nguyễn Văn Linh",
        "Đỗ Mười", "Lê Khả Phiêu", "Mạc Thị Bưởi", "Lê Thị Hồng Gấm",
    ]
)

# place names that follow a unit word (consumed as a whole, before any name heuristic)
KNOWN_PLACES = [
    # province-level
    "Thanh Hóa", "Nghệ An", "Ninh Bình", "Hòa Bình", "Sơn La", "Hà Nội", "Hà Tĩnh",
    "Hủa Phăn", "Hồ Chí Minh", "Quảng Bình", "Điện Biên", "Lai Châu",
    # the 27 district-level units of Thanh Hóa
    "Sầm Sơn", "Bỉm Sơn", "Nghi Sơn", "Bá Thước", "Cẩm Thủy", "Đông Sơn", "Hà Trung",
    "Hậu Lộc", "Hoằng Hóa", "Lang Chánh", "Mường Lát", "Nga Sơn", "Ngọc Lặc", "Như Thanh",
    "Như Xuân", "Nông Cống", "Quan Hóa", "Quan Sơn", "Quảng Xương", "Thạch Thành",
    "Thiệu Hóa", "Thọ Xuân", "Thường Xuân", "Triệu Sơn", "Vĩnh Lộc", "Yên Định",
    "Tĩnh Gia",
]
