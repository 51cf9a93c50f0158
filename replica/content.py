"""Word lists and templates the replica writes its Vietnamese articles from.

Everything here is original template text about local-government life (meetings,
new rural development, poverty reduction, health, schools, defence, culture); nothing is
copied from real pages.  Templates use ``str.format`` slots:

``{D}`` district name without its level ("Mường Lát"), ``{huyen}`` "huyện Mường Lát",
``{xa}`` a commune ("xã Trung Lý"), ``{ban}`` a village ("bản Pù Quăn"), ``{y}`` year,
``{n}`` a small number, ``{ev}`` the event noun of the topic ("hội nghị").
"""

from __future__ import annotations

# --- people ------------------------------------------------------------------------
FAMILY_KINH = ["Nguyễn", "Lê", "Trần", "Phạm", "Hoàng", "Vũ", "Đỗ", "Mai", "Trịnh",
               "Đặng", "Bùi", "Lê", "Nguyễn", "Hoàng", "Đào", "Cao", "Lại", "Tống"]
FAMILY_ETHNIC = ["Lò", "Hà", "Vi", "Lương", "Cầm", "Ngân", "Giàng", "Vừ", "Lầu", "Sùng",
                 "Thào", "Triệu", "Bàn", "Phạm", "Bùi"]
MIDDLE_MALE = ["Văn", "Văn", "Bá", "Đình", "Minh", "Quốc", "Xuân", "Hữu", "Công", "Ngọc",
               "Trọng", "Đức"]
SECOND_FEMALE = ["Thu", "Thanh", "Minh", "Ngọc", "Kim", "Hồng", "Lan", "Mai"]
SECOND_MALE = ["Minh", "Anh", "Quang", "Hải", "Thế", "Tiến"]
GIVEN_MALE = ["Thanh", "Nam", "Sáng", "Bình", "Hùng", "Dũng", "Tuấn", "Lon", "Piểng",
              "Xiết", "Chứ", "Páo", "Dế", "Tồng", "Phương", "Hiếu", "Lực", "Thắng", "Cường",
              "Khánh", "Thuận", "Toàn", "Hưng", "Quý", "Vinh", "Kiên", "Hoà", "Thuỷ",
              "Chiến", "Đông", "Lâm", "Pó", "Chống", "Dình", "Sính"]
GIVEN_FEMALE = ["Hoa", "Lan", "Hằng", "Huyền", "Thủy", "Mai", "Hương", "Nga", "Dung",
                "Xoan", "Liên", "Hòa", "Phượng", "Thơm", "Nhung", "Oanh", "Tuyết"]
MONG_FAMILIES = {"Giàng", "Vừ", "Lầu", "Sùng", "Thào"}
MONG_MIDDLE = ["A", "Văn", "Seo", "Chờ"]

# Reporters (bylines) and photographers; they are never officials.
REPORTERS = ["Lê Hoa", "Hà Minh", "Quang Vinh", "Thu Trang", "Ngọc Anh", "Minh Hiếu",
             "Lò Thị Xoan", "Trịnh Phương", "Hoàng Đông", "Cầm Thị Nhung", "Bùi Lâm"]
BYLINE_UNITS = ["Trung tâm VH-TT&TT huyện", "Văn phòng HĐND-UBND huyện",
                "Ban Tuyên giáo Huyện ủy", "Trung tâm VH-TT&TT", "Đài TT-TH huyện"]

DASHES = ["-", "–", "—"]

