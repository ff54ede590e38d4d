"""A thread of its own for blocking work (database writes, evaluations), so that the reactor goes on
downloading while the database is slow. Calls run one at a time, in the order they were queued."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from twisted.internet import reactor
from twisted.internet.defer import Deferred, succeed
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

T = TypeVar("T")


class SerialThread:
    """One worker thread, started at the first call and stopped by :meth:`stop` (or at the reactor's
    shutdown, so that a forgotten one never keeps the process alive)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pending = 0  # calls queued or running
        self._pool: ThreadPool | None = None
        self._trigger: Any = None
        # bound → its waiters. ``pending`` moves one step at a time and a waiter is added only while
        # ``pending >= bound``, so the waiters that become ready when it drops are exactly those of
        # ``bound == pending + 1``: no scan of every waiter per call (thousands of items wait on a
        # busy writer when a hundred sites are open at once; a scan of them all was 29 % of the CPU).
        self._waiters: dict[int, list[Deferred[None]]] = {}

    def run(self, call: Callable[..., T], *args: Any) -> Deferred[T]:
        """Queue ``call(*args)``; the Deferred fires on the reactor thread with its result."""
        if self._pool is None:
            self._pool = ThreadPool(minthreads=1, maxthreads=1, name=self.name)
            self._pool.start()
            self._trigger = reactor.addSystemEventTrigger("during", "shutdown", self._reactor_stopping)  # type: ignore[attr-defined]
        self.pending += 1
        done: Deferred[T] = deferToThreadPool(reactor, self._pool, call, *args)  # type: ignore[arg-type]
        done.addBoth(self._ended)
        return done

    def below(self, bound: int) -> Deferred[None]:
        """Fires once fewer than ``bound`` calls are queued or running (at once if that is so now)."""
        if self.pending < bound:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._waiters.setdefault(bound, []).append(waiter)
        return waiter

    def stop(self) -> None:
        """Let the thread finish what is queued and end; idempotent."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if self._trigger is not None:
            reactor.removeSystemEventTrigger(self._trigger)  # type: ignore[attr-defined]
            self._trigger = None
        pool.stop()

    def _reactor_stopping(self) -> None:
        # Twisted took the trigger off its list to call it: removing it again would raise, and the
        # pool's thread, never stopped, would keep the process alive (a Ctrl-C during start-up hung).
        self._trigger = None
        self.stop()

    def _ended(self, result: T) -> T:
        self.pending -= 1
        for waiter in self._waiters.pop(self.pending + 1, ()):
            waiter.callback(None)
        return result


class ReactorStats:
    """The crawler's stats as work on a :class:`SerialThread` changes them: each change is applied on
    the reactor thread, in order, before that work's Deferred fires (Scrapy's stats collector is not
    thread-safe)."""

    def __init__(self, stats: Any) -> None:
        self.stats = stats

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        reactor.callFromThread(self.stats.inc_value, key, count, start)  # type: ignore[attr-defined]

    def set_value(self, key: str, value: Any) -> None:
        reactor.callFromThread(self.stats.set_value, key, value)  # type: ignore[attr-defined]
