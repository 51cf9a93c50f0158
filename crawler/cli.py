"""``portal-news`` command line.

    portal-news demo [--output DIR] [--articles N]     replica + real crawl + datasets + summary
    portal-news crawl --sites muong-lat,quan-hoa       crawl registry sites (live portals)
    portal-news crawl --start-urls URL[,URL]           crawl any listing URL of the platform
    portal-news crawl --sites muong-lat --replica http://127.0.0.1:PORT   … through the offline replica
    portal-news replica --port N [--articles N] [--seed S] [--faults]
    portal-news crawl --sites muong-lat --source wayback [--from 2015 --to 2025]   archived captures
    portal-news crawl --sites … --frontier redis://:PW@HOST:PORT/DB [--job NAME]   a worker of a shared job
    portal-news reprocess FILE.warc.gz … [--output DIR] [--workers N | --dask ADDRESS]   re-extract stored raw pages
    portal-news schedule --scrapyd URL --groups N --output DIR   jobs per site group on Scrapyd nodes
    portal-news crawl --sites muong-lat --source archives [--captures first|latest|all] [--plan]
    portal-news extract FILE --url URL                 one page → JSON
    portal-news evaluate DIR                           score extraction on a gold set
    portal-news evaluate --people [DIR] [--articles N] people resolution: careers gold + replica truth
    portal-news compact | status [--output DIR]
    portal-news schema --markdown                      the data dictionary
    portal-news report [--output DIR] [--to FILE]      one self-contained HTML report of the datasets
    portal-news export --format csv|jsonl|duckdb|graphml [--to PATH] [--all-versions]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

DEFAULT_OUTPUT = "output"

# Exit statuses (README "Exit statuses", for cron and systemd)
EXIT_OK = 0          # the run did its work
EXIT_RUN_FAILED = 1  # the run finished but stored nothing it should have, storage failed, every site
                     # failed, it was stopped, or another run holds the output root
EXIT_USAGE = 2       # a usage error: bad arguments, an output path that is a file, unreadable input


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


class CrawlFailed(Exception):
    """The run did not do its work (not a user error): printed as one line, exit status 1."""


def _fail(message: str, status: int = EXIT_USAGE) -> int:
    print(f"portal-news: {message}", file=sys.stderr)
    return status


def check_output_root(output: str) -> Path:
    """The dataset root as a path; a user error when it is a file or inside one."""
    root = Path(output)
    for part in (root, *root.parents):
        if part.exists() and not part.is_dir():
            where = "is a file" if part == root else f"is inside {part}, which is a file"
            raise CliError(f"--output {output}: {where}; give a directory")
    return root


# --- extract ------------------------------------------------------------------------------
def cmd_extract(args) -> int:
    from pipelines.extraction.extract import extract

    path = Path(args.file)
    if path.is_dir():
        raise CliError(f"{path}: is a directory, not a saved page")
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    data = path.read_bytes()
    url = args.url or path.resolve().as_uri()
    record = extract(data, url, content_type=args.content_type)
    if record.get("extractor") == "error" and record.get("error") in ("empty", "not-html", "too-deep"):
        raise CliError(f"{path}: cannot read as an HTML page ({record.get('error_detail') or record['error']})")
    if not args.detail:
        record.pop("officials_detail", None)
        record.pop("error_detail", None)
        if record["is_article"]:
            record.pop("listing_links", None)
            record.pop("next_page", None)
    json.dump(record, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


# --- crawl --------------------------------------------------------------------------------
def _settings(output: str, overrides: list[str] | None = None, polite: bool = True, replica: str | None = None):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    from crawler.replicaproxy import SETTING, check_replica_url

    settings = get_project_settings()
    check_output_root(output)
    settings.set("OUTPUT_DIR", output, priority="cmdline")
    if replica:  # every request through the replica (an HTTP proxy for the portals' hosts)
        try:
            settings.set(SETTING, check_replica_url(replica), priority="cmdline")
        except ValueError as exc:
            raise CliError(str(exc)) from None
    if not polite:
        settings.setdict({"ROBOTSTXT_OBEY": True, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                          "CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
                          "RETRY_BACKOFF_BASE": 0.2,
                          # the archives' slots too (the replica's fakes): no delay, a few at a time
                          "WAYBACK_CDX_DELAY": 0, "WAYBACK_DOWNLOAD_DELAY": 0, "COMMONCRAWL_INDEX_DELAY": 0,
                          "COMMONCRAWL_DATA_DELAY": 0, "WAYBACK_CDX_CONCURRENCY": 4, "WAYBACK_CONCURRENCY": 8,
                          "COMMONCRAWL_INDEX_CONCURRENCY": 4, "COMMONCRAWL_DATA_CONCURRENCY": 8}, priority="cmdline")
    for item in overrides or []:
        if "=" not in item:
            raise CliError(f"-s expects NAME=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        settings.set(key, value, priority="cmdline")
    return settings


def check_crawl(settings, spider_args: dict) -> None:
    """What can be checked before Scrapy starts, so a mistake is one line, not a traceback:
    the spider's arguments, the output root's files, the frontier's Redis (``REDIS_URL``).
    Raises :class:`CliError` (a user error) or :class:`CrawlFailed`."""
    from crawler.spiders.portal import PortalSpider

    usage_error = PortalSpider(**spider_args).usage_error
    if usage_error:
        raise CliError(usage_error)
    from pipelines.storage.dataset import DatasetError, check_dataset

    try:  # footers only: the spider reads the stored articles (once) when it opens
        check_dataset(settings.get("OUTPUT_DIR") or "output")
    except DatasetError as exc:
        raise CliError(str(exc)) from None
    if settings.get("REDIS_URL"):
        check_frontier(settings.get("REDIS_URL"))


def crawl_outcome(stats: dict) -> dict:
    """Scrapy's final stats of a crawl that could not run as a one-line error
    (:class:`CrawlFailed`, :class:`CliError`); else the stats."""
    if stats.get("portal/root_busy"):
        raise CrawlFailed(stats["portal/root_busy"])
    if stats.get("portal/frontier_error") and not stats.get("portal/finish_reason"):
        raise CrawlFailed(stats["portal/frontier_error"])
    if stats.get("portal/dataset_error"):
        raise CliError(stats["portal/dataset_error"])
    if "finish_reason" not in stats:  # Scrapy failed before or while opening the spider
        raise CrawlFailed("the crawl did not run (see the error above)")
    return stats


def run_crawl(settings, **spider_args) -> dict:
    """Run the ``portal`` spider in this process; returns Scrapy's final stats."""
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.portal import PortalSpider

    check_crawl(settings, spider_args)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PortalSpider)
    process.crawl(crawler, **spider_args)
    process.start()
    return crawl_outcome(dict(crawler.stats.get_stats()))


