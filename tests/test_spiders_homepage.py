"""spiders/homepage.py: an answered homepage's outcome waits for the site's IPv6 check (a request of
its own, so the site stays open), then carries the fact; a broken check is the inspector's, unknown."""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from govcheck import settings as project_settings
from govcheck.ipv6 import IPV6_CHECK, IPV6_FACT
from govcheck.items import SiteItem
from govcheck.spiders.portal import PortalSpider
from govcheck.spiders.routing import ROUTE, Route

SETTINGS = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
SITE = "www.example.gov.cn"
HOMEPAGE = """<html><head><title>某市人民政府</title></head><body>
<div class="nav"><ul><li><a href="/a/">动态</a></li><li><a href="/b/">公告</a></li><li><a href="/c/">文件</a></li></ul></div>
<ul class="news"><li><a href="/a/t20240220_1.html">通知一</a><span>2024-02-20</span></li></ul>
<div class="footer">网站标识码：4290000012</div></body></html>"""


def _spider(**overrides: Any) -> PortalSpider:
    settings = {**SETTINGS, "GOVCHECK_REFERENCE_HOSTS": "", "GOVCHECK_LINK_CHECK": False, **overrides}
    crawler = get_crawler(PortalSpider, settings)
    crawler._apply_settings()
    spider = PortalSpider.from_crawler(crawler, site=SITE, as_of="2024-02-28")
    crawler.spider = spider
    return spider


def _homepage(spider: PortalSpider) -> list[Any]:
    async def first() -> Request:
        return await anext(aiter(spider.start()))

    start = asyncio.run(first())
    answer = HtmlResponse(start.url, body=HOMEPAGE.encode(), encoding="utf-8", request=start)
    return list(spider.dispatch(answer))


def test_the_outcome_waits_for_the_ipv6_check_and_carries_its_fact() -> None:
    spider = _spider()
    out = _homepage(spider)
    assert not [i for i in out if isinstance(i, SiteItem)]
    (check,) = [r for r in out if isinstance(r, Request) and r.meta[ROUTE] == Route.IPV6.value]
    assert check.meta[IPV6_CHECK] and check.dont_filter and check.url == f"https://{SITE}/"  # the homepage
    fact = {"result": "unsupported", "reason": "no_aaaa", "host": SITE}
    check.meta[IPV6_FACT] = fact  # what the IPv6 middleware answers with
    (home,) = spider.dispatch(Response(check.url, request=check))
    assert isinstance(home, SiteItem) and (home.status, home.site) == ("ok", SITE)
    assert home.health["ipv6"] == fact and home.health["duties"]["parsed"]


def test_a_broken_check_leaves_ipv6_unknown() -> None:
    spider = _spider()
    check = next(r for r in _homepage(spider) if isinstance(r, Request) and r.meta[ROUTE] == Route.IPV6.value)
    failure = Failure(RuntimeError("boom"))
    failure.request = check  # type: ignore[attr-defined]
    (home,) = spider.dispatch_failure(failure)
    assert isinstance(home, SiteItem)
    assert (home.health["ipv6"]["result"], home.health["ipv6"]["reason"]) == ("unknown", "check_failed")


def test_switched_off_the_outcome_goes_at_once() -> None:
    out = _homepage(_spider(GOVCHECK_IPV6_CHECK=False))
    assert [i.status for i in out if isinstance(i, SiteItem)] == ["ok"]
    assert not [r for r in out if isinstance(r, Request) and r.meta[ROUTE] == Route.IPV6.value]
