"""Store the ``probe`` spider's items in ``probes`` (one transaction at the end of the run).

If the database cannot be written the probes are kept as JSON lines under ``GOVCHECK_SPOOL_DIR``
(``probes-<time>.jsonl``) and the fault is logged; nothing is lost silently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from govcheck.db.session import DatabaseError, masked, open_database
from govcheck.db.writer import write_probes
from govcheck.items import ProbeItem

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ProbeStoragePipeline:
    def __init__(self, database_url: str, spool_dir: Path, auto_migrate: bool, crawler: Crawler) -> None:
        self.database_url = database_url
        self.spool_dir = spool_dir
        self.auto_migrate = auto_migrate
        self.crawler = crawler
        self.probes: list[ProbeItem] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            database_url=settings["GOVCHECK_DATABASE_URL"],
            spool_dir=Path(settings["GOVCHECK_SPOOL_DIR"]),
            auto_migrate=settings.getbool("GOVCHECK_AUTO_MIGRATE"),
            crawler=crawler,
        )

    def process_item(self, item: object) -> object:
        if isinstance(item, ProbeItem):
            self.probes.append(item)
        return item

    def close_spider(self) -> None:
        logger.info("Database: %s", masked(self.database_url))
        try:
            engine = open_database(self.database_url, migrate=self.auto_migrate, small_pool=True)
            try:
                stored = write_probes(engine, self.probes)
            finally:
                engine.dispose()
        except (DatabaseError, SQLAlchemyError) as exc:
            self._spool(exc)
            return
        self.crawler.stats.set_value("govcheck/probe/stored", stored)

    def _spool(self, exc: Exception) -> None:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        path = self.spool_dir / f"probes-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for probe in self.probes:
                handle.write(json.dumps(dataclasses.asdict(probe), default=str, ensure_ascii=False) + "\n")
        self.crawler.stats.set_value("govcheck/storage/spooled_to", str(path))
        logger.error("Database unavailable (%s); %d probes kept in %s", exc, len(self.probes), path)
