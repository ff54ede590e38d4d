"""One site's crawl state (govcheck.spiders.sitecrawl): its budget, its counters, and the public
members the fleet and the site lifecycle read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from govcheck.spiders.portal import PortalSpider
from govcheck.spiders.sitecrawl import (
    LIMIT_HITS_KEPT,
    CrawlOptions,
    SiteBudget,
    SiteCrawl,
    SiteStats,
    SiteTarget,
)
from scrapy.utils.test import get_crawler

from govcheck import settings as project_settings
from govcheck.config import ConfigError
from govcheck.context import CrawlContext

SETTINGS = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}


def _crawler(**overrides: Any) -> Any:
    crawler = get_crawler(PortalSpider, {**SETTINGS, **overrides})
    crawler._apply_settings()
    crawler.stats.open_spider()
    return crawler


def _site(target: SiteTarget, **overrides: Any) -> SiteCrawl:
    crawler = _crawler(**overrides)
    return SiteCrawl(target, CrawlOptions.from_settings(crawler.settings), crawler)


def test_the_budget_charges_requests_and_stops_at_its_limit() -> None:
    stats = SiteStats(_crawler())
    budget = SiteBudget(stats, pages=3, seconds=60.0)
    budget.charge()  # a homepage attempt is always made
    assert budget.spend("http://a.gov.cn/1") and not budget.spend("http://a.gov.cn/2", count=2)
    budget.charge_hop()  # a retry of a request already made: counted, so later work stops sooner
    assert not budget.spend("http://a.gov.cn/3")
    assert budget.requests_made == 3
    assert stats.values["govcheck/budget/requests"] == 3 and stats.values["govcheck/budget/hops"] == 1
    assert (
        stats.values["govcheck/budget/skipped"] == 3 and stats.values["govcheck/budget/exhausted"] == "pages"
    )
    (hit,) = stats.values["govcheck/limits/hits"]  # the first refusal only
    assert (hit["limit"], hit["url"], hit["requests"]) == ("site_requests", "http://a.gov.cn/2", 2)


def test_the_time_budget() -> None:
    stats = SiteStats(_crawler())
    assert not SiteBudget(stats, pages=100, seconds=0.0).spend("http://a.gov.cn/")
    assert stats.values["govcheck/budget/exhausted"] == "time"


def test_limit_hits_are_counted_and_the_first_listed() -> None:
    crawler = _crawler()
    stats = SiteStats(crawler)
    for n in range(LIMIT_HITS_KEPT + 5):
        stats.limit_hit("links_per_page", f"http://a.gov.cn/{n}", found=900, kept=800)
    assert stats.values["govcheck/limits/links_per_page"] == LIMIT_HITS_KEPT + 5
    assert len(stats.values["govcheck/limits/hits"]) == LIMIT_HITS_KEPT
    assert crawler.stats.get_value("govcheck/limits/links_per_page") == LIMIT_HITS_KEPT + 5  # mirrored


def test_what_the_fleet_and_the_lifecycle_read() -> None:
    site = _site(SiteTarget("SJJ.suizhou.gov.cn", as_of="2024-02-28", round="2024Q1", backend="hanweb"))
    assert (site.key, site.round_name, site.explicit_round, site.backend) == (
        "sjj.suizhou.gov.cn",
        "2024Q1",
        True,
        "hanweb",
    )
    assert site.context() == CrawlContext(
        host="sjj.suizhou.gov.cn",
        homepage="http://sjj.suizhou.gov.cn/",
        round="2024Q1",
        as_of=dt.date(2024, 2, 28),
        reference_at=site.reference_at,
    )
    assert site.reference_at.isoformat() == "2024-02-28T23:59:59+08:00"
    assert (site.closed, site.requests_made, site.site_hosts) == (
        False,
        0,
        {"sjj.suizhou.gov.cn"},
    )
    site.column_urls.add("http://sjj.suizhou.gov.cn/a/")
    site.parked["x.gov.cn"] = [("http://x.gov.cn/1", 200)]
    site.release()
    assert not site.column_urls and not site.parked
    unnamed = _site(SiteTarget("sjj.suizhou.gov.cn", as_of="2024-02-28"))
    assert (unnamed.round_name, unnamed.explicit_round) == ("2024-02-28", False)


def test_the_options_are_read_once_and_held() -> None:
    site = _site(SiteTarget("sjj.suizhou.gov.cn", links="none"), GOVCHECK_SITE_PAGE_BUDGET=7)
    assert site.options.page_budget == site.budget.pages == 7
    assert not site.check_links  # links=none


@pytest.mark.parametrize(
    ("target", "error"), [(SiteTarget(""), "site: required"), (SiteTarget("a.gov.cn", links="x"), "links")]
)
def test_a_bad_target_is_named(target: SiteTarget, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        _site(target)
