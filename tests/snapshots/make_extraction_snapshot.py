"""Freeze the extraction output of every gold page and a fixed set of replica pages.

    python tests/snapshots/make_extraction_snapshot.py            # write extraction.json
    python tests/snapshots/make_extraction_snapshot.py --inputs   # also re-freeze the replica pages

``replica-pages.jsonl.gz`` holds the input bytes (rendered once by the replica, so a later
change of the replica's rendering does not move the inputs); ``extraction.json`` maps each
page to the SHA-1 of ``extract()``'s whole record (sorted-key JSON). ``tests/test_snapshot.py``
holds the current code to it: a refactoring must keep every digest; a deliberate change of
extraction output rewrites the file with this script, in the same commit, saying why.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GOLD = ROOT / "tests" / "gold" / "pages"
INPUTS = HERE / "replica-pages.jsonl.gz"
DIGESTS = HERE / "extraction.json"


def freeze_replica_pages(articles: int = 150, seed: int = 3) -> None:
    sys.path.insert(0, str(ROOT))
    from replica import build_portal, render

    portal = build_portal(seed=seed, articles=articles)
    rows = []
    for a in portal.articles[:articles]:
        body, ctype = render.article_page(a)
        rows.append({"url": a.url, "content_type": ctype, "body": base64.b64encode(body).decode("ascii")})
    for d in portal.districts:
        for cat in d.categories[:2]:
            for page in (1, 2):
                html = render.listing_html(d, cat, page)
                url = d.url(d.listing_path(cat, page))
                rows.append({"url": url, "content_type": "text/html; charset=utf-8",
                             "body": base64.b64encode(html.encode("utf-8")).decode("ascii")})
    with gzip.open(INPUTS, "wt", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def pages():
    """(name, body bytes, url, content type) of every page the snapshot covers."""
    for html in sorted(GOLD.glob("*.html")):
        if not html.with_suffix(".json").is_file():
            continue
        expected = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
        yield "gold/" + html.stem, html.read_bytes(), expected["url"], None
    fixture = ROOT / "tests" / "fixtures" / "muonglat-2021-3-24.html"
    yield "fixture/muonglat-2021-3-24", fixture.read_bytes(), json.loads(
        fixture.with_suffix(".json").read_text(encoding="utf-8"))["url"], None
    with gzip.open(INPUTS, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            row = json.loads(line)
            yield f"replica/{i:03d}", base64.b64decode(row["body"]), row["url"], row["content_type"]


def digest(record: dict) -> str:
    return hashlib.sha1(json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
                        .encode("utf-8")).hexdigest()


def current() -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from pipelines import extract

    return {name: digest(extract(body, url, content_type=ctype)) for name, body, url, ctype in pages()}


if __name__ == "__main__":
    if "--inputs" in sys.argv:
        freeze_replica_pages()
    DIGESTS.write_text(json.dumps(current(), indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {DIGESTS}")
