"""StoreCalls: a store's calls off the reactor, a failing store answering None (counted, logged)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Run in a child process: the calls need a running Twisted reactor, which a process starts only once.
SCRIPT = textwrap.dedent(
    """
    import json, logging
    from scrapy.statscollectors import MemoryStatsCollector
    from twisted.internet import task
    from twisted.internet.defer import ensureDeferred
    from govcheck.store_calls import StoreCalls

    logging.basicConfig(level=logging.WARNING, format="%(message)s")

    class Crawler:  # what the stats collector reads of a crawler
        class settings:
            @staticmethod
            def getbool(name, default=False):
                return False

    class Store:
        def __init__(self):
            self.closed = False
        def load(self, key):
            if key == "broken":
                raise OSError("disk gone")
            return key.upper()
        def close(self):
            self.closed = True

    async def main():
        stats = MemoryStatsCollector(Crawler())
        store = Store()
        calls = StoreCalls(stats, name="t", errors=(OSError,), error_stat="t/errors", warning="Store away (%s)")
        answers = [await calls.call(store.load, "a"), await calls.call(store.load, "broken")]
        answers.append(await calls.run(store.load, "b"))
        await calls.close(store.close)
        print(json.dumps({"answers": answers, "stats": stats.get_stats(), "closed": store.closed}))

    task.react(lambda _reactor: ensureDeferred(main()))
    """
)


def test_a_failing_call_answers_none_logs_its_warning_and_is_counted() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {"answers": ["A", None, "B"], "stats": {"t/errors": 1}, "closed": True}
    assert done.stderr.count("Store away (disk gone)") == 1
