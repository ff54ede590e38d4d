"""Politeness profiles (govcheck/politeness.py): the settings every spider and configuration crawls
with, pinned to what they were before the profiles were declared in one table."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.spiders import Spider

from govcheck import config
from govcheck.fleet.politeness import limiter_from_settings
from govcheck.politeness import CLUSTER_HANDLER, PROFILES, cluster_politeness_on
from govcheck.spiders.portal import PortalSpider
from govcheck.spiders.probe import ProbeSpider

REDIS = "redis://127.0.0.1:1/0"  # never connected to: only settings are read
KEYS = (
    "ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY",
    "AUTOTHROTTLE_TARGET_CONCURRENCY",
)  # fmt: skip
DEFAULT = (True, 16, 4, 0.25, True, 0.5, 10.0, 2.0)
STRICT = (True, 16, 1, 2.0, True, 0.5, 10.0, 0.5)
PROBE = (False, 16, 4, 0, False, 0.5, 10.0, 2.0)

# Captured from the code before govcheck/politeness.py (commit 7bb23e0): spider, `-s` settings, the
# values of KEYS, and whether requests take cluster leases. `-s` values stay strings: they won. The one
# change: without cluster leases the http/https handler is now Scrapy's own, not the leasing handler
# passing every request straight through.
CONFIGURATIONS: dict[str, tuple[type[Spider], dict[str, str], tuple[Any, ...], bool]] = {
    "portal default": (PortalSpider, {}, DEFAULT, False),
    "portal strict": (PortalSpider, {"GOVCHECK_POLITENESS": "strict"}, STRICT, False),
    "portal unknown profile": (PortalSpider, {"GOVCHECK_POLITENESS": "rude"}, DEFAULT, False),
    "probe": (ProbeSpider, {}, PROBE, False),
    "probe ignores strict": (ProbeSpider, {"GOVCHECK_POLITENESS": "strict"}, PROBE, False),
    "portal cluster": (PortalSpider, {"REDIS_URL": REDIS}, DEFAULT, True),
    "portal strict cluster": (PortalSpider, {"REDIS_URL": REDIS, "GOVCHECK_POLITENESS": "strict"}, STRICT, True),
    "portal cluster off": (PortalSpider, {"REDIS_URL": REDIS, "GOVCHECK_CLUSTER_POLITENESS": "false"}, DEFAULT, False),
    "probe cluster": (ProbeSpider, {"REDIS_URL": REDIS}, PROBE, True),
    "portal strict, -s wins": (
        PortalSpider,
        {"GOVCHECK_POLITENESS": "strict", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "3"},
        (True, 16, "3", "0", True, 0.5, 10.0, 0.5),
        False,
    ),
    "probe, -s wins": (
        ProbeSpider,
        {"ROBOTSTXT_OBEY": "true", "DOWNLOAD_DELAY": "1"},
        ("true", 16, 4, "1", False, 0.5, 10.0, 2.0),
        False,
    ),
}  # fmt: skip


def crawler_settings(spider: type[Spider], cmdline: dict[str, str]) -> Settings:
    """The settings a ``scrapy crawl SPIDER -s KEY=VALUE …`` crawler runs with (spider's update_settings done)."""
    settings = Settings()
    settings.setmodule("govcheck.settings", priority="project")
    settings.setdict(cmdline, priority="cmdline")
    return Crawler(spider, settings).settings


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_effective_politeness_is_unchanged(name: str) -> None:
    spider, cmdline, values, leases = CONFIGURATIONS[name]
    settings = crawler_settings(spider, cmdline)
    print(name, {key: settings[key] for key in KEYS})
    assert tuple(settings[key] for key in KEYS) == values
    handlers = settings.getdict("DOWNLOAD_HANDLERS")
    assert (handlers.get("http"), handlers.get("https")) == (
        (CLUSTER_HANDLER,) * 2 if leases else (None, None)
    )
    assert (limiter_from_settings(settings) is not None) is leases
    # Whatever the profile, only http/https can be fetched (the destination policy's part).
    assert all(handlers[scheme] is None for scheme in ("data", "file", "ftp", "s3"))


def test_the_table_is_what_crawls_run_with() -> None:
    # The README's and docs/crawling.md's profile table: each profile over the default one.
    for name, values in (("default", DEFAULT), ("strict", STRICT), ("probe", PROBE)):
        effective = {**PROFILES["default"], **PROFILES[name]}
        assert tuple(effective[key] for key in KEYS) == values
    assert set(KEYS) == set(PROFILES["default"])


def test_every_profile_sets_only_what_a_profile_may() -> None:
    # A profile is politeness only: anything else (timeouts, retries, pipelines) stays with its spider.
    politeness = {*PROFILES["default"], "DOWNLOAD_HANDLERS"}
    for profile in PROFILES.values():
        assert set(profile) <= politeness


def test_govcheck_politeness_offers_the_profiles_a_user_picks() -> None:
    assert config.validate({"GOVCHECK_POLITENESS": "strict"}) == {"GOVCHECK_POLITENESS": "strict"}
    for picked_by_code in ("probe", "cluster"):
        with pytest.raises(config.ConfigError, match="expected one of default, strict"):
            config.validate({"GOVCHECK_POLITENESS": picked_by_code})


@pytest.mark.parametrize(
    ("values", "on"),
    [
        ({}, False),
        ({"GOVCHECK_CLUSTER_POLITENESS": "true"}, False),
        ({"REDIS_URL": REDIS}, True),
        ({"REDIS_URL": REDIS, "GOVCHECK_CLUSTER_POLITENESS": "yes"}, True),
        ({"REDIS_URL": REDIS, "GOVCHECK_CLUSTER_POLITENESS": "off"}, False),
        ({"REDIS_URL": REDIS, "GOVCHECK_CLUSTER_POLITENESS": "maybe"}, False),  # start-up validation names it
    ],
)
def test_cluster_politeness_needs_redis_and_the_switch(values: dict[str, str], on: bool) -> None:
    settings = Settings({"GOVCHECK_CLUSTER_POLITENESS": True})
    settings.setdict(values, priority="cmdline")
    assert cluster_politeness_on(settings) is on


def test_an_explicit_download_handlers_setting_wins_over_the_cluster_profile() -> None:
    mine = {"http": "my.Handler", "https": "my.Handler"}
    settings = crawler_settings(PortalSpider, {"REDIS_URL": REDIS})
    assert settings.getdict("DOWNLOAD_HANDLERS")["http"] == CLUSTER_HANDLER
    base = Settings()
    base.setmodule("govcheck.settings", priority="project")
    base.set("REDIS_URL", REDIS, priority="cmdline")
    base.set("DOWNLOAD_HANDLERS", mine, priority="cmdline")
    assert Crawler(PortalSpider, base).settings.getdict("DOWNLOAD_HANDLERS") == mine
