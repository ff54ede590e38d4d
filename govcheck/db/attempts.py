"""Crawl attempts: which one counts, and which ones died.

A re-crawl of a (round, site) is a new attempt (a new ``crawls`` row numbered within the pair). The
attempt that counts is the newest finished one; one that never finished (kill -9, a lost node) stays
``running`` until the next attempt begins or ``govcheck crawl`` sees its process end, and is then
``interrupted``. The same rule is written in SQL in the ``v_crawl_attempts`` view (migration 0005).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Engine, exists, select, update
from sqlalchemy.orm import Session, aliased

from govcheck.db.models import Crawl, Site
from govcheck.db.session import with_retry

FINISHED = "finished"
RUNNING = "running"
INTERRUPTED = "interrupted"


def no_newer_finished(crawl: Any, *, as_of: dt.date | None = None) -> ColumnElement[bool]:
    """True for an attempt (``crawl``: the Crawl model or an alias of it) with no newer finished
    attempt of its round and site (with an as-of on or before ``as_of``, if given)."""
    newer = aliased(Crawl)
    condition = (
        (newer.round == crawl.round)
        & (newer.site_id == crawl.site_id)
        & (newer.status == FINISHED)
        & (newer.attempt > crawl.attempt)
    )
    if as_of is not None:
        condition &= newer.as_of <= as_of
    return ~exists().where(condition)


def supersede_running(session: Session, round_name: str, site_id: int) -> None:
    """A new attempt begins: earlier ones still marked running died without closing."""
    session.execute(
        update(Crawl)
        .where(Crawl.round == round_name, Crawl.site_id == site_id, Crawl.status == RUNNING)
        .values(status=INTERRUPTED)
    )


def interrupt_unfinished(engine: Engine, round_name: str, host: str, since: dt.datetime) -> int:
    """Mark the attempts of (round, host) begun since ``since`` that are still running interrupted:
    the process that crawled them has ended. Returns how many."""

    def work(session: Session) -> int:
        site_id = session.scalar(select(Site.id).where(Site.host == host))
        if site_id is None:
            return 0
        result = session.execute(
            update(Crawl)
            .where(
                Crawl.round == round_name,
                Crawl.site_id == site_id,
                Crawl.status == RUNNING,
                Crawl.started_at >= since,
            )
            .values(status=INTERRUPTED)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    return with_retry(engine, work)


def later_attempt(session: Session, crawl: Crawl) -> dict[str, Any] | None:
    """The newest attempt of the crawl's (round, site) if it is later than ``crawl`` and not finished
    (running, or interrupted): a report shows it beside the evaluation it did not replace."""
    later = session.scalars(
        select(Crawl)
        .where(Crawl.round == crawl.round, Crawl.site_id == crawl.site_id, Crawl.attempt > crawl.attempt)
        .order_by(Crawl.attempt.desc())
        .limit(1)
    ).first()
    if later is None or later.status == FINISHED:
        return None
    return {
        "attempt": later.attempt,
        "status": later.status,
        "started_at": later.started_at.isoformat() if later.started_at else None,
    }
