"""Officials on pages we did not write the extractor against: the replica's generated
articles (its own name and position lists), scored against the replica's truth."""

from __future__ import annotations

from replica import build_manifest, build_portal
from replica.render import article_page
from pipelines import extract
from pipelines.extraction.text import fold_key, name_key


def test_officials_on_replica_pages_match_truth():
    portal = build_portal(seed=4, articles=300)
    base = "http://127.0.0.1:1"
    truth = {a["url"]: a["truth"] for a in build_manifest(portal, base)["articles"]}
    tp = fp = fn = forbidden = pos_ok = pos_n = 0
    for art in portal.articles:
        url = art.url
        if url not in truth:
            continue
        body, ctype = article_page(art)
        rec = extract(body, url, content_type=ctype)
        gold = {name_key(o["name"]): o for o in truth[url].get("officials") or []}
        pred = {name_key(o["name"]): o for o in rec["officials"]}
        tp += len(gold.keys() & pred.keys())
        fp += len(pred.keys() - gold.keys())
        fn += len(gold.keys() - pred.keys())
        forbidden += len({name_key(n) for n in truth[url].get("not_officials") or []} & pred.keys())
        for k in gold.keys() & pred.keys():
            accepted = {fold_key(p) for p in gold[k]["positions"]}
            pos_n += 1
            pos_ok += bool(pred[k]["positions"]) and all(fold_key(p) in accepted for p in pred[k]["positions"])
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    print(f"replica officials: {tp + fn} persons, P {precision:.3f} R {recall:.3f} F1 {f1:.3f} "
          f"positions {pos_ok / pos_n:.3f} forbidden {forbidden}")
    assert tp + fn > 500
    assert f1 >= 0.97 and pos_ok / pos_n >= 0.93 and forbidden == 0
