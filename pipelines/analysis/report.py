"""``portal-news report``: one self-contained HTML file about the datasets.

Every figure is aggregated in DuckDB (:mod:`pipelines.analysis.db`), so the page carries
only small tables whatever the size of the dataset; charts are Vega-Lite specifications
(built with Altair) drawn in the browser by Vega, whose JavaScript (from
``vl-convert-python``) is inlined with the data and the styles. A Content-Security-Policy
forbids every request: the file opens from disk on a machine without network.

Sections: coverage (articles per site per month, gaps, first and last article, the
abolition of district government), extraction quality per site, crawl health (runs,
failures), officials (most named, careers, who appears with whom), and the latest articles
with links to their sources. Each chart comes with a sentence saying how to read it.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import time
from importlib import metadata
from pathlib import Path

import altair as alt

from pipelines.analysis import network
from pipelines.analysis.db import connect
from pipelines.sites.registry import load_registry

__all__ = ["build_report", "ABOLITION_DATE", "DEFAULT_NAME"]

DEFAULT_NAME = "report.html"
ABOLITION_DATE = "2025-07-01"   # district-level government abolished (registry: `abolished`)
VEGA_LITE_VERSION = "6.4"       # the Vega-Lite of Altair's schema, bundled by vl-convert
WIDTH = 760
QUALITY_MEASURES = ("with a date", "with a time", "with a lead", "with a body", "with images", "with captions",
                    "with officials")
FLAGS = ("empty-body", "no-date", "no-title")
LEVELS = ["central", "province", "district", "commune", "village"]
TOP_PEOPLE = 25
CAREERS = 12
CAREER_POSITIONS = 6  # positions drawn per person (the first ones)
NETWORK_NODES = 60
LATEST_ROWS = 50
RUNS_SHOWN = 30

CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
       "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")


def _rows(con, sql: str, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, (_plain(v) for v in row))) for row in cur.fetchall()]


def _plain(value):
    """JSON-safe values: dates and times as ISO strings, decimals as floats."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if value is not None and type(value).__name__ == "Decimal":
        return float(value)
    return value


# --- the queries ------------------------------------------------------------------------
def _narrow(con) -> None:
    """The latest versions, narrowed to what the report reads, scanned once: temporary
    tables ``latest`` (articles), ``latest_images`` (images and captions per article) and the
    network's ``person_mentions`` and ``cooccurrence``."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE latest AS
        SELECT article_id, district, url, title, published_date, published_at, date_source, summary, body_chars,
               n_images, n_officials, extractor, source, quality_flags
        FROM articles_latest
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE latest_images AS
        SELECT article_id, count(*) AS images, count(*) FILTER (WHERE coalesce(caption, '') <> '') AS captions
        FROM images_latest GROUP BY 1
    """)
    network.person_mentions(con)


def _overview(con) -> dict:
    row = _rows(con, """
        SELECT (SELECT count(*) FROM latest) AS articles,
               (SELECT count(*) FROM articles) AS versions,
               (SELECT count(DISTINCT district) FROM latest) AS sites,
               (SELECT min(published_date) FROM latest) AS first,
               (SELECT max(published_date) FROM latest) AS last,
               (SELECT coalesce(sum(images), 0) FROM latest_images) AS images,
               (SELECT count(*) FROM person_mentions) AS officials,
               (SELECT count(*) FROM people) AS people,
               (SELECT count(DISTINCT run_id) FROM runs) AS runs,
               (SELECT count(*) FROM failures) AS failures,
               (SELECT string_agg(DISTINCT source, ', ' ORDER BY source) FROM latest) AS sources
    """)[0]
    return row


def _coverage(con) -> tuple[list[dict], list[dict]]:
    months = _rows(con, """
        WITH m AS (SELECT district AS site, date_trunc('month', published_date)::DATE AS month, count(*) AS n
                   FROM latest WHERE published_date IS NOT NULL GROUP BY ALL),
        b AS (SELECT site, min(month) AS lo, max(month) AS hi FROM m GROUP BY site),
        g AS (SELECT site, unnest(generate_series(lo, hi, INTERVAL 1 MONTH))::DATE AS month FROM b),
        c AS (SELECT g.site, g.month, coalesce(m.n, 0) AS n FROM g LEFT JOIN m USING (site, month)),
        u AS (SELECT site, median(n) AS usual FROM c GROUP BY site)
        SELECT c.site, c.month, c.n, u.usual,
               CASE WHEN c.n = 0 AND u.usual >= 1 THEN 'no article'
                    WHEN u.usual >= 4 AND c.n < u.usual / 4 THEN 'far below usual' END AS gap
        FROM c JOIN u USING (site) ORDER BY site, month
    """)
    spans = _rows(con, """
        SELECT district AS site, count(*) AS articles, min(published_date) AS first, max(published_date) AS last,
               count(*) FILTER (WHERE published_date IS NULL) AS undated,
               count(*) FILTER (WHERE published_date >= ?::DATE) AS after_abolition
        FROM latest GROUP BY 1 ORDER BY 1
    """, [ABOLITION_DATE])
    return months, spans


