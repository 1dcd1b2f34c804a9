"""Settings: every knob of the crawl. Override any of them with ``-s NAME=VALUE``.

The defaults are polite to the real arrahmahnews.com: robots.txt obeyed, AutoThrottle on, a
small per-domain concurrency, an identifiable User-Agent, bounded downloads, retries for server
errors, timeouts and truncated responses.
"""

from arrahmah.items import ARTICLE_FIELDS, SITE_TIMEZONE

BOT_NAME = "arrahmah"
SPIDER_MODULES = ["arrahmah.spiders"]
NEWSPIDER_MODULE = "arrahmah.spiders"
# `scrapy crawl` exits with the run's status (0 ok, 1 failed, 3 partial...: arrahmah/report.py)
COMMANDS_MODULE = "arrahmah.commands"

# ---- the site -------------------------------------------------------------------------------
# The only place the site's address is written: spiders derive their URLs and allowed domain
# from it. Point it at a mirror with -s ARRAHMAH_BASE_URL=http://127.0.0.1:8000
ARRAHMAH_BASE_URL = "https://arrahmahnews.com"
# Everything a crawl keeps lives under this directory: the state, the run files, the job dir.
ARRAHMAH_DATA_DIR = "data"
# Read exact times, edits and moves from the WordPress REST API's post index when it answers.
ARRAHMAH_USE_REST_API = True
# Articles whose fetch failed (server errors, damaged pages) are fetched again by this many
# later runs, then given up (and reported as such).
ARRAHMAH_RETRY_RUNS = 3
# Without the REST API, incremental runs fetch again the articles published in these last days,
# each when the time since it was last fetched is this many times its age then (1: at about 2,
# 4, 8… hours of age; 0: every run), and none when the feed is unchanged since the last run.
ARRAHMAH_REVISIT_DAYS = 7
ARRAHMAH_REVISIT_FACTOR = 1.0
# The site's time zone: the RSS feed's UTC times are given in it, as the site shows them.
ARRAHMAH_TIMEZONE = SITE_TIMEZONE
# The sitemap index full runs read as their second discovery path.
ARRAHMAH_SITEMAP_PATH = "/wp-sitemap.xml"

# Keep every response the crawl reads in ARRAHMAH_DATA_DIR/warc/<run>.warc.gz (WARC, gzip per
# record; see arrahmah/archive.py), so that `arrahmah reextract` can parse it again offline.
ARRAHMAH_WARC_ENABLED = True
# Start the run's next archive file (<run>-00001.warc.gz, ...) once one is this large.
ARRAHMAH_WARC_MAX_BYTES = 1_000_000_000

# ---- politeness -----------------------------------------------------------------------------
USER_AGENT = "arrahmah-crawler/0.2 (+https://github.com/arrahmah/arrahmah; news research)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy's control server: no port opened by a scheduled crawl

# ---- robustness -----------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True  # a truncated page is an error (and retried), never parsed
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 520, 522, 524, 408, 429]
REDIRECT_ENABLED = True
# Meta refresh redirects followed as Scrapy follows them, pages without one not decoded for
# it; inside the retry middleware (550), the archive keeps what the crawl reads, after retries.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "arrahmah.refresh.MetaRefresh": 580,
    "arrahmah.middlewares.WarcArchive": 545,
}

# ---- speed ------------------------------------------------------------------------------------
# The item pipelines are synchronous: Scrapy's default (100) starts 100 asyncio tasks for every
# response, to run them "in parallel" one after the other (a third of a bare crawl's CPU time).
CONCURRENT_ITEMS = 1
# Scrapy's check for a generator callback that returns a value parses the callback's source
# again for every response (its cache holds bound methods weakly, and they die at once).
# The spiders' callbacks are checked by the tests' crawls instead (tests/test_crawl.py).
WARN_ON_GENERATOR_RETURN_VALUE = False
# The job directory's request queue: the newest requests in memory, the rest on disk, all of
# it on disk when the crawl pauses (see arrahmah/queues.py).
SCHEDULER_DISK_QUEUE = "arrahmah.queues.SpillingLifoQueue"
# The cycle collector: everything loaded before the crawl frozen out of its sight, and a young
# collection every this many allocations rather than 700 (arrahmah/collector.py); 0: Python's.
ARRAHMAH_GC_THRESHOLD = 20_000
# Read and clean article pages, and write the WARC archive, in a worker process of their own
# (arrahmah/worker.py), beside the reactor's thread: a crawl that is not held back by politeness
# uses a second core. Off: the crawl's process does it all (as it does when the worker dies).
ARRAHMAH_PAGE_WORKER = True

# ---- items ------------------------------------------------------------------------------------
ITEM_PIPELINES = {
    "arrahmah.pipelines.IntegrityPipeline": 50,
    "arrahmah.pipelines.BoilerplatePipeline": 100,
    "arrahmah.pipelines.TextPipeline": 200,
    "arrahmah.pipelines.ValidationPipeline": 300,
    "arrahmah.pipelines.DuplicatesPipeline": 400,
    "arrahmah.pipelines.StatePipeline": 500,
}

# ---- output -----------------------------------------------------------------------------------
# Each run writes its new and changed articles to ARRAHMAH_DATA_DIR/runs/<run>.jsonl (see
# arrahmah/runs.py); -o/-O FILE writes every article the run emits there as well.
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {"csv": "arrahmah.exporters.JsonCellsCsvItemExporter"}
# `scrapy check`: sample pages named by their path on the configured site (@site_url PATH)
SPIDER_CONTRACTS = {"arrahmah.contracts.SiteUrlContract": 1}
FEED_EXPORT_FIELDS = list(ARTICLE_FIELDS)

LOG_LEVEL = "INFO"
# A progress line (done / total articles, rate, ETA) every this many seconds (0: none), and a
# live bar when stderr is a terminal; Scrapy's own "Crawled N pages" line is left out.
ARRAHMAH_PROGRESS_INTERVAL = 10.0
ARRAHMAH_PROGRESS_BAR = True
LOGSTATS_INTERVAL = 0
EXTENSIONS = {"arrahmah.collector.CollectorTuning": 0, "arrahmah.progress.Progress": 600}
# The run report says what a run did; Scrapy's stats dump only on request (-s STATS_DUMP=True,
# arrahmah crawl --stats); Scrapy's lists of enabled components with ARRAHMAH_LOG_SETUP=True.
STATS_DUMP = False
ARRAHMAH_LOG_SETUP = False
LOG_VERSIONS: list[str] = []
# Scrapy's own log lines, less the per-response and per-item DEBUG ones LOG_LEVEL hides
# (arrahmah/logformat.py)
LOG_FORMATTER = "arrahmah.logformat.LevelAwareLogFormatter"
