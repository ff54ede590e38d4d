"""The outermost spider middleware (govcheck.work_middleware): it tells of every request that goes
to the engine, after every other spider middleware's filter, and of nothing else."""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.core.spidermw import SpiderMiddlewareManager

from govcheck import signals
from govcheck.work_middleware import WorkMiddleware
from tests.helpers import portal_spider


def test_it_tells_of_each_request_it_lets_through() -> None:
    spider = portal_spider()
    handed: list[Request] = []

    def told(request: Request) -> None:
        handed.append(request)

    spider.crawler.signals.connect(told, signal=signals.request_handed)
    request, item = Request("http://www.example.gov.cn/a/"), {"title": "x"}
    middleware = WorkMiddleware.from_crawler(spider.crawler)
    assert list(middleware.process_spider_output(None, [request, item])) == [request, item]
    assert handed == [request]


def test_it_is_closest_to_the_engine_so_it_sees_what_the_filters_let_through() -> None:
    spider = portal_spider()
    manager = SpiderMiddlewareManager.from_crawler(spider.crawler)
    enabled: list[Any] = manager.middlewares
    assert isinstance(enabled[0], WorkMiddleware)  # process_spider_output runs last here
