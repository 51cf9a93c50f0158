"""Analysis: what analysts read from the datasets, built only by reading them.

- :mod:`.db` — a DuckDB connection with one view per table and the latest versions
  (``articles_latest``, ``images_latest``, ``officials_latest``);
- :mod:`.report` — one self-contained HTML report (coverage, extraction quality, crawl
  health, officials, latest articles), aggregated in DuckDB, drawn with Vega-Lite;
- :mod:`.network` — the officials' co-occurrence network (who appears with whom);
- :mod:`.exports` — CSV, JSON Lines, a DuckDB file of views, GraphML;
- :mod:`.datapackage` — the root's ``datapackage.json`` (Frictionless) and dataset card
  ``README.md``, generated from :data:`pipelines.storage.schema.TABLES`.

Nothing here writes a table; only the command line (``crawler/cli.py``) imports it.
"""