def _quality(con) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    per_site = _rows(con, """
        WITH cap AS (SELECT article_id FROM latest_images WHERE captions > 0)
        SELECT a.district AS site, count(*) AS articles,
               avg((a.published_date IS NOT NULL)::INT) AS "with a date",
               avg((a.published_at IS NOT NULL)::INT) AS "with a time",
               avg((coalesce(a.summary, '') <> '')::INT) AS "with a lead",
               avg((coalesce(a.body_chars, 0) > 0)::INT) AS "with a body",
               avg((coalesce(a.n_images, 0) > 0)::INT) AS "with images",
               avg((cap.article_id IS NOT NULL)::INT) AS "with captions",
               avg((coalesce(a.n_officials, 0) > 0)::INT) AS "with officials"
        FROM latest a LEFT JOIN cap USING (article_id) GROUP BY 1 ORDER BY 1
    """)
    shares = [{"site": r["site"], "measure": m, "share": r[m], "articles": r["articles"]}
              for r in per_site for m in QUALITY_MEASURES]
    extractors = _rows(con, """
        SELECT district AS site, 'extractor: ' || coalesce(extractor, 'unknown') AS what, count(*) AS n
        FROM latest GROUP BY ALL
        UNION ALL
        SELECT district, 'date from: ' || coalesce(date_source, 'none'), count(*) FROM latest GROUP BY ALL
        ORDER BY 1, 2
    """)
    stored = {(r["site"], r["flag"]): r["n"] for r in _rows(con, """
        SELECT district AS site, flag, count(*) AS n
        FROM (SELECT district, unnest(quality_flags) AS flag FROM latest) GROUP BY ALL
    """)}
    runs = _rows(con, """
        SELECT site, sum(articles_empty_body)::BIGINT AS "empty-body", sum(articles_no_date)::BIGINT AS "no-date",
               sum(articles_no_title)::BIGINT AS "no-title"
        FROM runs WHERE site <> '*' GROUP BY site
    """)
    run_counts = {(r["site"], f): r[f] or 0 for r in runs for f in FLAGS}
    sites = sorted({r["site"] for r in per_site} | {r["site"] for r in runs})
    flags = [{"site": s, "flag": f, "where": "stored articles (latest versions)", "n": stored.get((s, f), 0)}
             for s in sites for f in FLAGS]
    flags += [{"site": s, "flag": f, "where": "counted by runs (all runs)", "n": run_counts.get((s, f), 0)}
              for s in sites for f in FLAGS]
    return per_site, shares, extractors, flags


def _health(con) -> tuple[list[dict], list[dict], list[dict], list[str]]:
    last_runs = _rows(con, """
        SELECT site, run_id, strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS started, finish_reason, pages_fetched, listing_pages, articles_fetched,
               articles_new, articles_updated, articles_unchanged, failures
        FROM runs WHERE site <> '*'
        QUALIFY row_number() OVER (PARTITION BY site ORDER BY started_at DESC, run_id DESC) = 1 ORDER BY site
    """)
    recent = _rows(con, """
        SELECT run_id, strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') || ' · ' || right(run_id, 6) AS run
        FROM runs WHERE site = '*' ORDER BY started_at DESC, run_id DESC LIMIT ?
    """, [RUNS_SHOWN])
    recent.reverse()
    label = {r["run_id"]: r["run"] for r in recent}
    pages = [dict(r, run=label[r["run_id"]]) for r in _rows(con, """
        SELECT run_id, site, pages_fetched, listing_pages, articles_fetched, articles_new, failures, finish_reason
        FROM runs WHERE site <> '*' ORDER BY run_id, site
    """) if r["run_id"] in label]
    failures = [dict(r, run=label[r["run_id"]]) for r in _rows(con, """
        SELECT run_id, kind, count(*) AS n FROM failures GROUP BY ALL ORDER BY run_id, kind
    """) if r["run_id"] in label]
    return last_runs, pages, failures, [r["run"] for r in recent]