# --- positions -----------------------------------------------------------------------
# Province level (said before a name as well: "Phó Chủ tịch UBND tỉnh Lê Văn A").
PROVINCE_POSITIONS = [
    "Phó Chủ tịch UBND tỉnh",
    "Phó trưởng Ban Dân vận Tỉnh ủy",
    "Ủy viên Ban Thường vụ Tỉnh ủy",
    "Trưởng Ban Tuyên giáo Tỉnh ủy",
    "Phó Chủ tịch LĐLĐ tỉnh",
    "Phó Chủ tịch HĐND tỉnh",
    "Chủ tịch Ủy ban MTTQ tỉnh",
    "Giám đốc Sở Nông nghiệp và Phát triển nông thôn",
    "Phó Giám đốc Sở Y tế",
    "Giám đốc Sở Văn hóa, Thể thao và Du lịch",
    "Phó Chủ tịch Hội Nông dân tỉnh",
]
# District level; "{D}" may be appended for the full form.
DISTRICT_POSITIONS = [
    "Bí thư Huyện ủy",
    "Phó Bí thư Thường trực Huyện ủy",
    "Phó Bí thư Huyện ủy",
    "Chủ tịch UBND huyện",
    "Phó Chủ tịch UBND huyện",
    "Chủ tịch HĐND huyện",
    "Phó Chủ tịch HĐND huyện",
    "Trưởng Ban Tuyên giáo Huyện ủy",
    "Trưởng Ban Dân vận Huyện ủy",
    "Chủ tịch Ủy ban MTTQ huyện",
    "Chủ tịch Liên đoàn Lao động huyện",
    "Chủ tịch Hội Cựu chiến binh huyện",
    "Chủ tịch Hội Liên hiệp Phụ nữ huyện",
    "Bí thư Huyện đoàn",
    "Trưởng phòng Nông nghiệp và PTNT huyện",
    "Giám đốc Trung tâm Y tế huyện",
    "Trưởng phòng Giáo dục và Đào tạo huyện",
    "Chánh Văn phòng HĐND-UBND huyện",
    "Giám đốc Trung tâm VH-TT&TT huyện",
]
# Pairs held together ("Phó Bí thư Huyện ủy, Chủ tịch UBND huyện").
DOUBLE_POSITIONS = [
    ("Phó Bí thư Huyện ủy", "Chủ tịch UBND huyện"),
    ("Ủy viên BTV Huyện ủy", "Phó Chủ tịch Thường trực UBND huyện"),
    ("Phó Bí thư Thường trực Huyện ủy", "Chủ tịch HĐND huyện"),
    ("Huyện ủy viên", "Chủ tịch Hội Nông dân huyện"),
    ("Ủy viên BTV Huyện ủy", "Trưởng Ban Tổ chức Huyện ủy"),
]
COMMUNE_POSITIONS = ["Chủ tịch UBND {xa}", "Bí thư Đảng ủy {xa}", "Phó Chủ tịch UBND {xa}",
                     "Chủ tịch Hội Nông dân {xa}", "Chủ tịch Ủy ban MTTQ {xa}"]
VILLAGE_POSITIONS = ["Trưởng bản {banname}", "Bí thư Chi bộ bản {banname}",
                     "Trưởng thôn {thon}", "Bí thư Chi bộ thôn {thon}"]
# (rank, position) pairs of the armed forces and police.
RANKED_POSITIONS = [
    ("Đại tá", "Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh"),
    ("Đại tá", "Phó Giám đốc Công an tỉnh"),
    ("Thượng tá", "Trưởng Công an huyện"),
    ("Thượng tá", "Chỉ huy trưởng Ban Chỉ huy Quân sự huyện"),
    ("Trung tá", "Đồn trưởng Đồn Biên phòng {banname}"),
    ("Trung tá", "Phó Trưởng Công an huyện"),
    ("Thiếu tá", "Trưởng Công an {xa}"),
]

# --- places ------------------------------------------------------------------------
COMMUNES = {
    "muong-lat": ["Trung Lý", "Mường Lý", "Tam Chung", "Pù Nhi", "Nhi Sơn", "Quang Chiểu",
                  "Mường Chanh"],
    "quan-hoa": ["Phú Nghiêm", "Nam Xuân", "Thiên Phủ", "Phú Lệ", "Trung Thành",
                 "Thành Sơn", "Hiền Kiệt"],
    "quang-xuong": ["Quảng Bình", "Quảng Nhân", "Quảng Ninh", "Quảng Trạch", "Quảng Đức",
                    "Quảng Hòa", "Quảng Yên"],
    "thieu-hoa": ["Thiệu Vận", "Thiệu Giao", "Thiệu Trung", "Thiệu Long", "Thiệu Nguyên",
                  "Thiệu Duy", "Thiệu Hợp"],
}
GENERIC_COMMUNES = ["Xuân Lập", "Hợp Thành", "Tân Phúc", "Đông Tiến", "Minh Sơn", "Thành Công",
                    "Yên Thọ", "Vĩnh Hòa", "Phú Thủy", "Quang Trung", "Thọ Lâm", "Định Hải"]
