# Scrapy settings for portal-news.
#
# Only the settings that matter are here; see https://docs.scrapy.org/en/latest/topics/settings.html
# Every one can be overridden on the command line: `scrapy crawl portal -s NAME=value`.

BOT_NAME = "portal_news"

SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# `scrapy crawl portal` with portal-news's exit statuses and one-line errors (crawler/commands/crawl.py)
COMMANDS_MODULE = "crawler.commands"

ADDONS = {"crawler.frontier.FrontierAddon": 0}   # REDIS_URL set: the shared frontier (crawler/frontier.py)

# --- where the datasets go ----------------------------------------------------------
OUTPUT_DIR = "output"          # dataset root (articles/, images/, officials/, people/, runs/, failures/)
PARQUET_FLUSH_ROWS = 2000      # articles buffered before a batch is committed (bounds memory)
PARQUET_BACKGROUND_COMMIT = True   # commit batches from a thread while the crawl goes on

# --- identify yourself: portals' operators should be able to reach you ----------------
CONTACT = "https://github.com/portal-news/portal-news"   # set to your e-mail or project page
USER_AGENT = f"portal-news/0.1 (+{CONTACT}; research crawler of public government news)"

# --- politeness -----------------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
# Each callback yields at most one item; Scrapy's default (100) starts that many asyncio
# tasks per response for nothing (measured: -22 % CPU per page, +25 % pages/min).
CONCURRENT_ITEMS = 1
TELNETCONSOLE_ENABLED = False

# --- faults: retry with exponential backoff -------------------------------------------
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0       # seconds before the first retry; doubles each retry
RETRY_BACKOFF_MAX = 60.0       # cap, also for a server's Retry-After
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"   # failures are recorded in failures/ and the run summary
ERROR_PAGE_RETRY = True        # SharePoint error pages served as 200 are retried like a 503

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # the run's hosts only (sites, their aliases, start URLs): offsite requests and redirects
    # are refused and recorded as failures/ kind offsite (crawler/middlewares.py)
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.SiteHostsMiddleware": 50,
    # redirect loops and chains longer than REDIRECT_MAX_TIMES: failures/ kind redirect
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.RedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.MetaRefreshMiddleware": 580,
    # a body that grew beyond DOWNLOAD_MAXSIZE while received: failures/ kind too-large
    "crawler.middlewares.BodySizeMiddleware": 560,
}

# --- hostile or broken servers: every limit ends in a failures/ row ----------------------
# A portal's page is tens of KB of HTML (the gold and replica pages: 8–20 KB); 10 MB leaves room
# for pages with inline (base64) images (extraction cuts a page at 8 million characters anyway).
# A body beyond DOWNLOAD_MAXSIZE — on the wire, or after gzip/deflate/br/zstd decompression,
# which Scrapy's HttpCompressionMiddleware stops at this size — is dropped and recorded as
# kind too-large; no page held in memory, written to WARC or parsed is ever larger. (Scrapy's
# own default, 1 GB, let a 900 MB gzip bomb take 5 GB across the crawl's processes.)
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024   # a warning in the log, the page is kept
REDIRECT_MAX_TIMES = 5         # redirects in a row (the replica's faults chain 2–3); kind redirect beyond

# Extraction processes beside the reactor: "auto" = one per spare core (at most 4), 0 = inline.
EXTRACT_WORKERS = "auto"

ITEM_PIPELINES = {
    "crawler.itempipelines.ExtractionPipeline": 300,
    "crawler.itempipelines.ParquetPipeline": 800,
}

EXTENSIONS = {
    "crawler.run.RunOwner": 100,          # the run: output root, lock, ledger (crawler/run.py)
    "crawler.progress.Progress": 500,
}
PROGRESS_INTERVAL = 10.0       # seconds between progress reports

# --- incremental crawling ---------------------------------------------------------------
# Article URLs already stored under OUTPUT_DIR are not fetched again, and a listing walk
# stops after a page whose articles are all known; `-a full=1` walks and fetches everything.
LISTING_BACKLOG = 2000         # article requests waiting before a listing walk pauses (bounds memory)
# Listing pages walked per category (per start URL), at most. At the replica's 10 articles
# per listing page, 2,000 pages are 20,000 articles in one category: past the end of a
# district portal's categories, while a pager that never ends (every
# ?PageIndex=N answered with new links) costs at most 2,000 listing requests per category.
# Walks are also cut at once when a page repeats (its next page was walked already on this
# walk, or it lists no article not seen earlier on it). A cut walk is a failures/ row of kind
# listing-cut, under the category's start URL, saying why. For one run: `--max-listing-pages N`
# (`-a max_listing_pages=N`) sets another bound, 0 keeps this one, -1 walks without bound;
# `-s MAX_LISTING_PAGES=0` lifts it too.
MAX_LISTING_PAGES = 2000
RETRY_FAILED_AFTER_HOURS = 20  # URLs given up on are tried again by runs after this long
# At its end a run merges the small part files (< 32 MB) of each directory it wrote into
# (articles/images/officials partitions, runs/, failures/) into one, keeping every row and
# version, so daily runs leave about one file per partition rather than one per run.
# Never in a shared job (--frontier); `portal-news compact` does it between jobs.
MERGE_PART_FILES = True

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