def crawl_status(stats: dict) -> int:
    """Exit status of a crawl from its run's finish reason (``runs/`` holds the same), with
    a one-line message on stderr when it is not 0."""
    reason = stats.get("portal/finish_reason")
    if reason is None:  # a run that opened and left no finish reason did not close: never "finished"
        reason = "close-error" if stats.get("portal/run_id") else stats.get("finish_reason")
    if reason == "finished":
        return EXIT_OK
    if reason == "storage-error":
        message = stats.get("portal/storage_error") or "storing rows failed"
    elif reason == "frontier-error":
        message = stats.get("portal/frontier_error") or "the frontier's Redis failed"
    elif reason == "close-error":
        message = (f"closing the run failed ({stats.get('portal/close_error') or 'see the error above'}); "
                   "its last rows and runs/ row may be missing")
    elif reason == "failed":
        message = ("the run stored nothing: every site failed or no fetched article could be stored "
                   "(see failures/ and `portal-news status`)")
    else:
        message = f"the run did not finish ({reason})"
    print(f"portal-news: {message}", file=sys.stderr)
    return EXIT_RUN_FAILED


def frontier_settings(settings, frontier: str | None, job: str | None, idle_close: float | None) -> None:
    """``--frontier``/``--job``/``--idle-close`` as settings; the frontier's Redis is checked
    (reachable, password) before anything is written: one line and exit 1 when it is not."""
    if job is not None:
        if not job or not all(c.isalnum() or c in "-_." for c in job):
            raise CliError(f"--job {job!r}: letters, digits, '-', '_' and '.' only")
        settings.set("JOB_ID", job, priority="cmdline")
    if idle_close is not None:
        if idle_close < 0:
            raise CliError("--idle-close must be at least 0 seconds")
        settings.set("FRONTIER_IDLE_CLOSE", idle_close, priority="cmdline")
    if frontier:
        check_frontier(frontier)
        settings.set("REDIS_URL", frontier, priority="cmdline")


def check_frontier(url: str) -> None:
    """The frontier's Redis URL well formed (else :class:`CliError`), Redis reachable and
    the password accepted (else :class:`CrawlFailed`)."""
    from crawler.frontier import FrontierError, check_frontier_url, connect

    try:
        check_frontier_url(url)
    except FrontierError as exc:
        raise CliError(str(exc)) from None
    try:
        connect(url).close()
    except FrontierError as exc:
        raise CrawlFailed(str(exc)) from None


def cmd_crawl(args) -> int:
    settings = _settings(args.output, args.set, polite=not args.impolite, replica=args.replica)
    frontier_settings(settings, args.frontier, args.job, args.idle_close)
    # on stderr only what needs a reader (warnings: URLs given up on, unfinished runs); the
    # settings and stats dump at INFO goes behind -v or into --log-file
    if args.log_file:
        settings.set("LOG_FILE", args.log_file, priority="cmdline")
        settings.set("LOG_LEVEL", "INFO", priority="cmdline")
    elif not args.verbose and "LOG_LEVEL" not in {s.split("=", 1)[0] for s in args.set}:
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    spider_args = {k: v for k, v in {
        "sites": args.sites, "start_urls": args.start_urls,
        "full": "1" if args.full else None, "since": args.since, "source": args.source,
        "max_listing_pages": args.max_listing_pages, "from": args.from_, "to": args.to,
        "captures": args.captures, "plan": "1" if args.plan else None,
    }.items() if v}
    if args.plan and args.source == "live":
        raise CliError("--plan is for archive sources: add --source wayback, commoncrawl or archives")
    stats = run_crawl(settings, **spider_args)
    if args.plan:
        print(plan_text(stats.get("archives/plan") or []), end="")
        return crawl_status(stats)
    print(summary(args.output), end="")
    return crawl_status(stats)


# --- schedule on Scrapyd nodes --------------------------------------------------------------
IMPOLITE = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS": "32",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "32", "RETRY_BACKOFF_BASE": "0.2"}


