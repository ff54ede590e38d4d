"""``scrapy crawl`` whose start-up failures are one line: a bad ``-a`` value, a bad setting or a Redis
out of reach ends the process with a message and an exit status (2, 4), not a traceback.

Scrapyd runs jobs through the same command, so a job's log ends with the same line.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from redis.exceptions import RedisError
from scrapy.commands.crawl import Command as ScrapyCrawl
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from govcheck.config import ConfigError
from govcheck.masking import masked

logger = logging.getLogger(__name__)
EXIT_USAGE = 2
EXIT_SERVICE = 4  # as govcheck's CLI: Redis unusable


def start_failure(error: BaseException) -> tuple[str, int] | None:
    """(one-line message, exit status) for an error a user can fix, found anywhere in the chain of
    ``error`` (a Redis failure surfaces wrapped in the engine's own error); None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConfigError):
            return str(current), EXIT_USAGE
        if isinstance(current, RedisError):
            return (
                f"Redis is out of reach at start ({current}); check REDIS_URL and that Redis runs",
                EXIT_SERVICE,
            )
        current = current.__cause__ or current.__context__
    return None


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage errors
            return
        assert self.crawler_process
        crawling = self.crawler_process.crawl(self._create_crawler(args[0]), **opts.spargs)
        if isinstance(crawling, Deferred):
            crawling.addErrback(self._failed)
        else:
            crawling.add_done_callback(self._task_done)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed and not self.exitcode:
            self.exitcode = 1

    def _task_done(self, task: asyncio.Future[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._failed(Failure(task.exception()))

    def _failed(self, failure: Failure) -> Failure | None:
        known = start_failure(failure.value)
        if known is None:
            logger.error("The crawl failed to start", exc_info=failure.value)
            return None
        message, self.exitcode = known
        line = f"scrapy crawl: {' '.join(masked(message).split())}"
        logger.critical(line)
        assert self.settings is not None
        if self.settings.get("LOG_FILE") or not self.settings.getbool("LOG_ENABLED"):
            print(line, file=sys.stderr)  # the log is elsewhere: the terminal still gets the reason
        return None