VILLAGES = ["Pù Quăn", "Na Hin", "Sài Khao", "Chiềng Cà", "Ché Lầu", "Lách", "Poọng",
            "Mường Khòa", "Pá Hộc", "Tà Cóm", "Na Khà", "Hua Pù"]
HAMLETS = ["Đông Hòa", "Trung Thành", "Yên Lộc", "Bắc Sơn", "Tân Thủy", "Phú Quý"]

# --- category display names (registry paths -> breadcrumb text) ---------------------
CATEGORY_NAMES = {
    "Tin-tuc-su-kien": "Tin tức - Sự kiện",
    "Hoat-dong-lanh-dao": "Hoạt động lãnh đạo",
    "Chi-dao-dieu-hanh": "Chỉ đạo điều hành",
    "Van-hoa-xa-hoi": "Văn hóa - Xã hội",
    "Kinh-te": "Kinh tế",
}

# --- topics --------------------------------------------------------------------------
# Each topic: event noun, title templates, lead templates, topic sentences, caption texts.
TOPICS = [
    dict(
        ev="hội nghị",
        titles=[
            "Huyện {D} tổng kết công tác xây dựng nông thôn mới năm {y}",
            "Hội nghị triển khai nhiệm vụ phát triển kinh tế - xã hội năm {y} tại {huyen}",
            "{Huyen}: sơ kết 6 tháng đầu năm {y}, triển khai nhiệm vụ những tháng cuối năm",
        ],
        leads=[
            "Ngày {d}-{m}, {huyen} tổ chức hội nghị tổng kết công tác xây dựng nông thôn mới năm {y}, triển khai nhiệm vụ năm {y1}.",
            "Sáng ngày {d}-{m}, UBND {huyen} tổ chức hội nghị triển khai nhiệm vụ phát triển kinh tế - xã hội năm {y}.",
            "Ngày {d}-{m}, {huyen} tổ chức hội nghị sơ kết tình hình thực hiện nhiệm vụ 6 tháng đầu năm {y}, bàn giải pháp thực hiện nhiệm vụ những tháng cuối năm.",
        ],
        sentences=[
            "Năm {y}, tổng giá trị sản xuất trên địa bàn huyện ước đạt {n}.{n2}00 tỷ đồng, tăng {n3},{n}% so với cùng kỳ.",
            "Toàn huyện có thêm {n3} xã đạt chuẩn nông thôn mới, nâng tổng số xã đạt chuẩn lên {n}.",
            "Thu ngân sách trên địa bàn vượt dự toán tỉnh giao; công tác cải cách hành chính có nhiều chuyển biến tích cực.",
            "Bên cạnh kết quả đạt được, hội nghị cũng chỉ ra những tồn tại, hạn chế như tỷ lệ hộ nghèo còn cao, hạ tầng giao thông ở các xã vùng cao chưa đồng bộ.",
            "Các đại biểu tập trung thảo luận, làm rõ nguyên nhân và đề xuất giải pháp để thực hiện thắng lợi các chỉ tiêu năm {y1}.",
        ],
        captions=["Quang cảnh hội nghị", "Các đại biểu tham dự hội nghị",
                  "Đại biểu biểu quyết thông qua nghị quyết hội nghị"],
    ),
    dict(
        ev="lễ phát động",
        titles=[
            "Phát động Tết trồng cây “Đời đời nhớ ơn Bác Hồ” năm {y} tại {huyen}",
            "Liên đoàn Lao động huyện {D} phát động phong trào thi đua năm {y}",
            "{Huyen} phát động tháng hành động vì an toàn thực phẩm năm {y}",
        ],
        leads=[
            "Sáng ngày {d}-{m}, tại {xa}, {huyen} tổ chức lễ phát động Tết trồng cây “Đời đời nhớ ơn Bác Hồ” năm {y}.",
            "Hưởng ứng phong trào thi đua do tỉnh Thanh Hóa phát động, ngày {d}-{m} Liên đoàn Lao động {huyen} tổ chức lễ phát động thi đua lao động sáng tạo năm {y}.",
            "Ngày {d}-{m}, Ban Chỉ đạo liên ngành về an toàn thực phẩm {huyen} tổ chức lễ phát động tháng hành động vì an toàn thực phẩm năm {y}.",
        ],
        sentences=[
            "Ngay sau lễ phát động, các đại biểu đã tham gia trồng {n}00 cây xanh tại khuôn viên trụ sở và tuyến đường trung tâm xã.",
            "Phong trào được kỳ vọng tạo khí thế thi đua sôi nổi trong cán bộ, đảng viên và nhân dân các dân tộc trên địa bàn.",
            "Các cơ quan, đơn vị đăng ký giao ước thi đua với những chỉ tiêu cụ thể, gắn với nhiệm vụ chính trị của từng đơn vị.",
            "Ban tổ chức đề nghị các xã, thị trấn lựa chọn cây giống phù hợp, phân công người chăm sóc để cây sinh trưởng tốt.",
        ],
        captions=["Các đại biểu trồng cây hưởng ứng lễ phát động",
                  "Tiết mục văn nghệ chào mừng buổi lễ",
                  "Đại diện các cụm thi đua ký giao ước thi đua"],
    ),
    dict(
        ev="buổi kiểm tra",
        titles=[
            "Lãnh đạo tỉnh kiểm tra công tác phòng, chống thiên tai tại {huyen}",
            "Kiểm tra tiến độ xây dựng trường học tại {xa}",
            "Đoàn công tác của tỉnh kiểm tra công tác khắc phục hậu quả mưa lũ tại {huyen}",
        ],
        leads=[
            "Ngày {d}-{m}, đoàn công tác của tỉnh Thanh Hóa đã đến kiểm tra công tác phòng, chống thiên tai, tìm kiếm cứu nạn tại {huyen}.",
            "Chiều ngày {d}-{m}, đoàn công tác của UBND huyện đã kiểm tra tiến độ xây dựng các công trình trường học trên địa bàn {xa}.",
            "Ngày {d}-{m}, đoàn công tác của tỉnh Thanh Hóa đã đến kiểm tra, chỉ đạo công tác khắc phục hậu quả mưa lũ tại {huyen}.",
        ],
        sentences=[
            "Trận mưa lớn kéo dài nhiều ngày đã làm sạt lở {n} điểm trên tuyến đường liên xã, {n3} hộ dân phải di dời khẩn cấp.",
            "Đoàn đã kiểm tra thực địa các điểm có nguy cơ sạt lở cao và hệ thống hồ đập thủy lợi trên địa bàn.",
            "Lực lượng vũ trang, công an và dân quân đã được huy động kịp thời giúp nhân dân di chuyển tài sản đến nơi an toàn.",
            "Công trình trường học có tổng mức đầu tư hơn {n} tỷ đồng, dự kiến hoàn thành và đưa vào sử dụng trước năm học mới.",
            "Đoàn yêu cầu chủ đầu tư và đơn vị thi công đẩy nhanh tiến độ, bảo đảm chất lượng công trình và an toàn lao động.",
        ],
        captions=["Đoàn công tác kiểm tra điểm sạt lở trên tuyến đường liên xã",
                  "Kiểm tra tiến độ thi công công trình", "Lực lượng chức năng giúp dân khắc phục hậu quả mưa lũ"],
    ),
    dict(
        ev="lễ bàn giao",
        titles=[
            "Trao tặng {n} nhà Đại đoàn kết cho hộ nghèo {xa}",
            "Bàn giao nhà văn hóa bản {banname}, {xa}",
            "Trao quà Tết cho hộ nghèo, gia đình chính sách {huyen}",
        ],
        leads=[
            "Ngày {d}-{m}, Ủy ban MTTQ {huyen} phối hợp với các nhà hảo tâm tổ chức lễ bàn giao nhà Đại đoàn kết cho các hộ nghèo tại {xa}.",
            "Ngày {d}-{m}, UBND {xa} tổ chức lễ bàn giao và đưa vào sử dụng nhà văn hóa bản {banname}.",
            "Nhân dịp Tết Nguyên đán, {huyen} đã tổ chức trao quà cho các hộ nghèo, gia đình chính sách có hoàn cảnh khó khăn.",
        ],
        sentences=[
            "Mỗi ngôi nhà có diện tích {n}0 m2, tổng kinh phí xây dựng khoảng {n}0 triệu đồng, trong đó Quỹ Vì người nghèo hỗ trợ một phần.",
            "Niềm vui hiện rõ trên khuôn mặt các gia đình khi được chuyển đến ngôi nhà mới khang trang, kiên cố.",
            "Tổng số quà được trao là {n}00 suất, mỗi suất gồm tiền mặt và các nhu yếu phẩm thiết yếu.",
            "Chương trình thể hiện truyền thống “lá lành đùm lá rách”, tinh thần tương thân tương ái của nhân dân trong huyện.",
        ],
        captions=["Trao quà cho các hộ nghèo", "Bàn giao nhà Đại đoàn kết cho hộ nghèo",
                  "Ngôi nhà mới khang trang của gia đình"],
    ),
    dict(
        ev="lễ giao nhận quân",
        titles=[
            "{Huyen} tổ chức lễ giao nhận quân năm {y}",
            "{n}0 thanh niên {huyen} lên đường nhập ngũ",
        ],
        leads=[
            "Sáng ngày {d}-{m}, Hội đồng Nghĩa vụ quân sự {huyen} tổ chức lễ giao nhận quân năm {y}.",
            "Trong không khí phấn khởi, {n}0 thanh niên ưu tú của {huyen} đã lên đường thực hiện nghĩa vụ quân sự năm {y}.",
        ],
        sentences=[
            "Năm nay, toàn huyện có {n}0 tân binh được giao cho các đơn vị quân đội và công an nhân dân, đạt 100% chỉ tiêu.",
            "Công tác tuyển chọn và gọi công dân nhập ngũ được thực hiện công khai, dân chủ, đúng quy trình, đúng luật.",
            "Các tân binh đều có trình độ văn hóa, sức khỏe tốt, nhiều thanh niên tình nguyện viết đơn xin nhập ngũ.",
            "Lãnh đạo huyện đã tặng hoa, động viên các tân binh vững vàng, yên tâm học tập, rèn luyện trong môi trường quân đội.",
        ],
        captions=["Các tân binh trong ngày lên đường nhập ngũ", "Lãnh đạo huyện tặng hoa động viên tân binh"],
    ),
    dict(
        ev="đại hội",
        titles=[
            "Đại hội Đại biểu MTTQ Việt Nam huyện {D} lần thứ {roman}, nhiệm kỳ {y}-{y5}",
            "Đại hội Hội Cựu chiến binh {huyen} nhiệm kỳ {y}-{y5}",
            "Đại hội Đảng bộ {xa} nhiệm kỳ {y}-{y5}",
        ],
        leads=[
            "Trong hai ngày {d} và {d1}-{m}, Ủy ban MTTQ Việt Nam {huyen} long trọng tổ chức đại hội đại biểu lần thứ {roman}, nhiệm kỳ {y}-{y5}.",
            "Ngày {d}-{m}, Hội Cựu chiến binh {huyen} tổ chức đại hội đại biểu nhiệm kỳ {y}-{y5} với sự tham dự của {n}00 đại biểu chính thức.",
            "Ngày {d}-{m}, Đảng bộ {xa} tổ chức đại hội đại biểu nhiệm kỳ {y}-{y5}.",
        ],
        sentences=[
            "Đại hội đã đánh giá kết quả thực hiện nghị quyết nhiệm kỳ qua, xác định phương hướng, mục tiêu, nhiệm vụ nhiệm kỳ mới.",
            "Nhiệm kỳ qua, các phong trào thi đua yêu nước được triển khai sâu rộng, khối đại đoàn kết toàn dân tộc được củng cố vững chắc.",
            "Đại hội đã bầu Ban Chấp hành khóa mới gồm {n}1 đồng chí và bầu đoàn đại biểu đi dự đại hội cấp trên.",
            "Các đại biểu thống nhất cao với các chỉ tiêu chủ yếu của nhiệm kỳ mới, trong đó phấn đấu thu nhập bình quân đầu người tăng gấp đôi.",
        ],
        captions=["Quang cảnh đại hội", "Ban Chấp hành khóa mới ra mắt đại hội",
                  "Đoàn chủ tịch điều hành phiên làm việc của đại hội"],
    ),
    dict(
        ev="buổi tập huấn",
        titles=[
            "Tập huấn chuyển đổi số cho cán bộ cấp xã năm {y}",
            "Tập huấn kỹ thuật trồng cây ăn quả cho nông dân {xa}",
            "Bồi dưỡng nghiệp vụ công tác văn hóa, thông tin cơ sở tại {huyen}",
        ],
        leads=[
            "Trong {n3} ngày, từ ngày {d} đến ngày {d1}-{m}, {huyen} tổ chức lớp tập huấn cho {n}0 học viên là cán bộ, công chức cấp xã.",
            "Ngày {d}-{m}, Phòng Nông nghiệp và PTNT {huyen} phối hợp với UBND {xa} tổ chức lớp tập huấn cho hội viên nông dân.",
            "Từ ngày {d} đến ngày {d1}-{m}, Phòng Văn hóa và Thông tin {huyen} tổ chức lớp bồi dưỡng nghiệp vụ cho cán bộ văn hóa, thông tin cơ sở.",
        ],
        sentences=[
            "Các học viên được giới thiệu các ứng dụng dịch vụ công trực tuyến, chữ ký số và hệ thống quản lý văn bản điều hành.",
            "Nông dân được hướng dẫn kỹ thuật chăm sóc, bón phân, phòng trừ sâu bệnh cho cây cam, cây bưởi theo hướng an toàn.",
            "Lớp tập huấn kết hợp giữa lý thuyết và thực hành tại vườn, giúp học viên dễ hiểu, dễ áp dụng vào thực tiễn.",
            "Kết thúc lớp học, các học viên đều nắm được nội dung cơ bản và cam kết áp dụng vào công việc hằng ngày.",
        ],
        captions=["Học viên thực hành trên máy tính", "Cán bộ kỹ thuật hướng dẫn nông dân chăm sóc cây",
                  "Quang cảnh lớp tập huấn"],
    ),
    dict(
        ev="lễ khai mạc",
        titles=[
            "Khai mạc Hội khỏe Phù Đổng {huyen} năm học {y}-{y1}",
            "Khai mạc Ngày hội Văn hóa các dân tộc {huyen} lần thứ {roman}",
            "Giải bóng chuyền nam, nữ chào mừng Quốc khánh 2/9 tại {huyen}",
        ],
        leads=[
            "Sáng ngày {d}-{m}, tại Trung tâm VH-TT&TT, {huyen} khai mạc Hội khỏe Phù Đổng năm học {y}-{y1} với sự tham gia của {n}00 vận động viên là học sinh các trường.",
            "Nhằm giữ gìn và phát huy bản sắc văn hóa các dân tộc, tối ngày {d}-{m} {huyen} khai mạc Ngày hội Văn hóa các dân tộc năm {y}.",
            "Chào mừng kỷ niệm Quốc khánh 2/9, ngày {d}-{m} {huyen} khai mạc giải bóng chuyền nam, nữ với sự tham gia của {n}0 đội bóng.",
        ],
        sentences=[
            "Ngày hội có nhiều hoạt động như thi trình diễn trang phục dân tộc, thi ẩm thực, các trò chơi dân gian ném còn, đẩy gậy, kéo co.",
            "Các đội văn nghệ mang đến những tiết mục múa xòe, múa khèn đặc sắc của đồng bào Thái, Mông, Mường.",
            "Đây là dịp để giao lưu, học hỏi, tăng cường tình đoàn kết giữa các dân tộc anh em trong huyện.",
            "Ban tổ chức sẽ trao giải cho các tập thể, cá nhân đạt thành tích cao vào ngày bế mạc.",
        ],
        captions=["Tiết mục văn nghệ chào mừng lễ khai mạc", "Màn đồng diễn của học sinh",
                  "Thi đấu môn đẩy gậy tại ngày hội"],
    ),
    dict(
        ev="buổi làm việc",
        titles=[
            "Thường trực Huyện ủy làm việc với Đảng ủy {xa}",
            "Ra mắt mô hình “Dân vận khéo” tại bản {banname}",
            "Đoàn công tác huyện {D} thăm, làm việc tại các xã biên giới",
        ],
        leads=[
            "Ngày {d}-{m}, Thường trực Huyện ủy {huyen} đã có buổi làm việc với Ban Thường vụ Đảng ủy {xa} về tình hình thực hiện nhiệm vụ năm {y}.",
            "Ngày {d}-{m}, Ban Dân vận Huyện ủy {huyen} phối hợp với Đảng ủy {xa} ra mắt mô hình “Dân vận khéo” trong xây dựng nông thôn mới.",
            "Ngày {d}-{m}, đoàn công tác {huyen} đã đến thăm, làm việc tại các xã biên giới, nắm tình hình đời sống, sản xuất của nhân dân.",
        ],
        sentences=[
            "Năm {y}, {xa} có tốc độ tăng trưởng kinh tế khá, tỷ lệ hộ nghèo giảm còn {n3}{n},{n}%.",
            "Xã đã vận động nhân dân hiến hơn {n}.000 m2 đất để mở rộng đường giao thông nông thôn.",
            "Mô hình tập trung vận động nhân dân thực hiện nếp sống văn minh, giữ gìn vệ sinh môi trường, xóa bỏ hủ tục lạc hậu.",
            "Buổi làm việc cũng ghi nhận các kiến nghị của xã về đầu tư hạ tầng, hỗ trợ phát triển sản xuất cho đồng bào vùng cao.",
        ],
        captions=["Quang cảnh buổi làm việc", "Ra mắt mô hình “Dân vận khéo”",
                  "Đoàn công tác thăm hỏi người dân bản"],
    ),
    dict(
        ev="đợt ra quân",
        titles=[
            "Triển khai chiến dịch tiêm chủng mở rộng tại {huyen} năm {y}",
            "Trung tâm Y tế huyện {D} khám sàng lọc miễn phí cho người cao tuổi",
            "{Huyen} ra quân làm đường giao thông nông thôn năm {y}",
        ],
        leads=[
            "Ngày {d}-{m}, Trung tâm Y tế {huyen} triển khai chiến dịch tiêm chủng mở rộng cho trẻ em trong độ tuổi tại {xa}.",
            "Ngày {d}-{m}, Trung tâm Y tế {huyen} triển khai đợt khám bệnh, cấp thuốc miễn phí cho người cao tuổi {xa}.",
            "Hưởng ứng chương trình xây dựng nông thôn mới, ngày {d}-{m} nhân dân {xa} đồng loạt ra quân làm đường giao thông.",
        ],
        sentences=[
            "Trong đợt này, có hơn {n}00 lượt người được khám, tư vấn sức khỏe và nhận thuốc miễn phí.",
            "Đến nay, tỷ lệ trẻ em trong độ tuổi được tiêm đủ các loại vắc xin đạt trên 9{n}%.",
            "Nhân dân đã đóng góp ngày công, vật liệu để hoàn thành {n},{n3} km đường bê tông nội đồng và đường vào bản.",
            "Ngành y tế khuyến cáo người dân chủ động phòng bệnh, giữ gìn vệ sinh cá nhân và môi trường sống.",
        ],
        captions=["Nhân viên y tế khám bệnh cho người dân", "Nhân dân ra quân làm đường giao thông nông thôn",
                  "Tiêm vắc xin cho trẻ em"],
    ),
]

