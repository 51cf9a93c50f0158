"""The offline replica: determinism, variations and traps, listings, failures, Wayback, CLI."""

from __future__ import annotations

import http.client
import json
import os
import socket
import time
import unicodedata
import urllib.error
import urllib.request
from collections import Counter

import lxml.html
import pytest

from replica import ReplicaServer, build_portal, replica_process
from replica.faults import KINDS
from replica.render import article_page

EXPECTED_VARIANTS = {
    "skin-classic", "skin-old", "date-dang-ngay", "date-ngay-dang-time", "date-weekday", "date-none",
    "sidebar-self", "lead-div", "lead-p", "lead-bold-first", "caption-table", "caption-em-after",
    "caption-br", "caption-figure", "caption-plain-next", "image-no-caption", "images-shared-caption",
    "soup", "quangxuong", "entities", "byline-name-unit", "byline-tin-anh", "byline-right",
    "photo-credit", "tags", "official-dash", "official-comma", "official-title-first", "official-list",
    "official-caption", "official-rank", "official-village", "official-woman", "official-ethnic",
    "name-2-syllables", "name-4-syllables", "non-official-hcm", "non-official-citizen",
    "nfd", "old-tones", "cp1258", "multi-listed", "unlisted",
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_plain = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, timeout: float = 10.0, follow: bool = True):
    """(status, headers, body, final url) without raising on HTTP error statuses."""
    opener = urllib.request.build_opener() if follow else _plain
    try:
        with opener.open(url, timeout=timeout) as r:
            return r.status, r.headers, r.read(), r.geturl()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read(), url


@pytest.fixture(scope="module")
def portal():
    return build_portal(seed=1, articles=200)


@pytest.fixture(scope="module")
def server(portal):
    with ReplicaServer(portal) as srv:
        yield srv


@pytest.fixture(scope="module")
def manifest(server):
    status, _, body, _ = fetch(server.base_url + "/_manifest.json")
    assert status == 200
    return json.loads(body)


def test_determinism(portal, manifest, server):
    again = build_portal(seed=1, articles=200)
    assert again.manifest(server.base_url) == manifest
    for a, b in zip(portal.articles[::7], again.articles[::7]):
        assert article_page(a, a.district.prefix) == article_page(b, b.district.prefix)
    other = build_portal(seed=2, articles=200).manifest(server.base_url)
    assert [a["url"] for a in other["articles"]] != [a["url"] for a in manifest["articles"]]
    # and over HTTP from a second server on another port: same bytes
    with ReplicaServer(again) as srv2:
        for art in manifest["articles"][:10]:
            path = art["url"][len(server.base_url):]
            assert fetch(server.base_url + path)[2] == fetch(srv2.base_url + path)[2]


def test_defaults_size_and_dates(manifest):
    arts = manifest["articles"]
    assert len(arts) >= 200
    assert len({a["district"] for a in arts}) >= 4
    assert {d["slug"] for d in manifest["districts"]} >= {"muong-lat", "quan-hoa", "quang-xuong", "thieu-hoa"}
    years = Counter(a["truth"]["published_date"][:4] for a in arts)
    assert min(years) == "2015" and max(years) == "2025"
    assert max(a["truth"]["published_date"] for a in arts) <= "2025-06-30"
    for d in manifest["districts"]:
        assert len(d["listing_start_urls"]) >= 3


def test_every_variation_and_trap_present(manifest):
    seen = set(manifest["variant_counts"])
    assert EXPECTED_VARIANTS <= seen, EXPECTED_VARIANTS - seen
    assert manifest["error_pages"] and manifest["broken_links"]
    assert {"nfd", "old-tones", "cp1258", "multi-listed", "error-page", "broken-link"} <= set(manifest["traps"])
    multi = [a for a in manifest["articles"] if "multi-listed" in a["variants"]]
    assert multi and all(len({u.split("?")[0] for u in a["listed_in"]}) == 2 for a in multi)
    assert any(not a["reachable"] for a in manifest["articles"])
    dashes = "".join(p for a in manifest["articles"] for p in a["truth"]["body_paragraphs"])
    assert all(d in dashes for d in ("–", "—", " - "))
    officials = [o for a in manifest["articles"] for o in a["truth"]["officials"]]
    honorifics = {o["honorific"] for o in officials}
    assert {"đồng chí", "ông", "bà", None, "Đại tá", "Thượng tá"} <= honorifics
    names = {o["name"] for o in officials}
    assert {len(n.split()) for n in names} >= {2, 3, 4}
    assert any(n.split()[0] in ("Giàng", "Vừ", "Lầu", "Sùng", "Thào") for n in names)
    assert any(" Thị " in n for n in names)
    assert any(len(o["positions"]) == 2 for o in officials)
    positions = [p for o in officials for p in o["positions"]]
    assert any(p.startswith(("Trưởng bản", "Bí thư Chi bộ bản")) for p in positions)
    nots = {n for a in manifest["articles"] for n in a["truth"]["not_officials"]}
    assert "Hồ Chí Minh" in nots
    old = [a for a in manifest["articles"] if "old-tones" in a["variants"]]
    text = " ".join(a["truth"]["title"] + " " + " ".join(a["truth"]["body_paragraphs"]) for a in old)
    assert any(w in text for w in ("hoá", "Hoá", "thuỷ", "hoà", "khoẻ"))