def _scrapyd(node: str, endpoint: str, data: list[tuple[str, str]] | None = None, timeout: float = 30) -> dict:
    """One call of Scrapyd's JSON API (POST with form data, GET without). Raises CrawlFailed."""
    import urllib.error
    import urllib.parse
    import urllib.request

    url = node.rstrip("/") + "/" + endpoint
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # Scrapyd nodes are ours: no proxy
    try:
        with opener.open(urllib.request.Request(url, data=body), timeout=timeout) as resp:
            answer = json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise CrawlFailed(f"Scrapyd at {node} answered {endpoint} with HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CrawlFailed(f"Scrapyd at {node} is unreachable ({reason})") from None
    if answer.get("status") != "ok":
        raise CrawlFailed(f"Scrapyd at {node}: {endpoint} failed: {answer.get('message', answer)}"[:300])
    return answer


def site_groups(slugs: list[str], groups: int) -> list[list[str]]:
    """Sites dealt round-robin into at most ``groups`` non-empty groups."""
    n = max(1, min(groups, len(slugs)))
    return [slugs[i::n] for i in range(n)]


def cmd_schedule(args) -> int:
    """Schedule the portal spider on Scrapyd nodes: one job per site group, every job writing
    one root as a worker of one shared job (the root's lock in job mode), or with --frontier
    ``--groups`` workers of one Redis frontier over all the sites."""
    from pipelines.sites.registry import UnknownSite, sites_by_slug

    nodes = [n.strip() for n in args.scrapyd.split(",") if n.strip()]
    for node in nodes:
        if not node.startswith(("http://", "https://")):
            raise CliError(f"--scrapyd {node}: expected http(s)://HOST:PORT of a Scrapyd node")
    if args.groups < 1:
        raise CliError("--groups must be at least 1")
    try:
        slugs = [site.slug for site in sites_by_slug(args.sites)]
    except UnknownSite as exc:
        raise CliError(str(exc)) from None
    root = check_output_root(args.output).resolve()   # every node must see it at this path (shared filesystem)
    job = args.job or f"schedule-{time.strftime('%Y%m%dT%H%M%S')}-{os.urandom(3).hex()}"
    if not all(c.isalnum() or c in "-_." for c in job):
        raise CliError(f"--job {job!r}: letters, digits, '-', '_' and '.' only")
    settings = {"OUTPUT_DIR": str(root), "JOB_ID": job}
    if args.impolite:
        settings.update(IMPOLITE)
    if args.frontier:
        from crawler.frontier import FrontierError, check_frontier_url, connect

        try:
            check_frontier_url(args.frontier)
        except FrontierError as exc:
            raise CliError(str(exc)) from None
        try:
            connect(args.frontier).close()
        except FrontierError as exc:
            raise CrawlFailed(str(exc)) from None
        settings["REDIS_URL"] = args.frontier
        if args.idle_close is not None:
            settings["FRONTIER_IDLE_CLOSE"] = str(args.idle_close)
        groups = [slugs] * args.groups      # workers of one frontier: each starts from every site
    else:
        groups = site_groups(slugs, args.groups)
    for item in args.set:
        if "=" not in item:
            raise CliError(f"-s expects NAME=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        settings[key] = value
    scheduled = []
    for i, group in enumerate(groups):
        node = nodes[i % len(nodes)]
        data = [("project", args.project), ("spider", "portal"), ("sites", ",".join(group))]
        if args.replica:
            data.append(("replica", args.replica))
        data += [("setting", f"{k}={v}") for k, v in settings.items()]
        answer = _scrapyd(node, "schedule.json", data)
        scheduled.append((node, answer["jobid"], group))
        print(f"scheduled {answer['jobid']} on {node}: {len(group)} site(s) {','.join(group)}")
    print(f"job {job}: {len(scheduled)} Scrapyd job(s) writing {root}/")
    if args.wait is None:
        return EXIT_OK
    deadline = time.monotonic() + args.wait
    pending = {jobid for _, jobid, _ in scheduled}
    while pending:
        for node in nodes:
            finished = {j["id"] for j in _scrapyd(node, f"listjobs.json?project={args.project}").get("finished", [])}
            pending -= finished
        if not pending:
            break
        if time.monotonic() > deadline:
            raise CrawlFailed(f"{len(pending)} Scrapyd job(s) still running after {args.wait:g} s: {', '.join(sorted(pending))}")
        time.sleep(1.0)
    from pipelines.storage.dataset import DatasetError, read_table

    try:
        runs = [r for r in read_table(root, "runs", ["run_id", "job_id", "site", "finish_reason"]).to_pylist()
                if r["job_id"] == job and r["site"] == "*"]
    except DatasetError as exc:
        raise CliError(str(exc)) from None
    print(summary(str(root)), end="")
    good = [r for r in runs if r["finish_reason"] == "finished"]
    if len(good) < len(scheduled):
        reasons = ", ".join(f"{r['run_id']}: {r['finish_reason']}" for r in runs if r["finish_reason"] != "finished")
        raise CrawlFailed(f"{len(good)} of {len(scheduled)} Scrapyd jobs finished"
                          + (f" ({reasons})" if reasons else " (see the nodes' logs)"))
    return EXIT_OK
def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def plan_text(plans: list[dict]) -> str:
    """The ``--plan`` report: per site and archive, what a pull would fetch and how long it takes."""
    if not plans:
        return "no plan: no site's listing could be completed (see the warnings above)\n"
    lines = ["archive pull plan (times at the configured pace: one request per delay of each archive slot)",
             f"{'site':<16} {'archive':<12} {'index requests':>19} {'articles':>8} {'to fetch':>8} "
             f"{'captures':>13} {'listing pages':>13} {'fetch time':>15}"]
    for p in plans:
        for name, a in p["archives"].items():
            index = f"{a['listing_requests']} ({_duration(a['listing_seconds'])})"
            lines.append(f"{p['site']:<16} {name:<12} {index:>19} {a['articles']:>8} {a['urls']:>8} "
                         f"{a['captures_min']:>6}-{a['captures_max']:<6} {a['listing_captures']:>13} "
                         f"{_duration(a['seconds_min']):>7}-{_duration(a['seconds_max']):<7}")
        lines.append(f"{p['site']:<16} {'(site)':<12} {'':>19} {p['articles']:>8} {p['to_fetch']:>8} {'':>13} {'':>13} "
                     f"{_duration(p['seconds_min']):>7}-{_duration(p['seconds_max']):<7}")
        for name, why in (p.get("listing_stopped") or {}).items():
            lines.append(f"  {p['site']}: {why}")
    if len(plans) > 1:   # sites share each archive's slot: their times add up per archive
        names = sorted({n for p in plans for n in p["archives"]})
        lo = max(sum(p["archives"].get(n, {}).get("seconds_min", 0) for p in plans) for n in names)
        hi = max(sum(p["archives"].get(n, {}).get("seconds_max", 0) for p in plans) for n in names)
        lines.append(f"{'(all sites)':<16} {'':<12} {'':>19} {sum(p['articles'] for p in plans):>8} "
                     f"{sum(p['to_fetch'] for p in plans):>8} {'':>13} {'':>13} {_duration(lo):>7}-{_duration(hi):<7}")
    lines += ["index requests: CDX/index answers the listing took (and their time at the pace); articles: "
              "listed in that archive (any archive for the site); to fetch: not stored yet;",
              "captures: fetches from that archive, min (every first capture is the article) to max (every "
              "capture tried); listing pages: category pages to read for links;",
              "fetch time: captures and listing pages at the pace; the archives run side by side, so a site "
              "takes as long as its slowest archive, and sites share each archive's pace."]
    return "\n".join(lines) + "\n"


# --- reprocess ----------------------------------------------------------------------------
def cmd_reprocess(args) -> int:
    from pipelines.storage.archives import DaskFailed, WarcError, check_warc, reprocess
    from pipelines.storage.dataset import DatasetError
    from pipelines.storage.run import RootBusy, StorageError

    for f in args.files:
        try:
            check_warc(f)
        except WarcError as exc:
            raise CliError(str(exc)) from None
    if args.workers is not None and args.workers < 1:
        raise CliError("--workers must be at least 1")
    check_output_root(args.output)
    if args.dask and args.workers is not None:
        raise CliError("--workers and --dask: the Dask cluster has its own workers")
    if args.dask and not (args.dask.startswith(("tcp://", "tls://")) or args.dask.startswith("local:")):
        raise CliError(f"--dask {args.dask}: expected tcp://HOST:PORT of a Dask scheduler, or local:N")

    def progress(line: str) -> None:
        print(f"reprocess: {line}", file=sys.stderr, flush=True)

    try:
        stats = reprocess(args.files, args.output, workers=args.workers, dask=args.dask, progress=progress)
    except DaskFailed as exc:
        raise CrawlFailed(str(exc)) from None
    except (RootBusy, StorageError) as exc:
        raise CrawlFailed(str(exc)) from None
    except (WarcError, DatasetError) as exc:
        raise CliError(str(exc)) from None
    print(f"reprocessed {stats['files']} WARC file(s), run {stats['run_id']}: {stats.get('records', 0)} records, "
          f"{stats.get('pages', 0)} HTML pages, {stats.get('articles_new', 0)} new, "
          f"{stats.get('articles_updated', 0)} updated, {stats.get('articles_unchanged', 0)} unchanged; "
          f"skipped {stats.get('not_article', 0)} non-article pages, {stats.get('skipped_status', 0)} non-200, "
          f"{stats.get('skipped_not_html', 0)} non-HTML; {stats['workers']} worker(s)"
          f"{' on Dask ' + stats['dask'] if stats.get('dask') else ''}, {stats['seconds']:.1f} s "
          f"({stats['pages_per_second'] or 0:.0f} pages/s)")
    if stats.get("truncated_files"):
        print(f"portal-news: {stats['truncated_files']} WARC file(s) ended in a damaged record; read up to it",
              file=sys.stderr)
    print(summary(args.output), end="")
    return EXIT_OK if stats.get("finish_reason", "finished") == "finished" else EXIT_RUN_FAILED


# --- demo ---------------------------------------------------------------------------------
def cmd_demo(args) -> int:
    from replica import replica_process

    started = time.monotonic()
    output = args.output
    print(f"portal-news demo: starting the offline replica ({args.articles} articles, seed {args.seed}) on 127.0.0.1 …")
    with replica_process(articles=args.articles, seed=args.seed) as replica:
        manifest = replica.manifest()
        slugs = ",".join(d["slug"] for d in manifest["districts"])
        print(f"replica at {replica.base_url}; crawling districts {slugs} through it into {output}/ …")
        settings = _settings(output, args.set, polite=False, replica=replica.base_url)
        # failures are summarised below (and kept in failures/): no per-URL warnings here
        settings.set("LOG_LEVEL", "ERROR" if not args.verbose else "INFO", priority="cmdline")
        settings.set("PROGRESS_INTERVAL", 5.0, priority="cmdline")
        stats = run_crawl(settings, sites=slugs, **({"full": "1"} if args.full else {}))
    print(summary(output), end="")
    report = _describe_and_report(output)
    print(f"demo finished in {time.monotonic() - started:.1f} s; the replica server is stopped.")
    if report:
        print(f"open the report: {report}")
    return crawl_status(stats)


def _describe_and_report(output: str) -> Path | None:
    """After a demo: datapackage.json, the dataset card and report.html at the root; the
    report's path (None, with one line on stderr, when they could not be written)."""
    from pipelines.analysis.datapackage import describe_root
    from pipelines.analysis.report import build_report
    from pipelines.storage.dataset import DatasetError

    try:
        describe_root(output)
        return build_report(output)["path"].resolve()
    except (DatasetError, OSError) as exc:
        print(f"portal-news: report not written: {exc}", file=sys.stderr)
        return None


def summary(output: str) -> str:
    """Short report of what is stored under ``output`` (DuckDB over the Parquet files)."""
    import duckdb

    from pipelines.storage.dataset import data_files

    root = Path(output)
    lines = [f"\ndatasets under {root.resolve()}/"]
    con = duckdb.connect()
    glob = lambda t: str(root / t / "**" / "*.parquet")  # noqa: E731
    if not data_files(root, "articles"):
        return "\n".join(lines + ["  no articles stored yet", ""])
    rows = con.execute(
        f"SELECT district, count(DISTINCT article_id) FROM read_parquet('{glob('articles')}', hive_partitioning=true) "
        "GROUP BY district ORDER BY district").fetchall()
    lines.append("  articles per district:")
    lines += [f"    {d:<18} {n:>6}" for d, n in rows]
    total = sum(n for _, n in rows)
    for table in ("images", "officials"):
        n = 0
        if data_files(root, table):
            n = con.execute(f"SELECT count(*) FROM read_parquet('{glob(table)}', hive_partitioning=true)").fetchone()[0]
        lines.append(f"  {table:<10} {n:>6} rows")
    people = root / "people" / "people.parquet"
    if people.exists():
        n = con.execute(f"SELECT count(*) FROM read_parquet('{people}')").fetchone()[0]
        lines.append(f"  people     {n:>6} resolved persons")
    lines.append(f"  articles   {total:>6} in all")
    if data_files(root, "runs"):
        last_run, reason = con.execute(f"SELECT run_id, finish_reason FROM read_parquet('{glob('runs')}') "
                                       "WHERE site = '*' ORDER BY started_at DESC, run_id DESC LIMIT 1").fetchone()
        lines.append(f"  last run   {last_run} ({reason})")
        lacking = con.execute(
            f"SELECT site, articles_new + articles_updated, articles_empty_body, articles_no_date, articles_no_title "
            f"FROM read_parquet('{glob('runs')}', union_by_name=true) WHERE run_id = ? AND site <> '*' "
            "AND (articles_empty_body > 0 OR articles_no_date > 0 OR articles_no_title > 0) ORDER BY site",
            [last_run]).fetchall()
        for site, stored, body, date, title in lacking:
            what = ", ".join(f"{n} {label}" for n, label in ((body, "with an empty body"), (date, "without a date"),
                                                             (title, "without a title")) if n)
            lines.append(f"  quality    {site}: of {stored} articles stored in the last run, {what}")
        kinds = con.execute(f"SELECT kind, count(*) FROM read_parquet('{glob('failures')}') WHERE run_id = ? "
                            "GROUP BY 1 ORDER BY 2 DESC", [last_run]).fetchall() if data_files(root, "failures") else []
        if kinds:
            text = ", ".join(f"{n} {k}" for k, n in kinds)
            lines.append(f"  failures   {sum(n for _, n in kinds):>6} URLs given up on in the last run ({text}): "
                         f"see {root / 'failures'}/")
    lines.append("try (DuckDB's Python package is installed with portal-news):")
    lines.append(f"  python -c \"import duckdb; duckdb.sql(\\\"SELECT district, year, count(*) FROM "
                 f"read_parquet('{glob('articles')}', hive_partitioning=true) GROUP BY ALL ORDER BY ALL\\\").show()\"")
    return "\n".join(lines) + "\n"


# --- report and exports ----------------------------------------------------------------------
def _dataset_root(output: str) -> Path:
    root = check_output_root(output)
    if not root.is_dir():
        raise CliError(f"--output {output}: no such directory (run `portal-news demo` or `portal-news crawl` first)")
    return root


def _describe(root: Path) -> None:
    """datapackage.json and the dataset card at the root; a read-only root only warns."""
    from pipelines.analysis.datapackage import describe_root

    try:
        describe_root(root)
    except OSError as exc:
        print(f"portal-news: datapackage.json and README.md not written at {root}: {exc.strerror or exc}",
              file=sys.stderr)


def cmd_report(args) -> int:
    from pipelines.analysis.report import build_report
    from pipelines.storage.dataset import DatasetError

    root = _dataset_root(args.output)
    if args.to and Path(args.to).is_dir():
        raise CliError(f"--to {args.to}: is a directory; give the HTML file to write")
    try:
        _describe(root)
        result = build_report(root, args.to)
    except DatasetError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write the report: {exc}") from None
    print(f"report written to {result['path'].resolve()} ({result['bytes'] / 1e6:.1f} MB, {len(result['charts'])} charts, "
          f"{result['articles']} articles, {result['seconds']:.1f} s); it opens offline in any browser")
    return 0


def cmd_export(args) -> int:
    from pipelines.analysis.exports import ExportError, export
    from pipelines.storage.dataset import DatasetError

    root = _dataset_root(args.output)
    try:
        _describe(root)
        result = export(root, args.format, args.to, all_versions=args.all_versions)
    except (ExportError, DatasetError) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write the export: {exc}") from None
    what = ", ".join(f"{name} {n}" for name, n in result["counts"].items())
    versions = "every stored version" if args.all_versions else "latest version of each article"
    print(f"{args.format} written to {result['path'].resolve()} ({versions}; rows: {what}; {result['seconds']:.1f} s)")
    return 0


# --- check-hosts --------------------------------------------------------------------------
def check_host(site, timeout: float, proxy: str | None = None) -> tuple[str, str]:
    """(answer, detail) for a registry site's home page: one GET, no crawl. ``answer`` is
    ``ok`` (HTTP 2xx/3xx), ``http-NNN``, ``dns``, ``timeout`` or ``connection``."""
    import socket
    import urllib.error
    import urllib.request

    handlers = [urllib.request.ProxyHandler({"http": proxy, "https": proxy} if proxy else {})]
    opener = urllib.request.build_opener(*handlers)
    url = site.base_url + "/portal/Pages/default.aspx" if site.platform == "tandan" else site.base_url + "/"
    request = urllib.request.Request(url, headers={"User-Agent": "portal-news check-hosts"})
    try:
        with opener.open(request, timeout=timeout) as resp:
            return "ok", f"HTTP {resp.status} {resp.geturl()}"
    except urllib.error.HTTPError as exc:
        return f"http-{exc.code}", f"HTTP {exc.code} {url}"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, socket.gaierror):
            return "dns", "host name not found"
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return "timeout", f"no answer within {timeout:g} s"
        return "connection", str(reason)[:120]
    except (socket.timeout, TimeoutError):
        return "timeout", f"no answer within {timeout:g} s"
    except OSError as exc:
        return "connection", str(exc)[:120]


def cmd_check_hosts(args) -> int:
    """Which registry hosts answer (for users with network): one request per host, no crawl."""
    from concurrent.futures import ThreadPoolExecutor

    from pipelines.sites.registry import UnknownSite, sites_by_slug

    try:
        sites = sites_by_slug(args.sites)
    except UnknownSite as exc:
        raise CliError(str(exc)) from None
    if args.replica and not args.replica.startswith("http://"):
        raise CliError(f"--replica {args.replica}: expected http://HOST:PORT")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda s: check_host(s, args.timeout, args.replica), sites))
    for site, (answer, detail) in zip(sites, answers):
        print(f"{site.slug:<16} {site.host:<34} {site.evidence:<12} {answer:<11} {detail}")
    good = sum(a == "ok" for a, _ in answers)
    print(f"{good} of {len(sites)} hosts answered")
    return EXIT_OK if good else EXIT_RUN_FAILED


