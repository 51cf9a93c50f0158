"""The offline replica: an HTTP proxy for the portals' real hosts; determinism, variations and
traps, listings, failures, Wayback, CLI. Every portal URL is fetched through the replica as a
proxy (``fetch(url, proxy)``): nothing here resolves or contacts a real host."""

from __future__ import annotations

import http.client
import json
import os
import socket
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import lxml.html
import pytest

from replica import ReplicaServer, build_manifest, build_portal, replica_process
from replica.faults import KINDS
from replica.render import article_page
from replica.sites import SITES

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


class _Via(urllib.request.BaseHandler):
    """Every request through the proxy, whatever the environment's proxy settings say."""

    def __init__(self, proxy: str):
        self.hostport = urllib.parse.urlsplit(proxy).netloc

    def http_request(self, req):
        req.set_proxy(self.hostport, "http")
        return req

    https_request = http_request


def fetch(url: str, proxy: str, timeout: float = 10.0, follow: bool = True):
    """(status, headers, body, final url) of ``url`` requested through the replica at
    ``proxy``, without raising on HTTP error statuses."""
    handlers = [urllib.request.ProxyHandler({}), _Via(proxy)]
    opener = urllib.request.build_opener(*handlers, *([] if follow else [_NoRedirect]))
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
    status, _, body, _ = fetch(server.base_url + "/_manifest.json", server.base_url)
    assert status == 200
    return json.loads(body)


def test_determinism(portal, manifest, server):
    again = build_portal(seed=1, articles=200)
    assert build_manifest(again, server.base_url) == manifest
    for a, b in zip(portal.articles[::7], again.articles[::7]):
        assert article_page(a) == article_page(b)
    other = build_manifest(build_portal(seed=2, articles=200), server.base_url)
    assert [a["url"] for a in other["articles"]] != [a["url"] for a in manifest["articles"]]
    # and over HTTP through a second replica on another port: the same bytes, which are
    # also what render gives in-process
    by_url = {a.url: a for a in portal.articles}
    with ReplicaServer(again) as srv2:
        for art in manifest["articles"][:10]:
            body = fetch(art["url"], server.base_url)[2]
            assert body == fetch(art["url"], srv2.base_url)[2] == article_page(by_url[art["url"]])[0]


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
    hosts = {d["slug"]: d["host"] for d in manifest["districts"]}
    for a in manifest["articles"]:
        t = a["truth"]
        for s in [t["title"], t["summary"], *t["body_paragraphs"]]:
            assert s == unicodedata.normalize("NFC", s) and s == s.strip()
        assert t["url"] == a["url"] and a["url"].startswith(f"http://{hosts[a['district']]}/portal/Pages/")
        for im in t["images"]:
            assert im["url"].startswith(f"http://{hosts[a['district']]}/portal/Photos/")
        if t["published_at"]:
            assert t["published_at"].endswith("+07:00") and t["date_source"] in ("page", "sidebar")


def _listing_crawl(manifest, proxy):
    """Follow every category from its start page along the `a` after span.CurrentPage."""
    links, pages = [], 0
    for d in manifest["districts"]:
        for url in d["listing_start_urls"]:
            while url:
                status, _, body, _ = fetch(url, proxy)
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


def test_pagination_reaches_every_listed_article(manifest, server):
    links, pages = _listing_crawl(manifest, server.base_url)
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
    proxy = server.base_url
    for u in manifest["error_pages"]:
        status, _, body, _ = fetch(u, proxy)
        text = body.decode("utf-8")
        assert status == 200 and "Xin lỗi, đã xảy ra lỗi" in text and "Sorry, something went wrong" in text
        assert "Correlation ID" in text
    for u in manifest["broken_links"]:
        assert fetch(u, proxy)[0] == 404
    d = manifest["districts"][0]
    status, headers, body, _ = fetch(f"http://{d['host']}/robots.txt", proxy)
    assert status == 200 and b"Disallow: /_layouts/" in body and b"Allow: /portal/Pages/" in body
    status, headers, body, _ = fetch(d["home"], proxy)
    assert status == 200 and d["name"] in body.decode()
    status, headers, body, final = fetch(f"http://www.{d['host']}/", proxy)  # / redirects home, www. too
    assert status == 200 and final == f"http://www.{d['host']}/portal/Pages/default.aspx" and d["name"] in body.decode()
    img = manifest["articles"][0]["truth"]["images"][0]["url"]
    status, headers, body, _ = fetch(img, proxy)
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and body[:2] == b"\xff\xd8"


