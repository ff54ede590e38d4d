"""Scrapy settings for govcheck. GOVCHECK_* keys: defaults in govcheck.config, then the environment,
then ``scrapy crawl … -s KEY=VALUE`` (Scrapy's own precedence does the last step)."""

from __future__ import annotations

from govcheck import __version__, politeness
from govcheck.config import defaults, environment_overrides

BOT_NAME = "govcheck"
SPIDER_MODULES = ["govcheck.spiders"]
NEWSPIDER_MODULE = "govcheck.spiders"
# `scrapy crawl` reports a bad spider argument or an unreachable Redis in one line (govcheck/commands).
COMMANDS_MODULE = "govcheck.commands"

# Identify ourselves to the webmasters we inspect.
USER_AGENT = f"govcheck/{__version__} (+https://github.com/govcheck/govcheck; government website inspection)"
# Politeness (robots.txt, delays, concurrency, AutoThrottle): the default profile of the one table in
# govcheck/politeness.py; spiders set another profile over it in update_settings (apply_politeness).
globals().update(politeness.PROFILES["default"])
# The official availability check gives a homepage 15 s. Scrapy counts it over the whole download,
# headers and body: a body dripped forever is cut here (a limit hit, govcheck.limits, not an outage).
DOWNLOAD_TIMEOUT = 15
RETRY_ENABLED = True
RETRY_TIMES = 2
# Largest body read, declared, streamed or decompressed (gzip/deflate/br bombs). Real government
# pages stay under 1 MB; a 5 MB page dense with links (125,000) peaks a crawl near 320 MB RSS, so
# this keeps one hostile page under the fault suite's 400 MB. A cancel is a limit hit, not an outage.
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# A body shorter than its Content-Length (a common server bug) is kept, flagged "dataloss": a
# column read from it keeps what it lists, and one that lists nothing is unreadable, never blank.
DOWNLOAD_FAIL_ON_DATALOSS = False
REDIRECT_MAX_TIMES = 10

# Scrapy (2.13+, asyncio reactor) starts this many asyncio tasks for EVERY response's output, however
# little it yields. A govcheck page yields a few items (a page's links and entries travel as one item
# each) and no pipeline waits except on the writer's back-pressure, which every item of a response
# waits on alike; the default 100 tasks per response were a third of the crawl's function calls.
CONCURRENT_ITEMS = 4

# A local endpoint that runs Python has no place on a shared crawl node.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# The destination policy (govcheck/destinations.py): every request is judged before anything else
# (robots.txt, delays, redirects, the proxy); every address a name resolves to, at connect time.
TWISTED_DNS_RESOLVER = "govcheck.resolver.PolicyResolver"
# Closest to the engine: it sees what every spider middleware let through (a site's work in flight).
SPIDER_MIDDLEWARES = {"govcheck.work_middleware.WorkMiddleware": 5}
DOWNLOADER_MIDDLEWARES = {
    # A link check of a target outside the site, answered from the round's cache before anything else
    # (no delay, no politeness: nothing is fetched); govcheck/linkcache_middleware.py.
    "govcheck.linkcache_middleware.LinkCacheMiddleware": 30,
    # A link check the round's cache did not answer asks whether the target changed since the site's
    # previous check (If-None-Match / If-Modified-Since); govcheck/revalidate.py.
    "govcheck.revalidate.RevalidateMiddleware": 35,
    "govcheck.destination_middleware.DestinationPolicyMiddleware": 40,
    "govcheck.middlewares.RequestDelayMiddleware": 50,
    # Answers a site's IPv6 check itself (AAAA record, GET over IPv6), off the reactor: never downloaded.
    "govcheck.ipv6_middleware.Ipv6CheckMiddleware": 60,
    # Replaces Scrapy's robots.txt middleware at its slot: every request waiting for robots.txt is checked.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "govcheck.robots_middleware.EveryWaiterRobotsTxtMiddleware": 100,
    # A detail, letter or guide page the site's sitemap says is unchanged since the page cache stored it
    # is answered from the store, never requested (below robots.txt); govcheck/sitemap_middleware.py.
    "govcheck.sitemap_middleware.SitemapUnchangedMiddleware": 110,
    # A page request asks whether the page changed since the previous round's full answer; a 304 hands
    # the callbacks the stored body (below redirects and decompression, above EncodingMiddleware);
    # govcheck/pagecache_middleware.py.
    "govcheck.pagecache_middleware.PageCacheMiddleware": 580,
    # Sees responses after decompression (590): fixes a wrong charset before any callback reads text.
    "govcheck.middlewares.EncodingMiddleware": 560,
    # Replaces Scrapy's retry middleware at its slot: Retry-After is honoured.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "govcheck.middlewares.RetryAfterMiddleware": 550,
    # Marks answered downloads (a later cancel is a limit hit) and bounds link checks' bodies.
    "govcheck.limits.ResponseLimitsMiddleware": 620,
}
# Nothing but http/https can be fetched: a page's file:///dev/zero or ftp://10.0.0.1/ link has no handler.
# (The cluster politeness profile puts its leasing handler on http/https, only with REDIS_URL.)
DOWNLOAD_HANDLERS = {
    "data": None,
    "file": None,
    "ftp": None,
    "s3": None,
}
ITEM_PIPELINES = {
    "govcheck.pipelines.validation.ValidationPipeline": 100,
    "govcheck.pipelines.dates.DateNormalizationPipeline": 200,
    "govcheck.pipelines.storage.StoragePipeline": 900,
}
EXTENSIONS = {
    "govcheck.extensions.EvaluateOnClose": 500,
    "govcheck.gc_tuning.GarbageCollectorTuning": 100,
    # The Sitemap: lines of every robots.txt the crawl fetched, for each site on that host, whichever
    # site's crawl fetched it; govcheck/robots_sitemaps.py.
    "govcheck.robots_sitemaps.RobotsSitemaps": 600,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

globals().update(defaults())
globals().update(environment_overrides())
