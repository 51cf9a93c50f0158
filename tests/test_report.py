"""The HTML report: built after a real demo crawl, opened in headless Chromium (Debian's
``chromium``, driven over the DevTools protocol): every chart drawn as SVG, no console
error, no request leaving the file; a screenshot is kept in ``tests/artifacts/report.png``.

The demo crawl (240 articles through the offline replica, about 10 s) is shared with
tests/test_exports.py through :func:`shared_demo` (once per session)."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHARTS = ("chart-coverage", "chart-span", "chart-quality", "chart-extractor", "chart-flags", "chart-pages",
          "chart-failures", "chart-people", "chart-careers", "chart-network")


def cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def shared_demo(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """``portal-news demo`` into the session's temporary directory, run once per session."""
    base = tmp_path_factory.getbasetemp() / "shared-demo"
    out, done = base / "output", base / "demo.json"
    if not done.exists():
        base.mkdir(exist_ok=True)
        run = cli("demo", "--output", str(out))
        done.write_text(json.dumps({"returncode": run.returncode, "stdout": run.stdout, "stderr": run.stderr}))
    saved = json.loads(done.read_text())
    run = subprocess.CompletedProcess(["portal-news", "demo"], saved["returncode"], saved["stdout"], saved["stderr"])
    assert run.returncode == 0, run.stderr[-3000:]
    return out, run


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return shared_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def report(demo, tmp_path_factory):
    out, _ = demo
    target = tmp_path_factory.mktemp("report") / "report.html"
    run = cli("report", "--output", str(out), "--to", str(target))
    assert run.returncode == 0, run.stderr
    assert str(target.resolve()) in run.stdout
    return target


def test_demo_ends_with_the_report_and_the_root_describes_itself(demo):
    out, run = demo
    last = run.stdout.strip().splitlines()[-1]
    assert last == f"open the report: {(out / 'report.html').resolve()}"
    assert (out / "report.html").stat().st_size > 100_000
    assert (out / "datapackage.json").exists() and (out / "README.md").exists()


def test_the_report_is_one_self_contained_file(report, demo):
    html = report.read_text("utf-8")
    assert 'http-equiv="Content-Security-Policy"' in html and "connect-src 'none'" in html
    assert not re.search(r"<script[^>]+\bsrc=", html), "a script loaded from elsewhere"
    assert not re.search(r"<link\b", html) and "@import" not in html
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html), "a style loading from the network"
    for chart in CHARTS:
        assert f'id="{chart}"' in html
    assert html.count('class="how"') == len(CHARTS)  # each chart says how to read it
    # the latest article links to its source
    out, _ = demo
    url, title = duckdb.sql(f"""SELECT url, title FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true)
                                ORDER BY published_date DESC, published_at DESC NULLS LAST LIMIT 1""").fetchall()[0]
    assert f'href="{url}"' in html


def test_coverage_flags_months_without_articles_and_far_below_usual():
    from pipelines.analysis import report

    con = duckdb.connect()
    con.execute("CREATE TABLE latest (article_id VARCHAR, district VARCHAR, published_date DATE)")
    rows = []
    for month in range(1, 13):  # a site publishing ~8 a month: March has none, June has one
        n = {3: 0, 6: 1}.get(month, 8)
        rows += [(f"a{month}-{i}", "busy", f"2024-{month:02d}-{i + 1:02d}") for i in range(n)]
    rows += [(f"q{month}", "quiet", f"2024-{month:02d}-10") for month in (1, 5, 9)]  # a site publishing rarely
    rows += [("undated", "quiet", None)]
    con.executemany("INSERT INTO latest VALUES (?, ?, ?)", rows)
    months, spans = report._coverage(con)
    gaps = {(m["site"], m["month"][:7]): m["gap"] for m in months if m["gap"]}
    assert gaps == {("busy", "2024-03"): "no article", ("busy", "2024-06"): "far below usual"}
    quiet = [m for m in months if m["site"] == "quiet"]
    assert len(quiet) == 9 and sum(m["n"] for m in quiet) == 3  # January to September, empty months kept
    assert {s["site"]: (s["first"], s["last"], s["undated"]) for s in spans} == {
        "busy": ("2024-01-01", "2024-12-08", 0), "quiet": ("2024-01-10", "2024-09-10", 1)}