def _officials(con) -> dict:
    top = _rows(con, """
        WITH m AS (SELECT person_id, sum(mentions)::BIGINT AS mentions FROM person_mentions GROUP BY 1)
        SELECT p.person_id, p.name, array_to_string(p.districts, ', ') AS districts, p.articles,
               coalesce(m.mentions, 0) AS mentions, p.first_seen, p.last_seen, len(p.positions_held) AS positions,
               p.positions_held[len(p.positions_held)].raw AS last_position
        FROM people p LEFT JOIN m USING (person_id)
        ORDER BY p.articles DESC, mentions DESC, p.person_id LIMIT ?
    """, [TOP_PEOPLE])
    _unique_labels(top)
    careers = _rows(con, """
        WITH chosen AS (SELECT person_id, name, array_to_string(districts, ', ') AS districts, articles,
                               len(positions_held) AS n
                        FROM people WHERE len(positions_held) >= 2
                        ORDER BY articles DESC, n DESC, person_id LIMIT ?),
        held AS (SELECT person_id, unnest(positions_held, recursive := true) FROM people SEMI JOIN chosen USING (person_id))
        SELECT * FROM (
            SELECT c.person_id, c.name, c.districts, held.raw, held.role, held.organization_full,
                   coalesce(held.level, 'unknown') AS level, held.first_seen, held.last_seen, held.articles,
                   row_number() OVER (PARTITION BY c.person_id ORDER BY held.first_seen, held.raw) - 1 AS k,
                   c.articles AS person_articles, c.n AS positions
            FROM chosen c JOIN held USING (person_id))
        WHERE k < ?
        ORDER BY person_articles DESC, positions DESC, person_id, k
    """, [CAREERS, CAREER_POSITIONS])
    _unique_labels(careers)
    nodes, edges = network.subgraph(con, NETWORK_NODES)
    pos = network.layout(nodes, edges)
    for node in nodes:
        node["x"], node["y"] = pos[node["id"]]
        node["district"] = node["districts"].split(", ")[0] if node["districts"] else "unknown"
    names = {n["id"]: n["name"] for n in nodes}
    edge_rows = [{"x": pos[e["source"]][0], "y": pos[e["source"]][1], "x2": pos[e["target"]][0],
                  "y2": pos[e["target"]][1], "weight": e["weight"],
                  "pair": f"{names[e['source']]} – {names[e['target']]}"} for e in edges]
    labelled = sorted(nodes, key=lambda n: (-n["articles"], n["id"]))[:12]
    for node in nodes:
        node["label"] = node["name"] if node in labelled else ""
    totals = _rows(con, """
        SELECT (SELECT count(DISTINCT person_id) FROM person_mentions) AS persons,
               (SELECT count(*) FROM cooccurrence) AS edges,
               (SELECT count(*) FROM (SELECT source FROM cooccurrence UNION SELECT target FROM cooccurrence)) AS linked
    """)[0]
    return {"top": top, "careers": careers, "nodes": nodes, "edges": edge_rows, "totals": totals}


def _unique_labels(rows: list[dict]) -> None:
    """``label`` = name · first district, made unique per person (a chart axis merges equal labels)."""
    seen: dict[str, str] = {}
    for row in rows:
        base = f"{row['name']} · {(row.get('districts') or '?').split(', ')[0]}"
        label, i = base, 2
        while label in seen and seen[label] != row["person_id"]:
            label, i = f"{base} ({i})", i + 1
        seen[label] = row["person_id"]
        row["label"] = label


def _latest_articles(con) -> list[dict]:
    return _rows(con, """
        SELECT published_date, strftime(published_at, '%H:%M') AS time, district AS site, title, url, summary,
               n_officials, n_images, array_to_string(quality_flags, ', ') AS flags, source
        FROM latest ORDER BY published_date DESC NULLS LAST, published_at DESC NULLS LAST, article_id
        LIMIT ?
    """, [LATEST_ROWS])


# --- the charts -------------------------------------------------------------------------
def _data(rows: list[dict]) -> alt.Data:
    return alt.Data(values=rows)


def _abolition_rule() -> alt.Chart:
    base = alt.Chart(_data([{"date": ABOLITION_DATE, "label": "districts abolished 1 Jul 2025"}]))
    rule = base.mark_rule(color="#b91c1c", strokeDash=[4, 3], strokeWidth=1.5).encode(x="date:T")
    text = base.mark_text(align="left", dx=4, dy=-4, color="#b91c1c", fontSize=10, baseline="bottom").encode(
        x="date:T", y=alt.value(0), text="label:N")
    return rule + text


def _coverage_chart(months: list[dict]) -> alt.TopLevelMixin:
    sites = sorted({m["site"] for m in months})
    x = alt.X("month:T", timeUnit="utcyearmonth", title="month of publication",
              axis=alt.Axis(format="%Y", tickCount="year", labelAngle=0))
    y = alt.Y("site:N", title=None, sort=sites)
    base = alt.Chart(_data(months))
    cells = base.mark_rect().encode(
        x=x, y=y,
        color=alt.Color("n:Q", title="articles", scale=alt.Scale(scheme="blues", domainMin=0)),
        tooltip=[alt.Tooltip("site:N"), alt.Tooltip("month:T", timeUnit="utcyearmonth", title="month"),
                 alt.Tooltip("n:Q", title="articles"), alt.Tooltip("usual:Q", title="usual (median month)"),
                 alt.Tooltip("gap:N")])
    gaps = base.transform_filter("datum.gap != null").mark_point(shape="cross", color="#dc2626", size=40, filled=True,
                                                                  opacity=0.9).encode(
        x=x, y=y, tooltip=[alt.Tooltip("site:N"), alt.Tooltip("month:T", timeUnit="utcyearmonth", title="month"),
                           alt.Tooltip("n:Q", title="articles"), alt.Tooltip("gap:N")])
    rule = alt.Chart(_data([{"date": ABOLITION_DATE}])).mark_rule(color="#b91c1c", strokeDash=[4, 3],
                                                                 strokeWidth=2).encode(x="date:T")
    layers = [cells, gaps, rule] if any(m["gap"] for m in months) else [cells, rule]  # (an empty layer warns)
    return alt.layer(*layers).properties(width=WIDTH, height=max(60, 22 * len(sites)),
                                           title="Articles per site per month")


