"""The fleet worker (govcheck.fleet.worker) against a real Redis: taking sites, leases, when a site is
done (counted from Scrapy's public signals and the spider's dispatch hooks), the safety net, giving
sites back, a Redis outage and the idle close.

The sites are plain records standing in for the spider's per-site state; Redis, Scrapy's signals and
stats are real. Time is a clock the test moves (the worker's grace and lease arithmetic), except in the
end-to-end loop test, which waits on the real one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from govcheck import signals as govcheck_signals
from govcheck.context import CrawlContext
from govcheck.fleet.round import Round, SiteTask, open_round, task_for_site
from govcheck.fleet.worker import FLEET_POLL, FleetWorker, is_hop, worker_of
from govcheck.items import PageItem
from tests.helpers import OwnRedis

SITE = "jyj.zgsuixian.gov.cn"
OTHER = "sfj.suizhou.gov.cn"
AS_OF = "2024-02-28"
LEASE = 60.0


@dataclass
class FakeSite:
    """What the worker reads of a site's crawl."""

    key: str
    closed: bool = False
    requests_made: int = 0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def store(crawler: Crawler, host: str, *, spooled: bool = False) -> None:
    """What the storage pipeline does once a closed site's rows are in (spooled: the database was out
    of reach and the items went to the spool)."""
    context = CrawlContext(host, f"http://{host}/", "2024-Q1", dt.date(2024, 2, 28), dt.datetime(2024, 2, 28))
    crawler.signals.send_catch_log(
        govcheck_signals.site_stored, context=context, reason="finished", spooled=spooled
    )


class Job:
    """A worker and what the spider would do around it: make sites, close (and store) them."""

    def __init__(
        self, crawler: Crawler, round_: Round, *, store: bool = True, alone: str | None = None
    ) -> None:
        self.crawler = crawler
        self.clock = Clock()
        self.store = store
        self.closed: list[str] = []
        self.worker = FleetWorker(
            crawler,
            round_,
            job="job-1",
            node="node-1",
            sites_at_once=4,
            idle_close=0.0,
            lease=LEASE,
            new_site=self.new_site,
            close_site=self.close_site,
            alone=alone,
            clock=self.clock,
        )

    def new_site(self, task: SiteTask) -> FakeSite:
        if task.site == "broken.gov.cn":
            raise ValueError("profile broken.gov.cn: bad selector")  # as a bad site profile would
        return FakeSite(task.site)

    def close_site(self, site: FakeSite) -> None:
        site.closed = True
        self.closed.append(site.key)
        store(self.crawler, site.key, spooled=not self.store)

    # -- what Scrapy and the spider's dispatch do with a request of a site -------------------------

    def yield_request(self, site: str, url: str | None = None) -> Request:
        """A callback (or the start) yields a request for ``site``: the spider stamps and counts it."""
        request = Request(url or f"http://{site}/{uuid.uuid4().hex}", meta={"govcheck_site": site})
        self.worker.in_flight.yielded(site, request)
        return request

    def schedule(self, request: Request) -> None:
        self.crawler.signals.send_catch_log(signals.request_scheduled, request=request, spider=None)

    def drop(self, request: Request) -> None:
        self.crawler.signals.send_catch_log(signals.request_dropped, request=request, spider=None)

    def callback_ends(self, site: str) -> None:
        self.worker.in_flight.settled(site)


def queue(round_: Round, *hosts: str) -> None:
    tasks = [
        task_for_site(h, None, as_of=AS_OF, round_name=round_.name, links="homepage", backend=None)
        for h in hosts
    ]
    round_.enqueue(tasks, as_of=AS_OF, links="homepage")


@pytest.fixture
def round_(redis_url: str) -> Round:
    return open_round(redis_url, "2024-Q1", prefix=f"t{uuid.uuid4().hex[:8]}")


@pytest.fixture
def crawler() -> Crawler:
    return get_crawler(Spider)


def test_a_taken_site_is_held_under_a_lease_and_starts_afresh(crawler: Crawler, round_: Round) -> None:
    queue(round_, SITE)
    round_.server.sadd(round_.seen_key(SITE), "fingerprint of an interrupted attempt")
    job = Job(crawler, round_)
    site = job.worker.take_site()
    assert site == FakeSite(SITE)
    progress = round_.progress()
    assert progress.running[SITE]["job"] == "job-1" and progress.starts == {SITE: 1} and not progress.pending
    assert not round_.server.exists(round_.seen_key(SITE))
    assert job.worker.take_site() is None  # the queue is empty
    assert crawler.stats.get_value("govcheck/fleet/sites_taken") == 1


