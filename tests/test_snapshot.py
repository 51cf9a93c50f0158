"""Extraction output held to a frozen snapshot (tests/snapshots/): every gold page, the shared
example and 166 frozen replica pages give the same record, byte for byte, as when the
snapshot was taken (pages added since are not held to it). A refactoring keeps them all; a deliberate change of output rewrites the
snapshot (``python tests/snapshots/make_extraction_snapshot.py``) in the same commit."""

import json

from tests.snapshots.make_extraction_snapshot import DIGESTS, current


def test_extraction_output_matches_snapshot():
    expected = json.loads(DIGESTS.read_text(encoding="utf-8"))
    got = current()
    changed = sorted(name for name in expected if got.get(name) != expected[name])
    assert not changed, f"changed: {changed[:20]} ({len(changed)} of {len(expected)})"