def test_truth_is_nfc_and_images_absolute(manifest, server):
    for a in manifest["articles"]:
        t = a["truth"]
        for s in [t["title"], t["summary"], *t["body_paragraphs"]]:
            assert s == unicodedata.normalize("NFC", s) and s == s.strip()
        assert t["url"] == a["url"]
        for im in t["images"]:
            assert im["url"].startswith(server.base_url + "/")
        if t["published_at"]:
            assert t["published_at"].endswith("+07:00") and t["date_source"] in ("page", "sidebar")


def _listing_crawl(manifest):
    """Follow every category from its start page along the `a` after span.CurrentPage."""
    links, pages = [], 0
    for d in manifest["districts"]:
        for url in d["listing_start_urls"]:
            while url:
                status, _, body, _ = fetch(url)
                assert status == 200
                pages += 1
                doc = lxml.html.fromstring(body, base_url=url)
                doc.make_links_absolute(url)
                items = doc.cssselect(".channel-news-title a, .tandan-p-article-news-title a")
                assert 1 <= len(items) <= 10
                links += [a.get("href") for a in items]
                cur = doc.cssselect("span.CurrentPage")
                nxt = cur[0].getnext() if cur else None
                url = nxt.get("href") if nxt is not None and nxt.tag == "a" else None
    return links, pages


def test_pagination_reaches_every_listed_article(manifest):
    links, pages = _listing_crawl(manifest)
    assert pages == len(manifest["listings"])
    reachable = {a["url"] for a in manifest["articles"] if a["reachable"]}
    assert reachable == set(links) - set(manifest["error_pages"]) - set(manifest["broken_links"])
    assert set(manifest["error_pages"]) | set(manifest["broken_links"]) <= set(links)
    counts = Counter(links)
    multi = {a["url"] for a in manifest["articles"] if "multi-listed" in a["variants"]}
    assert all(counts[u] == 2 for u in multi)
    # the two listing skins
    skins = {d["listing_skin"] for d in manifest["districts"]}
    assert skins == {"listing-classic", "listing-old"}


def test_pages_and_links(manifest, server):
    for u in manifest["error_pages"]:
        status, _, body, _ = fetch(u)
        text = body.decode("utf-8")
        assert status == 200 and "Xin lỗi, đã xảy ra lỗi" in text and "Sorry, something went wrong" in text
        assert "Correlation ID" in text
    for u in manifest["broken_links"]:
        assert fetch(u)[0] == 404
    status, headers, body, _ = fetch(server.base_url + "/robots.txt")
    assert status == 200 and b"Disallow: /*/_layouts/" in body
    d = manifest["districts"][0]
    status, headers, body, _ = fetch(d["home"])
    assert status == 200 and d["name"] in body.decode()
    img = manifest["articles"][0]["truth"]["images"][0]["url"]
    status, headers, body, _ = fetch(img)
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and body[:2] == b"\xff\xd8"


def test_article_pages_show_their_truth(manifest):
    by = {a["url"]: a for a in manifest["articles"]}
    for url in manifest["traps"]["cp1258"]:
        status, headers, body, _ = fetch(url)
        assert "windows-1258" in headers["Content-Type"] and b"charset=windows-1258" in body
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        text = unicodedata.normalize("NFC", body.decode("cp1258"))
        assert by[url]["truth"]["title"] in text
        assert any(unicodedata.combining(c) for c in body.decode("cp1258"))
    for url in manifest["traps"]["nfd"]:
        body = fetch(url)[2].decode("utf-8")
        assert body == unicodedata.normalize("NFD", body)
        assert by[url]["truth"]["title"] in unicodedata.normalize("NFC", body)
    for a in manifest["articles"][:40]:
        if set(a["variants"]) & {"cp1258", "nfd", "quangxuong"}:
            continue
        body = fetch(a["url"])[2].decode("utf-8")
        t = a["truth"]
        assert t["title"] in body and t["site_name"] in body
        assert lxml.html.fromstring(body).cssselect(".ms-rtestate-field")
    qx = next(a for a in manifest["articles"] if "quangxuong" in a["variants"])
    body = fetch(qx["url"])[2].decode("utf-8")
    assert "p class=\"tandan-p-article-news-summary\"" in body and "&#" in body
    assert "__ControlWrapper_RichHtmlField" in body


