"""Scoring of people resolution: B-cubed precision, recall and F1 of mentions clustered into
persons, against a known truth.

A *mention* is one official named in one article: ``(article_id, name_key)``, as the
``officials`` table holds it. B-cubed (Bagga & Baldwin 1998) scores every mention: its
precision is the share of the mentions put with it that truly are the same person, its
recall the share of the person's mentions put with it; the averages over all mentions are
the scores (F1 their harmonic mean). Only mentions present in both the prediction and the
truth are scored (``coverage`` is the share of the truth's mentions that were found:
finding officials is scored by ``pipelines/evaluation/officials.py``).

Two truths:

* **the replica's**: ``replica`` generates persons with careers and its manifest says, per
  article, which person each official is (``articles[].people``: the name as written and
  ``person_id``). Pages are rendered and extracted in-process (:func:`officials_rows`);
* **the careers gold set** ``tests/gold/people/*.json``, written by hand: articles with the
  officials they name (name as written, positions as written, the person).

Beside the resolution the scores of two baselines are printed: **name only** (one person per
``name_key``) and **name + district** (one person per ``name_key`` and district, joined
across districts by a shared organisation: the rule ``people/`` used before).

The resolution itself lives in ``pipelines/storage/people.py``; the callers pass it in
(``resolve``), so this module only reads rows and scores clusters.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Iterable

from pipelines.extraction import extract
from pipelines.extraction.officials import display_name, parse_positions
from pipelines.extraction.text import fold_key, name_key
from pipelines.sites.registry import article_id, canonical_url, district_slug

__all__ = ["TARGETS", "bcubed", "clusters_of", "name_only", "name_and_district", "officials_rows",
           "truth_of", "is_people_gold", "load_gold", "score_people", "format_report", "meets_targets",
           "replica_scores", "per_person_errors", "split_persons"]

TARGETS = {"f1": 0.95, "precision": 0.97}


def bcubed(pred: dict, gold: dict) -> dict:
    """B-cubed precision, recall, F1 of ``pred`` (mention → cluster) against ``gold``
    (mention → person), over the mentions both hold."""
    keys = pred.keys() & gold.keys()
    n = len(keys)
    if not n:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "mentions": 0, "coverage": 0.0,
                "clusters": 0, "persons": 0}
    joint = Counter((pred[k], gold[k]) for k in keys)
    psize = Counter(pred[k] for k in keys)
    gsize = Counter(gold[k] for k in keys)
    precision = sum(c * c / psize[p] for (p, _), c in joint.items()) / n
    recall = sum(c * c / gsize[g] for (_, g), c in joint.items()) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "mentions": n,
            "coverage": n / len(gold) if gold else 0.0, "clusters": len(psize), "persons": len(gsize)}


def clusters_of(people: Iterable[dict]) -> dict:
    """mention → person_id of resolved people (their ``mentions`` column)."""
    out = {}
    for p in people:
        for m in p.get("mentions") or ():
            out[(str(m["article_id"]), m["name_key"])] = p["person_id"]
    return out


def _key(row: dict) -> tuple:
    return (str(row.get("article_id")), row.get("name_key") or name_key(row.get("name") or ""))


def name_only(rows: Iterable[dict]) -> dict:
    """The baseline: every mention of a ``name_key`` is one person."""
    return {_key(r): _key(r)[1] for r in rows}


def name_and_district(rows: Iterable[dict]) -> dict:
    """The previous rule: same ``name_key`` and same district, or a shared organisation."""
    rows = list(rows)
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in rows:
        k = _key(r)
        nodes = [("d", k[1], r.get("district"))] if r.get("district") else []
        for p in r.get("positions") or []:
            org = p.get("organization_full") or p.get("organization") if isinstance(p, dict) else None
            if org:
                nodes.append(("o", k[1], fold_key(org)))
        if not nodes:
            nodes = [("n", k[1])]
        for node in nodes:
            parent[find(node)] = find(("m",) + k)
    return {_key(r): find(("m",) + _key(r)) for r in rows}


# --- rows -------------------------------------------------------------------------------------
def officials_rows(body: bytes | str, url: str, content_type: str | None = None) -> list[dict]:
    """The officials rows of one page, with the columns the resolution reads (``article_id``,
    ``district``, ``published_date``, ``name``, ``name_key``, ``positions``), as a crawl
    stores them."""
    rec = extract(body, url, content_type=content_type)
    if not rec.get("is_article"):
        return []
    aid = article_id(canonical_url(url))
    district = district_slug(url, rec.get("site_name"))
    out = []
    for o in rec.get("officials_detail") or []:
        out.append({"article_id": aid, "district": district, "published_date": rec.get("published_date"),
                     "name": o.get("name"), "name_key": o.get("name_key"),
                     "positions": [{k: p.get(k) for k in ("raw", "role", "organization", "organization_full", "level")}
                                   for p in o.get("positions") or []]})
    return out


def truth_of(url: str, people: Iterable[dict]) -> dict:
    """mention → person of one replica article (its manifest entry's ``people``)."""
    aid = article_id(canonical_url(url))
    return {(aid, name_key(p["name"])): p["person_id"] for p in people}


def is_people_gold(directory) -> bool:
    """A directory of careers gold files: JSON with "persons" and "articles"."""
    for path in sorted(Path(directory).glob("*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except ValueError:
            continue
        return isinstance(data, dict) and "persons" in data and "articles" in data
    return False


def load_gold(directory) -> tuple[list[dict], dict, dict]:
    """(rows, truth, persons) of the careers gold set: every ``*.json`` of ``directory``.

    A file: ``{"persons": {id: note}, "articles": [{"id", "district", "site_name", "date",
    "officials": [{"name", "positions": [as written], "person"}]}]}``; positions are read
    with the extraction's position parser, in the article's district."""
    rows, truth, persons = [], {}, {}
    for path in sorted(Path(directory).glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        persons.update(data.get("persons") or {})
        for art in data.get("articles") or []:
            aid = f"{path.stem}/{art['id']}"
            for o in art.get("officials") or []:
                positions = []
                for text in o.get("positions") or []:
                    parsed = parse_positions(text, site_name=art.get("site_name"))
                    positions += parsed or [{"raw": text, "role": text, "organization": None,
                                             "organization_full": None, "level": None}]
                row = {"article_id": aid, "district": art["district"], "published_date": art.get("date"),
                       "name": display_name(o["name"]), "name_key": name_key(o["name"]),
                       "positions": [{k: p.get(k) for k in ("raw", "role", "organization", "organization_full", "level")}
                                     for p in positions]}
                rows.append(row)
                truth[_key(row)] = o["person"]
    return rows, truth, persons


# --- scoring ---------------------------------------------------------------------------------
def score_people(rows: list[dict], truth: dict, resolve: Callable[[list[dict]], list[dict]]) -> dict:
    """{method: scores} for the resolution (``resolve``: rows → people with ``mentions``) and
    the two baselines."""
    rows = list(rows)
    ours = clusters_of(resolve([dict(r) for r in rows]))
    return {
        "portal-news": bcubed(ours, truth),
        "name only": bcubed(name_only(rows), truth),
        "name + district": bcubed(name_and_district(rows), truth),
    }


def meets_targets(scores: dict) -> bool:
    return scores["f1"] >= TARGETS["f1"] and scores["precision"] >= TARGETS["precision"]


def format_report(title: str, results: dict) -> str:
    lines = [title, f"  {'method':<18} {'precision':>9} {'recall':>8} {'F1':>7} {'clusters':>9} {'persons':>8} "
                    f"{'mentions':>9} {'coverage':>9}"]
    for method, s in results.items():
        lines.append(f"  {method:<18} {s['precision']:>9.3f} {s['recall']:>8.3f} {s['f1']:>7.3f} {s['clusters']:>9} "
                     f"{s['persons']:>8} {s['mentions']:>9} {s['coverage']:>9.3f}")
    ours = results.get("portal-news")
    if ours:
        ok = meets_targets(ours)
        lines.append(f"  targets: B-cubed F1 ≥ {TARGETS['f1']}, precision ≥ {TARGETS['precision']}: "
                     f"{'met' if ok else 'NOT met'}")
    return "\n".join(lines)


def replica_scores(pages: Iterable[tuple], resolve: Callable) -> tuple[dict, list[dict], dict]:
    """Score on replica pages: ``pages`` yields (url, body, content_type, people) — ``people``
    the manifest's ``articles[].people`` of that page. Returns (results, rows, truth)."""
    rows, truth = [], {}
    for url, body, ctype, people in pages:
        rows += officials_rows(body, url, ctype)
        truth.update(truth_of(url, people))
    return score_people(rows, truth, resolve), rows, truth


def per_person_errors(people: Iterable[dict], truth: dict, limit: int = 20) -> list[str]:
    """The worst clusters (several true persons in one) for reading: one line each."""
    out = []
    for p in people:
        ms = [(str(m["article_id"]), m["name_key"]) for m in p.get("mentions") or ()]
        who = Counter(truth.get(m) for m in ms if m in truth)
        if len(who) > 1:
            out.append((sum(who.values()) - max(who.values()), f"{p['name']} ({p['person_id']}): {dict(who)}"))
    out.sort(key=lambda t: -t[0])
    return [line for _, line in out[:limit]]


def split_persons(people: Iterable[dict], truth: dict, limit: int = 20) -> list[str]:
    """True persons spread over several clusters, for reading: one line each."""
    where: dict = defaultdict(Counter)
    for p in people:
        for m in p.get("mentions") or ():
            k = (str(m["article_id"]), m["name_key"])
            if k in truth:
                where[truth[k]][p["person_id"]] += 1
    out = [(sum(c.values()) - max(c.values()), f"{t}: {dict(c)}") for t, c in where.items() if len(c) > 1]
    out.sort(key=lambda t: -t[0])
    return [line for _, line in out[:limit]]