# --- maintenance --------------------------------------------------------------------------
def cmd_compact(args) -> int:
    from pipelines.storage.dataset import DatasetError, RootBusy, compact

    _dataset_root(args.output)
    try:
        stats = compact(args.output)
    except RootBusy as exc:
        raise CrawlFailed(str(exc)) from None
    except DatasetError as exc:
        raise CliError(str(exc)) from None
    print(f"compacted {stats['partitions']} partitions: {stats['files_before']} → {stats['files_after']} files, "
          f"{stats['rows_before']} → {stats['rows_after']} rows")
    return 0


def cmd_status(args) -> int:
    from pipelines.storage.dataset import DatasetError, check_dataset, read_table

    _dataset_root(args.output)
    try:
        check_dataset(args.output)
        runs = read_table(args.output, "runs").to_pylist()
        print(summary(args.output), end="")
    except DatasetError as exc:
        raise CliError(str(exc)) from None
    whole = sorted((r for r in runs if r["site"] == "*"), key=lambda r: r["started_at"])[-args.last:]
    print(f"\nlast {len(whole)} runs:")
    for r in whole:
        print(f"  {r['run_id']}  {r['started_at']:%Y-%m-%d %H:%M}  {r['finish_reason']:<10} pages {r['pages_fetched']:>6}"
              f"  new {r['articles_new']:>6}  updated {r['articles_updated']:>4}  unchanged {r['articles_unchanged']:>5}"
              f"  known-skipped {r['articles_skipped_known']:>6}  failures {r['failures']:>4} {r['failures_by_kind']}"
              + (f"  job {r['job_id']}" if r.get("job_id") else ""))
    return 0


