"""Scrapy commands of this project (``COMMANDS_MODULE``): ``scrapy crawl`` with portal-news's
one-line errors and exit statuses (see :mod:`crawler.commands.crawl`)."""