def test_messages_that_cannot_be_crawled_are_set_aside_with_their_reason(
    crawler: Crawler, round_: Round
) -> None:
    queue(round_, "broken.gov.cn")
    good = json.loads(
        task_for_site(SITE, None, as_of=AS_OF, round_name="2024-Q1", links="homepage", backend=None).message()
    )
    round_.server.rpush(
        round_.sites_key,
        json.dumps({**good, "meta": {"govcheck": {**good["meta"]["govcheck"], "round": "2023-Q4"}}}),
        "not json at all",
        json.dumps(good),
    )
    site = Job(crawler, round_).worker.take_site()
    assert site is not None and site.key == SITE  # the good message behind three bad ones
    reasons = [entry["reason"] for entry in round_.progress().rejected]
    assert len(reasons) == 3, reasons
    assert "bad selector" in reasons[0] and "round" in reasons[1] and reasons[2] == "no meta.govcheck.site"
    assert (
        crawler.stats.get_value("govcheck/fleet/rejected") == 2
    )  # the unparseable one is set aside by Redis
    assert set(round_.progress().running) == {SITE}


def test_a_site_is_done_one_poll_after_its_last_callback_ended(crawler: Crawler, round_: Round) -> None:
    queue(round_, SITE, OTHER)
    job = Job(crawler, round_)
    worker = job.worker
    site, other = worker.take_site(), worker.take_site()
    assert site is not None and other is not None
    start, other_start = job.yield_request(SITE), job.yield_request(OTHER)
    job.schedule(start)
    job.schedule(other_start)
    worker.close_drained_sites()
    assert job.closed == []  # the start requests are in flight

    # The homepage's callback yields a column request and an item, then ends.
    column = job.yield_request(SITE)
    item = PageItem(url=f"http://{SITE}/", kind="homepage", status=200)
    worker.in_flight.yielded(SITE, item)
    job.callback_ends(SITE)
    job.schedule(column)
    job.clock.advance(FLEET_POLL)
    worker.close_drained_sites()
    assert job.closed == []
    crawler.signals.send_catch_log(signals.item_scraped, item=item, response=None, spider=None)

    job.callback_ends(SITE)  # the column's callback ends: nothing of the site is left
    worker.close_drained_sites()
    assert job.closed == []  # the grace: the last callback's items reach the pipelines first
    job.clock.advance(FLEET_POLL)
    worker.close_drained_sites()
    assert job.closed == [SITE] and site.closed and not other.closed
    assert round_.progress().done[SITE]["status"] == "finished"
    assert set(round_.progress().running) == {OTHER}
    assert crawler.stats.get_value("govcheck/fleet/sites_done") == 1


def test_retries_and_redirects_are_the_same_request_and_a_dropped_one_settles(
    crawler: Crawler, round_: Round
) -> None:
    queue(round_, SITE)
    job = Job(crawler, round_)
    worker = job.worker
    assert worker.take_site() is not None
    start = job.yield_request(SITE)
    job.schedule(start)
    retried = start.replace(meta={**start.meta, "retry_times": 1})
    redirected = retried.replace(url=f"https://{SITE}/", meta={**retried.meta, "redirect_times": 1})
    assert not is_hop(start) and is_hop(retried) and is_hop(redirected)
    job.schedule(retried)
    job.schedule(redirected)
    assert worker.in_flight.requests == 1  # one request, however many hops
    seen_before = job.yield_request(SITE)
    job.schedule(seen_before)
    job.drop(seen_before)  # the dupefilter refused it: it never reaches a callback
    assert worker.in_flight.count(SITE) == 1 and worker.in_flight.requests == 1
    job.callback_ends(SITE)  # the redirected request's callback
    assert worker.in_flight.count(SITE) == 0 and worker.in_flight.idle()
    job.clock.advance(FLEET_POLL)
    worker.close_drained_sites()
    assert job.closed == [SITE]


