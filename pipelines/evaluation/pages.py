"""Scorer: extraction measured against hand-checked gold pages, beside trafilatura.

A gold directory holds ``<name>.html`` (page bytes) + ``<name>.json`` (expected object, see
``pipelines/extraction/CONVENTIONS.md``). Fields absent from a gold JSON are not scored. Figures:

* title, date: exact match; time: exact ``published_at`` where the gold reveals one;
* lead, body: token F1 (bag of words, NFC, new-style tones, lower case); body also the
  share of gold paragraphs reproduced exactly;
* images: F1 over (absolute image URL, caption) pairs;
* leaks: pages whose body contains a caption, byline, tag or page boilerplate (zoom
  control, share link, sidebar heading) that is not itself body text;
* false articles: error, listing or home pages emitted as articles;
* listings: article links and next page exact.

A directory of officials gold items (``tests/gold/officials``) is scored by
:mod:`pipelines.evaluation.officials` instead (names P/R/F1, positions, forbidden names,
underthesea beside ours when installed).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.extraction.extract import extract
from pipelines.extraction.text import clean_text, tokens

BOILERPLATE = ("100%", "A- ", " A+", "Chia sẻ", "Tin mới nhất", "Tin khác", "In bài viết", "Trở về", "Tags:", "Từ khóa")


def load_gold(directory: str | Path) -> list[tuple[str, bytes, dict]]:
    out = []
    for js in sorted(Path(directory).glob("*.json")):
        html = js.with_suffix(".html")
        if not html.exists():
            continue
        gold = json.loads(js.read_text("utf-8"))
        out.append((js.stem, html.read_bytes(), normalize_gold(gold)))
    return out


def normalize_gold(gold: dict) -> dict:
    """Accept the shared example's spelling of keys (published_at_best, image src)."""
    gold = dict(gold)
    if "published_at_best" in gold and "published_at" not in gold:
        gold["published_at"] = gold.pop("published_at_best")
    if "images" in gold:
        gold["images"] = [{"url": im.get("url", im.get("src")), "caption": im.get("caption")} for im in gold["images"]]
    if "is_article" not in gold and "title" in gold:
        gold["is_article"] = True
    return gold