def _span_chart(spans: list[dict]) -> alt.TopLevelMixin:
    dated = [s for s in spans if s["first"]]
    base = alt.Chart(_data(dated))
    y = alt.Y("site:N", title=None, sort=[s["site"] for s in dated])
    tooltip = [alt.Tooltip("site:N"), alt.Tooltip("first:T", title="first article", format="%Y-%m-%d"),
               alt.Tooltip("last:T", title="last article", format="%Y-%m-%d"), alt.Tooltip("articles:Q"),
               alt.Tooltip("undated:Q", title="without a date"),
               alt.Tooltip("after_abolition:Q", title="on or after 1 Jul 2025")]
    bar = base.mark_rule(strokeWidth=6, color="#60a5fa").encode(x=alt.X("first:T", title="publication date"),
                                                                x2="last:T", y=y, tooltip=tooltip)
    first = base.mark_tick(color="#1e3a8a", thickness=2, size=16).encode(x="first:T", y=y, tooltip=tooltip)
    last = base.mark_tick(color="#1e3a8a", thickness=2, size=16).encode(x="last:T", y=y, tooltip=tooltip)
    labels = base.mark_text(align="left", dx=6, fontSize=10, color="#1e3a8a").encode(
        x="last:T", y=y, text=alt.Text("last:T", format="%Y-%m-%d"))
    return (bar + first + last + labels + _abolition_rule()).properties(
        width=WIDTH, height=max(60, 22 * len(dated)), title="First and last article per site")


def _share_chart(shares: list[dict]) -> alt.TopLevelMixin:
    sites = sorted({s["site"] for s in shares})
    base = alt.Chart(_data(shares)).encode(
        x=alt.X("measure:N", sort=list(QUALITY_MEASURES), title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("site:N", sort=sites, title=None))
    rect = base.mark_rect().encode(
        color=alt.Color("share:Q", title="share of articles", scale=alt.Scale(domain=[0, 1], scheme="greens"),
                        legend=alt.Legend(format="%")),
        tooltip=[alt.Tooltip("site:N"), alt.Tooltip("measure:N"), alt.Tooltip("share:Q", format=".1%"),
                 alt.Tooltip("articles:Q", title="articles (latest versions)")])
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("share:Q", format=".0%"),
        color=alt.condition("datum.share > 0.6", alt.value("white"), alt.value("#111827")))
    return (rect + text).properties(width=WIDTH, height=max(60, 26 * len(sites)),
                                    title="Share of articles with each field, per site")


def _extractor_chart(extractors: list[dict]) -> alt.TopLevelMixin:
    sites = sorted({e["site"] for e in extractors})

    def panel(kind: str, title: str) -> alt.Chart:
        return alt.Chart(_data(extractors)).transform_filter(
            f"indexof(datum.what, '{kind}: ') == 0").mark_bar().encode(
            x=alt.X("sum(n):Q", stack="normalize", title="share of articles", axis=alt.Axis(format="%")),
            y=alt.Y("site:N", sort=sites, title=None),
            # (a legend without a title, on no data, makes Vega lay the chart out infinitely wide)
            color=alt.Color("what:N", title="split by", scale=alt.Scale(scheme="tableau10")),
            tooltip=[alt.Tooltip("site:N"), alt.Tooltip("what:N"), alt.Tooltip("n:Q", title="articles")],
        ).properties(width=WIDTH - 160, height=max(40, 18 * len(sites)), title=title)

    return alt.vconcat(panel("extractor", "Which extractor read the articles"),
                       panel("date from", "Where the publication date came from"))


def _flags_chart(flags: list[dict]) -> alt.TopLevelMixin:
    sites = sorted({f["site"] for f in flags})
    base = alt.Chart().encode(x=alt.X("flag:N", title=None, sort=list(FLAGS), axis=alt.Axis(orient="top", labelAngle=0)),
                              y=alt.Y("site:N", sort=sites, title=None))
    rect = base.mark_rect(stroke="#e5e7eb").encode(
        color=alt.condition("datum.n > 0", alt.Color("n:Q", title="articles", scale=alt.Scale(scheme="orangered"),
                                                     legend=None), alt.value("#f9fafb")),
        tooltip=[alt.Tooltip("site:N"), alt.Tooltip("flag:N"), alt.Tooltip("n:Q", title="articles"),
                 alt.Tooltip("where:N")])
    text = base.mark_text(fontSize=11).encode(text="n:Q")
    return alt.layer(rect, text, data=_data(flags)).properties(width=220, height=max(60, 22 * len(sites))).facet(
        column=alt.Column("where:N", title=None, sort=["stored articles (latest versions)",
                                                       "counted by runs (all runs)"])
    ).properties(title="Quality flags: articles lacking a body, a date or a title")


