"""newscrawl defaults: polite on the real web, UTF-8 feeds, clean -> validate -> dedupe.

Every option of our own is prefixed ``NEWSCRAWL_`` and documented in the README
("Settings"); spider arguments (``-a since=...``) override the matching setting.
"""

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
COMMANDS_MODULE = "newscrawl.commands"

# --- Politeness (real web) ---------------------------------------------------------------
#: Where site owners can read what this crawler is and how to reach its operator.
NEWSCRAWL_CONTACT_URL = "https://github.com/newscrawl/newscrawl"
# USER_AGENT is "newscrawl/<version> (+NEWSCRAWL_CONTACT_URL)", built at crawl time (newscrawl.addons), so
# -s NEWSCRAWL_CONTACT_URL=... works; setting USER_AGENT yourself (here or with -s) replaces it.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# Bounded memory: a news page is well under 1 MB; Scrapy's 1 GiB default let a 200 MB page through.
# The limit also applies to the inflated body (HttpCompressionMiddleware stops at it): a gzip bomb
# is refused, not inflated. Refusals are counted as newscrawl/pages/too_large.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's RemoteControl: an HTTP server on localhost that runs posted Python code, its bearer
# token written to a job file in the user's state directory (left behind by kill -9). Off: a cron
# crawler needs no code execution endpoint. -s REMOTE_CONTROL_ENABLED=true turns it on for debugging.
REMOTE_CONTROL_ENABLED = False

# --- Pipelines and feeds -----------------------------------------------------------------
# Items of one response go through the pipelines one at a time. Scrapy's default (100) starts 101 asyncio
# tasks per response to run them concurrently, which buys nothing here: every pipeline is synchronous, so
# an item is done before the next starts either way (same items, same order), and the tasks cost CPU on
# every page. The state's commit rule (newscrawl/pipelines/dedupe.py) holds for any value: a test runs
# it with 100. Raise it only for a pipeline of your own that awaits I/O.
CONCURRENT_ITEMS = 1
ITEM_PIPELINES = {
    "newscrawl.pipelines.validate.ValidatePipeline": 200,
    "newscrawl.pipelines.dedupe.DedupePipeline": 300,
}
FEED_EXPORT_ENCODING = "utf-8"  # without it JSON escapes Korean as \uXXXX
# JSON feeds: Scrapy's exporters, the same bytes, reading an Article's fields without an ItemAdapter look-up per
# field (2x cheaper per line, newscrawl/output/exporters.py); CSV: one flat, Excel-safe row per item.
FEED_EXPORTERS = {
    "csv": "newscrawl.output.exporters.CsvArticleExporter",
    "jsonlines": "newscrawl.output.exporters.JsonLinesArticleExporter",
    "jsonl": "newscrawl.output.exporters.JsonLinesArticleExporter",
    "json": "newscrawl.output.exporters.JsonArticleExporter",
}
# Plain paths (the default partitions) are scheme "", file:// URIs "file": both durable (fsynced before each
# state commit, a write error stops the crawl), see newscrawl/output/storage.py.
FEED_STORAGES = {"": "newscrawl.output.storage.FileFeedStorage", "file": "newscrawl.output.storage.FileFeedStorage"}
FEED_URI_PARAMS = "newscrawl.output.feeds.uri_params"  # adds %(site)s and %(date)s
# Default partitioned feeds output/<site>/<YYYY-MM-DD>.jsonl (.csv) unless -o/-O is given.
ADDONS = {"newscrawl.output.feeds.DefaultFeedsAddon": 100, "newscrawl.addons.UserAgentAddon": 110}
EXTENSIONS = {
    "newscrawl.extensions.summary.CrawlSummary": 500,
    "newscrawl.extensions.health.HealthMonitor": 510,  # end-of-crawl checks; `scrapy crawl` exits 3 when one fails
    "newscrawl.extensions.report.RunReport": 520,  # JSON run report, output/runs/<site>/<start time>.json
    # With an -O feed: the crawl's scope written from the store at the end (a complete file)
    "newscrawl.extensions.complete.CompleteFile": 530,
}
# Charset repair runs after decompression (HttpCompressionMiddleware, 590) and before anything
# reads the text (MetaRefreshMiddleware, 580): process_response goes from high to low numbers.
DOWNLOADER_MIDDLEWARES = {
    "newscrawl.middlewares.CharsetRepairMiddleware": 585,
    # After decompression (590), before charset repair: a page cut short is fetched once more.
    "newscrawl.middlewares.TruncatedRetryMiddleware": 587,
    # Every request accounted for (newscrawl/middlewares.py): offsite by scheme/host/port before
    # Scrapy's host-only check (50), final download failures below RetryMiddleware (550),
    # redirect loops/chains just before RedirectMiddleware (600), decompression refusals counted.
    "newscrawl.middlewares.OffsiteOriginMiddleware": 45,
    "newscrawl.middlewares.DownloadAccountingMiddleware": 540,
    "newscrawl.middlewares.RedirectGuardMiddleware": 605,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "newscrawl.middlewares.BoundedHttpCompressionMiddleware": 590,
    # Crawls that render only (else NotConfigured): counts rendered pages, re-fetches damaged text plainly.
    "newscrawl.render.middleware.RenderMiddleware": 950,
}

