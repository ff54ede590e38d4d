"""Normalize the date of an entry the crawl has not dated yet: the row's date text, else the date in its
URL (the ``portal`` spider dates its entries itself, with the same :func:`govcheck.dates.entry_date`).
A list page's entries, carried in one :class:`govcheck.items.PageEntriesItem`, are read one by one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govcheck import signals as govcheck_signals
from govcheck.context import CrawlContext
from govcheck.dates import DateNormalizer, entry_date
from govcheck.items import CrawlItem, EntryItem, PageEntriesItem

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class DateNormalizationPipeline:
    """Each site's crawl gets one normalizer (one dateparser instance) pinned to its reference time,
    made when the site opens and dropped when it closes (a fleet job crawls many sites in turn)."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.normalizers: dict[str, DateNormalizer] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        pipeline = cls(crawler.stats)
        crawler.signals.connect(pipeline.site_opened, signal=govcheck_signals.site_opened)
        crawler.signals.connect(pipeline.site_closed, signal=govcheck_signals.site_closed)
        return pipeline

    def site_opened(self, context: CrawlContext) -> None:
        self.normalizers[context.host] = DateNormalizer(context.reference_at)

    def site_closed(self, context: CrawlContext) -> None:
        self.normalizers.pop(context.host, None)

    def process_item(self, item: CrawlItem) -> CrawlItem:
        if isinstance(item, EntryItem):
            self._normalize(item, item.site)
        elif isinstance(item, PageEntriesItem):
            for entry in item.entries:  # the spider stamps the carrier with its site, not each entry
                self._normalize(entry, item.site)
        return item

    def _normalize(self, entry: EntryItem, site: str | None) -> None:
        if entry.date_normalized or entry.published is not None:
            return
        normalizer = self.normalizers.get(site or "")
        if normalizer is None:
            return  # a site never opened: the storage pipeline counts and drops its items
        read = entry_date(
            normalizer,
            entry.date_text,
            entry.url,
            context_year=entry.context_year,
            text_source=entry.date_source or "row",
        )
        entry.published, entry.date_error = read.published, read.error
        entry.date_source = read.source or entry.date_source
        entry.date_normalized = True
        for counter in read.counters:
            self.stats.inc_value(counter)
