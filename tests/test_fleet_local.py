"""The local round (govcheck.fleet.local): a site queue in a folder that processes on one machine share,
and the fleet worker crawling from it exactly as from Redis."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest
from scrapy import Request, Spider, signals
from scrapy.utils.test import get_crawler

from govcheck import signals as govcheck_signals
from govcheck.context import CrawlContext
from govcheck.fleet.local import DoneSite, LocalRound
from govcheck.fleet.round import SiteTask, parse_message, task_for_site
from govcheck.fleet.worker import FleetWorker

AS_OF = "2024-02-28"
HOSTS = ("sjj.suizhou.gov.cn", "jtj.suizhou.gov.cn", "yjglj.suizhou.gov.cn")


def tasks(*hosts: str) -> list[SiteTask]:
    return [
        task_for_site(h, h, as_of=AS_OF, round_name="2024-Q1", links="homepage", backend=None) for h in hosts
    ]


@pytest.fixture
def queue(tmp_path: Path) -> LocalRound:
    return LocalRound.create(tmp_path / "queue", "2024-Q1", tasks(*HOSTS))


def test_sites_are_taken_in_order_once_each_by_processes_sharing_the_folder(queue: LocalRound) -> None:
    other = LocalRound.open(queue.path)  # another process's view of the same queue
    taken = [queue.take(job="a", node="n", lease=60), other.take(job="b", node="n", lease=60)]
    taken.append(queue.take(job="a", node="n", lease=60))
    assert [parse_message(raw, round_name="2024-Q1").site for _, raw in taken] == list(HOSTS)
    assert queue.take(job="a", node="n", lease=60) is None and other.take(job="b", node="n", lease=60) is None
    assert queue.running_sites() == {HOSTS[0]: "a", HOSTS[1]: "b", HOSTS[2]: "a"}
    assert queue.pending_sites() == [] and not queue.is_complete()


def test_finished_rejected_and_given_back_sites(queue: LocalRound) -> None:
    for _ in HOSTS:
        queue.take(job="crawl-1", node="n", lease=60)
    queue.finish(HOSTS[0], job="crawl-1", node="n", status="spooled", message=b"")
    queue.reject(HOSTS[1], b"", "site: refused by the destination policy")
    assert queue.requeue(HOSTS[2], job="crawl-1") and not queue.requeue(HOSTS[2], job="crawl-1")
    assert queue.done_sites() == {
        HOSTS[0]: DoneSite(HOSTS[0], "crawl-1", "spooled"),
        HOSTS[1]: DoneSite(HOSTS[1], "crawl-1", "rejected", "site: refused by the destination policy"),
    }
    assert queue.pending_sites() == [HOSTS[2]] and queue.running_sites() == {}
    assert not queue.is_complete()
    raw = queue.take(job="crawl-2", node="n", lease=60)
    assert raw is not None and json.loads(raw[1])["meta"]["govcheck"]["site"] == HOSTS[2]
    queue.finish(HOSTS[2], job="crawl-2", node="n", status="finished", message=b"")
    assert queue.is_complete() and queue.done_sites()[HOSTS[2]].job == "crawl-2"


def test_a_folder_without_a_queue_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="holds no site queue of govcheck crawl"):
        LocalRound.open(tmp_path)


def test_the_fleet_worker_crawls_a_local_round_and_closes_once_it_is_empty(queue: LocalRound) -> None:
    crawler = get_crawler(Spider, {"GOVCHECK_FLEET_SITES": 2, "GOVCHECK_FLEET_LEASE": 60.0})
    closed: list[str] = []

    def close_site(site: Site) -> None:
        site.closed = True
        closed.append(site.key)
        context = CrawlContext(
            site.key, f"http://{site.key}/", "2024-Q1", dt.date(2024, 2, 28), dt.datetime(2024, 2, 28)
        )
        crawler.signals.send_catch_log(
            govcheck_signals.site_stored, context=context, reason="finished", spooled=False
        )

    worker = FleetWorker.from_queue(
        crawler, queue, job="crawl-1", new_site=lambda task: Site(task.site), close_site=close_site
    )

    async def run() -> list[str]:
        taken = []
        async for site in worker.take_sites():
            assert len(worker.running()) <= 2
            taken.append(site.key)
            request = Request(f"http://{site.key}/", meta={"govcheck_site": site.key})
            worker.in_flight.yielded(site.key, request)
            crawler.signals.send_catch_log(signals.request_scheduled, request=request, spider=None)
            worker.in_flight.settled(site.key)
        return taken

    assert asyncio.run(asyncio.wait_for(run(), timeout=60)) == list(HOSTS)
    assert sorted(closed) == sorted(HOSTS) and queue.is_complete()
    assert {d.status for d in queue.done_sites().values()} == {"finished"}


class Site:
    def __init__(self, key: str) -> None:
        self.key = key
        self.closed = False
        self.requests_made = 0
