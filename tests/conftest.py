"""Shared fixtures. Every server a test starts is stopped by the test (context managers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "portal" / "examples"
# The shared example (../shared beside the repository, as in CI) is the reference; a copy
# in tests/fixtures keeps the tests running in a clone without it.
_EXAMPLES = SHARED if (SHARED / "muonglat-2021-3-24.html").exists() else ROOT / "tests" / "fixtures"
EXAMPLE_HTML = _EXAMPLES / "muonglat-2021-3-24.html"
EXAMPLE_JSON = _EXAMPLES / "muonglat-2021-3-24.json"
GOLD_PAGES = ROOT / "tests" / "gold" / "pages"


@pytest.fixture(scope="session")
def example():
    if not EXAMPLE_HTML.exists():
        pytest.skip("shared example not found")
    return EXAMPLE_HTML.read_bytes(), json.loads(EXAMPLE_JSON.read_text("utf-8"))
