"""The site registry (``sites.toml``): which portals exist, URL → site, canonical URLs and
``article_id``. Pure; storage and the crawl both use it."""
