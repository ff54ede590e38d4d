"""A downloader middleware's store (database, Redis) called off the reactor: every call runs on a
:class:`SerialThread` of its own, and a store that fails answers None, so the middleware goes on without
it (a conditional request not sent, a link checked directly) rather than failing the crawl. Each failure
is logged with the middleware's own warning and counted under its stats key."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy.utils.defer import maybe_deferred_to_future

from govcheck.serial_thread import SerialThread

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

T = TypeVar("T")
S = TypeVar("S")


class StoreCalls:
    """Runs a store's blocking calls one at a time, in order, on a thread named ``name``. A call raising
    one of ``errors`` logs ``warning`` (``%s``: the error), increments ``error_stat`` and answers None."""

    def __init__(
        self,
        stats: StatsCollector,
        *,
        name: str,
        errors: tuple[type[Exception], ...],
        error_stat: str,
        warning: str,
    ) -> None:
        self.stats = stats
        self.thread = SerialThread(name)
        self.errors = errors
        self.error_stat = error_stat
        self.warning = warning

    def run(self, method: Callable[..., T], *args: Any) -> Deferred[T | None]:
        """Queue ``method(*args)``; the Deferred fires on the reactor thread with its result, or None."""

        def guarded() -> tuple[bool, T | None]:
            try:
                return True, method(*args)
            except self.errors as error:
                logger.warning(self.warning, error)
                return False, None

        done: Deferred[tuple[bool, T | None]] = self.thread.run(guarded)
        return done.addCallback(self._answered)

    async def call(self, method: Callable[..., T], *args: Any) -> T | None:
        """``method(*args)`` awaited: its result, or None if the store failed."""
        result: T | None = await maybe_deferred_to_future(self.run(method, *args))
        return result

    async def close(self, close: Callable[[], None]) -> None:
        """Run the store's ``close`` after every queued call, then end the thread."""
        await maybe_deferred_to_future(self.thread.run(close))
        self.thread.stop()

    def _answered(self, outcome: tuple[bool, T | None]) -> T | None:
        ok, result = outcome
        if not ok:  # counted here, on the reactor thread (the stats collector is not thread-safe)
            self.stats.inc_value(self.error_stat)
        return result


def database_store(factory: Callable[..., S], settings: BaseSettings, **options: Any) -> S:
    """A store kept in the crawl's database (GOVCHECK_DATABASE_URL, migrated if GOVCHECK_AUTO_MIGRATE)."""
    return factory(
        settings.get("GOVCHECK_DATABASE_URL"),
        migrate=settings.getbool("GOVCHECK_AUTO_MIGRATE"),
        **options,
    )
