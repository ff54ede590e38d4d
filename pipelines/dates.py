"""Normalize the date of an entry the crawl has not dated yet: the row's date text, else the date in its
URL (the ``portal`` spider dates its entries itself, with the same :func:`govcheck.dates.entry_date`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govcheck.dates import entry_date
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
        if not isinstance(item, EntryItem) or item.date_normalized or item.published is not None:
            return item
        # Each site's crawl has one normalizer (one dateparser instance) pinned to its reference time.
        site = self.crawler.spider.site_of({"govcheck_site": item.site})
        read = entry_date(
            site.normalizer,
            item.date_text,
            item.url,
            context_year=item.context_year,
            text_source=item.date_source or "row",
        )
        item.published, item.date_error = read.published, read.error
        item.date_source = read.source or item.date_source
        item.date_normalized = True
        for counter in read.counters:
            self.crawler.stats.inc_value(counter)
        return item
