"""Persist items in batches through govcheck's one session factory; never lose them.

If the database cannot be opened or written, items go to a JSON-lines spool file instead
(``GOVCHECK_SPOOL_DIR``), the fault is logged and counted, and the crawl goes on;
``govcheck db replay FILE`` loads the spool later.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from govcheck.db.session import DatabaseError, masked, open_database
from govcheck.db.spool import Spool, json_safe
from govcheck.db.writer import CrawlContext, CrawlWriter
from govcheck.items import CrawlItem

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class StoragePipeline:
    def __init__(
        self, database_url: str, batch_size: int, spool_dir: Path, auto_migrate: bool, crawler: Crawler
    ) -> None:
        self.database_url = database_url
        self.batch_size = batch_size
        self.spool_dir = spool_dir
        self.auto_migrate = auto_migrate
        self.crawler = crawler
        self.buffer: list[CrawlItem] = []
        self.engine: Engine | None = None
        self.writer: CrawlWriter | None = None
        self.spool: Spool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            database_url=settings["GOVCHECK_DATABASE_URL"],
            batch_size=settings.getint("GOVCHECK_STORE_BATCH_SIZE"),
            spool_dir=Path(settings["GOVCHECK_SPOOL_DIR"]),
            auto_migrate=settings.getbool("GOVCHECK_AUTO_MIGRATE"),
            crawler=crawler,
        )

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def open_spider(self) -> None:
        spider = self.crawler.spider
        context = CrawlContext(
            host=spider.site_host,
            homepage=spider.homepage_hint,
            round=spider.round_name,
            as_of=spider.as_of,
            reference_at=spider.reference_at,
        )
        logger.info("Database: %s", masked(self.database_url))
        try:
            self.engine = open_database(self.database_url, migrate=self.auto_migrate, small_pool=True)
            self.writer = CrawlWriter(self.engine, context)
            self.writer.begin()
        except (DatabaseError, SQLAlchemyError) as exc:
            self._fall_back_to_spool(context, exc)

    def _fall_back_to_spool(self, context: CrawlContext, exc: Exception) -> None:
        self.spool = Spool(self.spool_dir, context)
        self.stats.set_value("govcheck/storage/spooled_to", str(self.spool.path))
        logger.error(
            "Database unavailable (%s); the crawl goes on and items are kept in %s "
            "(load them later with: govcheck db replay %s)",
            exc,
            self.spool.path,
            self.spool.path,
        )

    def process_item(self, item: CrawlItem) -> CrawlItem:
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        batch, self.buffer = self.buffer, []
        if not batch:
            return
        if self.spool is None:
            assert self.writer is not None
            try:
                self.writer.write(batch)
            except SQLAlchemyError as exc:
                self._fall_back_to_spool(self.writer.context, exc)
            else:
                self.stats.inc_value("govcheck/storage/items", len(batch))
                self.stats.inc_value("govcheck/storage/batches")
                return
        assert self.spool is not None
        self.spool.add(batch)
        self.stats.inc_value("govcheck/storage/spooled_items", len(batch))

    def close_spider(self) -> None:
        self.flush()
        # The close reason is not known yet (stats learn it after pipelines close); the
        # evaluate-on-close extension marks an interrupted crawl.
        status = "finished"
        stats = json_safe(self.stats.get_stats())
        if self.spool is None and self.writer is not None:
            try:
                self.writer.finish(status, stats)
            except SQLAlchemyError as exc:
                self._fall_back_to_spool(self.writer.context, exc)
        if self.spool is not None:
            self.spool.close(status, stats)
        if self.engine is not None:
            self.engine.dispose()
