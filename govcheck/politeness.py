"""Politeness profiles: how hard a crawl may press a government server, declared once.

Every crawl starts from the ``default`` profile (govcheck/settings.py takes it as project settings).
A spider's ``update_settings`` calls :func:`apply_politeness`, which sets one more profile over it at
spider priority, so ``scrapy crawl … -s KEY=VALUE`` (cmdline priority) still wins over every profile:

- ``strict`` — chosen with GOVCHECK_POLITENESS=strict: one request at a time per host, 2 s apart.
- ``probe`` — the probe spider's own: one homepage fetch per host, as a visitor's browser makes it
  (no robots.txt, no delay, no AutoThrottle).
- ``cluster`` — added over either when REDIS_URL is set and GOVCHECK_CLUSTER_POLITENESS is on: the
  HTTP handler that takes per-host and per-backend leases in Redis shared by every node
  (govcheck.fleet.politeness; its limits are the GOVCHECK_CLUSTER_* settings). Without it Scrapy's
  own handler runs and no request pays for a Redis round trip.

robots.txt binds the pages a crawl reads (columns, list and detail pages). The homepage attempts, link
checks, soft-404 fingerprints and reference-host requests are availability checks, not crawling: their
requests carry :data:`AVAILABILITY_CHECK` in their meta (spiders/homepage.py, spiders/links.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from govcheck import config

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

# Request meta of an availability check (is it there? does it answer?): robots.txt does not bind it.
AVAILABILITY_CHECK: Mapping[str, Any] = MappingProxyType({"dont_obey_robotstxt": True})

CLUSTER_HANDLER = "govcheck.fleet.politeness.ClusterPoliteHTTPDownloadHandler"

PROFILES: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "default": MappingProxyType(
            {
                # Obeyed by default; official inspections turn it off with -s ROBOTSTXT_OBEY=false.
                "ROBOTSTXT_OBEY": True,
                # A government server sees few parallel requests; AutoThrottle backs off when it slows.
                "CONCURRENT_REQUESTS": 16,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
                "DOWNLOAD_DELAY": 0.25,
                "AUTOTHROTTLE_ENABLED": True,
                "AUTOTHROTTLE_START_DELAY": 0.5,
                "AUTOTHROTTLE_MAX_DELAY": 10.0,
                "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
            }
        ),
        "strict": MappingProxyType(
            {
                "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                "DOWNLOAD_DELAY": 2.0,
                "AUTOTHROTTLE_TARGET_CONCURRENCY": 0.5,
            }
        ),
        "probe": MappingProxyType(
            {
                "ROBOTSTXT_OBEY": False,
                "AUTOTHROTTLE_ENABLED": False,
                "DOWNLOAD_DELAY": 0,
            }
        ),
        # Merged into DOWNLOAD_HANDLERS (whose other schemes stay as settings.py sets them).
        "cluster": MappingProxyType(
            {"DOWNLOAD_HANDLERS": MappingProxyType({"http": CLUSTER_HANDLER, "https": CLUSTER_HANDLER})}
        ),
    }
)


def cluster_politeness_on(settings: BaseSettings) -> bool:
    """REDIS_URL is set and GOVCHECK_CLUSTER_POLITENESS is on (a bad value counts as off here: the
    spider's start-up validation reports it in one line)."""
    if not settings.get("REDIS_URL"):
        return False
    raw = settings.get("GOVCHECK_CLUSTER_POLITENESS")
    try:
        return bool(config.validate({"GOVCHECK_CLUSTER_POLITENESS": raw})["GOVCHECK_CLUSTER_POLITENESS"])
    except config.ConfigError:
        return False


def apply_politeness(settings: BaseSettings, profile: str | None = None) -> None:
    """Set ``profile`` (by default the one GOVCHECK_POLITENESS names) over the project's default
    profile, then the cluster profile when cluster politeness is on; at spider priority, so explicit
    ``-s`` settings win. An unknown name sets nothing: the spider's validation names it."""
    name = profile or settings.get("GOVCHECK_POLITENESS")
    if name in PROFILES and name not in ("default", "cluster"):
        settings.setdict(dict(PROFILES[name]), priority="spider")
    if cluster_politeness_on(settings):
        handlers = {**settings.getdict("DOWNLOAD_HANDLERS"), **PROFILES["cluster"]["DOWNLOAD_HANDLERS"]}
        settings.set("DOWNLOAD_HANDLERS", handlers, priority="spider")