# scrapy check: the @fixtures contract (newscrawl/contracts.py) runs callbacks on the saved page fixtures.
SPIDER_CONTRACTS = {"newscrawl.contracts.FixturesContract": 10}

# --- newscrawl options (see README "Settings") -------------------------------------------
NEWSCRAWL_CHECK_FIXTURES = "tests/pages/fixtures"  # scrapy check's page fixtures; relative to the project directory
NEWSCRAWL_MAX_PAGES = 0  # list pages per section, 0 = no limit
NEWSCRAWL_MAX_UNPRODUCTIVE_PAGES = 3  # a section stops after this many list pages in a row with no new link; 0 = off
NEWSCRAWL_MAX_ARTICLES = 0  # article pages the `articles` spider requests, 0 = no limit
NEWSCRAWL_SINCE = None  # YYYY-MM-DD or ISO datetime; Korea time when no offset
NEWSCRAWL_UNTIL = None  # the same; a bare date means the end of that day
NEWSCRAWL_FULL = False  # the default of the `full` spider argument: ignore the state, export everything
NEWSCRAWL_REVISIT_HOURS = 0  # re-fetch known articles this recent (lists that show no edit time); 0 = off
NEWSCRAWL_REQUIRED_FIELDS = ["url", "title", "body", "published_at"]
NEWSCRAWL_MIN_BODY_CHARS = 50
NEWSCRAWL_MAX_BODY_CHARS = 200_000  # longer: a whole page dumped as "body"
NEWSCRAWL_MIN_TITLE_CHARS = 4
NEWSCRAWL_MAX_TITLE_CHARS = 300
NEWSCRAWL_FUTURE_TOLERANCE = 3600  # seconds a time may lie in the future (clock skew)
NEWSCRAWL_MIN_DATE = "1990-01-01"  # earlier published/modified times are rejected (*_too_old); Korea time
NEWSCRAWL_FEEDS_ENABLED = True
NEWSCRAWL_OUTPUT_DIR = "output"
NEWSCRAWL_CSV = False
NEWSCRAWL_CSV_EXCEL = False
# None: beside the chosen output, <first -o/-O file feed's folder, else NEWSCRAWL_OUTPUT_DIR>/%(site)s/%(date)s.rejects.jsonl;
# "" = no rejects file; a relative path is relative to the project directory
NEWSCRAWL_REJECTS_URI = None
NEWSCRAWL_REJECTS_OVERWRITE = False
NEWSCRAWL_CSV_LIST_SEPARATOR = " | "
NEWSCRAWL_STATE_URI = "sqlite:///.newscrawl/state.sqlite"  # what earlier runs saw (see newscrawl/state/store.py)
NEWSCRAWL_NEAR_DUPLICATES = "mark"  # mark | drop | off
NEWSCRAWL_NEAR_THRESHOLD = 0.35
NEWSCRAWL_STATE_COMMIT_EVERY = 50
NEWSCRAWL_SUMMARY_ENABLED = True
NEWSCRAWL_CHARSET_REPAIR_ENABLED = True  # re-decode pages whose declared charset is wrong

