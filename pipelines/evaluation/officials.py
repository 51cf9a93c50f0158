"""Scoring of officials extraction against ``tests/gold/officials/*.json``.

Gold item: ``{"id", "site_name", "paragraphs": [...], "captions": [...],
"officials": [{"name", "positions": [acceptable strings]}], "not_officials": [names]}``.

* names: micro precision / recall / F1 over (item, name_key) pairs;
* positions: for every gold person that was found, its predicted positions must each match
  one acceptable string (``fold_key`` equality, or equality once abbreviations are expanded;
  a predicted ``role + organization_full`` also counts) and there must be at least one;
* forbidden: predicted names listed in ``not_officials``.

The underthesea NER baseline (persons = B-PER/I-PER spans, no positions) is scored on the
same items when the package is importable; it is not a project dependency.
"""

from __future__ import annotations

import importlib
import json
import time
from pathlib import Path
from typing import Callable

from pipelines.extraction.orgs import expand_abbreviations
from pipelines.extraction.text import fold_key, name_key

__all__ = [
    "load_gold",
    "position_matches",
    "score_officials",
    "format_report",
    "run_officials_evaluation",
    "underthesea_predict",
    "ours_predict",
]


def load_gold(gold_dir) -> list[dict]:
    items = []
    for path in sorted(Path(gold_dir).glob("*.json")):
        with open(path, encoding="utf-8") as fh:
            item = json.load(fh)
        item.setdefault("id", path.stem)
        items.append(item)
    return items


def _forms(s: str) -> set[str]:
    s = s or ""
    return {fold_key(s), fold_key(expand_abbreviations(s))}


def position_matches(pred, acceptable: list[str]) -> bool:
    """Does one predicted position (raw string or position dict) match an acceptable string?"""
    if isinstance(pred, dict):
        cands = [pred.get("raw") or ""]
        if pred.get("role") and pred.get("organization_full"):
            cands.append(pred["role"] + " " + pred["organization_full"])
    else:
        cands = [str(pred)]
    acc = set()
    for a in acceptable:
        acc |= _forms(a)
    return any(_forms(c) & acc for c in cands)


def score_officials(gold_items: list[dict], predict: Callable[[dict], list[dict]]) -> dict:
    tp = fp = fn = 0
    pos_ok = pos_total = 0
    forbidden: list[dict] = []
    per_item = []
    t0 = time.perf_counter()
    for item in gold_items:
        pred = predict(item) or []
        gold = {name_key(g["name"]): g for g in item.get("officials") or []}
        pred_by_key = {}
        for p in pred:
            pred_by_key.setdefault(name_key(p["name"]), p)
        not_off = {name_key(n) for n in item.get("not_officials") or []}
        i_tp = len(gold.keys() & pred_by_key.keys())
        i_fp = len(pred_by_key.keys() - gold.keys())
        i_fn = len(gold.keys() - pred_by_key.keys())
        tp, fp, fn = tp + i_tp, fp + i_fp, fn + i_fn
        i_pos_ok = 0
        bad_pos = []
        for k in gold.keys() & pred_by_key.keys():
            ppos = pred_by_key[k].get("positions")
            if ppos is None:
                continue  # the predictor gives no positions (NER baseline)
            pos_total += 1
            ok = bool(ppos) and all(position_matches(p, gold[k].get("positions") or []) for p in ppos)
            if ok:
                pos_ok += 1
                i_pos_ok += 1
            else:
                bad_pos.append({"name": gold[k]["name"],
                                "predicted": [p.get("raw") if isinstance(p, dict) else p for p in ppos],
                                "acceptable": gold[k].get("positions")})
        forb = [pred_by_key[k]["name"] for k in pred_by_key.keys() & not_off]
        forbidden += [{"item": item.get("id"), "name": n} for n in forb]
        per_item.append({
            "id": item.get("id"), "gold": len(gold), "predicted": len(pred_by_key), "tp": i_tp,
            "fp": i_fp, "fn": i_fn, "positions_ok": i_pos_ok,
            "missed": [gold[k]["name"] for k in gold.keys() - pred_by_key.keys()],
            "spurious": [pred_by_key[k]["name"] for k in pred_by_key.keys() - gold.keys()],
            "bad_positions": bad_pos, "forbidden": forb,
        })
    elapsed = time.perf_counter() - t0
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {
        "items": len(gold_items),
        "gold_mentions": tp + fn,
        "tp": tp, "fp": fp, "fn": fn,
        "precision": prec, "recall": rec, "f1": f1,
        "positions_scored": pos_total,
        "position_exact": (pos_ok / pos_total) if pos_total else None,
        "forbidden": forbidden,
        "seconds": elapsed,
        "per_item": per_item,
    }


