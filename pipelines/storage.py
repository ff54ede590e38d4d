"""Persist items in batches through govcheck's one session factory; never lose them.

Each site's crawl has its own writer (a fleet job crawls many sites), opened on ``site_opened`` and
finished on ``site_closed``, which carries the close reason: the crawl row's status is written here,
once. If the database cannot be opened or written, that site's items go to a JSON-lines spool file
instead (``GOVCHECK_SPOOL_DIR``), the fault is logged and counted, and the crawl goes on;
``govcheck db replay FILE`` loads the spool later.

Every database call runs on the pipeline's own writer thread, in order (a site's batches never
overtake each other or its finish), so a slow database never stalls the other sites' downloads. When
more than ``GOVCHECK_STORE_MAX_PENDING_BATCHES`` writes are queued, ``process_item`` waits for the
writer (back-pressure). Everything queued is written before the crawl row is finished and the
database engine is let go.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.defer import Deferred, DeferredList
from twisted.python.failure import Failure

from govcheck import config
from govcheck import signals as govcheck_signals
from govcheck.context import CrawlContext
from govcheck.db.attempts import FINISHED, INTERRUPTED
from govcheck.db.session import DatabaseError, masked, open_database, with_retry
from govcheck.db.spool import Spool, json_safe
from govcheck.db.writer import CrawlWriter
from govcheck.items import CrawlItem
from govcheck.monitors import MonitorSuite
from govcheck.registry import unregistered_warning
from govcheck.serial_thread import ReactorStats, SerialThread
from govcheck.signals import COMPLETE_REASONS

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
        max_pending: int,
        spool_dir: Path,
        auto_migrate: bool,
        monitors: MonitorSuite,
        crawler: Crawler,
    ) -> None:
        self.database_url = database_url
        self.batch_size = batch_size
        self.max_pending = max_pending
        self.spool_dir = spool_dir
        self.auto_migrate = auto_migrate
        self.monitors = monitors
        self.crawler = crawler
        self.buffer: list[CrawlItem] = []
        self.stores: dict[str, SiteStore] = {}
        # Set on the writer thread, used there only (and let go once it has nothing left to do).
        self.engine: Engine | None = None
        self.engine_error: Exception | None = None
        self.writer = SerialThread("govcheck-storage")
        self.writer_stats = ReactorStats(crawler.stats)
        self.work: set[Deferred[Any]] = set()  # queued writes, each with what follows it on the reactor

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        pipeline = cls(
            database_url=settings["GOVCHECK_DATABASE_URL"],
            batch_size=settings.getint("GOVCHECK_STORE_BATCH_SIZE"),
            max_pending=settings.getint("GOVCHECK_STORE_MAX_PENDING_BATCHES"),
            spool_dir=Path(settings["GOVCHECK_SPOOL_DIR"]),
            auto_migrate=settings.getbool("GOVCHECK_AUTO_MIGRATE"),
            monitors=MonitorSuite.from_settings(
                {**config.defaults(), **config.validate(dict(settings.items()))}
            ),
            crawler=crawler,
        )
        crawler.signals.connect(pipeline.site_opened, signal=govcheck_signals.site_opened)
        crawler.signals.connect(pipeline.site_closed, signal=govcheck_signals.site_closed)
        # Pipelines are made after the spider, so this runs after the spider's own spider_closed
        # handler, which sends a one-site crawl's site_closed (Scrapy closes pipelines before that).
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    async def open_spider(self) -> None:
        logger.info("Database: %s", masked(self.database_url))
        await maybe_deferred_to_future(self._queue(self._open_engine))

    def _open_engine(self) -> None:
        try:
            self.engine = open_database(self.database_url, migrate=self.auto_migrate, small_pool=True)
        except (DatabaseError, SQLAlchemyError) as exc:
            self.engine_error = exc

    def site_opened(self, context: CrawlContext) -> None:
        """Open a new attempt at the site's (round, site); a redone site gets another."""
        store = SiteStore(context, None, self.spool_dir)
        self.stores[context.host] = store
        self._queue(self._begin, store)

    def _begin(self, store: SiteStore) -> None:
        if self.engine is None:
            store.fall_back_to_spool(self.engine_error or DatabaseError("no database"), self.writer_stats)
            return
        host = store.context.host
        writer = CrawlWriter(self.engine, store.context, attempt_key=store.attempt_key)
        try:
            warning = with_retry(self.engine, lambda session: unregistered_warning(session, host))
            if warning:
                logger.warning(warning)
            writer.begin()
        except SQLAlchemyError as exc:
            store.fall_back_to_spool(exc, self.writer_stats)
        else:
            store.writer = writer

    async def process_item(self, item: CrawlItem) -> CrawlItem:
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        if self.writer.pending >= self.max_pending:
            # Back-pressure: the item is buffered already; its response waits for the writer to catch up.
            self.stats.inc_value("govcheck/storage/writer_waits")
            await maybe_deferred_to_future(self.writer.below(self.max_pending))
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
            self._queue(self.write_batch, store, items)

    def write_batch(self, store: SiteStore, items: list[CrawlItem]) -> None:
        """Write one site's batch on the writer thread: to the database, else to the spool."""
        if store.spool is None and store.writer is not None:
            try:
                store.writer.write(items)
            except SQLAlchemyError as exc:
                store.fall_back_to_spool(exc, self.writer_stats)
            else:
                self.writer_stats.inc_value("govcheck/storage/items", len(items))
                self.writer_stats.inc_value("govcheck/storage/batches")
                return
        store.spool_items(items, self.writer_stats)

    def site_closed(self, context: CrawlContext, stats: dict[str, Any], reason: str) -> None:
        """Store the site completely, finish its attempt from the close reason, then tell the evaluator
        (and the fleet's round) with ``site_stored``."""
        self.flush()
        store = self.stores.get(context.host)
        if store is None:
            return  # the crawl stopped before the site opened: there is nothing to store
        store.finished = True
        status = FINISHED if reason in COMPLETE_REASONS else INTERRUPTED
        self._queue(
            self._finish,
            store,
            json_safe(stats),  # a copy taken now: the crawl's stats go on changing
            status,
            reason,
            then=lambda spooled: self._stored(context, reason, spooled),
        )

    def _finish(self, store: SiteStore, stats: dict[str, Any], status: str, reason: str) -> bool:
        """Finish the attempt on the writer thread; True when the database did not take it whole."""
        if store.spool is None and store.writer is not None:
            try:
                store.writer.finish(status, stats, self.monitors)
            except SQLAlchemyError as exc:
                store.fall_back_to_spool(exc, self.writer_stats)
        if store.held:
            store.spool_items([], self.writer_stats)  # a last try: the disk may have room by now
        if store.held:
            store.lose_held(OSError("no room"), self.writer_stats)
            return True  # no finish record: a replay must not call a crawl with lost items finished
        if store.spool is not None:
            try:
                store.spool.close(status, stats)
            except OSError as exc:
                store.cannot_spool(exc, self.writer_stats)
        if status == INTERRUPTED:
            logger.warning(
                "Crawl of %s ended with %r: this attempt is marked interrupted and not evaluated "
                "(the previous finished attempt, if any, still counts)",
                store.context.host,
                reason,
            )
        return store.spool is not None or store.spool_failed

    def _stored(self, context: CrawlContext, reason: str, spooled: bool | None) -> Deferred[Any]:
        # None: the finish failed unexpectedly (logged); the database does not hold the crawl whole.
        return deferred_from_coro(
            self.crawler.signals.send_catch_log_async(
                signal=govcheck_signals.site_stored,
                context=context,
                reason=reason,
                spooled=spooled is not False,
            )
        )

    async def close_spider(self) -> None:
        """No item comes any more: write every queued batch, so that the stats a one-site crawl's
        ``site_closed`` carries (sent next, at ``spider_closed``) count them."""
        self.flush()
        await self._drain()

    async def spider_closed(self) -> None:
        """Every site is closed: finish what is queued, then let the database go."""
        for store in [store for store in self.stores.values() if not store.finished]:
            logger.error("%s was never closed: its attempt is finished as interrupted", store.context.host)
            self.site_closed(store.context, self.stats.get_stats(), INTERRUPTED)
        await self._drain()
        if self.engine is not None:
            await maybe_deferred_to_future(self._queue(self.engine.dispose))
        self.writer.stop()

    def _queue(
        self, call: Callable[..., Any], *args: Any, then: Callable[[Any], Any] | None = None
    ) -> Deferred[Any]:
        """Run ``call`` on the writer thread after everything queued before it, then ``then`` on the
        reactor with its result (None if it failed: the failure is logged, the crawl goes on)."""
        done = self.writer.run(call, *args)
        done.addErrback(self._failed, call)
        if then is not None:
            done.addCallback(then)
        self.work.add(done)
        done.addBoth(self._settled, done)
        return done

    def _settled(self, result: Any, done: Deferred[Any]) -> Any:
        self.work.discard(done)
        return result

    @staticmethod
    def _failed(failure: Failure, call: Callable[..., Any]) -> None:
        logger.error(
            "Storage step %s failed",
            getattr(call, "__name__", call),
            exc_info=(failure.type, failure.value, failure.getTracebackObject()),
        )

    async def _drain(self) -> None:
        while self.work:
            await maybe_deferred_to_future(DeferredList(list(self.work)))
