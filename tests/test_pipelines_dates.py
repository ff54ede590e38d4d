"""The date pipeline keeps one normalizer per site, made from the context ``site_opened`` carries."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from scrapy.utils.test import get_crawler

from govcheck import signals as govcheck_signals
from govcheck.context import CrawlContext
from govcheck.dates import SHANGHAI
from govcheck.items import EntryItem, PageEntriesItem
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


def test_a_list_pages_entries_are_dated_one_by_one_as_each_would_be_alone() -> None:
    """The spider stamps the carrier with its site, not each entry: the carrier's site picks the
    normalizer; every entry gets what it would get alone, counters included; a dated one is left."""
    host = "a.gov.cn"
    texts = ["02-01", "昨天", None, "not a date"]
    urls = ["", "", "http://a.gov.cn/art/2024/1/5/art_1.html", ""]
    alone, carried = get_crawler(), get_crawler()
    results = {}
    for crawler in (alone, carried):
        crawler.stats.open_spider(None)
        pipeline = DateNormalizationPipeline.from_crawler(crawler)
        crawler.signals.send_catch_log(
            signal=govcheck_signals.site_opened, context=context(host, dt.date(2024, 2, 28))
        )
        entries = [entry(host, text, url) for text, url in zip(texts, urls, strict=True)]
        entries.append(replace(entry(host, "01-01"), published=dt.date(2023, 1, 1), date_source="detail"))
        if crawler is alone:
            results["alone"] = [pipeline.process_item(e) for e in entries]
        else:
            for e in entries:
                e.site = None  # as the spider yields them: the carrier carries the site
            page = PageEntriesItem(site=host, column_url=entries[0].column_url, entries=entries)
            assert pipeline.process_item(page) is page
            results["carried"] = [replace(e, site=host) for e in page.entries]
    assert results["carried"] == results["alone"]
    assert [e.published for e in results["carried"]] == [
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 27),
        dt.date(2024, 1, 5),
        None,
        dt.date(2023, 1, 1),
    ]
    counters = {k: v for k, v in carried.stats.get_stats().items() if k.startswith("govcheck/dates/")}
    assert counters and counters == {
        k: v for k, v in alone.stats.get_stats().items() if k.startswith("govcheck/dates/")
    }
