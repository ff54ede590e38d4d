"""A Scrapy extension that tunes CPython's cyclic garbage collector for a long many-sites crawl.

With dozens of big sites open in one process the heap grows to ~1 GB of live objects (sites' state,
fingerprints, queued requests) while every item allocates a few short-lived containers; at the
interpreter's default thresholds the collector then walks that heap over and over (bench/README.md,
"The garbage collector"). At engine start the objects alive so far — imports, settings, the project's
tables — are frozen (never scanned again) and the thresholds are raised, so young collections come
less often and older generations are walked rarely. The process ends with the crawl, so nothing is
restored.
"""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

from govcheck.config import parse_gc_thresholds

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class GarbageCollectorTuning:
    """At ``engine_started``: ``gc.collect()``, ``gc.freeze()``, ``gc.set_threshold(*thresholds)``."""

    def __init__(self, thresholds: tuple[int, int, int]) -> None:
        self.thresholds = thresholds

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("GOVCHECK_GC_TUNING"):
            raise NotConfigured("GOVCHECK_GC_TUNING is off")
        extension = cls(parse_gc_thresholds(crawler.settings["GOVCHECK_GC_THRESHOLDS"]))
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        return extension

    def engine_started(self) -> None:
        gc.collect()  # start-up's garbage goes first, so only live objects are frozen
        gc.freeze()
        gc.set_threshold(*self.thresholds)
        logger.info(
            "Garbage collector: %d start-up objects frozen, thresholds %s",
            gc.get_freeze_count(),
            self.thresholds,
        )
