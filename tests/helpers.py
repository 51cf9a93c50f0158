"""Test helpers (no fixtures here)."""

import sys
import unicodedata

# letters windows-1258 has as single bytes; tone marks are combining characters
_CP1258_BASE = set("âêôơưăđÂÊÔƠƯĂĐ")


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese text the way windows-1258 pages do: base letter + combining tone."""
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out:
            composed = unicodedata.normalize("NFC", out[-1] + ch)
            if len(composed) == 1 and composed in _CP1258_BASE:
                out[-1] = composed
                continue
        out.append(ch)
    return "".join(out).encode("cp1258", "xmlcharrefreplace")


def crawl_cmd(replica_url: str, out, sites: str, *extra: str) -> list[str]:
    """``portal-news crawl`` of replica districts into ``out``, every request through the replica
    at ``replica_url`` (the portals' real URLs, answered by the replica as an HTTP proxy):
    politeness off, warnings only; ``extra`` options and ``-s`` settings appended."""
    return [sys.executable, "-m", "crawler.cli", "crawl", "--sites", sites, "--replica", replica_url,
            "--impolite", "-o", str(out), "-s", "LOG_LEVEL=WARNING", *extra]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class redis_server:
    """A real ``redis-server`` on 127.0.0.1 (a free port, a password, no persistence), stopped
    by its pid on exit. ``url`` has the password; ``client()`` a connected client."""

    def __init__(self, password: str = "s3cret-test"):
        self.password = password
        self.proc = None

    def __enter__(self):
        import shutil
        import subprocess
        import time

        exe = shutil.which("redis-server")
        if exe is None:
            import pytest

            pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run does)")
        self.port = free_port()
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--requirepass", self.password, "--protected-mode", "yes"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"redis://:{self.password}@127.0.0.1:{self.port}/0"
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return self
            except Exception:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.__exit__(None, None, None)
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password, socket_timeout=10)

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except Exception:
                self.proc.kill()
                self.proc.wait(10)
