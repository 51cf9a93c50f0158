"""HTML of the replica's pages (article, listing, home, SharePoint error, 404), rendered per
request from the model, as the real portal serves them: links are the portal's own
absolute paths (``/portal/Pages/…``) or absolute URLs; nothing names the replica. The live
pages (through the proxy) and the fake archive's captures are the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import unicodedata
import uuid
from urllib.parse import quote_plus
from datetime import datetime, timedelta

from .model import PAGE_SIZE, Article, Category, District
from .textforms import date_text, encode_cp1258, esc, esc_entities, sidebar_time

A = lambda s: html.escape(s, quote=True)  # noqa: E731  attribute values

_DOCTYPE = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n')


def _hex(*parts, n=32) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:n].upper()


def _viewstate(key: str) -> str:
    raw = hashlib.sha256(key.encode()).digest() * 6
    return "/wEPDwUBMA9kFgJmD2QWAgIBD2QWBAIBD2Q" + base64.b64encode(raw).decode()


def _head(title: str, charset: str, d: District, path: str, extra: str = "") -> str:
    return (
        f'{_DOCTYPE}<html dir="ltr" lang="vi-VN" xmlns:o="urn:schemas-microsoft-com:office:office">\n'
        f'<head><meta name="GENERATOR" content="Microsoft SharePoint" />'
        f'<meta http-equiv="Content-type" content="text/html; charset={charset}" />'
        f'<meta http-equiv="X-UA-Compatible" content="IE=10" /><meta http-equiv="Expires" content="0" />\n'
        f'{extra}<title>\n\t{esc(title)}\n</title>\n'
        f'<link rel="shortcut icon" href="/portal/_catalogs/masterpage/TanDan/images/favicon.ico" type="image/vnd.microsoft.icon" id="favicon" />\n'
        f'<link rel="stylesheet" type="text/css" href="/_layouts/15/1066/styles/Themable/corev15.css?rev=2ZRxyGs9J6%2Fj5ChXVL8vZQ%3D%3D"/>\n'
        f'<link rel="stylesheet" type="text/css" href="/portal/_catalogs/masterpage/TanDan/css/tandan-portal.css"/>\n'
        f'<script type="text/javascript" src="/_layouts/15/init.js?rev=Z7j8vKvTYhd7ajTo2G4JXA%3D%3D"></script>\n'
        f'<script type="text/javascript">//<![CDATA[\nvar _spPageContextInfo = {{webServerRelativeUrl: "\\u002fportal", '
        f'webAbsoluteUrl: "http:\\u002f\\u002f{d.host}\\u002fportal", siteAbsoluteUrl: "http:\\u002f\\u002f{d.host}", '
        f'serverRequestPath: "{path.replace("/", chr(92) + "u002f")}", layoutsUrl: "_layouts\\u002f15", '
        f'webTitle: "{d.name.encode("ascii", "backslashreplace").decode().replace(chr(92) + "x", chr(92) + "u00")}", currentLanguage: 1066}};\n//]]></script>\n'
        f'</head>\n'
    )


def _header(d: District, selected: Category | None) -> str:
    items = ['<li class="first"><a href="/portal/Pages/default.aspx">Trang chủ</a></li>',
             '<li><a href="/portal/Pages/Gioi-thieu.aspx">Giới thiệu</a></li>']
    for c in d.categories:
        cls = ' class="selected"' if c is selected else ""
        items.append(f'<li{cls}><a href="{c.path}">{esc(c.name)}</a></li>')
    items.append('<li><a href="http://dichvucong.thanhhoa.gov.vn" target="_blank">Dịch vụ công</a></li>')
    items.append('<li class="last"><a href="/portal/Pages/Hoi-dap.aspx">Hỏi đáp</a></li>')
    return (
        '<div class="tandan-header">\n  <div class="tandan-banner">\n'
        f'    <a href="/portal/Pages/default.aspx" title="Trang chủ"><img src="/portal/PublishingImages/banner-{d.site.host_label}.png" '
        f'alt="Cổng thông tin điện tử tỉnh Thanh Hóa - {A(d.name)}" /></a>\n'
        f'    <div class="tandan-site-title"><span class="tandan-portal-name">Cổng thông tin điện tử tỉnh thanh hóa</span>'
        f'<span class="tandan-unit-name">{esc(d.name)}</span></div>\n  </div>\n'
        '  <div class="tandan-menu-top">\n    <ul class="tandan-menu">\n      ' + "\n      ".join(items) +
        '\n    </ul>\n    <div class="tandan-search"><input name="ctl00$txtSearch" type="text" id="ctl00_txtSearch" '
        'placeholder="Tìm kiếm..." /><a href="javascript:__doPostBack(\'ctl00$btnSearch\',\'\')">Tìm</a></div>\n  </div>\n</div>\n'
    )


def _footer(d: District) -> str:
    upper = f"{d.level_word} {d.short_name}".upper()
    return (
        '<div class="tandan-col-right">\n  <div class="tandan-box"><div class="tandan-box-title">Liên kết website</div>\n'
        '  <select onchange="window.open(this.value)"><option value="">-- Chọn liên kết --</option>'
        '<option value="http://thanhhoa.gov.vn">Cổng TTĐT tỉnh Thanh Hóa</option>'
        '<option value="http://baothanhhoa.vn">Báo Thanh Hóa</option></select></div>\n'
        f'  <div class="tandan-box"><div class="tandan-box-title">Thống kê truy cập</div><div class="tandan-counter">'
        f'Đang truy cập: {7 + d.index * 5}<br />Tổng lượt truy cập: 1.{254 + d.index:03d}.870</div></div>\n</div>\n</div>\n'
        '<div class="tandan-footer">\n'
        f'  <p>CỔNG THÔNG TIN ĐIỆN TỬ {upper} - TỈNH THANH HÓA</p>\n'
        f'  <p>Cơ quan chủ quản: Ủy ban nhân dân {d.level_word} {esc(d.short_name)}. Địa chỉ: thị trấn trung tâm, '
        f'{d.level_word} {esc(d.short_name)}, tỉnh Thanh Hóa</p>\n'
        f'  <p>Ghi rõ nguồn "Cổng thông tin điện tử {d.level_word} {esc(d.short_name)}" khi phát hành lại thông tin từ website này.</p>\n'
        '</div>\n</div>\n</div>\n'
        '<script type="text/javascript">//<![CDATA[\nfunction zoomText(d){var e=document.querySelector(\'.tandan-p-article-main\');}\n'
        'var g_Workspace = "s4-workspace";\n//]]></script>\n</form>\n</body>\n</html>\n'
    )


def _form_open(action: str, key: str) -> str:
    return (
        '<body onhashchange="if (typeof(_spBodyOnHashChange) != \'undefined\') _spBodyOnHashChange();">\n'
        f'<form method="post" action="./{A(action)}" onsubmit="javascript:return WebForm_OnSubmit();" id="aspnetForm">\n'
        '<div class="aspNetHidden">\n<input type="hidden" name="MSOWebPartPage_PostbackSource" id="MSOWebPartPage_PostbackSource" value="" />\n'
        f'<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{_viewstate(key)}" />\n</div>\n'
        '<div id="s4-workspace">\n<div id="s4-bodyContainer">\n'
    )


# --- article body -----------------------------------------------------------------------
_SPAN_STYLES = ["font-size:12pt;", "font-size:14px;", "font-size:13pt;line-height:150%;"]
_FONT_STYLES = ["font-family:'Times New Roman',serif;", "font-family:arial,helvetica,sans-serif;"]


def _soupify(text_html: str, k: int) -> str:
    """Word-processor soup around already escaped text; splits only at spaces."""
    words = text_html.split(" ")
    # &nbsp; runs in place of some spaces (they fold back to one space)
    for i in range(k % 5, len(words) - 1, 7):
        words[i] = words[i] + " &nbsp;" if i % 2 else words[i] + "&nbsp;"
    mid = len(words) // 2
    first, second = " ".join(words[:mid]) + " ", " ".join(words[mid:])
    form = k % 3
    if form == 0:
        return (f'<div style="text-align:justify;"><span style="{_SPAN_STYLES[k % 3]}"><span style="{_FONT_STYLES[k % 2]}">'
                f'&nbsp;&nbsp; {first}</span><span style="{_FONT_STYLES[(k + 1) % 2]}">{second}</span></span></div>')
    if form == 1:
        return (f'<p class="MsoNormal" style="text-align:justify;text-indent:36pt;"><font face="Times New Roman" size="3">'
                f'{first}</font><span style="font-size:13pt;"><span lang="VI">{second}</span></span><o:p></o:p></p>')
    return f'<div><font face="Arial"><span style="{_SPAN_STYLES[k % 3]}">{first}{second}</span></font>&nbsp;</div>'


def _img(src: str, alt: str = "") -> str:
    return f'<img alt="{A(alt)}" src="{src}" style="width:600px;height:400px;" />'


def _image_block(b, e) -> str:
    imgs = b.images
    cap = e(b.text) if b.text else ""
    form = b.form
    if form == "no-caption" or not b.text:
        return "".join(f'<p style="text-align:center;">{_img(s)}</p>\n' for s in imgs)
    if form == "caption-table":
        rows = "".join(f'<tr><td>{_img(s)}</td></tr>\n' for s in imgs)
        return ('<table align="center" border="0" cellpadding="1" cellspacing="1" style="width:600px;">\n<tbody>\n'
                f'{rows}<tr><td style="text-align:center;"><em>{cap}</em></td></tr>\n</tbody>\n</table>\n')
    if form == "caption-em-after":
        return ("".join(f'<p style="text-align:center;">{_img(s)}</p>\n' for s in imgs)
                + f'<p style="text-align:center;"><em>{cap}</em></p>\n')
    if form == "caption-br":
        return ('<p style="text-align:center;">' + "<br/>".join(_img(s) for s in imgs)
                + f'<br/><em>{cap}</em></p>\n')
    if form == "caption-figure":
        return ('<figure class="image">' + "".join(_img(s) for s in imgs)
                + f'<figcaption>{cap}</figcaption></figure>\n')
    if form == "caption-plain-next":
        return ("".join(f'<p style="text-align:center;">{_img(s)}</p>\n' for s in imgs)
                + f'<p>{cap}</p>\n')
    raise ValueError(form)


def _body(a: Article, c) -> str:
    v = a.variants
    qx = v.get("style") == "quangxuong"
    soup = v.get("soup") == "soup"
    e = esc_entities if qx else esc
    out = []
    if c.lead_form == "lead-bold-first":
        out.append(f'<p style="text-align:justify;"><strong>{e(c.summary)}</strong></p>\n')
    for k, b in enumerate(c.blocks):
        if b.kind == "p":
            if soup:
                out.append(_soupify(e(b.text), k + a.idx) + "\n")
                if k % 3 == 1:
                    out.append("<p>&nbsp;</p>\n")
            else:
                out.append(f'<p style="text-align:justify;">{e(b.text)}</p>\n')
        elif b.kind == "img":
            out.append(_image_block(b, e))
        elif b.kind == "credit":
            out.append(f'<p style="text-align:right;"><em>{e(b.text)}</em></p>\n')
        elif b.kind == "byline":
            inner = {"byline-name-unit": "<strong>{}</strong>", "byline-tin-anh": "<em>{}</em>",
                     "byline-right": "<strong><em>{}</em></strong>"}[b.form].format(e(b.text))
            out.append(f'<p style="text-align:right;">{inner}</p>\n')
    out.append("<p>&#160;</p>\n")
    return "".join(out)


def _cut(title: str, n: int = 90) -> str:
    if len(title) <= n:
        return title
    return title[:n].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def _sidebar(a: Article) -> str:
    d = a.district
    items = [a] if a.has("sidebar-self") else []
    items += d.previous(a.dt, 4 - len(items), exclude=a)
    lis = "".join(
        f'    <li><a href="{x.path}" title="{A(x.title)}">{esc(_cut(x.title))}</a>'
        f'<span class="tandan-span-date">{sidebar_time(x.dt)}</span></li>\n' for x in items)
    return ('<div class="tandan-div-article-other">\n  <div class="tandan-title-other">Tin mới nhất</div>\n'
            f'  <ul class="tandan-ul-article-other">\n{lis}  </ul>\n</div>\n')


def article_html(a: Article) -> str:
    """The article page as text (before NFD / encoding)."""
    c = a.content
    d = a.district
    v = a.variants
    qx = v.get("style") == "quangxuong"
    old = v.get("skin") == "skin-old"
    e = esc_entities if qx else esc
    path = a.path
    page_title = f"{a.title} - {d.name}" if old else a.title
    meta = (f'<meta name="description" content="{A(c.summary[:160])}" />\n'
            f'<meta name="keywords" content="{A(", ".join(c.tags or [d.short_name]))}" />\n')
    charset = "windows-1258" if "cp1258" in a.traps else "utf-8"
    dtext = date_text(v.get("date"), a.dt)
    date_span = f'<span class="tandan-span-date-publish">{dtext}</span>' if dtext else ""
    zoom = ('<span class="tandan-zoom"><a href="javascript:void(0)" onclick="zoomText(-1)" title="Thu nhỏ">A-</a>'
            '<span id="tandan-zoom-value">100%</span><a href="javascript:void(0)" onclick="zoomText(1)" title="Phóng to">A+</a></span>')
    if c.lead_form == "lead-div":
        lead = f'<div class="tandan-p-article-news-summary"><strong>{e(c.summary)}</strong></div>\n'
    elif c.lead_form == "lead-p":
        lead = f'<p class="tandan-p-article-news-summary">{e(c.summary)}</p>\n'
    else:
        lead = ""
    ctl = f"{c.ctl:02d}" if qx else "08"
    body = _body(a, c)
    rich = (f'<div id="ctl00_PlaceHolderMain_ctl{ctl}_label" style="display:none">Nội dung</div>\n'
            f'<div id="ctl00_PlaceHolderMain_ctl{ctl}__ControlWrapper_RichHtmlField" class="ms-rtestate-field" '
            f'style="display:inline" aria-labelledby="ctl00_PlaceHolderMain_ctl{ctl}_label">'
            f'<div class="ExternalClass{_hex(a.seed)}">\n{body}</div></div>\n')
    tags = ""
    if c.tags:
        links = ", ".join(f'<a href="/portal/Pages/Tim-kiem.aspx?k={quote_plus(t)}">{esc(t)}</a>' for t in c.tags)
        tags = f'<div class="td-tags"><span class="td-tags-title">Từ khóa:</span> {links}</div>\n'
    share = (f'<div class="tandan-div-social"><a href="javascript:history.back()" class="tandan-back">&lt;</a>'
             f'<a class="fb-share" href="https://www.facebook.com/sharer/sharer.php?u=http%3a%2f%2f{d.host}'
             f'{path.replace("/", "%2f")}" target="_blank">Chia sẻ</a></div>\n')
    crumbs_home = '<a href="/portal/Pages/default.aspx">Trang chủ</a>'
    crumbs_cat = f'<a href="{a.category.path}">{esc(a.category.name)}</a>'
    if old:
        crumb = f'<ul class="tandan-breadcrumb"><li>{crumbs_home}</li><li>{crumbs_cat}</li></ul>\n'
        article = (
            '<div class="tandan-article-detail">\n'
            f'  <h2 class="tandan-p-article-news-title">{esc(a.title)}</h2>\n'
            f'  <div class="tandan-date">{date_span}{zoom}</div>\n  {lead}'
            f'  <div class="tandan-article-content">\n  {rich}  </div>\n  {tags}  {share}</div>\n')
    else:
        crumb = f'<div class="tandan-breadcrumb">{crumbs_home} &gt; {crumbs_cat}</div>\n'
        article = (
            '<div class="tandan-p-article">\n'
            f'  <h1 class="tandan-p-article-news-title">{esc(a.title)}</h1>\n'
            f'  <div class="tandan-div-date-zoom">\n    {date_span}\n    {zoom}\n'
            f'    <a class="tandan-print" href="javascript:window.print()" title="In bài viết"><img src="/portal/_catalogs/masterpage/TanDan/images/print.png" alt="In" /></a>\n'
            f'  </div>\n  {lead}  <div class="tandan-p-article-main">\n  {rich}  </div>\n  {tags}  {share}</div>\n')
    wp = _hex(a.seed, "wp", n=32).lower()
    wpid = f"{wp[:8]}-{wp[8:12]}-{wp[12:16]}-{wp[16:20]}-{wp[20:32]}"
    return (
        _head(page_title, charset, d, path, meta)
        + _form_open(path.rsplit("/", 1)[-1], path)
        + _header(d, a.category) + crumb
        + '<div id="contentRow">\n<div class="tandan-col-left">\n'
        + '<div id="ctl00_PlaceHolderMain_WebPartZone1" class="ms-webpart-zone ms-fullWidth">\n'
        + '<div class="ms-webpart-chrome ms-webpart-chrome-fullWidth">\n'
        + f'<div WebPartID="{wpid}" class="ms-WPBody noindex" id="WebPartctl00_ctl33_g_{wpid.replace("-", "_")}">\n'
        + article + '</div>\n</div>\n</div>\n'
        + '<div id="ctl00_PlaceHolderMain_WebPartZone2" class="ms-webpart-zone ms-fullWidth">\n'
        + _sidebar(a) + '</div>\n</div>\n'
        + _footer(d)
    )


def article_page(a: Article) -> tuple[bytes, str]:
    """(body bytes, Content-Type) of an article, with the article's NFD / cp1258 traps."""
    text = article_html(a)
    if "cp1258" in a.traps:
        return encode_cp1258(text), "text/html; charset=windows-1258"
    if "nfd" in a.traps:
        text = unicodedata.normalize("NFD", text)
    return text.encode("utf-8"), "text/html; charset=utf-8"