# --- JavaScript outlets (see README "JavaScript outlets") --------------------------------
# Only crawls whose outlet renders (catalog/family `render`, `-a render=...`) load scrapy-playwright and a browser.
NEWSCRAWL_RENDER_ENABLED = True  # false: never render (no Chromium here); JS-built lists then show no articles
NEWSCRAWL_RENDER_BROWSER = None  # Chromium executable; None: /usr/lib/chromium/chromium, /usr/bin/chromium, PATH
NEWSCRAWL_RENDER_MAX_PAGES = 2  # browser pages open at once (one context; each costs the browser 30-60 MB)
NEWSCRAWL_RENDER_RESTART_PAGES = 500  # the browser is restarted after this many rendered pages; 0 = never
NEWSCRAWL_RENDER_BLOCK = ["image", "media", "font"]  # resource types the browser may not fetch
NEWSCRAWL_RENDER_THIRD_PARTY = False  # let the browser fetch from hosts other than the outlet's
# An outlet that renders its lists: an article page fetched plainly that lacks what the first `wait` action of its
# article_actions waits for (its body is written by script) is fetched once more through the browser.
NEWSCRAWL_RENDER_FALLBACK = True
# Once per crawl that renders lists: check whether RSS, a sitemap, data embedded in the page or the JSON endpoint
# the page calls would give the same links without a browser (a log line and the run report's "render" block).
NEWSCRAWL_RENDER_PROBE = True

# --- Cron operations (see README "Running from cron") ------------------------------------
NEWSCRAWL_LOCK_ENABLED = True  # `scrapy crawl` locks <state file>.lock; a second crawl exits 75
NEWSCRAWL_LOCK_WAIT = 0  # seconds to wait for a busy state lock; 0 = exit at once
NEWSCRAWL_HEALTH_ENABLED = True  # end-of-crawl health checks (newscrawl/extensions/health.py)
NEWSCRAWL_HEALTH_MAX_HTTP_ERROR_RATE = 0.2  # (ignored HTTP errors + download exceptions) / responses
NEWSCRAWL_HEALTH_MAX_REJECT_RATE = 0.2  # rejects / (exported + rejects)
NEWSCRAWL_HEALTH_MAX_LOST_RATE = 0.1  # requests lost (offsite, redirect loop, robots, too large, ...) / requests
NEWSCRAWL_HEALTH_MIN_COVERAGE = {"title": 0.99, "published_at": 0.99, "body": 0.99, "authors": 0.5}
# Share of exported items whose field came from the outlet's family selectors (extractor[field] == family), per
# outlet on a CMS family: a redesign moves nearly every item to the generic fallbacks at once (share ~0), while a
# few articles of a healthy outlet legitimately miss the family markup (photo or video pages, pasted releases):
# 0.8 catches the first and leaves room for the second. Fields most articles need; authors and subtitles vary.
NEWSCRAWL_HEALTH_MIN_FAMILY_SHARE = {"title": 0.8, "published_at": 0.8, "body": 0.8}
# Article pages (linked from lists/feeds) that read as no article / all article pages: a deleted article now and
# then is normal; most of them means the outlet's markup changed and its pages carry no article metadata either.
NEWSCRAWL_HEALTH_MAX_NOT_ARTICLE_RATE = 0.5
NEWSCRAWL_HEALTH_MIN_ITEMS = 5  # items needed before reject rate, coverage and family shares are judged
NEWSCRAWL_REPORT_URI = None  # None: <output>/runs/%(site)s/%(time)s.json; "" = no run report

# --- Outlet jobs on many machines: Celery workers and beat (newscrawl/dist; README "Many machines") -------------
# The worker and beat read NEWSCRAWL_* environment variables as overrides of these settings (systemd units) and pass
# every overridden NEWSCRAWL_* setting on to each crawl as -s.
NEWSCRAWL_BROKER_URL = "redis://127.0.0.1:6379/0"  # Celery's broker (Redis); jobs are acknowledged when they end
# Which outlets beat schedules and how: None = every catalog outlet with its catalog interval_minutes and
# time_limit_minutes; a dict {slug: {"spider": ..., "args": {...}, "interval_minutes": ..., "time_limit_minutes": ...}}
# = exactly these outlets (a slug outside the catalog names its family spider and arguments).
NEWSCRAWL_JOBS = None
NEWSCRAWL_JOB_INTERVAL = 15  # minutes between two crawls of an outlet (catalog interval_minutes overrides)
NEWSCRAWL_JOB_TIME_LIMIT = 30  # minutes a crawl may take: then it closes itself (CLOSESPIDER_TIMEOUT), state kept
NEWSCRAWL_JOB_KILL_GRACE = 120  # seconds after the time limit before a crawl that did not close is stopped, then killed
# Seconds before the broker gives a job whose worker vanished (kill -9, machine lost) to another worker; None: the
# longest time limit plus twice the kill grace plus 60 s (a running job is never handed out twice).
NEWSCRAWL_JOB_REDELIVER_AFTER = None

LOG_LEVEL = "INFO"