def token_f1(pred: str, gold: str) -> float:
    p, g = Counter(tokens(pred or "")), Counter(tokens(gold or ""))
    if not p and not g:
        return 1.0
    if not p or not g:
        return 0.0
    overlap = sum((p & g).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def _pairs(images) -> set:
    return {(im.get("url"), clean_text(im.get("caption") or "") or None) for im in images or []}


def _f1_sets(pred: set, gold: set) -> tuple[int, int, int]:
    return len(pred & gold), len(pred), len(gold)


@dataclass
class PageScore:
    name: str
    fields: dict = field(default_factory=dict)  # metric -> value (float or bool)
    notes: list = field(default_factory=list)


def score_page(name: str, pred: dict, gold: dict) -> PageScore:
    s = PageScore(name)
    f = s.fields
    gold_article = gold.get("is_article", True)
    pred_article = bool(pred.get("is_article"))
    f["kind_ok"] = pred_article == gold_article
    if not gold_article:
        f["false_article"] = pred_article
        if "error" in gold:
            f["error_ok"] = pred.get("error") == gold["error"]
        if "listing_links" in gold:
            f["listing_links_ok"] = pred.get("listing_links") == gold["listing_links"]
        if "next_page" in gold:
            f["next_page_ok"] = pred.get("next_page") == gold["next_page"]
        return s
    if "title" in gold:
        f["title"] = pred.get("title") == gold["title"]
    if "published_date" in gold:
        f["date"] = pred.get("published_date") == gold["published_date"]
    if gold.get("published_at"):
        f["time"] = pred.get("published_at") == gold["published_at"]
    if "summary" in gold:
        f["lead_f1"] = token_f1(pred.get("summary") or "", gold["summary"] or "")
    if "body_paragraphs" in gold:
        gp, pp = gold["body_paragraphs"], pred.get("body_paragraphs") or []
        f["body_f1"] = token_f1(" ".join(pp), " ".join(gp))
        pset = set(pp)
        f["para_exact"] = (sum(1 for p in gp if p in pset) / len(gp)) if gp else float(not pp)
        # leaks: caption, byline, tag or boilerplate text inside the body that the gold body lacks
        gold_body = " ".join(gp)
        suspects = [im.get("caption") for im in gold.get("images") or [] if im.get("caption")]
        suspects += [gold.get("byline")] if gold.get("byline") else []
        suspects += [t for t in gold.get("tags") or [] if len(t) > 12]
        suspects += list(BOILERPLATE)
        leaked = [x for x in suspects if x and x not in gold_body and any(x in p for p in pp)]
        f["leak"] = bool(leaked)
        if leaked:
            s.notes.append("leaked: " + "; ".join(x[:50] for x in leaked[:3]))
    if "images" in gold:
        tp, np_, ng = _f1_sets(_pairs(pred.get("images")), _pairs(gold["images"]))
        f["img_tp"], f["img_pred"], f["img_gold"] = tp, np_, ng
    for key in ("byline", "category", "date_source"):
        if key in gold:
            f[key] = pred.get(key) == gold[key]
    if "tags" in gold:
        f["tags"] = pred.get("tags") == gold["tags"]
    wrong = [k for k in ("byline", "category", "date_source", "tags") if f.get(k) is False]
    if wrong:
        s.notes.append("wrong: " + ", ".join(f"{k} {pred.get(k)!r} (gold {gold[k]!r})" for k in wrong))
    if "officials" in gold:
        from pipelines.extraction.text import name_key

        pred_names = {name_key(o["name"]): o["name"] for o in pred.get("officials") or []}
        gold_names = {name_key(o["name"]): o["name"] for o in gold["officials"]}
        pn, gn = set(pred_names), set(gold_names)
        f["off_tp"], f["off_pred"], f["off_gold"] = len(pn & gn), len(pn), len(gn)
        bad = {name_key(n) for n in gold.get("not_officials") or []} & pn
        f["off_forbidden"] = len(bad)
        if gn - pn:
            s.notes.append("officials missed: " + ", ".join(sorted(gold_names[k] for k in gn - pn)))
        if pn - gn - bad:
            s.notes.append("officials not in gold: " + ", ".join(sorted(pred_names[k] for k in pn - gn - bad)))
        if bad:
            s.notes.append("FORBIDDEN officials: " + ", ".join(sorted(pred_names[k] for k in bad)))
    return s


def trafilatura_record(html: bytes, url: str) -> dict:
    """trafilatura's answer in our form (title, date, body; it gives no lead, no caption pairs)."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    except Exception:
        doc = None
    if doc is None:
        return {"is_article": False}
    if not isinstance(doc, dict):
        doc = doc.as_dict() if hasattr(doc, "as_dict") else vars(doc)
    text = doc.get("text") or ""
    paragraphs = [p for p in (clean_text(x) for x in text.split("\n")) if p]
    return {
        "is_article": bool(paragraphs),
        "title": clean_text(doc.get("title")) or None,
        "published_date": (doc.get("date") or None),
        "published_at": None,
        "summary": "",
        "body_paragraphs": paragraphs,
        "images": [],
        "byline": doc.get("author"),
        "tags": [],
    }


def aggregate(scores: list[PageScore]) -> dict:
    def mean(key):
        vals = [float(s.fields[key]) for s in scores if key in s.fields]
        return (sum(vals) / len(vals), len(vals)) if vals else (None, 0)

    out = {}
    for key in ("title", "date", "time", "lead_f1", "body_f1", "para_exact", "byline", "category", "tags",
                "date_source", "kind_ok", "error_ok", "listing_links_ok", "next_page_ok"):
        out[key] = mean(key)
    tp = sum(s.fields.get("img_tp", 0) for s in scores)
    npred = sum(s.fields.get("img_pred", 0) for s in scores)
    ngold = sum(s.fields.get("img_gold", 0) for s in scores)
    p = tp / npred if npred else (1.0 if not ngold else 0.0)
    r = tp / ngold if ngold else 1.0
    out["images_f1"] = ((2 * p * r / (p + r)) if p + r else 0.0, ngold)
    out["leak_pages"] = (sum(1 for s in scores if s.fields.get("leak")), sum(1 for s in scores if "leak" in s.fields))
    out["false_articles"] = (sum(1 for s in scores if s.fields.get("false_article")),
                             sum(1 for s in scores if "false_article" in s.fields))
    otp = sum(s.fields.get("off_tp", 0) for s in scores)
    opred = sum(s.fields.get("off_pred", 0) for s in scores)
    ogold = sum(s.fields.get("off_gold", 0) for s in scores)
    if ogold:
        p = otp / opred if opred else 0.0
        r = otp / ogold
        out["officials_f1"] = ((2 * p * r / (p + r)) if p + r else 0.0, ogold)
        out["officials_forbidden"] = (sum(s.fields.get("off_forbidden", 0) for s in scores), None)
    return out


LABELS = {
    "title": "title exact", "date": "date exact", "time": "time exact (where revealed)",
    "lead_f1": "lead token-F1", "body_f1": "body token-F1", "para_exact": "body paragraphs exact",
    "images_f1": "image/caption pairs F1", "leak_pages": "pages leaking caption/boilerplate into body",
    "false_articles": "non-articles emitted as articles", "byline": "byline exact", "category": "category exact",
    "tags": "tags exact", "date_source": "date_source exact", "kind_ok": "page kind right",
    "error_ok": "error pages recognised", "listing_links_ok": "listing links exact", "next_page_ok": "next page exact",
    "officials_f1": "officials name F1 (pages with officials gold)", "officials_forbidden": "forbidden names reported",
}


def _fmt(value) -> str:
    v, n = value
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.3f}" + (f" (n={n})" if n is not None else "")
    return f"{v}" + (f"/{n}" if n is not None else "")


def format_report(ours: dict, base: dict | None, pages: list[tuple[PageScore, PageScore | None]],
                  verbose: bool = False, label="portal-news") -> str:
    lines = []
    if verbose:
        lines.append("per page (ours): title date time lead body para img leak")
        for s, b in pages:
            f = s.fields
            img = f"{f.get('img_tp', '-')}/{f.get('img_gold', '-')}"
            cells = [str(int(f[k])) if k in f else "-" for k in ("title", "date", "time")]
            cells += [f"{f[k]:.2f}" if k in f else "-" for k in ("lead_f1", "body_f1", "para_exact")]
            lines.append(f"  {s.name:<40} {' '.join(f'{c:>5}' for c in cells)} {img:>6} {'LEAK' if f.get('leak') else '':>4}"
                         + ("" if f.get("kind_ok", True) else "  WRONG KIND") + (f"  {'; '.join(s.notes)}" if s.notes else ""))
    lines.append(f"\n{'metric':<48} {label:>20} {'trafilatura' if base else '':>20}")
    for key, text in LABELS.items():
        if key not in ours:
            continue
        lines.append(f"{text:<48} {_fmt(ours[key]):>20} {(_fmt(base[key]) if base and key in base else ''):>20}")
    return "\n".join(lines)


def _is_officials_gold(directory) -> bool:
    """Officials gold items: JSON with "paragraphs" and "officials", no page files."""
    for js in Path(directory).glob("*.json"):
        try:
            item = json.loads(js.read_text("utf-8"))
        except ValueError:
            continue
        return isinstance(item, dict) and "paragraphs" in item and "officials" in item
    return False


def run_evaluation(directory: str | Path, baseline: bool = True, predictions: str | None = None,
                   verbose: bool = False):
    gold = load_gold(directory)
    if not gold and _is_officials_gold(directory):
        from pipelines.evaluation.officials import run_officials_evaluation

        scores, report = run_officials_evaluation(directory)
        return report, scores
    if not gold:
        return f"no gold pages (name.html + name.json) in {directory}", False
    ours, base = [], []
    for name, html, g in gold:
        url = g.get("url") or f"http://example.invalid/{name}.html"
        if predictions:
            pred = normalize_gold(json.loads((Path(predictions) / f"{name}.json").read_text("utf-8")))
        else:
            pred = extract(html, url)
        ours.append(score_page(name, pred, g))
        if baseline:
            base.append(score_page(name, trafilatura_record(html, url), g))
    agg = aggregate(ours)
    agg_base = aggregate(base) if baseline else None
    report = f"{len(gold)} gold pages in {directory}\n" + format_report(
        agg, agg_base, list(zip(ours, base or [None] * len(ours))), verbose,
        label="predictions" if predictions else "portal-news")
    return report, agg