# --- archives: raw page store (WARC) and the Wayback Machine as a source -----------------
# Every response (listings, articles, error pages, 404s, retried 503s) is kept as a WARC
# record under OUTPUT_DIR/warc/<run_id>-NNNNN.warc.gz; `portal-news reprocess` re-extracts them.
DOWNLOADER_MIDDLEWARES["crawler.warcstore.WarcStoreMiddleware"] = 585   # after decompression, before retries
WARC_ENABLED = True
WARC_MAX_BYTES = 100 * 1024 * 1024   # rotate files at this size
WARC_WRITE_REQUESTS = False          # also write a WARC request record per response
WARC_PROCESS = True                  # compress and write WARC records in a child process

# `-a source=wayback|commoncrawl|archives` (crawler/spiders/archives.py): the archives' CDX indexes
# list the captures, the captures are fetched from the archives. Each endpoint is a download slot
# paced at the archive's published limits (README "Archives" cites them); a 429/503 pauses the
# whole slot for its Retry-After.
WAYBACK_BASE_URL = "https://web.archive.org"   # the replica serves a fake one at <replica>/wayback
WAYBACK_CDX_DELAY = 2.5        # s between CDX requests: 24 a minute, 80 % of the CDX API's 30/min
WAYBACK_CDX_CONCURRENCY = 1
WAYBACK_CDX_LIMIT = 5000       # rows per CDX answer; the listing pages on with the resumption key
WAYBACK_DOWNLOAD_DELAY = 0.125  # s between captures: 8 a second, 80 % of playback's 600/min
WAYBACK_CONCURRENCY = 8        # captures in flight (at ~1 s latency 8 keep the pace)
COMMONCRAWL_INDEX_URL = "https://index.commoncrawl.org"   # the replica: <replica>/commoncrawl/index
COMMONCRAWL_DATA_URL = "https://data.commoncrawl.org"     # the replica: <replica>/commoncrawl/data
COMMONCRAWL_INDEXES = "all"    # crawl ids (CC-MAIN-2019-09,…), or all: collinfo.json within --from/--to
COMMONCRAWL_PAGE_SIZE = 0      # blocks per index page (pageSize); 0: the server's default
COMMONCRAWL_INDEX_DELAY = 3.0  # s between index requests, one at a time (no published number; see README)
COMMONCRAWL_INDEX_CONCURRENCY = 1
COMMONCRAWL_DATA_DELAY = 1.0   # s between byte ranges, one at a time ("no more than once per second")
COMMONCRAWL_DATA_CONCURRENCY = 1
ARCHIVE_CAPTURES = "first"     # default of -a captures= (first | latest | all)
ARCHIVE_VERIFY_SOURCES = True  # ask every archive holding an article, so `sources` lists them all
ARCHIVE_LISTING_CAPTURES = "all"   # listing pages read for links: all (distinct) | latest | none
ARCHIVE_LOOKUPS = True         # a linked article no listing held: one exact CDX query (at the CDX pace)
ARCHIVE_JOBS = 64              # articles worked on at a time (bounds memory)
ARCHIVE_LISTING_RETRIES = 3    # an unreadable CDX answer (not JSON, cut mid-line) is asked again
ARCHIVE_MAX_ERRORS = 20        # archive errors in a row before the archive is left for the next run
ARCHIVE_PAUSE_DEFAULT = 60.0   # s an archive slot pauses after a 429 without Retry-After
ARCHIVE_LISTING_MAX_AGE_DAYS = 30  # a complete listing is reused this long (-1: forever)
ARCHIVE_CHECK_DIGEST = True    # a capture's body must match its index digest
WAYBACK_CDX_MAXSIZE = 50 * 1024 * 1024   # a CDX answer lists many URLs of a portal (~150 B each), not one page

# --- the offline replica ----------------------------------------------------------------
# `portal-news crawl --replica URL`, `-a replica=URL` or `-s REPLICA_PROXY=URL`: every request
# goes to the replica, an HTTP proxy answering for the portals' real hosts
# (crawler/replicaproxy.py); pages fetched so get source=replica. Empty: off.
REPLICA_PROXY = ""
DOWNLOADER_MIDDLEWARES["crawler.replicaproxy.ReplicaProxyMiddleware"] = 745   # before Scrapy's HttpProxyMiddleware (750)

# --- a shared frontier: many workers, one job (crawler/frontier.py) -----------------------
# `portal-news crawl … --frontier redis://:PASSWORD@HOST:PORT/DB [--job NAME] [--idle-close S]`
# or `scrapy crawl portal -s REDIS_URL=… [-s JOB_ID=…]`. Empty: Scrapy's own scheduler.
REDIS_URL = ""
JOB_ID = ""                    # the job's name (default: from the sites asked for); also shares the root without Redis
FRONTIER_IDLE_CLOSE = 30.0     # seconds with nothing queued or in flight anywhere before a worker ends
FRONTIER_LEASE = 30.0          # a worker without a heartbeat this long is taken for dead
FRONTIER_TTL = 86400           # seconds the job's keys outlive its last heartbeat
FRONTIER_PREFETCH = 16         # requests a worker holds at once (more: faster alone, less shared in a polite crawl)
FRONTIER_KEY_PREFIX = "portal-news"
