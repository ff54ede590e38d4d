"""The date pipeline keeps one normalizer per site, made from the context ``site_opened`` carries."""

from __future__ import annotations

import datetime as dt

from scrapy.utils.test import get_crawler

from govcheck import signals as govcheck_signals
from govcheck.context import CrawlContext
from govcheck.dates import SHANGHAI
from govcheck.items import EntryItem
from govcheck.pipelines.dates import DateNormalizationPipeline


def context(host: str, day: dt.date) -> CrawlContext:
    reference = dt.datetime.combine(day, dt.time(23, 59, 59), SHANGHAI)
    return CrawlContext(host, f"http://{host}/", day.isoformat(), day, reference)


def entry(host: str, date_text: str | None, url: str = "") -> EntryItem:
    return EntryItem(
        site=host,
        column_url=f"http://{host}/tzgg/",
        url=url or f"http://{host}/a.html",
        title="t",
        date_text=date_text,
    )


def test_each_site_is_dated_against_its_own_reference_time() -> None:
    crawler = get_crawler()
    pipeline = DateNormalizationPipeline.from_crawler(crawler)
    early, late = context("a.gov.cn", dt.date(2024, 2, 28)), context("b.gov.cn", dt.date(2025, 6, 30))
    for opened in (early, late):
        crawler.signals.send_catch_log(signal=govcheck_signals.site_opened, context=opened)
    # Year-less and relative dates take the year and day of their own site's reference.
    assert pipeline.process_item(entry("a.gov.cn", "02-01")).published == dt.date(2024, 2, 1)
    assert pipeline.process_item(entry("b.gov.cn", "02-01")).published == dt.date(2025, 2, 1)
    assert pipeline.process_item(entry("b.gov.cn", "昨天")).published == dt.date(2025, 6, 29)
    # A URL date after the site's reference is not a date.
    url = "http://a.gov.cn/art/2024/3/5/art_1.html"
    assert pipeline.process_item(entry("a.gov.cn", None, url)).published is None
    assert pipeline.process_item(entry("b.gov.cn", None, url.replace("a.gov", "b.gov"))).published == dt.date(
        2024, 3, 5
    )
    # Closed, a site's normalizer is gone; an item of a site never opened is left for storage to drop.
    crawler.signals.send_catch_log(
        signal=govcheck_signals.site_closed, context=early, stats={}, reason="finished"
    )
    assert pipeline.process_item(entry("a.gov.cn", "02-01")).published is None
