"""The outermost spider middleware (govcheck.work_middleware): it marks the answered request (its
callback's output passes the spider middlewares) and every request that got through them."""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.core.spidermw import SpiderMiddlewareManager
from scrapy.http import HtmlResponse

from govcheck.work_middleware import HANDED, THROUGH_MIDDLEWARES, WorkMiddleware
from tests.helpers import portal_spider


def test_it_marks_the_answer_and_each_request_it_lets_through() -> None:
    spider = portal_spider()
    answered = Request("http://www.example.gov.cn/")
    response = HtmlResponse(answered.url, body=b"<html></html>", request=answered)
    found, item = Request("http://www.example.gov.cn/a/"), {"title": "x"}
    middleware = WorkMiddleware.from_crawler(spider.crawler)
    assert list(middleware.process_spider_output(response, [found, item])) == [found, item]
    assert answered.meta[THROUGH_MIDDLEWARES] and found.meta[HANDED]


def test_it_is_closest_to_the_engine_so_it_sees_what_the_filters_let_through() -> None:
    spider = portal_spider()
    manager = SpiderMiddlewareManager.from_crawler(spider.crawler)
    enabled: list[Any] = manager.middlewares
    assert isinstance(enabled[0], WorkMiddleware)  # process_spider_output runs last here
