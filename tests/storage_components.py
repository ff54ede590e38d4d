"""Scrapy components for tests only, configured in a crawl subprocess with ``-s``: a storage pipeline
whose first batch meets a slow database, and an extension that cuts a crawl short."""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.request
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from govcheck.items import CrawlItem
from govcheck.pipelines.storage import SiteStore, StoragePipeline

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
SLOW_WRITE_SECONDS = 5.0
SLOW_PIPELINES = json.dumps(
    {
        "govcheck.pipelines.validation.ValidationPipeline": 100,
        "govcheck.pipelines.dates.DateNormalizationPipeline": 200,
        "tests.storage_components.SlowFirstBatchStoragePipeline": 900,
    }
)
CUT_EXTENSIONS = json.dumps({"tests.storage_components.CutShort": 0})


def farm_log_length() -> int:
    """How many requests the farm (this process's http proxy) has answered so far."""
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with no_proxy.open(os.environ["http_proxy"].rstrip("/") + "/_farm/stats", timeout=10) as answer:
        return len(json.loads(answer.read())["log"])


class SlowFirstBatchStoragePipeline(StoragePipeline):
    """The storage pipeline, its first batch written SLOW_WRITE_SECONDS late (a slow database); the
    farm's request log length is logged as the slow write begins and ends."""

    slowed = False

    def write_batch(self, store: SiteStore, items: list[CrawlItem]) -> None:
        if not self.slowed:
            self.slowed = True
            host = store.context.host
            logger.warning("Slow batch of %s begins: farm log at %d", host, farm_log_length())
            time.sleep(SLOW_WRITE_SECONDS)
            logger.warning("Slow batch of %s ends: farm log at %d", host, farm_log_length())
        super().write_batch(store, items)


class CutShort:
    """Closes the crawl with reason ``cut_by_test`` after ``CUT_AFTER_RESPONSES`` responses."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.left = crawler.settings.getint("CUT_AFTER_RESPONSES", 5)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        return extension

    def response_received(self, **_: Any) -> None:
        self.left -= 1
        if self.left == 0:
            assert self.crawler.engine is not None
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="cut_by_test"))