def test_a_request_filtered_after_its_callback_yielded_it_closes_its_site_once_nothing_is_in_flight(
    crawler: Crawler, round_: Round, caplog: pytest.LogCaptureFixture
) -> None:
    """A spider middleware's filter drops a request without any signal: its site's count stays at
    one. Once nothing at all is in flight in the job twice in a row, the site is closed anyway."""
    queue(round_, SITE, OTHER)
    job = Job(crawler, round_)
    worker = job.worker
    assert worker.take_site() is not None and worker.take_site() is not None
    start, other_start = job.yield_request(SITE), job.yield_request(OTHER)
    job.schedule(start)
    job.schedule(other_start)
    job.yield_request(SITE)  # filtered: never scheduled, never settled
    job.callback_ends(SITE)
    for _ in range(3):
        job.clock.advance(FLEET_POLL)
        worker.close_drained_sites()
    assert job.closed == []  # OTHER's request is in flight: the job is not idle

    item = PageItem(url=f"http://{OTHER}/", kind="homepage", status=200)
    worker.in_flight.yielded(OTHER, item)
    job.callback_ends(OTHER)
    worker.close_drained_sites()
    worker.close_drained_sites()
    assert job.closed == []  # OTHER's item is still in the pipelines
    crawler.signals.send_catch_log(signals.item_scraped, item=item, response=None, spider=None)

    worker.close_drained_sites()
    assert job.closed == []  # nothing in flight once: not yet
    with caplog.at_level(logging.WARNING, logger="govcheck.fleet.worker"):
        worker.close_drained_sites()
    assert job.closed == [SITE]  # OTHER drained less than a poll ago; SITE is closed by the net
    assert f"{SITE} has nothing in flight but 1 request(s) unaccounted for; closing it" in caplog.text
    job.clock.advance(FLEET_POLL)
    worker.close_drained_sites()
    assert job.closed == [SITE, OTHER]
    assert round_.progress().complete


def test_the_round_is_cleaned_up_by_the_job_that_finishes_its_last_site(
    crawler: Crawler, round_: Round
) -> None:
    queue(round_, SITE)
    job = Job(crawler, round_, store=False)  # the database is out of reach: the items are spooled
    worker = job.worker
    assert worker.take_site() is not None
    round_.server.zadd(round_.requests_key("job-1"), {"request": 1})
    round_.server.sadd(round_.seen_key(SITE), "fingerprint")
    job.schedule(job.yield_request(SITE))
    job.callback_ends(SITE)
    job.clock.advance(FLEET_POLL)
    worker.close_drained_sites()
    progress = round_.progress()
    assert progress.complete and progress.done[SITE]["status"] == "spooled"
    assert not round_.server.exists(round_.requests_key("job-1"), round_.seen_key(SITE))
    assert round_.server.exists(round_.meta_key)  # the bookkeeping stays (it expires)


def test_heartbeats_renew_this_jobs_leases_and_put_back_those_of_stopped_workers(
    crawler: Crawler, round_: Round, caplog: pytest.LogCaptureFixture
) -> None:
    queue(round_, SITE, OTHER)
    job = Job(crawler, round_)
    worker = job.worker
    assert worker.take_site() is not None
    assert round_.take(job="stalled", node="node-2", lease=0.05) is not None  # OTHER, briefly
    time.sleep(0.1)  # the stalled worker's lease runs out on Redis' clock
    worker.heartbeat()
    assert set(round_.progress().running) == {SITE, OTHER}  # just started: others get a lease's time
    job.clock.advance(LEASE)
    with caplog.at_level(logging.WARNING, logger="govcheck.fleet.worker"):
        worker.heartbeat()
    assert round_.progress().pending == [OTHER] and set(round_.progress().running) == {SITE}
    assert f"requeued ['{OTHER}']" in caplog.text

    # The stalled worker's view: its site went back and this job took it over.
    assert worker.take_site() is not None
    assert round_.heartbeat([OTHER], job="stalled", lease=LEASE) == [OTHER]


def test_a_job_that_stops_gives_back_the_sites_it_has_not_finished(
    crawler: Crawler, round_: Round, caplog: pytest.LogCaptureFixture
) -> None:
    queue(round_, SITE, OTHER)
    job = Job(crawler, round_)
    worker = job.worker
    assert worker.take_site() is not None and worker.take_site() is not None
    job.schedule(job.yield_request(SITE))
    job.callback_ends(SITE)
    job.schedule(job.yield_request(OTHER))
    job.clock.advance(FLEET_POLL)
    worker.close_drained_sites()
    round_.server.zadd(round_.requests_key("job-1"), {"request": 1})
    with caplog.at_level(logging.WARNING, logger="govcheck.fleet.worker"):
        worker.close("shutdown")
    progress = round_.progress()
    assert set(progress.done) == {SITE} and progress.pending == [OTHER] and not progress.running
    assert f"{OTHER} was not finished (shutdown); back in the queue" in caplog.text
    assert not round_.server.exists(round_.requests_key("job-1"))