# --- listings and home ------------------------------------------------------------------------
def _paging(cat: Category, page: int) -> str:
    last = cat.page_count()
    if last <= 1:
        return ""
    href = lambda p: cat.path + ("" if p == 1 else f"?PageIndex={p}")  # noqa: E731
    parts = []
    if page > 1:
        parts.append(f'<a class="tandan-first" href="{href(1)}">Đầu</a>')
        parts.append(f'<a class="tandan-prev" href="{href(page - 1)}">«</a>')
    for p in range(max(1, page - 4), min(last, page + 4) + 1):
        parts.append(f'<span class="CurrentPage">{p}</span>' if p == page else f'<a href="{href(p)}">{p}</a>')
    if page < last:
        parts.append(f'<a class="tandan-next" href="{href(page + 1)}">»</a>')
        parts.append(f'<a class="tandan-last" href="{href(last)}">Cuối</a>')
    return '<div class="tandan-paging">' + " ".join(parts) + "</div>\n"


def listing_html(d: District, cat: Category, page: int) -> str:
    entries = cat.entries[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    if d.listing_skin == "listing-old":
        items = "".join(
            f'<div class="tandan-p-article-news-item"><h3 class="tandan-p-article-news-title">'
            f'<a href="{x.path}" title="{A(x.title)}">{esc(x.title)}</a></h3>'
            f'<span class="tandan-span-date">({x.dt:%d/%m/%Y})</span></div>\n' for x in entries)
        box = f'<div class="tandan-list-news">\n<div class="tandan-title-list">{esc(cat.name)}</div>\n{items}</div>\n'
    else:
        items = "".join(
            f'<div class="channel-news-item"><div class="channel-news-title"><a href="{x.path}" '
            f'title="{A(x.title)}">{esc(x.title)}</a></div><div class="channel-news-date">{x.dt:%d/%m/%Y}</div></div>\n'
            for x in entries)
        box = f'<div class="channel-news-list">\n<h2 class="channel-title"><span>{esc(cat.name)}</span></h2>\n{items}</div>\n'
    path = cat.path + ("" if page == 1 else f"?PageIndex={page}")
    return (
        _head(f"{cat.name} - {d.name}", "utf-8", d, cat.path)
        + _form_open(cat.path.rsplit("/", 1)[-1] + ("" if page == 1 else f"?PageIndex={page}"), d.site.host_label + path)
        + _header(d, cat)
        + f'<div class="tandan-breadcrumb"><a href="/portal/Pages/default.aspx">Trang chủ</a> &gt; '
          f'<span>{esc(cat.name)}</span></div>\n'
        + '<div id="contentRow">\n<div class="tandan-col-left">\n' + box + _paging(cat, page)
        + '</div>\n' + _footer(d)
    )


def home_html(d: District) -> str:
    boxes = []
    for c in d.categories:
        arts = [x for x in c.entries if isinstance(x, Article)][:5]
        lis = "".join(f'<li><a href="{x.path}">{esc(x.title)}</a> <span class="tandan-span-date">'
                      f'({x.dt:%d/%m/%Y})</span></li>\n' for x in arts)
        boxes.append(f'<div class="tandan-home-box"><div class="tandan-box-title"><a href="{c.path}">'
                     f'{esc(c.name)}</a></div>\n<ul class="tandan-home-news">\n{lis}</ul></div>\n')
    return (
        _head(f"Cổng thông tin điện tử {d.name}", "utf-8", d, "/portal/Pages/default.aspx")
        + _form_open("default.aspx", d.site.host_label + "home") + _header(d, None)
        + '<div id="contentRow">\n<div class="tandan-col-left">\n' + "".join(boxes) + '</div>\n' + _footer(d)
    )


# --- failures --------------------------------------------------------------------------------
def correlation_id(key: str) -> str:
    return str(uuid.UUID(hashlib.md5(key.encode()).hexdigest()))


def error_html(key: str) -> str:
    """SharePoint's error page (served with HTTP 200)."""
    cid = correlation_id(key)
    when = datetime(2024, 1, 1) + timedelta(minutes=int(cid[:6], 16) % 500000)
    return (
        '<!DOCTYPE html>\n<html dir="ltr" lang="vi-VN"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
        '<title>Lỗi</title><link rel="stylesheet" type="text/css" href="/_layouts/15/1066/styles/error.css" /></head>\n'
        '<body><div id="ms-error-header" class="ms-pr"><h1 class="ms-core-pageTitle">Xin lỗi, đã xảy ra lỗi</h1></div>\n'
        '<div id="ms-error-body"><div id="ms-error-content">\n'
        '<div class="ms-error-en">Sorry, something went wrong</div>\n'
        '<div id="ms-error-message">Đã xảy ra lỗi không mong muốn.</div>\n'
        '<div id="ms-error-techdetails"><p>Chi tiết Kỹ thuật</p>\n'
        f'<p><span>ID Tương quan:</span> <span id="ms-error-correlationid">{cid}</span></p>\n'
        f'<p>Correlation ID: {cid}</p>\n'
        f'<p><span>Ngày và Giờ:</span> {when:%d/%m/%Y %H:%M:%S}</p></div>\n'
        f'<div><a href="/portal/Pages/default.aspx">Quay lại trang web</a></div>\n'
        '</div></div></body></html>\n'
    )


def not_found_html() -> str:
    return ('<!DOCTYPE html>\n<html lang="vi-VN"><head><meta charset="utf-8" /><title>404 NOT FOUND</title></head>'
            '<body><h1>404 NOT FOUND</h1><p>Không tìm thấy trang bạn yêu cầu.</p></body></html>\n')


# --- the replica's own pages (not a portal's) --------------------------------------------------
def _replica_page(title: str, paragraphs: list[str], hosts: list[str]) -> str:
    items = "".join(f"<li>http://{esc(h)}/</li>" for h in hosts)
    text = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8" /><title>' + esc(title) + '</title></head>'
            f'<body><h1>{esc(title)}</h1>\n{text}<p>Portals served:</p><ul>{items}</ul></body></html>\n')


