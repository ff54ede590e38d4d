"""Per-site fingerprints in memory (govcheck.fleet.memory_dupefilter): two sites checking the same link
both get it checked, and a closed site's fingerprints are let go."""

from __future__ import annotations

import datetime as dt

from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from govcheck import signals as govcheck_signals
from govcheck.context import CrawlContext
from govcheck.fleet.memory_dupefilter import SiteMemoryDupeFilter


def request(url: str, site: str) -> Request:
    return Request(url, meta={"govcheck_site": site})


def test_fingerprints_are_per_site_and_dropped_when_the_site_closes() -> None:
    crawler = get_crawler(Spider)
    dupefilter = SiteMemoryDupeFilter.from_crawler(crawler)
    shared = "http://www.gov.cn/"
    assert not dupefilter.request_seen(request(shared, "a.gov.cn"))
    assert dupefilter.request_seen(request(shared, "a.gov.cn"))
    assert not dupefilter.request_seen(request(shared, "b.gov.cn"))  # another site's own link check
    context = CrawlContext(
        "a.gov.cn", "http://a.gov.cn/", "R", dt.date(2024, 2, 28), dt.datetime(2024, 2, 28)
    )
    crawler.signals.send_catch_log(govcheck_signals.site_closed, context=context, stats={}, reason="finished")
    assert set(dupefilter.sites) == {"b.gov.cn"}