def test_a_one_site_crawl_starts_and_ends_its_scheduler_keys(crawler: Crawler, round_: Round) -> None:
    worker = Job(crawler, round_, alone=SITE).worker
    round_.server.sadd(round_.seen_key(SITE), "fingerprint of an earlier run")
    worker.open_alone()
    assert not round_.server.exists(round_.seen_key(SITE))
    round_.server.sadd(round_.seen_key(SITE), "fingerprint")
    round_.server.zadd(round_.requests_key("job-1"), {"request": 1})
    worker.close("finished")
    assert not round_.server.exists(round_.seen_key(SITE), round_.requests_key("job-1"))
    assert not round_.exists()  # nothing of a fleet round was written


def test_the_fleet_loop_takes_sites_closes_them_and_stops_once_the_queue_stays_empty(
    crawler: Crawler, round_: Round, caplog: pytest.LogCaptureFixture
) -> None:
    queue(round_, SITE, OTHER)
    closed: list[str] = []

    def close_site(site: FakeSite) -> None:
        site.closed = True
        closed.append(site.key)
        store(crawler, site.key)

    worker = FleetWorker(
        crawler,
        round_,
        job="job-1",
        node="node-1",
        sites_at_once=1,
        idle_close=0.0,
        lease=LEASE,
        new_site=lambda task: FakeSite(task.site),
        close_site=close_site,
    )

    async def run() -> list[str]:
        taken: list[str] = []
        async for site in worker.take_sites():
            # The spider opens the site: its start request is yielded, scheduled and answered.
            assert worker.running() == [site]  # one site at a time
            taken.append(site.key)
            request = Request(f"http://{site.key}/", meta={"govcheck_site": site.key})
            worker.in_flight.yielded(site.key, request)
            crawler.signals.send_catch_log(signals.request_scheduled, request=request, spider=None)
            worker.in_flight.settled(site.key)
        return taken

    with caplog.at_level(logging.INFO, logger="govcheck.fleet.worker"):
        taken = asyncio.run(asyncio.wait_for(run(), timeout=60))
    assert taken == closed == [SITE, OTHER]
    progress = round_.progress()
    assert progress.complete and set(progress.done) == {SITE, OTHER}
    assert "Round 2024-Q1 is complete: deleted its" in caplog.text
    assert "Round 2024-Q1: the queue stayed empty for 0s; closing" in caplog.text


# -- Redis going away ---------------------------------------------------------------------------------


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.process is not None:
        server.stop()


def test_while_redis_is_away_drained_sites_still_close_and_are_reported_once_it_is_back(
    crawler: Crawler, own_redis: OwnRedis, caplog: pytest.LogCaptureFixture
) -> None:
    round_ = open_round(own_redis.url, "2024-Q1", prefix="t")
    queue(round_, SITE, OTHER)
    job = Job(crawler, round_)
    worker = job.worker
    assert worker.take_site() is not None and worker.take_site() is not None
    job.schedule(job.yield_request(SITE))
    job.schedule(job.yield_request(OTHER))
    job.callback_ends(SITE)
    job.clock.advance(FLEET_POLL)

    own_redis.stop()
    with caplog.at_level(logging.INFO):
        worker.close_drained_sites()  # needs no Redis: the site is stored and evaluated now
        worker.report_finished()  # the next pass tries again
    assert job.closed == [SITE]
    assert worker.outage.down and crawler.stats.get_value("govcheck/fleet/redis_errors") == 2
    outage_lines = [r for r in caplog.records if r.name == "govcheck.fleet.outage"]
    assert len(outage_lines) == 1  # told once, however many calls fail
    with pytest.raises(redis.RedisError):
        worker.heartbeat()  # the fleet loop catches it and waits before trying again

    own_redis.start()
    worker.report_finished()
    progress = round_.progress()
    assert progress.done[SITE]["status"] == "finished" and set(progress.running) == {OTHER}


def test_components_find_the_round_through_the_spiders_worker(crawler: Crawler, round_: Round) -> None:
    worker = Job(crawler, round_).worker
    spider = Spider("portal")
    assert worker_of(spider) is None and worker_of(None) is None
    spider.worker = worker  # type: ignore[attr-defined]
    assert worker_of(spider) is worker