def test_faults_each_kind_then_success(portal):
    with ReplicaServer(portal, faults=True, fault_seed=3, slow_seconds=0.3) as srv:
        m = srv.manifest()
        flaky = m["faults"]["flaky"]
        clean = {}
        with ReplicaServer(portal) as ref:
            def good(url):
                return fetch(ref.base_url + url[len(srv.base_url):])[2]
            done = set()
            for entry in flaky:
                kind = entry["failures"][0]
                if kind in done:
                    continue
                done.add(kind)
                url = entry["url"]
                t0 = time.monotonic()
                try:
                    status, _, body, _ = fetch(url, timeout=5)
                except (http.client.HTTPException, ConnectionError, urllib.error.URLError) as e:
                    status, body = type(e).__name__, b""
                took = time.monotonic() - t0
                if kind == "http-500":
                    assert status == 500
                elif kind == "http-503":
                    assert status == 503
                elif kind == "slow":
                    assert took >= 0.3
                elif kind == "drop":
                    assert status in ("RemoteDisconnected", "URLError", "ConnectionResetError", "BadStatusLine")
                elif kind == "truncate":
                    assert status == "IncompleteRead"
                elif kind == "error-200":
                    assert status == 200 and "Xin lỗi, đã xảy ra lỗi" in body.decode()
                for _ in range(2):
                    try:
                        status, _, body, _ = fetch(url, timeout=5)
                    except (http.client.HTTPException, ConnectionError, urllib.error.URLError):
                        continue
                    if status == 200 and body == good(url):
                        break
                assert status == 200 and body == good(url), kind
                clean[kind] = True
            assert done == set(KINDS)
            # redirect chains end on the page itself (with utm_source=redirect)
            red = m["faults"]["redirects"][0]["url"]
            status, headers, body, final = fetch(red, follow=False)
            assert status == 302 and "Redirect.aspx" in headers["Location"]
            hops = 1
            location = headers["Location"]
            while status == 302:
                status, headers, body, final = fetch(srv.base_url + location, follow=False)
                location = headers.get("Location")
                hops += 1 if status == 302 else 0
            assert 2 <= hops <= 3 and final.endswith("?utm_source=redirect")
            assert status == 200 and body == good(red)
        perm = m["permanent_failures"]
        assert perm and all(p["reason"] == "http-500" for p in perm)
        assert all(fetch(perm[0]["url"])[0] == 500 for _ in range(3))
        # wayback: some capture answers 429 on its first request only
        caps = [c for c in m["wayback"]["captures"] if c["statuscode"] == "200"]
        statuses = [fetch(c["url"])[0] for c in caps[:80]]
        assert 429 in statuses
        first429 = caps[statuses.index(429)]["url"]
        assert fetch(first429)[0] == 200


def test_no_faults_without_fault_mode(server, manifest):
    for a in manifest["articles"][:30]:
        assert fetch(a["url"], follow=False)[0] == 200


def test_wayback(server, manifest):
    base = server.base_url
    q = ("/wayback/cdx?url=muonglat.thanhhoa.gov.vn/portal/Pages/&matchType=prefix&output=json"
         "&filter=statuscode:200&collapse=urlkey&from=2015&to=2025")
    rows = json.loads(fetch(base + q)[2])
    assert rows[0] == ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
    assert len(rows) > 10 and all(r[4] == "200" for r in rows[1:])
    assert len({r[0] for r in rows[1:]}) == len(rows) - 1
    assert all(r[2].startswith("http://muonglat.thanhhoa.gov.vn/portal/Pages/") for r in rows[1:])
    unfiltered = json.loads(fetch(base + q.replace("&filter=statuscode:200", "").replace("&collapse=urlkey", ""))[2])
    assert any(r[4] != "200" for r in unfiltered[1:])
    by = {a["url"]: a for a in manifest["articles"]}
    cap = next(c for c in manifest["wayback"]["captures"]
               if c["article_url"] and c["statuscode"] == "200" and "cp1258" not in by[c["article_url"]]["variants"]
               and "nfd" not in by[c["article_url"]]["variants"])
    art = by[cap["article_url"]]
    assert cap["timestamp"] > art["truth"]["published_date"].replace("-", "")
    status, _, body, _ = fetch(cap["url"])
    text = body.decode("utf-8")
    assert status == 200 and art["truth"]["title"] in text and 'href="/portal/Pages/' in text
    # a timestamp that is not a capture redirects to the nearest one
    near = base + f"/wayback/web/{cap['timestamp'][:8]}000000id_/{cap['original']}"
    assert fetch(near, follow=False)[0] == 302


def test_replica_process_starts_and_stops():
    with replica_process(articles=40, seed=5, districts="muong-lat,thieu-hoa") as rp:
        m = rp.manifest()
        assert m["seed"] == 5 and len(m["articles"]) == 40
        light = rp.manifest(truth=False)
        assert "truth" not in light["articles"][0] and light["articles"][0]["url"] == m["articles"][0]["url"]
        assert fetch(m["articles"][0]["url"])[0] == 200
        pid, port = rp.pid, int(rp.base_url.rsplit(":", 1)[1])
    assert rp.proc.poll() == 0
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_large_model_builds_fast():
    t0 = time.perf_counter()
    big = build_portal(seed=1, articles=20000)
    took = time.perf_counter() - t0
    print(f"20,000-article model built in {took:.2f} s over {len(big.districts)} districts")
    assert len(big.articles) == 20000 and took < 6
    t0 = time.perf_counter()
    for a in big.articles[:200]:
        article_page(a, a.district.prefix)
    per = (time.perf_counter() - t0) / 200
    print(f"article render {per * 1000:.2f} ms")
    assert per < 0.005
