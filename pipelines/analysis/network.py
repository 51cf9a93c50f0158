"""The officials' co-occurrence network: who appears with whom.

A node is a person of ``people/``; an edge joins two persons named in the same article
(latest versions), weighted by the number of such articles. Officials rows carry no
``person_id``: a row is the person whose ``people.mentions`` lists its (``article_id``,
``name_key``) when the schema has that column; otherwise (and for rows it does not list) the
person of ``people/`` with the same ``name_key`` whose ``districts`` include the row's district
(when two persons of one name share a district, the one named in more articles); a row that
matches none (``people/`` not rebuilt yet) is a person of its own, ``name_key@district``.

Aggregation is in DuckDB; :func:`layout` places a small subgraph for the report's chart
(a force-directed layout in NumPy, deterministic), :func:`write_graphml` writes the whole
network for Gephi, networkx, igraph, Cytoscape.
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import duckdb
import numpy as np

from pipelines.storage.schema import PEOPLE

__all__ = ["person_mentions", "nodes_and_edges", "subgraph", "layout", "write_graphml"]


def person_mentions(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temporary tables ``person_mentions`` (one row per person per latest
    article version, with the matched ``person_id``) and ``cooccurrence`` (the edges)."""
    exact = "mentions" in PEOPLE.names  # people.mentions lists each person's (article_id, name_key)
    if exact:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE person_of_mention AS
            SELECT m.article_id, m.name_key, first(person_id ORDER BY articles DESC, person_id) AS person_id
            FROM (SELECT person_id, articles, unnest(mentions) AS m FROM people WHERE mentions IS NOT NULL)
            GROUP BY ALL
        """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE person_mentions AS
        SELECT o.article_id, o.district, o.name, o.name_key, o.mentions, o.published_date,
               coalesce({"x.person_id, " if exact else ""}p.person_id, o.name_key || '@' || o.district) AS person_id
        FROM officials_latest o
        {"LEFT JOIN person_of_mention x ON x.article_id = o.article_id AND x.name_key = o.name_key" if exact else ""}
        LEFT JOIN people p ON p.name_key = o.name_key AND list_contains(p.districts, o.district)
        QUALIFY row_number() OVER (PARTITION BY o.article_id, o.name_key, o.district
                                   ORDER BY p.articles DESC NULLS LAST, p.person_id) = 1
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE cooccurrence AS
        SELECT a.person_id AS source, b.person_id AS target, count(DISTINCT a.article_id) AS weight,
               min(a.published_date)::VARCHAR AS first_seen, max(a.published_date)::VARCHAR AS last_seen
        FROM person_mentions a JOIN person_mentions b
          ON a.article_id = b.article_id AND a.person_id < b.person_id
        GROUP BY ALL
    """)


def nodes_and_edges(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], list[dict]]:
    """Every person named in a latest article version, and every co-occurrence edge.
    Needs :func:`person_mentions` first."""
    nodes = con.execute("""
        SELECT person_id, arg_max(name, published_date) AS name, string_agg(DISTINCT name_key, ',' ORDER BY name_key) AS name_keys,
               count(DISTINCT article_id) AS articles, sum(mentions)::BIGINT AS mentions,
               string_agg(DISTINCT district, ',' ORDER BY district) AS districts,
               min(published_date)::VARCHAR AS first_seen, max(published_date)::VARCHAR AS last_seen
        FROM person_mentions GROUP BY person_id ORDER BY articles DESC, person_id
    """).fetchall()
    node_rows = [dict(zip(("id", "name", "name_keys", "articles", "mentions", "districts", "first_seen", "last_seen"), n))
                 for n in nodes]
    edges = con.execute("SELECT source, target, weight, first_seen, last_seen FROM cooccurrence "
                        "ORDER BY weight DESC, source, target").fetchall()
    edge_rows = [dict(zip(("source", "target", "weight", "first_seen", "last_seen"), e)) for e in edges]
    return node_rows, edge_rows


