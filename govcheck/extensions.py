"""Scrapy extensions of govcheck."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from govcheck import config
from govcheck.db.models import Crawl, Site
from govcheck.db.session import DatabaseError, open_database, with_retry
from govcheck.evaluator import evaluate

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
COMPLETE_REASONS = {"finished", "closespider_timeout", "closespider_pagecount", "closespider_itemcount"}


class EvaluateOnClose:
    """When a site's crawl ends, evaluate the site at the crawl's as_of (reading only the database)."""

    def __init__(self, database_url: str, settings: dict[str, object]) -> None:
        self.database_url = database_url
        self.settings = settings

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("GOVCHECK_EVALUATE_ON_CLOSE"):
            raise NotConfigured("GOVCHECK_EVALUATE_ON_CLOSE is off")
        values = {k: v for k, v in crawler.settings.items() if k.startswith("GOVCHECK_")}
        extension = cls(
            crawler.settings["GOVCHECK_DATABASE_URL"], {**config.defaults(), **config.validate(values)}
        )
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        try:
            engine = open_database(self.database_url, migrate=False, small_pool=True)
        except DatabaseError as exc:
            logger.error("Cannot evaluate %s: %s", spider.site_host, exc)
            return
        try:
            self._evaluate(engine, spider, reason)
        except SQLAlchemyError as exc:
            logger.error("Evaluation of %s failed: %s", spider.site_host, exc)
        finally:
            engine.dispose()

    def _evaluate(self, engine: Engine, spider: Spider, reason: str) -> None:
        def find(session: Session) -> tuple[int, int] | None:
            row = session.execute(
                select(Crawl.id, Crawl.site_id)
                .join(Site, Site.id == Crawl.site_id)
                .where(Site.host == spider.site_host, Crawl.round == spider.round_name)
            ).first()
            return (row[0], row[1]) if row else None

        found = with_retry(engine, find)
        if found is None:
            logger.warning(
                "No stored crawl of %s to evaluate (was the database down? see the spool)", spider.site_host
            )
            return
        crawl_id, site_id = found
        if reason not in COMPLETE_REASONS:
            with_retry(
                engine,
                lambda s: s.execute(update(Crawl).where(Crawl.id == crawl_id).values(status="interrupted")),
            )
            logger.warning(
                "Crawl of %s ended with %r: marked interrupted, not evaluated", spider.site_host, reason
            )
            return
        round_name = spider.round_name if spider.explicit_round else ""
        for result in evaluate(
            engine, spider.as_of, settings=self.settings, site_ids=[site_id], round_name=round_name
        ):
            logger.info(
                "Evaluated %s at %s: %s, score %s, %d finding(s)",
                spider.site_host,
                spider.as_of,
                result.verdict,
                result.score,
                result.finding_count,
            )