def test_pages_are_the_portals_own(manifest, server):
    """Pages link as the real portal does: its own absolute paths or absolute URLs, never the
    replica's address or a path prefix."""
    d = manifest["districts"][0]
    pages = [d["home"], *d["listing_start_urls"], *(a["url"] for a in manifest["articles"][:30]),
             manifest["error_pages"][0]]
    for url in pages:
        body = fetch(url, server.base_url)[2].decode("utf-8", "replace")
        assert "127.0.0.1" not in body
        links = lxml.html.fromstring(body).xpath("//@href | //@src")
        assert links
        for h in links:  # (the replica used to serve /muonglat/portal/…)
            assert h.startswith(("/portal/", "/_layouts/", "http://", "https://", "javascript:")), (url, h)


def test_proxy_semantics(manifest, server):
    """Absolute URIs of a served portal: that portal; of any other host: 502, forwarded
    nowhere; CONNECT: 405; the replica's own address (plain path or absolute): its own pages."""
    proxy = server.base_url
    status, _, body, _ = fetch("http://example.org/portal/Pages/default.aspx", proxy)
    assert status == 502 and b"example.org is not a portal this replica serves" in body
    status, _, body, _ = fetch(f"http://127.0.0.2:{server.port}/_manifest.json", proxy)
    assert status == 502  # another loopback address is not the replica itself
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("CONNECT", "muonglat.thanhhoa.gov.vn:443")
        r = conn.getresponse()
        assert r.status == 405 and r.getheader("Allow") == "GET, HEAD"
    finally:
        conn.close()
    # the replica's own endpoints, asked for directly (plain path) or through itself
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    via = urllib.request.build_opener(urllib.request.ProxyHandler({}), _Via(proxy))
    for get in (lambda path: direct.open(proxy + path, timeout=10), lambda path: via.open(proxy + path, timeout=10)):
        with get("/_manifest.json?truth=0") as r:
            assert json.load(r)["article_count"] == manifest["article_count"]
        with get("/") as r:
            page = r.read().decode()
            assert "HTTP proxy" in page and all(d["host"] in page for d in manifest["districts"])
    # a portal's path asked of the replica itself is not a portal page
    path = urllib.parse.urlsplit(manifest["articles"][0]["url"]).path
    status, _, body, _ = fetch(proxy + path, proxy)
    assert status == 404 and b"as HTTP proxy" in body