def replica_index_html(base_url: str, hosts: list[str]) -> str:
    """``/`` of the replica's own address: what it is and how to use it."""
    b = esc(base_url)
    return _replica_page("portal-news replica", [
        f"An offline replica of government portals. Use {b} as an HTTP proxy and request the portals' "
        f"real URLs, e.g. <code>curl -x {b} http://{esc(hosts[0]) if hosts else 'HOST'}/portal/Pages/default.aspx</code>. "
        "Nothing is forwarded to the network.",
        f"Own endpoints: <a href=\"/_manifest.json\">{b}/_manifest.json</a> (the truth), "
        f"{b}/wayback/cdx and {b}/wayback/web/&lt;timestamp&gt;id_/&lt;url&gt; (a fake Wayback Machine).",
    ], hosts)


def replica_not_found_html(base_url: str, path: str, hosts: list[str]) -> str:
    """404 of the replica's own address: portal pages are asked for through the proxy."""
    return _replica_page("404 Not Found", [
        f"The replica itself has no page {esc(path)}. Portal pages are requested by their real URL with "
        f"{esc(base_url)} as HTTP proxy.",
    ], hosts)


def unknown_host_html(host: str, hosts: list[str]) -> str:
    """502 for a host the replica does not stand in for: it never forwards a request."""
    return _replica_page("502 Bad Gateway", [
        f"portal-news replica: {esc(host)} is not a portal this replica serves, and the replica forwards "
        "no request to the network.",
    ], hosts)


ROBOTS = """User-agent: *
Disallow: /_layouts/
Disallow: /_vti_bin/
Disallow: /portal/_catalogs/
Disallow: /portal/Pages/Tim-kiem.aspx
Allow: /portal/Pages/
Allow: /portal/Photos/
"""


def _tiny_jpeg() -> bytes:
    """A valid 8x8 grey baseline JPEG (one block: DC 0, end of block)."""
    def seg(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload
    one_code = bytes([1] + [0] * 15)  # one Huffman code of length 1 ...
    return (b"\xff\xd8"
            + seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + seg(0xDB, b"\x00" + bytes([1] * 64))
            + seg(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
            + seg(0xC4, b"\x00" + one_code + b"\x00")   # ... DC: category 0
            + seg(0xC4, b"\x10" + one_code + b"\x00")   # ... AC: end of block
            + seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
            + b"\x3f" + b"\xff\xd9")


TINY_JPEG = _tiny_jpeg()
