"""govcheck/ipv6_middleware.py: which requests it answers, with what network (the threaded check
itself runs in tests/test_e2e_duties.py, on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

from scrapy import Request

from govcheck.ipv6 import IPV6_CHECK, IPV6_FACT, SystemNetwork
from govcheck.ipv6_middleware import Ipv6CheckMiddleware
from tests.farm.sites_duties import FarmIpv6Network
from tests.helpers import project_crawler


def test_it_answers_before_the_request_is_scheduled_for_download() -> None:
    crawler = project_crawler()
    order = crawler.settings.getdict("DOWNLOADER_MIDDLEWARES")
    robots = order["govcheck.robots_middleware.EveryWaiterRobotsTxtMiddleware"]
    assert order["govcheck.ipv6_middleware.Ipv6CheckMiddleware"] < robots  # no robots.txt fetched for it
    assert isinstance(Ipv6CheckMiddleware.from_crawler(crawler).network, SystemNetwork)
    named = project_crawler(GOVCHECK_IPV6_NETWORK="tests.farm.sites_duties.FarmIpv6Network")
    assert isinstance(Ipv6CheckMiddleware.from_crawler(named).network, FarmIpv6Network)


def test_other_requests_pass_untouched() -> None:
    middleware = Ipv6CheckMiddleware.from_crawler(project_crawler())
    assert asyncio.run(middleware.process_request(Request("http://www.example.gov.cn/"))) is None


def test_switched_off_the_check_answers_unknown() -> None:
    middleware = Ipv6CheckMiddleware.from_crawler(project_crawler(GOVCHECK_IPV6_CHECK=False))
    request = Request("http://www.example.gov.cn/", meta={IPV6_CHECK: True})
    response = asyncio.run(middleware.process_request(request))
    assert response is not None and response.status == 200
    assert request.meta[IPV6_FACT] == {"result": "unknown", "reason": "check_off"}
