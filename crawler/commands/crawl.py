"""``scrapy crawl`` for this project: Scrapy's own command, with the exit statuses and
one-line errors of ``portal-news crawl`` (README "Exit statuses"), so cron and Scrapyd see
the truth when the Scrapy project is driven directly.

Scrapy's command exits 0 whenever the crawler started (a root held by another run, a run
that stored nothing, a storage failure …) and prints a traceback when a component cannot be
built (an unreachable ``REDIS_URL``). Here the same checks as ``portal-news crawl`` run
before Scrapy starts, and the exit status comes from the run's finish reason."""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider of the project (portal-news exit statuses: 0 done, 1 run failed, 2 usage error)"

    def run(self, args, opts) -> None:
        from crawler.cli import CliError, CrawlFailed, check_crawl, crawl_outcome, crawl_status
        from crawler.spiders.portal import PortalSpider

        if len(args) != 1 or args[0] != PortalSpider.name:
            return super().run(args, opts)   # (Scrapy's usage errors; spiders of other projects)
        assert self.crawler_process is not None
        try:
            check_crawl(self.crawler_process.settings, dict(opts.spargs))
            crawler = self._create_crawler(args[0])
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
            self.exitcode = crawl_status(crawl_outcome(dict(crawler.stats.get_stats())))
        except (CliError, CrawlFailed) as exc:
            self.exitcode = _one_line(exc)


def _one_line(exc: Exception) -> int:
    """Print a user error or a failed crawl as ``portal-news crawl`` does; its exit status."""
    from crawler.cli import EXIT_RUN_FAILED, EXIT_USAGE, CliError

    # (the frontier's checks speak of --frontier, portal-news crawl's option)
    print(f"scrapy crawl: {str(exc).replace('--frontier ', 'REDIS_URL ', 1)}", file=sys.stderr)
    return EXIT_USAGE if isinstance(exc, CliError) else EXIT_RUN_FAILED
