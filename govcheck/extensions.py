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
from govcheck import signals as govcheck_signals
from govcheck.context import CrawlContext
from govcheck.db.attempts import INTERRUPTED
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
    """When a site's crawl ends, evaluate the site at the crawl's as_of (reading only the database):
    at ``site_stored`` for each site of a fleet job, at ``spider_closed`` for a one-site crawl."""

    def __init__(self, database_url: str, settings: dict[str, object]) -> None:
        self.database_url = database_url
        self.settings = settings
        self.engine: Engine | None = None  # opened at the first evaluation, kept for the job's next sites

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("GOVCHECK_EVALUATE_ON_CLOSE"):
            raise NotConfigured("GOVCHECK_EVALUATE_ON_CLOSE is off")
        values = {k: v for k, v in crawler.settings.items() if k.startswith("GOVCHECK_")}
        extension = cls(
            crawler.settings["GOVCHECK_DATABASE_URL"], {**config.defaults(), **config.validate(values)}
        )
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.site_stored, signal=govcheck_signals.site_stored)
        return extension

    def site_stored(self, context: CrawlContext, reason: str) -> None:
        """A fleet site is stored: evaluate it now, as its own crawl would at its end."""
        self._run(context, reason, named_round=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Evaluate the sites this crawl has not evaluated yet (a one-site crawl's site, or a fleet
        job's sites cut short), or mark them interrupted."""
        for site in spider.sites.values():
            if not site.closed:
                # A fleet job that stops mid-site gives the site back to the round: never complete here.
                self._run(
                    site.context(), "interrupted" if spider.fleet else reason, named_round=site.explicit_round
                )
        if self.engine is not None:
            self.engine.dispose()

    def _run(self, context: CrawlContext, reason: str, *, named_round: bool) -> None:
        try:
            if self.engine is None:
                self.engine = open_database(self.database_url, migrate=False, small_pool=True)
            self._evaluate(self.engine, context, reason, named_round=named_round)
        except DatabaseError as exc:
            logger.error("Cannot evaluate %s: %s", context.host, exc)
        except SQLAlchemyError as exc:
            logger.error("Evaluation of %s failed: %s", context.host, exc)

    def _evaluate(self, engine: Engine, context: CrawlContext, reason: str, *, named_round: bool) -> None:
        def find(session: Session) -> tuple[int, int] | None:
            # This process's attempt: the newest of the (round, site), begun when the site opened.
            row = session.execute(
                select(Crawl.id, Crawl.site_id)
                .join(Site, Site.id == Crawl.site_id)
                .where(Site.host == context.host, Crawl.round == context.round)
                .order_by(Crawl.attempt.desc())
                .limit(1)
            ).first()
            return (row[0], row[1]) if row else None

        found = with_retry(engine, find)
        if found is None:
            logger.warning(
                "No stored crawl of %s to evaluate (was the database down? see the spool)", context.host
            )
            return
        crawl_id, site_id = found
        if reason not in COMPLETE_REASONS:
            with_retry(
                engine,
                lambda s: s.execute(update(Crawl).where(Crawl.id == crawl_id).values(status=INTERRUPTED)),
            )
            logger.warning(
                "Crawl of %s ended with %r: this attempt is marked interrupted and not evaluated "
                "(the previous finished attempt, if any, still counts)",
                context.host,
                reason,
            )
            return
        round_name = context.round if named_round else ""
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