def _pages_chart(pages: list[dict], runs: list[str]) -> alt.TopLevelMixin:
    return alt.Chart(_data(pages)).mark_bar().encode(
        x=alt.X("run:O", sort=runs, scale=alt.Scale(domain=runs), title="run (start, UTC · id)",
                axis=alt.Axis(labelAngle=-30, labelLimit=160)),
        y=alt.Y("sum(pages_fetched):Q", title="pages fetched"),
        color=alt.Color("site:N", scale=alt.Scale(scheme="tableau20")),
        tooltip=[alt.Tooltip("run:N"), alt.Tooltip("site:N"), alt.Tooltip("pages_fetched:Q", title="pages fetched"),
                 alt.Tooltip("listing_pages:Q", title="listing pages"),
                 alt.Tooltip("articles_fetched:Q", title="article pages"),
                 alt.Tooltip("articles_new:Q", title="new articles"), alt.Tooltip("failures:Q"),
                 alt.Tooltip("finish_reason:N", title="run finished as")],
    ).properties(width=min(WIDTH, max(160, 60 * len(runs))), height=220, title="Pages fetched per run and site")


def _failures_chart(failures: list[dict], runs: list[str]) -> alt.TopLevelMixin:
    return alt.Chart(_data(failures)).mark_bar().encode(
        x=alt.X("run:O", sort=runs, scale=alt.Scale(domain=runs), title="run (start, UTC · id)",
                axis=alt.Axis(labelAngle=-30, labelLimit=160)),
        y=alt.Y("sum(n):Q", title="URLs given up on", axis=alt.Axis(format="d", tickMinStep=1)),
        color=alt.Color("kind:N", title="failure kind", scale=alt.Scale(scheme="set2")),
        tooltip=[alt.Tooltip("run:N"), alt.Tooltip("kind:N"), alt.Tooltip("sum(n):Q", title="URLs")],
    ).properties(width=min(WIDTH, max(160, 60 * len(runs))), height=200, title="Failures by kind, per run")