def cmd_schema(args) -> int:
    from pipelines.storage.schema import data_dictionary_markdown

    text = data_dictionary_markdown()
    if args.write_readme:
        readme = Path(args.write_readme)
        content = readme.read_text("utf-8")
        begin, end = "<!-- BEGIN DATA DICTIONARY -->", "<!-- END DATA DICTIONARY -->"
        if begin not in content or end not in content:
            raise CliError(f"{readme}: no {begin} … {end} markers")
        head, rest = content.split(begin, 1)
        readme.write_text(head + begin + "\n" + text + rest[rest.index(end):], "utf-8")
        print(f"data dictionary written to {readme}")
        return 0
    print(text, end="")
    return 0


def cmd_evaluate_people(args) -> int:
    """People resolution scored (B-cubed) against the careers gold set and against the
    replica's truth (its pages rendered and extracted in-process), beside name-only merging."""
    from pipelines.evaluation import people as E
    from pipelines.storage.people import resolve_people

    gold = Path(args.dir) if args.dir else Path("tests/gold/people")
    if gold.is_dir() and E.is_people_gold(gold):
        rows, truth, persons = E.load_gold(gold)
        print(E.format_report(f"people: careers gold set {gold} ({len(rows)} mentions, {len(persons)} persons)",
                              E.score_people(rows, truth, resolve_people)))
    elif args.dir:
        raise CliError(f"{gold}: not a directory of people gold files (persons + articles)")
    else:
        print(f"people: no careers gold set at {gold} (give its directory)")
    if args.articles:
        from replica import build_portal
        from replica.manifest import people
        from replica.render import article_page

        portal = build_portal(seed=args.seed, articles=args.articles)
        pages = ((a.url, *article_page(a), people(a)) for a in portal.articles)
        results, rows, truth = E.replica_scores(pages, resolve_people)
        print(E.format_report(f"\npeople: the replica's truth ({args.articles} articles, seed {args.seed}, "
                              f"{len(portal.districts)} districts; pages rendered and extracted)", results))
    return 0