# Sentences that fit any article.
GENERIC_SENTENCES = [
    "Thời gian qua, cấp ủy, chính quyền các cấp đã tập trung lãnh đạo, chỉ đạo quyết liệt, tạo sự chuyển biến rõ nét trên các lĩnh vực.",
    "Đời sống vật chất, tinh thần của nhân dân các dân tộc trong huyện từng bước được nâng lên.",
    "Công tác tuyên truyền được đẩy mạnh với nhiều hình thức phong phú, phù hợp với phong tục, tập quán của đồng bào.",
    "Quốc phòng, an ninh được giữ vững; trật tự an toàn xã hội trên địa bàn cơ bản ổn định.",
    "Huyện tiếp tục thực hiện hiệu quả các chương trình mục tiêu quốc gia về giảm nghèo bền vững và phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số.",
    "Công tác cải cách hành chính, chuyển đổi số được quan tâm; chất lượng phục vụ người dân, doanh nghiệp ngày càng nâng cao.",
    "Nhiều mô hình sản xuất hiệu quả được nhân rộng, góp phần nâng cao thu nhập cho người dân.",
    "Các tổ chức chính trị - xã hội phát huy tốt vai trò trong vận động hội viên, đoàn viên tham gia phong trào thi đua.",
    "Văn hóa, thể thao, du lịch có nhiều khởi sắc; bản sắc văn hóa truyền thống được giữ gìn và phát huy.",
    "Trong thời gian tới, huyện tiếp tục huy động các nguồn lực để đầu tư kết cấu hạ tầng, nhất là ở các xã vùng cao, biên giới.",
    "Công tác thủy lợi, bảo vệ rừng và phòng cháy, chữa cháy rừng được chỉ đạo sát sao, hạn chế thấp nhất thiệt hại.",
    "Chất lượng giáo dục toàn diện được nâng lên; tỷ lệ trường đạt chuẩn quốc gia tăng qua từng năm.",
    "Quỹ “Vì người nghèo” các cấp đã hỗ trợ xây mới, sửa chữa hàng trăm ngôi nhà cho hộ khó khăn về nhà ở.",
    "Người dân phấn khởi, tin tưởng vào sự lãnh đạo của Đảng và sự điều hành của chính quyền các cấp.",
]

