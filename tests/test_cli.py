"""User errors get one clear line and exit status 2, never a traceback; nothing is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.mark.parametrize("args,expect", [
    (["crawl", "--sites", "no-such-district"], "unknown site"),
    (["crawl", "--sites", "muong-lat", "--since", "2020-13-45"], "is not a date"),
    (["crawl", "--start-urls", "ftp://example.org/x"], "not an http(s) URL"),
    (["reprocess", "/nonexistent.warc.gz"], "nonexistent.warc.gz"),
    (["evaluate", "/nonexistent-dir"], "not a directory"),
])
def test_user_errors_are_one_line_exit_2(tmp_path, args, expect):
    out = run(*args, "-o", str(tmp_path / "ds")) if args[0] in ("crawl", "reprocess") else run(*args)
    assert out.returncode == 2, out.stderr
    assert expect in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "ds" / "runs").exists()


def test_scrapy_crawl_with_bad_arguments_logs_one_error_and_writes_nothing(tmp_path):
    out = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "sites=nowhere",
                          "-s", f"OUTPUT_DIR={tmp_path / 'ds'}"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "Traceback" not in out.stderr
    assert "bad spider arguments: unknown site(s): nowhere" in out.stderr
    assert not (tmp_path / "ds" / "runs").exists()


def test_help_lists_the_commands():
    out = run("--help")
    for command in ("demo", "crawl", "replica", "extract", "evaluate", "reprocess", "compact", "status", "schema"):
        assert command in out.stdout
