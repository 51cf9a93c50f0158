"""A hostile HTTP server of our own, on 127.0.0.1, for tests and benchmarks (issue 14).

It serves platform-shaped category listings and articles that misbehave on purpose:

* ``/portal/Pages/Offsite.aspx``: a listing linking an article on another host
  (``localhost``, which resolves to this same server) and an article that redirects there;
* ``/portal/Pages/Endless.aspx?PageIndex=N``: a pager that never ends, new articles on every
  page; ``Repeat.aspx`` repeats page 2's articles on every later page; ``Cycle.aspx`` links
  page 3 back to page 2; ``Empty.aspx`` has no articles after page 1 and a next page forever;
* ``/portal/Pages/Bombs.aspx``: a gzip bomb (~900 MiB decompressed, ~0.9 MB on the wire) and
  a 200 MB page (with a ``Content-Length``, and one streamed without);
* ``/portal/Pages/Kinds.aspx``: one article per way of failing: a redirect chain without
  end, a redirect loop A → B → A, an answer slower than the crawl's timeout, HTTP 500 and 503
  every time, a refused connection (another port of 127.0.0.1), plus a good article.

Every article not named above is a real platform page (``tests/fixtures``). Every request is
recorded (``requests``: host header, path); the server stops answering after
``max_requests`` and shuts itself down after ``max_seconds``; a slow answer sleeps at most
``slow_seconds``; big bodies are generated while sent, never held. ``stop()`` ends it.

    with HostileServer() as srv:
        srv.url("/portal/Pages/Kinds.aspx")
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import threading
import time
import zlib
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ARTICLE_BODY = (Path(__file__).resolve().parent / "fixtures" / "muonglat-2021-3-24.html").read_bytes()

MiB = 1 << 20
BOMB_MIB = 900          # decompressed size of the gzip bomb
BIG_MIB = 200           # size of the big pages

# articles of each listing: (path, link text); a "{other}" host is filled in at request time
OFFSITE_LINKS = [
    "/portal/Pages/2021-3-24/good-offsite.aspx",
    "http://{other}/portal/Pages/2020-1-1/evil.aspx",
    "/portal/Pages/2020-1-2/redirect-away.aspx",
]
BOMB_LINKS = [
    "/portal/Pages/2021-3-24/good-bombs.aspx",
    "/portal/Pages/2020-2-1/gzip-bomb.aspx",
    "/portal/Pages/2020-2-2/big-page.aspx",
    "/portal/Pages/2020-2-3/big-stream.aspx",
]
KINDS_LINKS = [
    "/portal/Pages/2021-3-24/good-kinds.aspx",
    "/portal/Pages/2020-3-1/redirect-chain.aspx",
    "/portal/Pages/2020-3-2/loop-a.aspx",
    "/portal/Pages/2020-3-3/slow.aspx",
    "/portal/Pages/2020-3-4/error-500.aspx",
    "/portal/Pages/2020-3-5/error-503.aspx",
    "http://127.0.0.1:{refused}/portal/Pages/2020-3-6/refused.aspx",
    "/portal/Pages/2020-3-7/refresh-a.aspx",        # <meta http-equiv="refresh"> A -> B -> A
    "/portal/Pages/2020-3-8/refresh-chain.aspx",    # a meta refresh chain without end
    "/portal/Pages/2020-3-9/refresh-good.aspx",     # one meta refresh to an article: followed, stored
]


@lru_cache(maxsize=1)
def gzip_bomb(mib: int = BOMB_MIB) -> tuple[bytes, int]:
    """(gzip bytes, decompressed size) of ``mib`` MiB of spaces inside an HTML page, built
    without ever holding the decompressed bytes: each MiB is deflated after a full flush,
    so its compressed form is the same block repeated (~1 KB per MiB)."""
    prefix = b"<!DOCTYPE html><html><head><title>bomb</title></head><body><p>"
    chunk = b" " * MiB
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush()
    crc = zlib.crc32(prefix)
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    size = len(prefix) + mib * MiB
    data = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + head + block * mib + tail
            + struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))
    return data, size


def _refresh_page(target: str) -> bytes:
    return (f'<html><head><meta http-equiv="refresh" content="0; url={target}"></head>'
            f'<body>Đang chuyển trang…</body></html>').encode("utf-8")


def listing_html(title: str, links: list[str], page: int, next_href: str | None) -> bytes:
    items = "\n".join(f'<p class="channel-news-title"><a href="{href}">Tin {i + 1} trang {page}</a></p>'
                      for i, href in enumerate(links))
    pager = f'<span class="CurrentPage">{page}</span>'
    if next_href:
        pager += f' <a href="{next_href}">{page + 1}</a>'
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><h1>{title}</h1><div class="channel-news">{items}</div><div class="pager">{pager}</div>'
            f"</body></html>").encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    server_version = "Hostile/1.0"
    timeout = 30  # a client that stops reading cannot hold a handler thread for longer

    def log_message(self, *args):
        pass

    def do_GET(self):
        srv: HostileServer = self.server.hostile
        if not srv._admit(self.headers.get("Host", ""), self.path):
            return self._send(503, b"request budget of the hostile server exhausted", close=True)
        try:
            srv._route(self)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass  # the crawler hung up (a size limit, a timeout): what it should do

    def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
              headers=(), close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # a client that went away is no error of the test's


class HostileServer:
    """The hostile server in a thread of this process (see the module docstring)."""

    def __init__(self, max_requests: int = 3000, max_seconds: float = 240.0, slow_seconds: float = 4.0,
                 refused_port: int | None = None):
        self.max_requests = max_requests
        self.slow_seconds = slow_seconds
        self.requests: list[tuple[str, str]] = []   # (Host header, path) of every request
        self.refused_port = refused_port or free_port()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.hostile = self
        self.port = self._httpd.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.other_host = f"localhost:{self.port}"   # another host name, the same server
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"hostile-{self.port}", daemon=True)
        self._deadline = threading.Timer(max_seconds, self.stop)
        self._deadline.daemon = True
        self._stopped = False
        self._thread.start()
        self._deadline.start()

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._deadline.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def paths(self, host: str | None = None) -> list[str]:
        """Paths requested (with ``host``: only those asked of that Host header)."""
        with self._lock:
            return [p for h, p in self.requests if host is None or h == host]

    # --- serving ---------------------------------------------------------------------------
    def _admit(self, host: str, path: str) -> bool:
        with self._lock:
            if len(self.requests) >= self.max_requests:
                return False
            self.requests.append((host, path))
            return True

    def _route(self, h: _Handler) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parse_qs(parts.query)
        page = int((query.get("PageIndex") or ["1"])[0])
        if path == "/robots.txt":
            return h._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        listings = {
            "/portal/Pages/Offsite.aspx": self._offsite,
            "/portal/Pages/Bombs.aspx": lambda p: (BOMB_LINKS, None),
            "/portal/Pages/Kinds.aspx": lambda p: (KINDS_LINKS, None),
            "/portal/Pages/Endless.aspx": self._endless,
            "/portal/Pages/Repeat.aspx": self._repeat,
            "/portal/Pages/Cycle.aspx": self._cycle,
            "/portal/Pages/Empty.aspx": self._empty,
        }
        if path in listings:
            links, nxt = listings[path](page)
            links = [u.format(other=self.other_host, refused=self.refused_port) for u in links]
            return h._send(200, listing_html(path.rsplit("/", 1)[-1], links, page, nxt))
        if path.startswith("/portal/Pages/"):
            return self._article(h, path.rsplit("/", 1)[-1][: -len(".aspx")], query)
        return h._send(404, b"<html><body>not found</body></html>")

    @staticmethod
    def _offsite(page):
        return OFFSITE_LINKS, None

    @staticmethod
    def _endless(page):  # new articles on every page, a next page forever
        links = [f"/portal/Pages/2019-1-{1 + page % 28}/endless-{page}-{i}.aspx" for i in range(2)]
        return links, f"Endless.aspx?PageIndex={page + 1}"

    @staticmethod
    def _repeat(page):  # from page 2 on, page 2's articles again and again
        p = min(page, 2)
        return [f"/portal/Pages/2019-2-{p}/repeat-{p}-{i}.aspx" for i in range(2)], f"Repeat.aspx?PageIndex={page + 1}"

    @staticmethod
    def _cycle(page):  # page 3 says its next page is page 2
        links = [f"/portal/Pages/2019-3-{page}/cycle-{page}-{i}.aspx" for i in range(2)]
        return links, "Cycle.aspx?PageIndex=2" if page >= 3 else f"Cycle.aspx?PageIndex={page + 1}"

    @staticmethod
    def _empty(page):  # no articles after page 1, a next page forever
        links = ["/portal/Pages/2019-4-1/empty-1.aspx"] if page == 1 else []
        return links, f"Empty.aspx?PageIndex={page + 1}"

    def _article(self, h: _Handler, slug: str, query) -> None:
        if slug == "gzip-bomb":
            data, _ = gzip_bomb()
            return h._send(200, data, headers=[("Content-Encoding", "gzip")])
        if slug in ("big-page", "big-stream"):
            return self._big(h, with_length=slug == "big-page")
        if slug == "redirect-away":
            return h._send(302, headers=[("Location", f"http://{self.other_host}/portal/Pages/2020-1-2/landed.aspx")])
        if slug == "redirect-chain":
            hop = int((query.get("hop") or ["0"])[0])
            if hop >= 100:
                return h._send(404, b"end of the chain")
            return h._send(302, headers=[("Location", f"redirect-chain.aspx?hop={hop + 1}")])
        if slug in ("loop-a", "loop-b"):
            return h._send(302, headers=[("Location", "loop-b.aspx" if slug == "loop-a" else "loop-a.aspx")])
        if slug in ("refresh-a", "refresh-b"):
            return h._send(200, _refresh_page("refresh-b.aspx" if slug == "refresh-a" else "refresh-a.aspx"))
        if slug == "refresh-chain":
            hop = int((query.get("hop") or ["0"])[0])
            return h._send(200, _refresh_page(f"refresh-chain.aspx?hop={hop + 1}"))
        if slug == "refresh-good":
            return h._send(200, _refresh_page("/portal/Pages/2021-3-24/good-refreshed.aspx"))
        if slug == "slow":
            time.sleep(self.slow_seconds)
        if slug == "error-500":
            return h._send(500, b"<html><body>Internal Server Error</body></html>")
        if slug == "error-503":
            return h._send(503, b"<html><body>Service Unavailable</body></html>")
        return h._send(200, ARTICLE_BODY)

    @staticmethod
    def _big(h: _Handler, with_length: bool) -> None:
        """A 200 MB HTML page, generated while it is sent (64 KB at a time)."""
        head = b"<!DOCTYPE html><html><head><title>big</title></head><body>"
        para = b"<p>" + ("Tin tức sự kiện huyện Mường Lát. " * 40).encode("utf-8") + b"</p>\n"
        chunk = para * (65536 // len(para))
        n = BIG_MIB * MiB // len(chunk)
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if with_length:
            h.send_header("Content-Length", str(len(head) + n * len(chunk)))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(head)
        for _ in range(n):
            h.wfile.write(chunk)
        h.close_connection = True


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- memory of a process tree ------------------------------------------------------------------
def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(name))
    return kids


def process_tree(pid: int) -> list[int]:
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


class TreeMemory:
    """Samples the RSS of a process and all its descendants every ``interval`` seconds (in a
    thread) until the process ends: ``peak_mb`` (largest sum of RSS seen at once) and
    ``hwm_mb`` (sum over every process seen of its own peak, ``VmHWM``: an upper bound of the
    true peak, which a sample may miss)."""

    def __init__(self, proc: subprocess.Popen, interval: float = 0.05):
        self.proc, self.interval = proc, interval
        self.peak_kb = 0
        self.hwm: dict[int, int] = {}
        self.per_process_peak: dict[int, int] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self.proc.poll() is None:
            total = 0
            for pid in process_tree(self.proc.pid):
                rss, hwm = _status_kb(pid, "VmRSS"), _status_kb(pid, "VmHWM")
                total += rss
                if hwm:
                    self.hwm[pid] = max(self.hwm.get(pid, 0), hwm)
                self.per_process_peak[pid] = max(self.per_process_peak.get(pid, 0), rss)
            self.peak_kb = max(self.peak_kb, total)
            time.sleep(self.interval)

    def join(self, timeout: float = 10.0) -> None:
        self._thread.join(timeout)

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024

    @property
    def hwm_mb(self) -> float:
        return sum(self.hwm.values()) / 1024