# Speech clauses after an official is named ("... đề nghị ...").
SPEECH_VERBS = [
    "đề nghị các cấp, các ngành tiếp tục quan tâm chỉ đạo, tạo điều kiện để phong trào lan tỏa sâu rộng",
    "nhấn mạnh cần tiếp tục đẩy mạnh cải cách hành chính, nâng cao chất lượng phục vụ nhân dân",
    "biểu dương những kết quả đạt được và yêu cầu khắc phục ngay những tồn tại, hạn chế",
    "yêu cầu các đơn vị bám sát kế hoạch, phân công rõ người, rõ việc, rõ trách nhiệm",
    "ghi nhận, đánh giá cao sự nỗ lực của cán bộ và nhân dân trong thời gian qua",
]
# Verb phrases that end a caption after the official's position.
CAPTION_VERBS = [
    "phát biểu chỉ đạo tại hội nghị", "phát động phong trào", "trao quà cho các hộ nghèo",
    "tặng hoa chúc mừng", "kiểm tra tiến độ thi công", "phát biểu tại buổi lễ",
    "trao Giấy khen cho các tập thể, cá nhân", "thăm hỏi người dân bị ảnh hưởng do mưa lũ",
]
# Things citizens (non-officials) do in the text.
CITIZEN_CLAUSES = [
    "gia đình {who} {name} ở bản {banname} là một trong những hộ đầu tiên thoát nghèo nhờ mô hình nuôi bò sinh sản",
    "{who_cap} {name}, người dân {xa}, phấn khởi cho biết: “Có đường bê tông, việc đi lại, vận chuyển nông sản thuận lợi hơn nhiều”",
    "nhiều hộ như gia đình {who} {name} đã mạnh dạn vay vốn ưu đãi để trồng cây ăn quả",
]
HCM_SENTENCES = [
    "Các cấp ủy đảng tiếp tục đẩy mạnh việc học tập và làm theo tư tưởng, đạo đức, phong cách Chủ tịch Hồ Chí Minh.",
    "Cuộc thi góp phần lan tỏa việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh trong cán bộ, đảng viên.",
]
TAGS = ["Nông thôn mới", "Giảm nghèo", "Chuyển đổi số", "Cải cách hành chính", "Quốc phòng",
        "Văn hóa", "Y tế", "Giáo dục", "Thi đua", "Dân vận khéo", "Thanh Hóa", "Biên giới"]
IMAGE_WORDS = ["daibieu", "quangcanh", "vannghe", "phatdong", "traoqua", "kiemtra", "hoinghi",
               "tanbinh", "nhamoi", "taphuan", "ngayhoi", "lamduong", "khambenh", "dongchi"]

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
         "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX"]
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