def _people_chart(top: list[dict]) -> alt.TopLevelMixin:
    return alt.Chart(_data(top)).mark_bar(color="#7c3aed").encode(
        x=alt.X("articles:Q", title="articles naming the person", axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y("label:N", sort=[t["label"] for t in top], title=None, axis=alt.Axis(labelLimit=260)),
        tooltip=[alt.Tooltip("name:N"), alt.Tooltip("districts:N"), alt.Tooltip("articles:Q"),
                 alt.Tooltip("mentions:Q", title="mentions (latest versions)"),
                 alt.Tooltip("first_seen:T", format="%Y-%m-%d", title="first seen"),
                 alt.Tooltip("last_seen:T", format="%Y-%m-%d", title="last seen"),
                 alt.Tooltip("positions:Q", title="positions held"),
                 alt.Tooltip("last_position:N", title="latest position")],
    ).properties(width=WIDTH - 260, height=max(60, 18 * len(top)), title="Most-named officials")


def _careers_chart(careers: list[dict]) -> alt.TopLevelMixin:
    people = list(dict.fromkeys(c["label"] for c in careers))
    base = alt.Chart(_data(careers))
    y = alt.Y("label:N", sort=people, title=None, axis=alt.Axis(labelLimit=260))
    color = alt.Color("level:N", scale=alt.Scale(domain=LEVELS + ["unknown"], scheme="category10"),
                      title="level of the post", legend=alt.Legend(orient="bottom", direction="horizontal"))
    tooltip = [alt.Tooltip("name:N"), alt.Tooltip("raw:N", title="position as written"), alt.Tooltip("role:N"),
               alt.Tooltip("organization_full:N", title="organisation"), alt.Tooltip("level:N"),
               alt.Tooltip("first_seen:T", format="%Y-%m-%d", title="first seen"),
               alt.Tooltip("last_seen:T", format="%Y-%m-%d", title="last seen"),
               alt.Tooltip("articles:Q", title="articles")]
    offset = alt.YOffset("k:O", title=None, sort="ascending")
    span = base.mark_rule(strokeWidth=4, opacity=0.7).encode(
        x=alt.X("first_seen:T", title="date of the article naming the post"), x2="last_seen:T", y=y, yOffset=offset,
        color=color, tooltip=tooltip)
    dots = base.mark_circle(size=60, opacity=0.9).encode(x="first_seen:T", y=y, yOffset=offset, color=color,
                                                         tooltip=tooltip)
    text = base.mark_text(align="left", dx=6, fontSize=9, color="#374151", limit=220).encode(
        x="last_seen:T", y=y, yOffset=offset, text="raw:N")
    rows = max((c["k"] for c in careers), default=0) + 1
    return (span + dots + text + _abolition_rule()).properties(
        width=WIDTH - 200, height=max(60, 11 * rows * len(people) + 8 * len(people)),
        title="Careers: positions over time")


def _network_chart(nodes: list[dict], edges: list[dict]) -> alt.TopLevelMixin:
    hidden = alt.Axis(labels=False, ticks=False, domain=False, grid=False, title=None)
    xs = alt.Scale(domain=[-0.05, 1.05])
    lines = alt.Chart(_data(edges)).mark_rule(color="#94a3b8").encode(
        x=alt.X("x:Q", axis=hidden, scale=xs), y=alt.Y("y:Q", axis=hidden, scale=xs), x2="x2:Q", y2="y2:Q",
        strokeWidth=alt.StrokeWidth("weight:Q", scale=alt.Scale(range=[1, 5]), legend=None),
        tooltip=[alt.Tooltip("pair:N", title="together"), alt.Tooltip("weight:Q", title="articles together")])
    dots = alt.Chart(_data(nodes)).mark_circle(opacity=0.95, stroke="white", strokeWidth=1).encode(
        x=alt.X("x:Q", axis=hidden, scale=xs), y=alt.Y("y:Q", axis=hidden, scale=xs),
        size=alt.Size("articles:Q", scale=alt.Scale(range=[40, 400]), title="articles",
                      legend=alt.Legend(format="d", tickMinStep=1)),
        color=alt.Color("district:N", scale=alt.Scale(scheme="tableau10"), title="district"),
        tooltip=[alt.Tooltip("name:N"), alt.Tooltip("districts:N"), alt.Tooltip("articles:Q"),
                 alt.Tooltip("first_seen:N", title="first seen"), alt.Tooltip("last_seen:N", title="last seen")])
    labels = alt.Chart(_data(nodes)).mark_text(fontSize=10, dy=-10, color="#111827").encode(
        x=alt.X("x:Q", axis=hidden, scale=xs), y=alt.Y("y:Q", axis=hidden, scale=xs), text="label:N")
    return (lines + dots + labels).properties(width=WIDTH - 120, height=520, title="Who appears with whom")


# --- the page ---------------------------------------------------------------------------
_STYLE = """
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
       color: #111827; margin: 0; background: #f8fafc; }
header, main { max-width: 1040px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 4px; }
nav a { margin-right: 14px; }
.meta { color: #4b5563; font-size: 13px; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 14px 0; }
.figure { background: white; border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.figure b { display: block; font-size: 20px; }
.figure span { color: #4b5563; font-size: 12px; }
.chart { background: white; border: 1px solid #e5e7eb; border-radius: 6px; padding: 12px; margin: 8px 0;
         overflow-x: auto; }
.how { color: #374151; margin: 4px 0 8px; max-width: 900px; }
.how::before { content: "How to read it: "; font-weight: 600; }
table { border-collapse: collapse; background: white; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #e5e7eb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f1f5f9; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #4b5563; font-size: 13px; }
.failed { color: #b91c1c; }
footer { max-width: 1040px; margin: 40px auto; padding: 0 24px; color: #6b7280; font-size: 12px; }
"""

_SCRIPT = """
(function () {
  var charts = JSON.parse(document.getElementById('chart-specs').textContent);
  document.body.dataset.charts = String(charts.length);
  Promise.allSettled(charts.map(function (c) {
    return vegaEmbed('#' + c.id, c.spec, {actions: false, renderer: 'svg'});
  })).then(function (results) {
    var drawn = 0;
    results.forEach(function (r, i) {
      if (r.status === 'fulfilled') { drawn += 1; return; }
      var el = document.getElementById(charts[i].id);
      el.className += ' failed';
      el.textContent = 'This chart could not be drawn: ' + r.reason;
      console.error('chart ' + charts[i].id + ' failed: ' + r.reason);
    });
    document.body.dataset.rendered = String(drawn);
  });
})();
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _link(url: str | None, text: str | None) -> str:
    if url and url.startswith(("http://", "https://")):
        return f'<a href="{_e(url)}" rel="noopener noreferrer" target="_blank">{_e(text or url)}</a>'
    return _e(text or url)


def _script_json(value) -> str:
    """JSON for a <script type="application/json"> element: no "</" can close it early."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


def _vega_bundle() -> str:
    """Vega + Vega-Lite + Vega-Embed as one classic script (vl-convert builds it in about a
    second; kept in the user's cache directory per vl-convert version)."""
    import os

    import vl_convert

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "portal-news"
    cached = cache / f"vega-bundle-vlc{vl_convert.__version__}-vl{VEGA_LITE_VERSION}.js"
    try:
        bundle = cached.read_text("utf-8")
    except OSError:
        bundle = vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION)
        try:
            cache.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
            tmp.write_text(bundle, "utf-8")
            tmp.replace(cached)
        except OSError:
            pass  # no cache: built again next time
    if "</script" in bundle.lower():  # never seen; it would end the inline script early
        bundle = bundle.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    return bundle