def ours_predict(item: dict) -> list[dict]:
    from pipelines.extraction.officials import extract_officials

    return extract_officials(item.get("paragraphs") or [], item.get("captions") or [],
                             site_name=item.get("site_name"))


_UTS = None


def underthesea_predict(item: dict) -> list[dict]:
    """Persons of the underthesea NER (B-PER/I-PER spans); positions unknown (None)."""
    global _UTS
    if _UTS is None:
        from underthesea import ner  # noqa: PLC0415

        _UTS = ner
    seen = {}
    for text in list(item.get("paragraphs") or []) + list(item.get("captions") or []):
        if not text:
            continue
        cur: list[str] = []
        for tok in _UTS(text) + [("", "", "", "O")]:
            word, tag = tok[0], tok[-1]
            if tag == "B-PER" or (tag == "I-PER" and not cur):
                if cur:
                    seen.setdefault(name_key(" ".join(cur)), " ".join(cur))
                cur = [word]
            elif tag == "I-PER":
                cur.append(word)
            else:
                if cur:
                    seen.setdefault(name_key(" ".join(cur)), " ".join(cur))
                cur = []
    return [{"name": n, "positions": None} for n in seen.values()]


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def format_report(scores: dict) -> str:
    lines = ["Officials extraction — gold: %d items, %d official mentions" % (scores["items"], scores["gold_mentions"]), ""]
    lines.append(f"{'item':40s} {'gold':>4s} {'pred':>4s} {'tp':>3s} {'fp':>3s} {'fn':>3s} {'pos':>4s}")
    for it in scores["per_item"]:
        lines.append(f"{str(it['id'])[:40]:40s} {it['gold']:4d} {it['predicted']:4d} {it['tp']:3d} {it['fp']:3d} {it['fn']:3d} {it['positions_ok']:4d}")
        for n in it["missed"]:
            lines.append(f"    missed:   {n}")
        for n in it["spurious"]:
            lines.append(f"    spurious: {n}")
        for b in it["bad_positions"]:
            lines.append(f"    position: {b['name']}: {b['predicted']} not in {b['acceptable']}")
    lines += [
        "",
        f"ours:        precision {_fmt(scores['precision'])}  recall {_fmt(scores['recall'])}  F1 {_fmt(scores['f1'])}  "
        f"positions exact {_fmt(scores['position_exact'])} ({scores['positions_scored']} persons)  "
        f"forbidden {len(scores['forbidden'])}  time {scores['seconds'] * 1000:.1f} ms",
    ]
    for f in scores["forbidden"]:
        lines.append(f"    forbidden name reported: {f['name']} ({f['item']})")
    base = scores.get("baseline")
    status = scores.get("baseline_status")
    if base:
        lines.append(
            f"underthesea: precision {_fmt(base['precision'])}  recall {_fmt(base['recall'])}  F1 {_fmt(base['f1'])}  "
            f"positions n/a  forbidden {len(base['forbidden'])}  time {base['seconds'] * 1000:.1f} ms"
        )
    elif status:
        lines.append(f"underthesea: {status}")
    return "\n".join(lines)


def run_officials_evaluation(gold_dir=None, *, baseline: bool = True) -> tuple[dict, str]:
    """Score our extractor (and underthesea when importable) on the gold directory."""
    if gold_dir is None:
        gold_dir = Path(__file__).resolve().parent.parent / "tests" / "gold" / "officials"
    items = load_gold(gold_dir)
    scores = score_officials(items, ours_predict)
    scores["baseline"] = None
    scores["baseline_status"] = None
    if baseline:
        try:
            importlib.import_module("underthesea")   # only: is it installed?
        except Exception:  # ImportError, or a broken install
            scores["baseline_status"] = "underthesea not installed"
        else:
            try:
                scores["baseline"] = score_officials(items, underthesea_predict)
            except Exception as exc:  # model download needed, etc.
                scores["baseline_status"] = f"underthesea unavailable: {type(exc).__name__}: {exc}"[:300]
    return scores, format_report(scores)


if __name__ == "__main__":  # python -m pipelines.evaluation.officials [gold_dir]
    import sys

    _, report = run_officials_evaluation(sys.argv[1] if len(sys.argv) > 1 else None)
    print(report)
