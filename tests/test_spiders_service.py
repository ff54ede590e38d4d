"""The service handler (govcheck.spiders.service) through the spider's dispatch pair, on in-memory
responses: a service column's page yields its attachments and online-system links and requests the
guides it lists (capped), a guide yields its key elements, its service links' checks and, for an entry
its row left undated, the entry's date; other columns are left alone."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from govcheck import settings as project_settings
from govcheck.items import EntryItem, PageLinksItem, ServicePageItem
from govcheck.spiders.portal import PortalSpider
from govcheck.spiders.routing import ROUTE, Route
from tests.helpers import every_wave

SETTINGS = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
SITE = "www.example.gov.cn"
HOME = f"https://{SITE}/"
HOMEPAGE = """<html><body><div class="nav"><ul><li><a href="/bszn/">办事指南</a></li>
<li><a href="/gzdt/">工作动态</a></li><li><a href="/tzgg/">通知公告</a></li></ul></div>
<ul class="news"><li><a href="/gzdt/t20240220_1.html">通知一</a><span>2024-02-20</span></li></ul></body></html>"""
GUIDES = "".join(f'<li><a href="/bszn/content_{i}.html">事项{i}办事指南</a></li>' for i in range(4))
SERVICE_COLUMN = f"""<html><head><title>办事指南</title></head><body><div class="nav"><a href="/">首页</a></div>
<div class="main"><ul class="list">{GUIDES}</ul>
<a href="/files/sqb.docx">申请表下载</a><a href="http://zwfw.example.gov.cn/">在线办理</a></div></body></html>"""
GUIDE = """<html><head><title>事项0办事指南</title></head><body><div class="article"><h1>事项0办事指南</h1>
<p>发布时间：2024-01-10</p><table><tr><th>设定依据</th><td>条例</td></tr><tr><th>申请材料</th><td>申请书</td></tr>
<tr><th>办理时间</th><td></td></tr></table><a href="/files/g0.pdf">附件下载</a></div></body></html>"""


def _spider(**overrides: Any) -> PortalSpider:
    crawler = get_crawler(PortalSpider, {**SETTINGS, "GOVCHECK_REFERENCE_HOSTS": "", **overrides})
    crawler._apply_settings()
    spider = PortalSpider.from_crawler(crawler, site=SITE, as_of="2024-02-28")
    crawler.spider = spider
    return spider


def _answer(request: Request, body: str) -> HtmlResponse:
    return HtmlResponse(request.url, status=200, body=body.encode(), encoding="utf-8", request=request)


def _column_requests(spider: PortalSpider) -> dict[str, Request]:
    async def first() -> Request:
        return await anext(aiter(spider.start()))

    out = list(spider.dispatch(_answer(asyncio.run(first()), HOMEPAGE)))
    return {r.url: r for r in out if isinstance(r, Request) and r.meta[ROUTE] == Route.COLUMN.value}


def test_a_service_column_yields_its_links_and_asks_for_its_guides_up_to_the_limit() -> None:
    spider = _spider(GOVCHECK_SERVICE_GUIDE_LIMIT=3)
    columns = _column_requests(spider)
    out = list(spider.dispatch(_answer(columns[HOME + "bszn/"], SERVICE_COLUMN)))
    out += every_wave(next(iter(spider.sites.values())))  # as if the other columns had answered
    (page,) = [i for i in out if isinstance(i, ServicePageItem)]
    assert (page.kind, page.column_url, page.elements, page.missing) == ("list", HOME + "bszn/", {}, {})
    assert [(link["text"], link["kind"]) for link in page.links] == [
        ("申请表下载", "attachment"),
        ("在线办理", "online"),
    ]
    guides = [r for r in out if isinstance(r, Request) and r.meta[ROUTE] == Route.GUIDE.value]
    assert [r.url for r in guides] == [f"{HOME}bszn/content_{i}.html" for i in range(3)]  # the limit: 3
    # The guides are read once, as guides: no detail page is asked for them although their rows are
    # undated; the one past the limit is asked for as a detail page (its date), as any undated row.
    details = [r.url for r in out if isinstance(r, Request) and r.meta[ROUTE] == Route.DETAIL.value]
    assert details == [f"{HOME}bszn/content_3.html"]
    linked = {link.target_url for i in out if isinstance(i, PageLinksItem) for link in i.links}
    assert {HOME + "files/sqb.docx", "http://zwfw.example.gov.cn/"} <= linked  # checked like any link

    guide = list(spider.dispatch(_answer(guides[0], GUIDE)))
    (facts,) = [i for i in guide if isinstance(i, ServicePageItem)]
    assert (facts.kind, facts.url, facts.title) == ("guide", HOME + "bszn/content_0.html", "事项0办事指南")
    assert facts.elements == {"事项名称": "标题", "设定依据": "设定依据", "办理材料": "申请材料"}
    assert facts.missing == {
        "申请条件": "absent",
        "办理地点": "absent",
        "办理时间": "empty",
        "联系电话": "absent",
        "办理流程": "absent",
    }
    assert [link.target_url for i in guide if isinstance(i, PageLinksItem) for link in i.links] == [
        HOME + "files/g0.pdf"
    ]
    (entry,) = [i for i in guide if isinstance(i, EntryItem)]
    assert (entry.url, entry.published, entry.date_source) == (
        HOME + "bszn/content_0.html",
        dt.date(2024, 1, 10),
        "detail",
    )


def test_other_columns_are_not_read_for_services() -> None:
    spider = _spider()
    columns = _column_requests(spider)
    out = list(
        spider.dispatch(_answer(columns[HOME + "gzdt/"], SERVICE_COLUMN.replace("办事指南", "工作动态")))
    )
    assert not [i for i in out if isinstance(i, ServicePageItem)]
    assert not [r for r in out if isinstance(r, Request) and r.meta[ROUTE] == Route.GUIDE.value]