def build_report(root: str | Path, to: str | Path | None = None) -> dict:
    """Write the report of the datasets under ``root`` to ``to`` (default
    ``<root>/report.html``); returns ``{"path", "bytes", "seconds", "charts", "articles"}``."""
    started = time.monotonic()
    root = Path(root)
    out = Path(to) if to else root / DEFAULT_NAME
    con = connect(root)
    try:
        _narrow(con)
        overview = _overview(con)
        months, spans = _coverage(con)
        per_site, shares, extractors, flags = _quality(con)
        last_runs, pages, failures, runs = _health(con)
        officials = _officials(con)
        latest = _latest_articles(con)
    finally:
        con.close()
    registry = {s.slug: s for s in load_registry()}

    charts: list[tuple[str, alt.TopLevelMixin]] = []
    parts: list[str] = []

    def chart(chart_id: str, spec: alt.TopLevelMixin, how: str) -> None:
        charts.append((chart_id, spec))
        parts.append(f'<div class="chart" id="{chart_id}" data-chart="{chart_id}"></div>\n<p class="how">{how}</p>')

    # coverage
    gap_rows = [m for m in months if m["gap"]]
    parts.append('<h2 id="coverage">Coverage</h2>')
    chart("chart-coverage", _coverage_chart(months),
          "each row is a site (partition <code>district</code>), each column a month between the site's first and "
          "last dated article; the darker the cell, the more articles were published that month. A red × flags a "
          "gap: a month with no article although the site usually (median month) publishes at least one, or fewer "
          "than a quarter of its usual count. The dashed red line is 1 July 2025, when district-level government "
          f"was abolished. {len(gap_rows)} gap month(s) flagged"
          + (f" ({', '.join(sorted({g['site'] for g in gap_rows}))})." if gap_rows else "."))
    chart("chart-span", _span_chart(spans),
          "each bar runs from a site's first to its last dated article (the last date is written beside it); a "
          "site whose bar stops well before 1 July 2025 (dashed line) stopped publishing, or was not crawled further "
          "back. Undated articles (partition <code>year=0</code>) are counted in the table below.")
    parts.append(_table(
        ["site", "name", "articles", "first article", "last article", "without a date", "on or after 1 Jul 2025",
         "abolished (registry)"],
        [[_e(s["site"]), _e(registry[s["site"]].name if s["site"] in registry else ""), str(s["articles"]),
          _e(s["first"]), _e(s["last"]), str(s["undated"]), str(s["after_abolition"]),
          _e(registry[s["site"]].abolished if s["site"] in registry else "")] for s in spans], {2, 5, 6}))

    # quality
    parts.append('<h2 id="quality">Extraction quality</h2>')
    chart("chart-quality", _share_chart(shares),
          "each cell is the share of a site's articles (latest versions) that have the field: a publication date, "
          "a time of day (<code>published_at</code>, which most pages reveal only in their sidebar), a lead "
          "(<code>summary</code>), a body, images, at least one image caption, at least one official named. A "
          "column much paler for one site than for the others points at a layout that extraction does not read "
          "there.")
    chart("chart-extractor", _extractor_chart(extractors),
          "the first panel splits each site's articles by the extractor that read them (<code>tandan</code>: the "
          "portal platform's layout; <code>generic</code>: the fallback for other layouts); the second by "
          "where the publication date came from (<code>page</code>, <code>sidebar</code>, <code>meta</code>, "
          "<code>url</code>, none). Hover a segment for the count.")
    n_flagged = sum(f["n"] for f in flags if f["where"].startswith("stored"))
    chart("chart-flags", _flags_chart(flags),
          "left: articles (latest versions) whose <code>quality_flags</code> say they lack a body, a date or a "
          "title; right: the same counters as runs recorded them (<code>runs.articles_empty_body</code>, "
          "<code>articles_no_date</code>, <code>articles_no_title</code>, summed over every run, so an article "
          "stored twice counts twice). Zeros are pale; many flags on one site's new articles mean its layout "
          f"changed. {n_flagged} flag(s) on stored articles.")

    # crawl health
    parts.append('<h2 id="health">Crawl health</h2>')
    parts.append("<h3>Last run per site</h3>")
    parts.append(_table(
        ["site", "run", "started (UTC)", "finished as", "pages fetched", "listing pages", "article pages",
         "new", "updated", "unchanged", "failures"],
        [[_e(r["site"]), _e(r["run_id"]), _e(r["started"]), _e(r["finish_reason"]),
          str(r["pages_fetched"]), str(r["listing_pages"]), str(r["articles_fetched"]), str(r["articles_new"]),
          str(r["articles_updated"]), str(r["articles_unchanged"]), str(r["failures"])] for r in last_runs],
        {4, 5, 6, 7, 8, 9, 10}))
    chart("chart-pages", _pages_chart(pages, runs),
          f"one bar per run (the last {RUNS_SHOWN} at most, oldest on the left), split by site: the responses "
          "received (listing and article pages). A nightly run fetches only what is new, so its bar is short; a "
          "site missing from a bar fetched nothing in that run.")
    chart("chart-failures", _failures_chart(failures, runs),
          "URLs given up on in each run (same runs as above), by kind: <code>http-404</code> and other "
          "<code>http-NNN</code>, <code>error-page</code> (an error page served with status 200), "
          "<code>timeout</code>, <code>connection</code>, <code>dns</code>, … A kind that grows from run to run "
          "needs a look at <code>failures/</code> (URL and reason). An empty run had no failure.")

    # officials
    t = officials["totals"]
    parts.append('<h2 id="officials">Officials</h2>')
    chart("chart-people", _people_chart(officials["top"]),
          f"the {TOP_PEOPLE} persons of <code>people/</code> (mentions resolved across articles into persons) "
          "named in the most articles, labelled with their first district; a longer bar is a person the portals "
          "name more often. Hover for mentions, first and last appearance and the latest position.")
    chart("chart-careers", _careers_chart(officials["careers"]),
          f"for the {CAREERS} most-named persons who held two or more positions, one band per person and one line "
          f"per position (the first {CAREER_POSITIONS}, from <code>people.positions_held</code>, written as the "
          "article wrote it): the dot is the first article naming the person in that post, the bar runs to the "
          "last; the colour is the level of the post (commune, district, province…). A person moving from commune "
          "to district posts climbs the levels from left to right.")
    chart("chart-network", _network_chart(officials["nodes"], officials["edges"]),
          "each dot is a person, sized by the articles naming them and coloured by district; a line joins two "
          "persons named in the same article, thicker when they appear together more often. Only the most "
          f"connected part is drawn ({len(officials['nodes']):,} persons and {len(officials['edges']):,} links, of "
          f"{t['edges']:,} links between {t['linked']:,} of the {t['persons']:,} persons named); "
          "<code>portal-news export --format graphml</code> writes the whole network for Gephi or networkx.")

    # latest articles
    parts.append('<h2 id="latest">Latest articles</h2>')
    parts.append(f'<p class="note">The {len(latest)} most recently published articles (latest versions); the '
                 "title links to the article on its portal (opening it needs network).</p>")
    parts.append(_table(
        ["published", "site", "title", "officials", "images", "flags", "source"],
        [[_e(a["published_date"]) + (f" {_e(a['time'])}" if a["time"] else ""), _e(a["site"]),
          _link(a["url"], a["title"]) + (f'<br><span class="note">{_e((a["summary"] or "")[:160])}</span>'
                                         if a["summary"] else ""),
          str(a["n_officials"]), str(a["n_images"]), _e(a["flags"]), _e(a["source"])] for a in latest],
        {3, 4}))

    try:
        version = metadata.version("portal-news")
    except metadata.PackageNotFoundError:
        version = "unknown"
    o = overview
    figures = [("articles", f"{o['articles']:,}"), ("versions", f"{o['versions']:,}"), ("sites", o["sites"]),
               ("first", o["first"] or "–"), ("last", o["last"] or "–"), ("images", f"{o['images']:,}"),
               ("officials named", f"{o['officials']:,}"), ("people", f"{o['people']:,}"), ("runs", o["runs"]),
               ("URLs failed", f"{o['failures']:,}")]
    synthetic = ""
    if "replica" in (o["sources"] or ""):
        synthetic = ('<p class="note"><b>Note:</b> articles with <code>source = replica</code> were fetched from the '
                     "project's offline replica: generated pages under the portals' real URLs, not real news.</p>")
    specs = []
    with alt.data_transformers.disable_max_rows():
        for chart_id, spec in charts:
            specs.append({"id": chart_id, "spec": spec.to_dict()})
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>portal-news report — {_e(root.resolve().name)}</title>
<style>{_STYLE}</style>
<script>
// Vega, Vega-Lite and Vega-Embed (BSD-3-Clause), bundled by vl-convert-python
{_vega_bundle()}
</script>
</head>
<body>
<header>
<h1>portal-news: what the datasets hold</h1>
<p class="meta">Dataset root <code>{_e(root.resolve())}</code> · generated {generated} by portal-news {_e(version)}
 (<code>portal-news report</code>) · sources: {_e(o['sources'] or 'none')}</p>
{synthetic}
<div class="figures">{''.join(f'<div class="figure"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for k, v in figures)}</div>
<nav><a href="#coverage">Coverage</a><a href="#quality">Extraction quality</a><a href="#health">Crawl health</a>
<a href="#officials">Officials</a><a href="#latest">Latest articles</a></nav>
<p class="note">Counts are of the latest version of each article (<code>articles_latest</code>: the latest
<code>fetched_at</code> per <code>article_id</code>) unless a chart says otherwise. Hover any mark for its values.
The page makes no request: scripts, styles and data are inside it.</p>
</header>
<main>
{chr(10).join(parts)}
</main>
<footer>Built with DuckDB (aggregation), Altair / Vega-Lite (charts). Data dictionary: the project README or
<code>portal-news schema</code>; <code>datapackage.json</code> and <code>README.md</code> beside the tables describe them.</footer>
<script type="application/json" id="chart-specs">{_script_json(specs)}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return {"path": out, "bytes": out.stat().st_size, "seconds": time.monotonic() - started,
            "charts": [c for c, _ in charts], "articles": o["articles"]}