def subgraph(con: duckdb.DuckDBPyConnection, max_nodes: int = 60) -> tuple[list[dict], list[dict]]:
    """The strongest part of the network, for a chart: edges taken by weight (then by
    how often their persons are named) until ``max_nodes`` persons are in; every edge
    between the persons taken. Every node drawn has an edge."""
    edges = con.execute("""
        WITH n AS (SELECT person_id, count(DISTINCT article_id) AS articles FROM person_mentions GROUP BY 1)
        SELECT e.source, e.target, e.weight FROM cooccurrence e
        JOIN n s ON s.person_id = e.source JOIN n t ON t.person_id = e.target
        ORDER BY e.weight DESC, s.articles + t.articles DESC, e.source, e.target LIMIT ?
    """, [max_nodes * 50]).fetchall()
    chosen: dict[str, None] = {}
    for s, t, _ in edges:
        new = [p for p in (s, t) if p not in chosen]
        if len(chosen) + len(new) > max_nodes:
            if len(chosen) >= max_nodes - 1:
                break
            continue
        chosen.update(dict.fromkeys(new))
    if not chosen:
        return [], []
    con.execute("CREATE OR REPLACE TEMP TABLE chosen(person_id VARCHAR)")
    con.executemany("INSERT INTO chosen VALUES (?)", [[p] for p in chosen])
    nodes = con.execute("""
        SELECT m.person_id, arg_max(m.name, m.published_date), count(DISTINCT m.article_id),
               string_agg(DISTINCT m.district, ', ' ORDER BY m.district),
               min(m.published_date)::VARCHAR, max(m.published_date)::VARCHAR
        FROM person_mentions m SEMI JOIN chosen c ON m.person_id = c.person_id GROUP BY 1 ORDER BY 1
    """).fetchall()
    node_rows = [dict(zip(("id", "name", "articles", "districts", "first_seen", "last_seen"), n)) for n in nodes]
    among = con.execute("SELECT source, target, weight FROM cooccurrence e "
                        "SEMI JOIN chosen s ON s.person_id = e.source SEMI JOIN chosen t ON t.person_id = e.target "
                        "ORDER BY source, target").fetchall()
    edge_rows = [{"source": s, "target": t, "weight": w} for s, t, w in among]
    return node_rows, edge_rows


def layout(nodes: list[dict], edges: list[dict], iterations: int = 300, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Fruchterman–Reingold positions in [0, 1]² (with a pull to the centre, so separate
    groups stay on the page). Deterministic for the same input."""
    n = len(nodes)
    if n == 0:
        return {}
    index = {node["id"]: i for i, node in enumerate(nodes)}
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    k = math.sqrt(1.0 / n)
    src = np.array([index[e["source"]] for e in edges], dtype=int)
    dst = np.array([index[e["target"]] for e in edges], dtype=int)
    w = np.array([e["weight"] for e in edges], dtype=float)
    w = 1 + np.log(w) if len(w) else w
    temp = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.linalg.norm(delta, axis=-1)
        np.fill_diagonal(dist, 1.0)
        dist = np.maximum(dist, 1e-3)
        disp = (delta / dist[..., None] * (k * k / dist)[..., None]).sum(axis=1)  # repulsion
        if len(src):
            d = pos[src] - pos[dst]
            dl = np.maximum(np.linalg.norm(d, axis=-1), 1e-3)
            f = (d / dl[:, None]) * (dl * dl / k * w)[:, None]
            np.add.at(disp, src, -f)
            np.add.at(disp, dst, f)
        disp += (0.5 - pos) * 0.6 * k * n ** 0.5  # gravity
        length = np.maximum(np.linalg.norm(disp, axis=-1), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, temp)[:, None]
        temp = max(temp * 0.985, 0.002)
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    pos = (pos - lo) / span
    return {node["id"]: (round(float(pos[i, 0]), 4), round(float(pos[i, 1]), 4)) for i, node in enumerate(nodes)}


_NODE_KEYS = (("name", "string"), ("name_keys", "string"), ("articles", "int"), ("mentions", "int"), ("districts", "string"),
              ("first_seen", "string"), ("last_seen", "string"))
_EDGE_KEYS = (("weight", "int"), ("first_seen", "string"), ("last_seen", "string"))


def write_graphml(path: str | Path, nodes: list[dict], edges: list[dict]) -> None:
    """GraphML (undirected) of the network: node attributes name, name_keys (the
    ``officials.name_key`` values of the person, comma-separated), articles, mentions,
    districts (comma-separated), first_seen, last_seen; edge attributes weight (articles
    in common), first_seen, last_seen."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                 'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
        for key, kind in _NODE_KEYS:
            fh.write(f'  <key id="n_{key}" for="node" attr.name="{key}" attr.type="{kind}"/>\n')
        for key, kind in _EDGE_KEYS:
            fh.write(f'  <key id="e_{key}" for="edge" attr.name="{key}" attr.type="{kind}"/>\n')
        fh.write('  <graph id="officials" edgedefault="undirected">\n')
        for node in nodes:
            fh.write(f"    <node id={quoteattr(node['id'])}>")
            for key, _ in _NODE_KEYS:
                if node.get(key) is not None:
                    fh.write(f'<data key="n_{key}">{escape(str(node[key]))}</data>')
            fh.write("</node>\n")
        for edge in edges:
            fh.write(f"    <edge source={quoteattr(edge['source'])} target={quoteattr(edge['target'])}>")
            for key, _ in _EDGE_KEYS:
                if edge.get(key) is not None:
                    fh.write(f'<data key="e_{key}">{escape(str(edge[key]))}</data>')
            fh.write("</edge>\n")
        fh.write("  </graph>\n</graphml>\n")
    tmp.replace(path)
