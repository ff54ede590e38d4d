"""A consultation column's letters in the spider (govcheck.spiders.letters, through the column handler):
letters yielded once with their dates read, their own pages asked for when the list leaves the answer
open, blank and explained letters columns, a list behind a search form. No network: in-memory responses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from govcheck.db.kinds import flattened
from govcheck.items import ColumnItem, EntryItem, LetterItem
from govcheck.spiders.portal import PortalSpider
from govcheck.spiders.routing import ROUTE, Route
from tests.helpers import every_wave, portal_spider

COLUMN_URL = "http://www.example.gov.cn/xzxx/"


def _page(main: str) -> str:
    return f"<html><head><title>县长信箱</title></head><body><div class='main'>{main}</div></body></html>"


def _column(spider: PortalSpider, body: str, name: str = "县长信箱") -> list[Any]:
    meta = {"name": name, "source": "nav", "section": None, "parent_url": None, "depth": 1, "position": 1000}
    request = Request(COLUMN_URL, meta={"column": meta, ROUTE: Route.COLUMN.value})
    return _answer(spider, request, body)


def _answer(spider: PortalSpider, request: Request, body: str) -> list[Any]:
    response = HtmlResponse(request.url, body=body.encode(), encoding="utf-8", request=request)
    (site,) = spider.sites.values()
    # A list page's entries come in one item: read entry by entry, as they are stored.
    return list(flattened([*spider.handlers[site.key].answer(response), *every_wave(site)]))


TABLE = _page(
    "<table><tr><th>标题</th><th>留言时间</th><th>办理状态</th><th>回复时间</th></tr>"
    "<tr><td><a href='/xzxx/1.html'>路灯不亮</a></td><td>2023-10-31</td><td>处理中</td><td></td></tr>"
    "<tr><td><a href='/xzxx/2.html'>学区划分</a></td><td>2023-09-01</td><td>已办结</td><td></td></tr>"
    "<tr><td><a href='/xzxx/3.html'>供暖问题</a></td><td>2022-01-05</td><td>处理中</td><td></td></tr></table>"
)


def test_a_letters_table_gives_dated_entries_and_asks_for_the_open_letters_pages() -> None:
    spider = portal_spider()
    out = _column(spider, TABLE)
    (column,) = [x for x in out if isinstance(x, ColumnItem)]
    assert (column.status, column.entry_count, column.extractor) == ("ok", 3, "letters")
    assert [(e.url.rsplit("/", 1)[1], e.published) for e in out if isinstance(e, EntryItem)] == [
        ("1.html", dt.date(2023, 10, 31)),
        ("2.html", dt.date(2023, 9, 1)),
        ("3.html", dt.date(2022, 1, 5)),
    ]
    asked = [r for r in out if isinstance(r, Request) and r.meta.get(ROUTE) == Route.LETTER.value]
    # The done letter first (only its page shows whether it was answered); the 2022 one is out of the year.
    assert [r.url.rsplit("/", 1)[1] for r in asked] == ["2.html", "1.html"]
    (old,) = [x for x in out if isinstance(x, LetterItem)]
    assert (old.title, old.posted, old.status, old.reply_present) == (
        "供暖问题",
        dt.date(2022, 1, 5),
        "processing",
        None,
    )


def test_a_letters_page_completes_the_row_and_a_failed_one_keeps_it() -> None:
    spider = portal_spider()
    requests = [r for r in _column(spider, TABLE) if isinstance(r, Request) and r.meta.get(ROUTE) == "letter"]
    done, processing = requests
    page = _page(
        "<h1>学区划分</h1><p>来信时间：2023-09-01</p><p>办理状态：已办结</p>"
        "<dl><dt>回复单位：</dt><dd>县教育局</dd><dt>回复时间：</dt><dd>2023-09-20</dd>"
        "<dt>回复内容：</dt><dd>已按政策划分。</dd></dl>"
    )
    (letter,) = _answer(spider, done, page)[1:]
    assert isinstance(letter, LetterItem)
    assert (letter.status, letter.replied, letter.reply_present, letter.unit, letter.reply) == (
        "done",
        dt.date(2023, 9, 20),
        True,
        "县教育局",
        "已按政策划分。",
    )
    assert "学区划分" in letter.evidence
    (site,) = spider.sites.values()
    failure = Failure(DNSLookupError("no"))
    failure.request = processing  # type: ignore[attr-defined]
    (kept,) = spider.handlers[site.key].fail(failure)
    assert (kept.url, kept.status, kept.reply_present) == (processing.url, "processing", None)


def test_an_undated_row_is_dated_by_its_letters_page() -> None:
    spider = portal_spider()
    rows = '<li><a href="/xzxx/9.html">反映噪音</a></li>' + "".join(
        f'<li><a href="/xzxx/{n}.html">反映停车{n}</a><span>2024-01-0{n}</span></li>' for n in (2, 3)
    )
    out = _column(spider, _page(f'<ul class="list">{rows}</ul>'), "12345留言")
    request = next(r for r in out if isinstance(r, Request) and r.url.endswith("/9.html"))
    assert request.meta[ROUTE] == Route.LETTER.value
    page = _page(
        "<h1>反映噪音</h1><p>留言时间：2024-01-10</p><p>处理状态：处理中</p><p>留言内容：夜间噪音。</p>"
    )
    letter, entry = _answer(spider, request, page)[1:]
    assert (letter.posted, letter.status, letter.reply_present) == (dt.date(2024, 1, 10), "processing", False)
    assert isinstance(entry, EntryItem) and (entry.published, entry.date_source) == (
        dt.date(2024, 1, 10),
        "detail",
    )


def test_letters_columns_without_letters_blank_or_explained() -> None:
    spider = portal_spider()
    (blank,) = [x for x in _column(spider, _page("<p>暂无信件</p>")) if isinstance(x, ColumnItem)]
    assert blank.status == "blank"
    explained = _page("<p>根据来信人意愿，本栏目来信均不予公开。</p>")
    (column,) = [x for x in _column(portal_spider(), explained) if isinstance(x, ColumnItem)]
    assert (column.status, column.entry_count) == ("ok", 0)
    assert column.reason == "explained:根据来信人意愿，本栏目来信均不予公开。"


def test_a_list_behind_a_search_form_is_asked_for() -> None:
    spider = portal_spider()
    form = (
        '<form action="/myzj/search.html"><input type="hidden" name="type" value="all">'
        '<input name="keyword" placeholder="关键字"><input type="submit" value="查询"></form>'
    )
    out = _column(spider, _page(form), "民意征集")
    (column,) = [x for x in out if isinstance(x, ColumnItem)]
    assert (column.status, column.reason) == ("ok", "behind_search_form")
    (search,) = [r for r in out if isinstance(r, Request) and r.meta.get(ROUTE) == Route.LIST_PAGE.value]
    assert search.url == "http://www.example.gov.cn/myzj/search.html?type=all&keyword="
    assert (search.meta["list_of"], search.meta["letters"]) == (COLUMN_URL, True)
    answer = [x for x in _answer(spider, search, TABLE) if isinstance(x, EntryItem | LetterItem)]
    assert {x.column_url for x in answer} == {COLUMN_URL} and len(
        answer
    ) == 4  # 3 entries, 1 letter out of year
