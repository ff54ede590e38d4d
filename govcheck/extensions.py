"""Scrapy extensions of govcheck."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from govcheck import config
from govcheck import signals as govcheck_signals
from govcheck.context import CrawlContext
from govcheck.db.models import Crawl, Site
from govcheck.db.session import DatabaseError, open_database, with_retry
from govcheck.evaluator import evaluate
from govcheck.serial_thread import SerialThread
from govcheck.signals import COMPLETE_REASONS

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class EvaluateOnClose:
    """When a site's crawl is stored whole after a complete close (``site_stored``), evaluate the site
    at the crawl's as_of, reading only the database, on a thread of its own (one site after another)."""

    def __init__(self, database_url: str, settings: dict[str, object]) -> None:
        self.database_url = database_url
        self.settings = settings
        self.thread = SerialThread("govcheck-evaluate")
        self.engine: Engine | None = None  # opened at the first evaluation, kept for the job's next sites

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("GOVCHECK_EVALUATE_ON_CLOSE"):
            raise NotConfigured("GOVCHECK_EVALUATE_ON_CLOSE is off")
        values = {k: v for k, v in crawler.settings.items() if k.startswith("GOVCHECK_")}
        extension = cls(
            crawler.settings["GOVCHECK_DATABASE_URL"], {**config.defaults(), **config.validate(values)}
        )
        crawler.signals.connect(extension.site_stored, signal=govcheck_signals.site_stored)
        # The storage pipeline waits for every evaluation at spider_closed; the engine stops after.
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    async def site_stored(self, context: CrawlContext, reason: str, spooled: bool) -> None:
        # An interrupted crawl is not judged (its previous finished attempt still counts); a spooled
        # one is judged once its spool is replayed (`govcheck evaluate`).
        if spooled or reason not in COMPLETE_REASONS:
            return
        await maybe_deferred_to_future(self.thread.run(self._run, context))

    async def engine_stopped(self) -> None:
        if self.engine is not None:
            await maybe_deferred_to_future(self.thread.run(self.engine.dispose))
        self.thread.stop()

    def _run(self, context: CrawlContext) -> None:
        try:
            if self.engine is None:
                self.engine = open_database(self.database_url, migrate=False, small_pool=True)
            self._evaluate(self.engine, context)
        except DatabaseError as exc:
            logger.error("Cannot evaluate %s: %s", context.host, exc)
        except SQLAlchemyError as exc:
            logger.error("Evaluation of %s failed: %s", context.host, exc)

    def _evaluate(self, engine: Engine, context: CrawlContext) -> None:
        def find(session: Session) -> int | None:
            # This process's attempt: the newest of the (round, site), begun when the site opened.
            return session.scalar(
                select(Crawl.site_id)
                .join(Site, Site.id == Crawl.site_id)
                .where(Site.host == context.host, Crawl.round == context.round)
                .order_by(Crawl.attempt.desc())
                .limit(1)
            )

        site_id = with_retry(engine, find)
        if site_id is None:
            logger.warning("No stored crawl of %s to evaluate", context.host)
            return
        round_name = context.round if context.named_round else ""
        for result in evaluate(
            engine, context.as_of, settings=self.settings, site_ids=[site_id], round_name=round_name
        ):
            logger.info(
                "Evaluated %s at %s: %s, score %s, %d finding(s)",
                context.host,
                context.as_of,
                result.verdict,
                result.score,
                result.finding_count,
            )