def cmd_evaluate(args) -> int:
    from pipelines.evaluation.pages import run_evaluation
    from pipelines.evaluation.people import is_people_gold

    if args.people or (args.dir and Path(args.dir).is_dir() and is_people_gold(args.dir)):
        return cmd_evaluate_people(args)
    if not args.dir:
        raise CliError("evaluate: give a gold directory (or --people)")
    path = Path(args.dir)
    if not path.is_dir():
        raise CliError(f"{path}: not a directory of gold pages")
    report, ok = run_evaluation(path, baseline=not args.no_baseline, predictions=args.predictions,
                                verbose=args.verbose)
    if ok is False:   # (no gold pages there)
        raise CliError(report)
    print(report)
    return 0


def cmd_replica(args) -> int:
    from replica import cli as replica_cli

    return replica_cli.run(args)


# --- entry point --------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="portal-news", description="Crawl Vietnamese government portals into Parquet datasets.",
                                allow_abbrev=False)
    sub = p.add_subparsers(dest="command", required=True)

    e = sub.add_parser("extract", allow_abbrev=False, help="extract one saved page and print JSON")
    e.add_argument("file")
    e.add_argument("--url", help="the page's URL (resolves relative links, gives the date path)")
    e.add_argument("--content-type", help="HTTP Content-Type the page was served with")
    e.add_argument("--detail", action="store_true", help="include officials' parsed positions")
    e.set_defaults(func=cmd_extract)

    def crawl_opts(sp):
        sp.add_argument("--output", "-o", default=DEFAULT_OUTPUT, help="dataset root (default: output/)")
        sp.add_argument("--set", "-s", action="append", default=[], metavar="NAME=VALUE", help="Scrapy setting")
        sp.add_argument("--full", action="store_true", help="fetch every article, also those already stored")

    c = sub.add_parser("crawl", allow_abbrev=False, help="crawl portals into the datasets")
    crawl_opts(c)
    c.add_argument("--sites", help="registry slugs, comma-separated (default: all)")
    c.add_argument("--start-urls", help="listing URLs, comma-separated")
    c.add_argument("--replica", metavar="URL", help="crawl through a running replica (its http://127.0.0.1:PORT: "
                   "an HTTP proxy answering for the portals' real URLs); sets REPLICA_PROXY")
    c.add_argument("--since", help="only articles published on or after this day (YYYY-MM-DD)")
    c.add_argument("--source", default="live", choices=["live", "wayback", "commoncrawl", "archives"],
                   help="live portals, or web archives: wayback, commoncrawl, archives (both)")
    c.add_argument("--captures", choices=["first", "latest", "all"], default=None,
                   help="archives: the first capture that is the article (default), also the latest, or every version")
    c.add_argument("--plan", action="store_true",
                   help="archives: list the captures and say what would be fetched and how long it takes; fetch nothing")
    c.add_argument("--max-listing-pages", type=int, default=0)
    c.add_argument("--frontier", metavar="REDIS_URL", help="a worker of a shared job: redis://[:PASSWORD@]HOST:PORT/DB "
                   "(the queue and duplicate filter every worker started with the same command shares)")
    c.add_argument("--job", metavar="NAME", help="the shared job's name (default: from --sites/--start-urls); "
                   "without --frontier, runs of one job share the output root")
    c.add_argument("--idle-close", type=float, metavar="SECONDS", help="with --frontier: end once nothing is queued "
                   "or in flight anywhere for this long (default 30)")
    c.add_argument("--from", dest="from_", metavar="YEAR", help="archives: captures from this year (or YYYYMMDD…)")
    c.add_argument("--to", metavar="YEAR", help="archives: captures up to this year (or YYYYMMDD…)")
    c.add_argument("--impolite", action="store_true", help="no delay, no throttle (only for your own servers)")
    c.add_argument("--verbose", "-v", action="store_true", help="Scrapy's log at INFO (settings, stats) on stderr")
    c.add_argument("--log-file", help="write Scrapy's whole log (INFO) to this file")
    c.set_defaults(func=cmd_crawl)

    rp = sub.add_parser("reprocess", allow_abbrev=False, help="re-extract pages stored in WARC files into the datasets")
    rp.add_argument("files", nargs="+", metavar="FILE.warc.gz", help="WARC files (ours, Common Crawl's, …)")
    rp.add_argument("--output", "-o", default=DEFAULT_OUTPUT, help="dataset root (default: output/)")
    rp.add_argument("--workers", "-j", type=int, default=None, help="extraction processes (default: all cores)")
    rp.add_argument("--dask", metavar="ADDRESS", help="one task per WARC file on Dask distributed: tcp://HOST:PORT of a "
                    "running scheduler, or local:N for a local cluster of N worker processes")
    rp.set_defaults(func=cmd_reprocess)

    sc = sub.add_parser("schedule", allow_abbrev=False, help="schedule the portal spider on Scrapyd nodes, per site group")
    sc.add_argument("--scrapyd", required=True, metavar="URL[,URL…]", help="Scrapyd nodes (http://HOST:6800), "
                    "the project deployed to each with scrapyd-deploy")
    sc.add_argument("--project", default="portal_news", help="the Scrapyd project (scrapy.cfg [deploy]: portal_news)")
    sc.add_argument("--groups", type=int, default=1, help="Scrapyd jobs: site groups (or, with --frontier, workers)")
    sc.add_argument("--output", "-o", required=True, help="dataset root, at the same path on every node")
    sc.add_argument("--sites", help="registry slugs, comma-separated (default: all)")
    sc.add_argument("--frontier", metavar="REDIS_URL", help="the jobs are workers of one shared frontier")
    sc.add_argument("--idle-close", type=float, metavar="SECONDS", help="with --frontier, as for crawl")
    sc.add_argument("--job", metavar="NAME", help="the shared job's name (default: schedule-<time>-<random>)")
    sc.add_argument("--replica", metavar="URL", help="crawl through a running replica")
    sc.add_argument("--impolite", action="store_true", help="no delay, no throttle (only for your own servers)")
    sc.add_argument("--set", "-s", action="append", default=[], metavar="NAME=VALUE", help="Scrapy setting for every job")
    sc.add_argument("--wait", type=float, metavar="SECONDS", help="wait this long for the jobs, then check runs/ "
                    "(exit 0 when every job's run finished)")
    sc.set_defaults(func=cmd_schedule)

    d = sub.add_parser("demo", allow_abbrev=False, help="crawl the built-in offline replica and write datasets")
    crawl_opts(d)
    d.add_argument("--articles", type=int, default=240)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--verbose", action="store_true")
    d.set_defaults(func=cmd_demo)

    ch = sub.add_parser("check-hosts", allow_abbrev=False,
                        help="which registry hosts answer (one request each, no crawl; needs network)")
    ch.add_argument("--sites", help="registry slugs, comma-separated (default: all)")
    ch.add_argument("--timeout", type=float, default=10.0, help="seconds per host (default 10)")
    ch.add_argument("--replica", help="ask a running offline replica instead (its proxy address)")
    ch.set_defaults(func=cmd_check_hosts)

    r = sub.add_parser("replica", allow_abbrev=False, help="serve the offline replica portal on 127.0.0.1")
    from replica import cli as replica_cli

    replica_cli.add_arguments(r)
    r.set_defaults(func=cmd_replica)

    ev = sub.add_parser("evaluate", allow_abbrev=False, help="score extraction (or people, --people) on a gold directory")
    ev.add_argument("dir", nargs="?", help="gold directory (with --people: the careers gold, default tests/gold/people)")
    ev.add_argument("--people", action="store_true",
                    help="score people resolution (B-cubed) on the careers gold set and on the replica's truth")
    ev.add_argument("--articles", type=int, default=2000, help="with --people: replica articles (0: gold set only)")
    ev.add_argument("--seed", type=int, default=1, help="with --people: replica seed")
    ev.add_argument("--predictions", help="directory of another extractor's JSON (same file names) to score instead")
    ev.add_argument("--no-baseline", action="store_true", help="do not run trafilatura beside ours")
    ev.add_argument("--verbose", "-v", action="store_true", help="per-page figures")
    ev.set_defaults(func=cmd_evaluate)

    for name, func, text in (("compact", cmd_compact, "merge small part files, drop exact duplicates"),
                             ("status", cmd_status, "last runs and what is stored per district")):
        sp = sub.add_parser(name, allow_abbrev=False, help=text)
        sp.add_argument("--output", "-o", default=DEFAULT_OUTPUT)
        if name == "status":
            sp.add_argument("--last", type=int, default=10)
        sp.set_defaults(func=func)

    rep = sub.add_parser("report", allow_abbrev=False,
                         help="write one self-contained HTML report of the datasets (opens offline)")
    rep.add_argument("--output", "-o", default=DEFAULT_OUTPUT, help="dataset root (default: output/)")
    rep.add_argument("--to", metavar="FILE", help="HTML file to write (default: <output>/report.html)")
    rep.set_defaults(func=cmd_report)

    ex = sub.add_parser("export", allow_abbrev=False, help="export the datasets as CSV, JSON Lines, DuckDB or GraphML")
    ex.add_argument("--format", "-f", required=True, choices=["csv", "jsonl", "duckdb", "graphml"],
                    help="csv/jsonl: a directory of one file per table; duckdb: a file of views over the Parquet "
                         "files; graphml: the officials' co-occurrence network")
    ex.add_argument("--to", metavar="PATH", help="where to write (default: <output>/exports/…)")
    ex.add_argument("--all-versions", action="store_true",
                    help="every stored version of each article (default: the latest fetched_at per article_id)")
    ex.add_argument("--output", "-o", default=DEFAULT_OUTPUT, help="dataset root (default: output/)")
    ex.set_defaults(func=cmd_export)

    s = sub.add_parser("schema", allow_abbrev=False, help="print the data dictionary")
    s.add_argument("--markdown", action="store_true", default=True, help="Markdown (the only format)")
    s.add_argument("--write-readme", metavar="README", help="replace the data dictionary section of README")
    s.set_defaults(func=cmd_schema)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except CliError as exc:
        return _fail(str(exc))
    except CrawlFailed as exc:
        return _fail(str(exc), EXIT_RUN_FAILED)
    except KeyboardInterrupt:
        return _fail("interrupted")
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
