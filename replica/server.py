"""HTTP server of the replica (127.0.0.1 only) and a helper that runs it in a subprocess.

The replica is an HTTP **forward proxy** for the portals' real host names, and a small web
server of its own:

* a request with an absolute URI naming a replicated portal
  (``GET http://muonglat.thanhhoa.gov.vn/portal/Pages/Tin-tuc-su-kien.aspx HTTP/1.1``) is
  answered as that portal would: ``/robots.txt``, ``/portal/Pages/default.aspx`` (home),
  ``/portal/Pages/<Category>.aspx[?PageIndex=N]`` (listings),
  ``/portal/Pages/<Y>-<M>-<D>/<Slug>-<6 chars>.aspx`` (articles; also SharePoint error pages
  served with 200, and links that 404), ``/portal/Photos/<YYYY-MM>/<hex><name>.jpg`` (a tiny
  JPEG), ``/portal/Pages/Redirect.aspx?hop=…`` (redirect hops, fault mode). Pages link with
  the portal's own paths, as the real portal does;
* an absolute URI naming any other host gets a 502 page saying so, and ``CONNECT`` (HTTPS
  tunnels) gets 405: the replica never forwards anything anywhere;
* a request for the replica's own address (``http://127.0.0.1:PORT/…``, or a plain path):
  ``/`` (what it serves), ``/_manifest.json`` (the truth, see :mod:`replica.manifest`),
  ``/robots.txt``, the fake Wayback Machine ``/wayback/cdx`` and
  ``/wayback/web/<ts>id_/<url>`` (see :mod:`replica.wayback`), the fake Common Crawl
  ``/commoncrawl/index/…`` and ``/commoncrawl/data/…`` (see :mod:`replica.commoncrawl`), and
  ``/_control/archives`` (request counts per archive endpoint) and
  ``/_control/outage?part=wayback-web&seconds=3600[&after=N]`` (that endpoint answers 503 for
  a while: an archive outage; ``seconds=0`` ends it).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlencode, urlsplit

from . import commoncrawl, render, wayback
from .faults import ATTEMPT_PARAMS, FaultPlan
from .manifest import build_manifest
from .model import Phantom, Portal, build_portal

__all__ = ["build_portal", "ReplicaServer", "replica_process", "ReplicaProcess"]

HTML = "text/html; charset=utf-8"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/8.5"
    sys_version = ""

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self.server.replica._handle(self, head=False)

    def do_HEAD(self):
        self.server.replica._handle(self, head=True)

    def do_CONNECT(self):
        """No tunnels: the replica answers for the portals' plain HTTP only."""
        body = (b"<html><body><h1>405 Method Not Allowed</h1><p>portal-news replica: CONNECT (HTTPS tunnels) "
                b"is not supported; request http:// URLs through this proxy.</p></body></html>")
        self.close_connection = True
        try:
            self.server.replica._send(self, 405, body, headers=[("Allow", "GET, HEAD"), ("Connection", "close")])
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        """Clients that hang up (timeouts, dropped connections) are not errors here."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class ReplicaServer:
    """Serve a :class:`Portal` over HTTP on 127.0.0.1 in a daemon thread.

    ``with ReplicaServer(build_portal()) as srv: srv.base_url`` — ``.stop()`` shuts the
    server down."""

    def __init__(self, portal: Portal, port: int = 0, faults: bool = False, fault_seed: int = 0,
                 slow_seconds: float = 3.0):
        self.portal = portal
        self.faults = FaultPlan(portal, fault_seed, slow_seconds) if faults else None
        self.slow_seconds = slow_seconds
        self.attempts: Counter = Counter()  # requests per URL, for the fault plan only
        self.archives = wayback.ArchiveControl()  # archive outages and request counts (/_control/…)
        self._lock = threading.Lock()
        self._manifest_lock = threading.Lock()
        self._stopping = threading.Event()
        self._manifest_bytes: dict[bool, bytes] = {}
        self._httpd = _HTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.replica = self
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"replica-{self.port}", daemon=True)
        self._thread.start()

    # lifecycle ----------------------------------------------------------------------
    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def manifest(self, with_truth: bool = True) -> dict:
        return build_manifest(self.portal, self.base_url, self.faults, with_truth)

    def manifest_bytes(self, with_truth: bool = True) -> bytes:
        with self._manifest_lock:
            if with_truth not in self._manifest_bytes:
                self._manifest_bytes[with_truth] = json.dumps(self.manifest(with_truth), ensure_ascii=False).encode("utf-8")
            return self._manifest_bytes[with_truth]

    # responses ----------------------------------------------------------------------
    @staticmethod
    def _send(req, status: int, body: bytes, ctype: str = HTML, head=False, headers=()) -> None:
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            req.send_header(k, v)
        req.end_headers()
        if not head:
            req.wfile.write(body)

    def _redirect(self, req, location: str, head=False) -> None:
        body = f'<html><head><title>Object moved</title></head><body><h2>Object moved to <a href="{location}">here</a>.</h2></body></html>'.encode()
        self._send(req, 302, body, head=head, headers=[("Location", location)])

    def _not_found(self, req, head=False) -> None:
        self._send(req, 404, render.not_found_html().encode("utf-8"), head=head)

    def _handle(self, req, head: bool) -> None:
        try:
            self._route(req, head)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            req.close_connection = True

    def _is_own(self, parts) -> bool:
        """Does an absolute URI name the replica itself (127.0.0.1 or localhost, its port)?"""
        try:
            port = parts.port or 80
        except ValueError:
            return False
        return port == self.port and (parts.hostname or "").lower() in ("127.0.0.1", "localhost")

    def _route(self, req, head: bool) -> None:
        raw = req.path
        parts = urlsplit(raw)
        if not raw.lower().startswith(("http://", "https://")) or self._is_own(parts):
            return self._own(req, head, parts)
        d = self.portal.district_by_host(parts.hostname or "")
        if d is None:
            return self._send(req, 502, render.unknown_host_html(parts.hostname or raw, self.hosts()).encode("utf-8"),
                              head=head)
        return self._portal(req, head, d, parts)

    def hosts(self) -> list[str]:
        """Host names of the portals this replica answers for."""
        return [d.host for d in self.portal.districts]

    def _count(self, key: str) -> int:
        """Number of this request of ``key`` (1-based), in fault mode; 0 otherwise."""
        if self.faults is None:
            return 0
        with self._lock:
            self.attempts[key.lower()] += 1
            return self.attempts[key.lower()]

    def _own(self, req, head: bool, parts) -> None:
        """The replica's own endpoints: index, manifest, robots.txt, the fake archive."""
        path = unquote(parts.path) or "/"
        params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        if path == "/robots.txt":
            return self._send(req, 200, b"User-agent: *\nAllow: /\n", "text/plain; charset=utf-8", head)
        if path == "/_manifest.json":
            with_truth = dict(params).get("truth", "1") not in ("0", "false", "no")
            return self._send(req, 200, self.manifest_bytes(with_truth), "application/json", head)
        if path.startswith("/wayback/"):
            key = path + ("?" + urlencode(params) if params else "")
            return self._wayback(req, head, path, parts.query, key, self._count(key))
        if path.startswith("/commoncrawl/"):
            key = path + ("?" + urlencode(params) if params else "")
            if path.startswith("/commoncrawl/data/"):
                key += " " + (req.headers.get("Range") or "")
            return self._commoncrawl(req, head, path, parts.query, key, self._count(key))
        if path.startswith("/_control/"):
            return self._control(req, head, path, dict(params))
        if path == "/":
            return self._send(req, 200, render.replica_index_html(self.base_url, self.hosts()).encode("utf-8"),
                              head=head)
        return self._send(req, 404, render.replica_not_found_html(self.base_url, path, self.hosts()).encode("utf-8"),
                          head=head)

    def _portal(self, req, head: bool, d, parts) -> None:
        """A request for a replicated portal's URL, answered as that portal would."""
        path = unquote(parts.path) or "/"
        params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ATTEMPT_PARAMS]
        local = path + ("?" + urlencode(params) if params else "")  # path and query on the portal
        key = d.url(local)  # the real URL, as the fault plan names it
        attempt = self._count(key)

        low = path.lower()
        if low == "/robots.txt":
            return self._send(req, 200, render.ROBOTS.encode(), "text/plain; charset=utf-8", head)
        if low in ("/", "/portal", "/portal/", "/portal/pages", "/portal/pages/"):
            return self._redirect(req, d.home_path(), head)
        if low.startswith("/portal/photos/") and low.endswith(".jpg"):
            return self._send(req, 200, render.TINY_JPEG, "image/jpeg", head)
        if low == "/portal/pages/redirect.aspx":
            q = parse_qs(parts.query)
            hop, of, to = int(q.get("hop", ["1"])[0]), int(q.get("of", ["2"])[0]), q.get("to", ["/"])[0]
            if hop < of:
                return self._redirect(req, f"/portal/Pages/Redirect.aspx?hop={hop + 1}&of={of}&to={quote(to, safe='')}", head)
            return self._redirect(req, to + ("&" if "?" in to else "?") + "utm_source=redirect", head)

        page_fn = None
        if low == "/portal/pages/default.aspx":
            page_fn = lambda: (render.home_html(d).encode("utf-8"), HTML)  # noqa: E731
        else:
            for c in d.categories:
                if c.path.lower() == low:
                    try:
                        page = max(1, int(dict(params).get("PageIndex", "1")))
                    except ValueError:
                        page = 1
                    page_fn = lambda c=c, page=page: (render.listing_html(d, c, page).encode("utf-8"), HTML)  # noqa: E731
                    break
        target = None
        if page_fn is None:
            target = self.portal.route(d.url(path))
            if target is None:
                return self._not_found(req, head)
            if isinstance(target, Phantom):
                return self._send(req, 200, render.error_html(path).encode("utf-8"), head=head)
            page_fn = lambda: render.article_page(target)  # noqa: E731

        if self.faults is not None:
            action = self.faults.action(key, attempt)
            if action is not None and self._fault(req, head, action, key, local, page_fn):
                return
        body, ctype = page_fn()
        self._send(req, 200, body, ctype, head)

    def _fault(self, req, head, action, key, local, page_fn) -> bool:
        """Carry out a fault; False when the normal page should still be sent."""
        if action == "permanent" or action == "http-500":
            body = render.error_html(key + "500").encode("utf-8")
            self._send(req, 500, body, head=head)
        elif action == "http-503":
            self._send(req, 503, b"<html><body><h1>Service Unavailable</h1></body></html>", head=head,
                       headers=[("Retry-After", "1")])
        elif action == "error-200":
            self._send(req, 200, render.error_html(key + "200").encode("utf-8"), head=head)
        elif action == "slow":
            self._stopping.wait(self.slow_seconds + 0.5)
            return False
        elif action == "drop":
            req.close_connection = True
        elif action == "truncate":
            body, ctype = page_fn()
            req.send_response(200)
            req.send_header("Content-Type", ctype)
            req.send_header("Content-Length", str(len(body) + 4096))
            req.end_headers()
            if not head:
                req.wfile.write(body[: len(body) // 2])
                req.wfile.flush()
            req.close_connection = True
        elif isinstance(action, tuple) and action[0] == "redirect":
            self._redirect(req, f"/portal/Pages/Redirect.aspx?hop=1&of={action[1]}&to={quote(local, safe='')}", head)
        else:
            return False
        return True

    # --- the fake archives -------------------------------------------------------------
    _OUTAGE = b"<html><body><h1>503 Service Unavailable</h1><p>The archive is down for maintenance.</p></body></html>"

    def _outage(self, req, head, part: str) -> bool:
        """Count a request of an archive endpoint; answer 503 when it is in an outage."""
        if self.archives.count(part):
            self._send(req, 503, self._OUTAGE, head=head, headers=[("Retry-After", "60")])
            return True
        return False

    def _listing_fault(self, req, head, key, attempt, status, body: str, ctype) -> bool:
        """Fault mode: the first request of some CDX/index pages goes wrong."""
        if self.faults is None or status != 200:
            return False
        fault = wayback.listing_fault(self.faults.seed, key, attempt)
        if fault == "cut":
            self._send(req, 200, wayback.cut_mid_line(body).encode("utf-8"), ctype, head)
        elif fault == "not-json":
            self._send(req, 200, wayback.NOT_JSON, head=head)
        elif fault == "http-503":
            self._send(req, 503, self._OUTAGE, head=head, headers=[("Retry-After", "1")])
        else:
            return False
        return True

    def _wayback(self, req, head, path, query, key, attempt) -> None:
        if path == "/wayback/cdx" or path == "/wayback/cdx/search/cdx":
            if self._outage(req, head, "wayback-cdx"):
                return
            status, body, ctype = wayback.cdx_query(self.portal, parse_qs(query, keep_blank_values=True))
            if self._listing_fault(req, head, key, attempt, status, body, ctype):
                return
            return self._send(req, status, body.encode("utf-8"), ctype, head)
        parsed = wayback.parse_web_path(path + ("?" + query if query else ""))
        if parsed is None:
            return self._not_found(req, head)
        if self._outage(req, head, "wayback-web"):
            return
        if self.faults is not None and self.faults.wayback_429(key, attempt):
            return self._send(req, 429, b"<html><body><h1>429 Too Many Requests</h1></body></html>", head=head,
                              headers=[("Retry-After", "1")])
        status, body, ctype, hdrs = wayback.replay(self.portal, *parsed)
        return self._send(req, status, body, ctype, head, hdrs)

    def _commoncrawl(self, req, head, path, query, key, attempt) -> None:
        base = self.base_url + "/commoncrawl/index"
        if path == "/commoncrawl/index/collinfo.json":
            return self._send(req, 200, json.dumps(commoncrawl.collinfo(base)).encode(), "application/json", head)
        if path.startswith("/commoncrawl/index/") and path.endswith("-index"):
            if self._outage(req, head, "commoncrawl-index"):
                return
            crawl_id = path[len("/commoncrawl/index/"):-len("-index")]
            status, body, ctype = commoncrawl.index_query(self.portal, crawl_id, parse_qs(query, keep_blank_values=True))
            if self._listing_fault(req, head, key, attempt, status, body, ctype):
                return
            return self._send(req, status, body.encode("utf-8"), ctype, head)
        if path.startswith("/commoncrawl/data/"):
            if self._outage(req, head, "commoncrawl-data"):
                return
            if self.faults is not None and commoncrawl.data_fault(self.faults.seed, key, attempt):
                return self._send(req, 503, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
                                            b"</Message></Error>", "application/xml", head, [("Retry-After", "1")])
            status, body, hdrs = commoncrawl.serve_range(self.portal, path[len("/commoncrawl/data/"):],
                                                         req.headers.get("Range"))
            ctype = dict(hdrs).pop("Content-Type", "application/octet-stream")
            return self._send(req, status, body, ctype, head, [h for h in hdrs if h[0] != "Content-Type"])
        return self._not_found(req, head)

    def _control(self, req, head, path, params: dict) -> None:
        """``/_control/archives``: request counts and outages; ``/_control/outage?part=…&seconds=…[&after=N]``."""
        if path == "/_control/outage":
            try:
                status = self.archives.outage(params.get("part", ""), float(params.get("seconds", "0")),
                                              int(params.get("after", "0")))
            except ValueError as exc:
                return self._send(req, 400, json.dumps({"error": str(exc)}).encode(), "application/json", head)
            return self._send(req, 200, json.dumps(status).encode(), "application/json", head)
        if path == "/_control/archives":
            return self._send(req, 200, json.dumps(self.archives.status()).encode(), "application/json", head)
        return self._not_found(req, head)


# --- subprocess helper ------------------------------------------------------------------------
class ReplicaProcess:
    """A replica running in a child process (see :func:`replica_process`)."""

    def __init__(self, proc: subprocess.Popen, base_url: str):
        self.proc = proc
        self.base_url = base_url
        self.pid = proc.pid
        self._manifest: dict[bool, dict] = {}

    def manifest(self, truth: bool = True) -> dict:
        """The manifest from ``/_manifest.json`` (``truth=False``: without article truth)."""
        if truth not in self._manifest:
            url = self.base_url + "/_manifest.json" + ("" if truth else "?truth=0")
            with urllib.request.urlopen(url, timeout=300) as r:
                self._manifest[truth] = json.load(r)
        return self._manifest[truth]


@contextlib.contextmanager
def replica_process(articles: int = 200, seed: int = 1, faults: bool = False, fault_seed: int = 0,
                    slow_seconds: float = 3.0, districts=None, port: int = 0, timeout: float = 60.0,
                    revision: int = 0):
    """Run ``python -m replica`` as a subprocess; yield a :class:`ReplicaProcess`
    once it printed ``READY <base_url>``; always terminate and reap it on exit."""
    cmd = [sys.executable, "-m", "replica", "--port", str(port), "--articles", str(articles),
           "--seed", str(seed), "--fault-seed", str(fault_seed), "--slow-seconds", str(slow_seconds)]
    if faults:
        cmd.append("--faults")
    if revision:
        cmd += ["--revision", str(revision)]
    if districts:
        cmd += ["--districts", districts if isinstance(districts, str) else ",".join(districts)]
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""), PYTHONUNBUFFERED="1")
    errlog = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # a pipe nobody reads could fill up
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errlog, text=True, cwd=root, env=env)
    try:
        base_url = None
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        line = result[0] if result else ""
        if line.startswith("READY "):
            base_url = line.split(None, 1)[1].strip()
        if base_url is None:
            proc.kill()
            proc.wait(timeout=10)
            errlog.seek(0)
            raise RuntimeError(f"replica did not start: {line!r} {errlog.read()[-2000:]}")
        yield ReplicaProcess(proc, base_url)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
        errlog.close()
