"""Storage: the dataset schema, rows built from extraction records, the crash-safe Parquet
writer and its readers, ``people/``, a run's ledger and the reprocessing of WARC archives.
Knows nothing of Scrapy."""