def test_report_of_a_missing_root_is_a_usage_error(tmp_path):
    run = cli("report", "--output", str(tmp_path / "nowhere"))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


# --- the browser --------------------------------------------------------------------------
class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's WebSocket."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60)
        self.events: list[dict] = []
        self._id = 0

    def call(self, method: str, **params) -> dict:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def drain(self, seconds: float = 0.5) -> None:
        self.ws.settimeout(seconds)
        try:
            while True:
                self.events.append(json.loads(self.ws.recv()))
        except Exception:  # the socket's timeout: nothing more queued
            pass

    def close(self) -> None:
        self.ws.close()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """Headless Chromium with the DevTools protocol on a port it picks; stopped by its PID."""
    binary = shutil.which("chromium")
    if not binary:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp_path_factory.getbasetemp()))
    proc = subprocess.Popen([binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-extensions", "--disable-background-networking", "--disable-sync",
                             "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                             f"--user-data-dir={profile}", "--window-size=1200,900", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            assert proc.poll() is None, "chromium exited at start"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            pages = json.load(resp)
        yield [p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page"][0]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the browser and its helpers
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def test_every_chart_renders_in_chromium_without_errors_or_requests(report, chromium):
    page = DevTools(chromium)
    try:
        for domain in ("Page", "Runtime", "Network", "Log"):
            page.call(f"{domain}.enable")
        url = report.resolve().as_uri()
        page.call("Page.navigate", url=url)
        deadline = time.monotonic() + 60
        while not page.evaluate("document.body && document.body.dataset.rendered"):
            assert time.monotonic() < deadline, "the charts were not drawn within 60 s"
            time.sleep(0.2)
        assert page.evaluate("document.body.dataset.rendered") == page.evaluate("document.body.dataset.charts") \
            == str(len(CHARTS))
        drawn = json.loads(page.evaluate("""JSON.stringify(Array.from(document.querySelectorAll('[data-chart]')).map(
            el => { const svg = el.querySelector('svg'); const box = svg ? svg.getBoundingClientRect() : null;
                    return {id: el.id, svgs: el.querySelectorAll('svg').length, canvases: el.querySelectorAll('canvas').length,
                            marks: svg ? svg.querySelectorAll('path, rect, line, circle, text').length : 0,
                            width: box ? box.width : 0, height: box ? box.height : 0}; }))"""))
        assert [d["id"] for d in drawn] == list(CHARTS)
        for d in drawn:
            assert d["svgs"] + d["canvases"] >= 1, d
            assert d["marks"] >= 20, d  # axes, marks, labels: a chart with data
            assert 100 < d["width"] < 3000 and 50 < d["height"] < 3000, d
        # the data is there: the coverage heatmap has a cell per site and month
        assert page.evaluate("document.querySelectorAll('#chart-coverage svg path[aria-roledescription=\"rect mark\"], "
                             "#chart-coverage svg .mark-rect path').length") > 40
        # a screenshot of the whole page, kept as a test artefact
        size = page.call("Page.getLayoutMetrics")["cssContentSize"]
        shot = page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / ".gitignore").write_text("*\n")
        png = base64.b64decode(shot["data"])
        (ARTIFACTS / "report.png").write_bytes(png)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
        page.drain()
    finally:
        page.close()
    events = page.events
    requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
    assert requests and all(r == url or r.startswith(("data:", "blob:")) for r in requests), requests
    errors = [e["params"] for e in events
              if (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
              or e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert not errors, errors
