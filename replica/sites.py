"""The portals the replica can stand in for: its own description, independent of the crawler's
site registry (``pipelines/sites/sites.toml``), which it must agree with on names and hosts
(``tests/test_replica.py`` checks that).

Each portal is served under its real host name when the replica is used as an HTTP proxy:
``GET http://muonglat.thanhhoa.gov.vn/portal/Pages/Tin-tuc-su-kien.aspx`` sent to the replica
is answered as that portal would answer it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Category listing pages of the Tân Dân platform, in the order the portals' menus show them.
CATEGORIES = (
    "/portal/Pages/Tin-tuc-su-kien.aspx",
    "/portal/Pages/Hoat-dong-lanh-dao.aspx",
    "/portal/Pages/Chi-dao-dieu-hanh.aspx",
)


@dataclass(frozen=True)
class PortalSite:
    slug: str        # muong-lat
    name: str        # Huyện Mường Lát (as the portal's header writes it)
    host: str        # muonglat.thanhhoa.gov.vn
    level: str       # province | city | town | district
    categories: tuple[str, ...] = CATEGORIES

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    @property
    def host_label(self) -> str:
        """First label of the host (``muonglat``): names the portal's banner image and seeds its pages' view state."""
        return self.host.split(".")[0]


def _site(slug: str, name: str, host: str, level: str = "district") -> PortalSite:
    return PortalSite(slug, name, host, level)


SITES: tuple[PortalSite, ...] = (
    _site("tinh-thanh-hoa", "Tỉnh Thanh Hóa", "thanhhoa.gov.vn", "province"),
    _site("tp-thanh-hoa", "Thành phố Thanh Hóa", "tpthanhhoa.thanhhoa.gov.vn", "city"),
    _site("sam-son", "Thành phố Sầm Sơn", "samson.thanhhoa.gov.vn", "city"),
    _site("bim-son", "Thị xã Bỉm Sơn", "bimson.thanhhoa.gov.vn", "town"),
    _site("nghi-son", "Thị xã Nghi Sơn", "nghison.thanhhoa.gov.vn", "town"),
    _site("ba-thuoc", "Huyện Bá Thước", "bathuoc.thanhhoa.gov.vn"),
    _site("cam-thuy", "Huyện Cẩm Thủy", "camthuy.thanhhoa.gov.vn"),
    _site("dong-son", "Huyện Đông Sơn", "dongson.thanhhoa.gov.vn"),
    _site("ha-trung", "Huyện Hà Trung", "hatrung.thanhhoa.gov.vn"),
    _site("hau-loc", "Huyện Hậu Lộc", "hauloc.thanhhoa.gov.vn"),
    _site("hoang-hoa", "Huyện Hoằng Hóa", "hoanghoa.thanhhoa.gov.vn"),
    _site("lang-chanh", "Huyện Lang Chánh", "langchanh.thanhhoa.gov.vn"),
    _site("muong-lat", "Huyện Mường Lát", "muonglat.thanhhoa.gov.vn"),
    _site("nga-son", "Huyện Nga Sơn", "ngason.thanhhoa.gov.vn"),
    _site("ngoc-lac", "Huyện Ngọc Lặc", "ngoclac.thanhhoa.gov.vn"),
    _site("nhu-thanh", "Huyện Như Thanh", "nhuthanh.thanhhoa.gov.vn"),
    _site("nhu-xuan", "Huyện Như Xuân", "nhuxuan.thanhhoa.gov.vn"),
    _site("nong-cong", "Huyện Nông Cống", "nongcong.thanhhoa.gov.vn"),
    _site("quan-hoa", "Huyện Quan Hóa", "quanhoa.thanhhoa.gov.vn"),
    _site("quan-son", "Huyện Quan Sơn", "quanson.thanhhoa.gov.vn"),
    _site("quang-xuong", "Huyện Quảng Xương", "quangxuong.thanhhoa.gov.vn"),
    _site("thach-thanh", "Huyện Thạch Thành", "thachthanh.thanhhoa.gov.vn"),
    _site("thieu-hoa", "Huyện Thiệu Hóa", "thieuhoa.thanhhoa.gov.vn"),
    _site("tho-xuan", "Huyện Thọ Xuân", "thoxuan.thanhhoa.gov.vn"),
    _site("thuong-xuan", "Huyện Thường Xuân", "thuongxuan.thanhhoa.gov.vn"),
    _site("trieu-son", "Huyện Triệu Sơn", "trieuson.thanhhoa.gov.vn"),
    _site("vinh-loc", "Huyện Vĩnh Lộc", "vinhloc.thanhhoa.gov.vn"),
    _site("yen-dinh", "Huyện Yên Định", "yendinh.thanhhoa.gov.vn"),
)


class UnknownPortal(ValueError):
    pass


def portal_sites(slugs) -> list[PortalSite]:
    """Portals by slug (comma-separated string or list), in the order given."""
    if isinstance(slugs, str):
        slugs = [s.strip() for s in slugs.split(",") if s.strip()]
    index = {s.slug: s for s in SITES}
    unknown = [s for s in slugs if s not in index]
    if unknown:
        raise UnknownPortal(f"unknown portal(s): {', '.join(unknown)}; known: {', '.join(sorted(index))}")
    return [index[s] for s in slugs]
