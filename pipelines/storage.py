"""Persist items in batches through govcheck's one session factory; never lose them.

Each site's crawl has its own writer (a fleet job crawls many sites), opened on ``site_opened`` and
finished on ``site_closed``, or when the spider closes. If the database cannot be opened or written,
that site's items go to a JSON-lines spool file instead (``GOVCHECK_SPOOL_DIR``), the fault is
logged and counted, and the crawl goes on; ``govcheck db replay FILE`` loads the spool later.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from govcheck import config
from govcheck import signals as govcheck_signals
from govcheck.context import CrawlContext
from govcheck.db.session import DatabaseError, masked, open_database, with_retry
from govcheck.db.spool import Spool, json_safe
from govcheck.db.writer import CrawlWriter
from govcheck.items import CrawlItem
from govcheck.monitors import MonitorSuite
from govcheck.registry import unregistered_warning

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class SiteStore:
    """Where one site's items go: its crawl attempt's writer, or a spool once the database fails (the
    spool carries the attempt's key, so a replay completes the same attempt)."""

    def __init__(self, context: CrawlContext, writer: CrawlWriter | None, spool_dir: Path) -> None:
        self.context = context
        self.writer = writer
        self.attempt_key = uuid.uuid4().hex
        self.spool_dir = spool_dir
        self.spool: Spool | None = None
        self.finished = False
        self.spool_failed = False
        self.lost_items = 0
        # Items neither the database nor the spool could take (a full disk): kept in memory and
        # written with the next batch, once there is room again; lost only if there never is.
        self.held: list[CrawlItem] = []

    def fall_back_to_spool(self, exc: Exception, stats: Any) -> None:
        if self.spool is None:
            try:
                self.spool = Spool(self.spool_dir, self.context, self.attempt_key)
            except OSError as error:
                self.cannot_spool(error, stats)
                return
        stats.set_value("govcheck/storage/spooled_to", str(self.spool.path))
        logger.error(
            "Database unavailable (%s); the crawl of %s goes on and its items are kept in %s "
            "(load them later with: govcheck db replay %s)",
            exc,
            self.context.host,
            self.spool.path,
            self.spool.path,
        )

    def spool_items(self, items: list[CrawlItem], stats: Any) -> None:
        """Spool the held items and these; when the disk refuses, hold them all for the next try."""
        pending = [*self.held, *items]
        try:
            if self.spool is None:
                self.spool = Spool(self.spool_dir, self.context, self.attempt_key)
            self.spool.add(pending)
        except OSError as exc:
            self.held = pending
            stats.set_value("govcheck/storage/held_items", len(pending))
            self.cannot_spool(exc, stats)
            return
        if self.held:
            logger.warning(
                "The spool %s takes items again: %d held item(s) of %s written",
                self.spool.path,
                len(self.held),
                self.context.host,
            )
            self.held = []
            stats.set_value("govcheck/storage/held_items", 0)
        self.spool_failed = False
        stats.inc_value("govcheck/storage/spooled_items", len(items))

    def cannot_spool(self, exc: OSError, stats: Any) -> None:
        """Said once per episode: the items are held in memory meanwhile."""
        if not self.spool_failed:
            logger.error(
                "The spool %s cannot be written either (%s): items of %s are held in memory and "
                "written as soon as there is room",
                self.spool.path if self.spool else self.spool_dir,
                exc,
                self.context.host,
            )
        self.spool_failed = True

    def lose_held(self, exc: OSError, stats: Any) -> None:
        """The crawl ends and there is still no room: what is held is lost, counted and said."""
        stats.inc_value("govcheck/storage/lost_items", len(self.held))
        self.lost_items += len(self.held)
        logger.error(
            "No room for %d item(s) of %s when its crawl ended (%s): they are lost (counted in "
            "govcheck/storage/lost_items); the crawl stays unfinished and is not evaluated, crawl it again",
            len(self.held),
            self.context.host,
            exc,
        )
        self.held = []


class StoragePipeline:
    def __init__(
        self,
        database_url: str,
        batch_size: int,
        spool_dir: Path,
        auto_migrate: bool,
        monitors: MonitorSuite,
        crawler: Crawler,
    ) -> None:
        self.database_url = database_url
        self.batch_size = batch_size
        self.spool_dir = spool_dir
        self.auto_migrate = auto_migrate
        self.monitors = monitors
        self.crawler = crawler
        self.buffer: list[CrawlItem] = []
        self.engine: Engine | None = None
        self.engine_error: Exception | None = None
        self.stores: dict[str, SiteStore] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        pipeline = cls(
            database_url=settings["GOVCHECK_DATABASE_URL"],
            batch_size=settings.getint("GOVCHECK_STORE_BATCH_SIZE"),
            spool_dir=Path(settings["GOVCHECK_SPOOL_DIR"]),
            auto_migrate=settings.getbool("GOVCHECK_AUTO_MIGRATE"),
            monitors=MonitorSuite.from_settings(
                {**config.defaults(), **config.validate(dict(settings.items()))}
            ),
            crawler=crawler,
        )
        crawler.signals.connect(pipeline.site_opened, signal=govcheck_signals.site_opened)
        crawler.signals.connect(pipeline.site_closed, signal=govcheck_signals.site_closed)
        return pipeline

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def open_spider(self) -> None:
        logger.info("Database: %s", masked(self.database_url))
        try:
            self.engine = open_database(self.database_url, migrate=self.auto_migrate, small_pool=True)
        except (DatabaseError, SQLAlchemyError) as exc:
            self.engine_error = exc

    def site_opened(self, context: CrawlContext) -> None:
        """Open a new attempt at the site's (round, site); a redone site gets another."""
        store = SiteStore(context, None, self.spool_dir)
        self.stores[context.host] = store
        if self.engine is None:
            store.fall_back_to_spool(self.engine_error or DatabaseError("no database"), self.stats)
            return
        writer = CrawlWriter(self.engine, context, attempt_key=store.attempt_key)
        try:
            warning = with_retry(self.engine, lambda session: unregistered_warning(session, context.host))
            if warning:
                logger.warning(warning)
            writer.begin()
        except SQLAlchemyError as exc:
            store.fall_back_to_spool(exc, self.stats)
        else:
            store.writer = writer

    def process_item(self, item: CrawlItem) -> CrawlItem:
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        batch, self.buffer = self.buffer, []
        by_site: dict[str, list[CrawlItem]] = {}
        for item in batch:
            by_site.setdefault(item.site or "", []).append(item)
        for key, items in by_site.items():
            store = self.stores.get(key)
            if store is None:
                logger.error("%d item(s) of %r, a site that was never opened, are dropped", len(items), key)
                self.stats.inc_value("govcheck/storage/orphan_items", len(items))
                continue
            self._write(store, items)

    def _write(self, store: SiteStore, items: list[CrawlItem]) -> None:
        if store.spool is None and store.writer is not None:
            try:
                store.writer.write(items)
            except SQLAlchemyError as exc:
                store.fall_back_to_spool(exc, self.stats)
            else:
                self.stats.inc_value("govcheck/storage/items", len(items))
                self.stats.inc_value("govcheck/storage/batches")
                return
        store.spool_items(items, self.stats)

    def site_closed(self, context: CrawlContext, stats: dict[str, Any]) -> None:
        """A fleet site is done: store it completely, then let the evaluator know."""
        self.flush()
        store = self.stores[context.host]
        self._finish(store, json_safe(stats))
        if store.spool is None and not store.spool_failed:
            self.crawler.signals.send_catch_log(
                signal=govcheck_signals.site_stored, context=context, reason="finished"
            )

    def _finish(self, store: SiteStore, stats: dict[str, Any]) -> None:
        # The close reason is not known here; the evaluate-on-close extension marks an interrupted crawl.
        status = "finished"
        store.finished = True
        if store.spool is None and store.writer is not None:
            try:
                store.writer.finish(status, stats, self.monitors)
            except SQLAlchemyError as exc:
                store.fall_back_to_spool(exc, self.stats)
        if store.held:
            store.spool_items([], self.stats)  # a last try: the disk may have room by now
        if store.held:
            store.lose_held(OSError("no room"), self.stats)
            return  # no finish record: a replay must not call a crawl with lost items finished
        if store.spool is not None:
            try:
                store.spool.close(status, stats)
            except OSError as exc:
                store.cannot_spool(exc, self.stats)

    def close_spider(self) -> None:
        self.flush()
        spider = self.crawler.spider
        for key, store in self.stores.items():
            if store.finished:
                continue
            # A one-site crawl keeps the whole crawl's stats (Scrapy's downloader counters included);
            # a fleet job's site cut short keeps its own.
            stats = spider.sites[key].stats.values if spider.fleet else self.stats.get_stats()
            self._finish(store, json_safe(stats))
        if self.engine is not None:
            self.engine.dispose()