def test_replica_stands_alone():
    """The replica imports nothing of the crawler or the pipelines, and its description of
    the portals agrees with the crawler's site registry (names, hosts, levels, categories)."""
    import subprocess
    import sys

    code = ("import sys, replica, replica.cli, replica.server, replica.manifest, replica.wayback, replica.faults;"
            "replica.build_manifest(replica.build_portal(articles=20), 'http://127.0.0.1:1');"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('crawler', 'pipelines', 'scrapy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
    from pipelines.sites.registry import load_registry

    registry = {s.slug: (s.name, s.host, s.level, s.categories) for s in load_registry()}
    assert {s.slug: (s.name, s.host, s.level, s.categories) for s in SITES} == registry


def test_article_pages_show_their_truth(manifest, server):
    proxy = server.base_url
    by = {a["url"]: a for a in manifest["articles"]}
    for url in manifest["traps"]["cp1258"]:
        status, headers, body, _ = fetch(url, proxy)
        assert "windows-1258" in headers["Content-Type"] and b"charset=windows-1258" in body
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        text = unicodedata.normalize("NFC", body.decode("cp1258"))
        assert by[url]["truth"]["title"] in text
        assert any(unicodedata.combining(c) for c in body.decode("cp1258"))
    for url in manifest["traps"]["nfd"]:
        body = fetch(url, proxy)[2].decode("utf-8")
        assert body == unicodedata.normalize("NFD", body)
        assert by[url]["truth"]["title"] in unicodedata.normalize("NFC", body)
    for a in manifest["articles"][:40]:
        if set(a["variants"]) & {"cp1258", "nfd", "quangxuong"}:
            continue
        body = fetch(a["url"], proxy)[2].decode("utf-8")
        t = a["truth"]
        assert t["title"] in body and t["site_name"] in body
        assert lxml.html.fromstring(body).cssselect(".ms-rtestate-field")
    qx = next(a for a in manifest["articles"] if "quangxuong" in a["variants"])
    body = fetch(qx["url"], proxy)[2].decode("utf-8")
    assert "p class=\"tandan-p-article-news-summary\"" in body and "&#" in body
    assert "__ControlWrapper_RichHtmlField" in body


def test_faults_each_kind_then_success(portal):
    with ReplicaServer(portal, faults=True, fault_seed=3, slow_seconds=0.3) as srv:
        m = srv.manifest()
        flaky = m["faults"]["flaky"]
        clean = {}
        proxy = srv.base_url
        with ReplicaServer(portal) as ref:
            def good(url):
                return fetch(url, ref.base_url)[2]
            done = set()
            for entry in flaky:
                kind = entry["failures"][0]
                if kind in done:
                    continue
                done.add(kind)
                url = entry["url"]
                t0 = time.monotonic()
                try:
                    status, _, body, _ = fetch(url, proxy, timeout=5)
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
                        status, _, body, _ = fetch(url, proxy, timeout=5)
                    except (http.client.HTTPException, ConnectionError, urllib.error.URLError):
                        continue
                    if status == 200 and body == good(url):
                        break
                assert status == 200 and body == good(url), kind
                clean[kind] = True
            assert done == set(KINDS)
            # redirect chains end on the page itself (with utm_source=redirect)
            red = m["faults"]["redirects"][0]["url"]
            status, headers, body, final = fetch(red, proxy, follow=False)
            assert status == 302 and headers["Location"].startswith("/portal/Pages/Redirect.aspx")
            hops = 1
            location = headers["Location"]
            while status == 302:
                status, headers, body, final = fetch(urllib.parse.urljoin(red, location), proxy, follow=False)
                location = headers.get("Location")
                hops += 1 if status == 302 else 0
            assert 2 <= hops <= 3 and final.endswith("?utm_source=redirect")
            assert status == 200 and body == good(red)
        perm = m["permanent_failures"]
        assert perm and all(p["reason"] == "http-500" for p in perm)
        assert all(fetch(perm[0]["url"], proxy)[0] == 500 for _ in range(3))
        # wayback: some capture answers 429 on its first request only
        caps = [c for c in m["wayback"]["captures"] if c["statuscode"] == "200"]
        statuses = [fetch(c["url"], proxy)[0] for c in caps[:80]]
        assert 429 in statuses
        first429 = caps[statuses.index(429)]["url"]
        assert fetch(first429, proxy)[0] == 200


def test_no_faults_without_fault_mode(server, manifest):
    for a in manifest["articles"][:30]:
        assert fetch(a["url"], server.base_url, follow=False)[0] == 200


def test_wayback(server, manifest):
    base = server.base_url
    q = ("/wayback/cdx?url=muonglat.thanhhoa.gov.vn/portal/Pages/&matchType=prefix&output=json"
         "&filter=statuscode:200&collapse=urlkey&from=2015&to=2025")
    rows = json.loads(fetch(base + q, base)[2])
    assert rows[0] == ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
    assert len(rows) > 10 and all(r[4] == "200" for r in rows[1:])
    assert len({r[0] for r in rows[1:]}) == len(rows) - 1
    # the host forms crawlers met (www., https, :80) are one SURT key
    assert all(urllib.parse.urlsplit(r[2]).hostname in ("muonglat.thanhhoa.gov.vn", "www.muonglat.thanhhoa.gov.vn")
               and "/portal/Pages/" in r[2] for r in rows[1:])
    unfiltered = json.loads(fetch(base + q.replace("&filter=statuscode:200", "").replace("&collapse=urlkey", ""), base)[2])
    assert any(r[4] != "200" for r in unfiltered[1:])
    by = {a["url"]: a for a in manifest["articles"]}
    cap = next(c for c in manifest["wayback"]["captures"]
               if c["article_url"] and c["statuscode"] == "200" and c["kind"] == "article" and c["revision"] == 0
               and c["original"] == c["article_url"] and "cp1258" not in by[c["article_url"]]["variants"]
               and "nfd" not in by[c["article_url"]]["variants"])
    art = by[cap["article_url"]]
    assert cap["timestamp"] > art["truth"]["published_date"].replace("-", "")
    assert cap["url"].startswith(base + "/wayback/web/")
    status, _, body, _ = fetch(cap["url"], base)
    text = body.decode("utf-8")
    assert status == 200 and art["truth"]["title"] in text and 'href="/portal/Pages/' in text
    assert body == fetch(art["url"], base)[2]  # the capture is the page as the portal serves it
    # a timestamp that is not a capture redirects to the nearest one
    near = base + f"/wayback/web/{cap['timestamp'][:8]}000000id_/{cap['original']}"
    assert fetch(near, base, follow=False)[0] == 302


def test_replica_process_starts_and_stops():
    with replica_process(articles=40, seed=5, districts="muong-lat,thieu-hoa") as rp:
        m = rp.manifest()
        assert m["seed"] == 5 and len(m["articles"]) == 40
        light = rp.manifest(truth=False)
        assert "truth" not in light["articles"][0] and light["articles"][0]["url"] == m["articles"][0]["url"]
        assert fetch(m["articles"][0]["url"], rp.base_url)[0] == 200
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
        article_page(a)
    per = (time.perf_counter() - t0) / 200
    print(f"article render {per * 1000:.2f} ms")
    assert per < 0.005
