"""Normalize every entry's date: the row's date text, else the date in its URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govcheck.dates import date_from_url
from govcheck.items import CrawlItem, EntryItem

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


class DateNormalizationPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: CrawlItem) -> CrawlItem:
        if not isinstance(item, EntryItem) or item.published is not None:
            return item
        # Each site's crawl has one normalizer (one dateparser instance) pinned to its reference time.
        site = self.crawler.spider.site_of({"govcheck_site": item.site})
        stats = self.crawler.stats
        if item.date_text:
            result = site.normalizer.normalize(item.date_text, url=item.url, context_year=item.context_year)
            if result.value is not None:
                item.published, item.date_source = result.value, item.date_source or "row"
                stats.inc_value(f"govcheck/dates/{result.method}")
                return item
            item.date_error = result.error
            stats.inc_value(f"govcheck/dates/rejected/{result.error}")
        from_url = date_from_url(item.url)
        if from_url is not None and from_url <= site.reference_at.date():
            item.published, item.date_source = from_url, "url"
            stats.inc_value("govcheck/dates/url")
        else:
            stats.inc_value("govcheck/dates/undated")
        return item
