"""A site's page work held and released in waves ordered by value (spiders/waves.py), on in-memory
requests and responses: the most valuable phase goes first and in its order, charged to the budget as
it goes; what the budget or a quota leaves out is counted and stood in for; the same work asked in any
order of answers is released, and cut, the same way. (End to end on the farm: test_e2e_waves.py.)"""

from __future__ import annotations

import asyncio
import itertools
from types import SimpleNamespace
from typing import Any

from scrapy import Request
from scrapy.http import HtmlResponse

from govcheck.items import ColumnItem
from govcheck.spiders.portal import PortalSpider
from govcheck.spiders.routing import ROUTE, Route
from govcheck.spiders.waves import BUDGET, HeldPage, Phase
from govcheck.statkeys import SKIPPED_PAGES_PREFIX
from tests.helpers import portal_spider

HOME = "https://www.example.gov.cn/"


def _held(phase: Phase, rank: tuple[int, ...], path: str, **kwargs: Any) -> HeldPage:
    return HeldPage((phase, rank, HOME + path), Request(HOME + path), **kwargs)


def _site(spider: PortalSpider) -> Any:
    (site,) = spider.sites.values()
    return site


def test_the_most_valuable_phase_goes_first_in_its_order_and_the_rest_waits() -> None:
    site = _site(portal_spider())
    for page in (
        _held(Phase.DETAIL, (1000, 1, 0), "a/1.html"),
        _held(Phase.PAGINATION, (2, 2000), "b/index_1.html"),
        _held(Phase.COLUMN, (2000,), "b/"),
        _held(Phase.PAGINATION, (2, 1000), "a/index_1.html"),
        _held(Phase.COLUMN, (1000,), "a/"),
    ):
        site.pages.hold(page)
    requests, standing = site.pages.release()
    assert [r.url for r in requests] == [HOME + "a/", HOME + "b/"] and not standing
    assert site.requests_made == 2  # charged as they go
    requests, _ = site.pages.release()
    assert [r.url for r in requests] == [HOME + "a/index_1.html", HOME + "b/index_1.html"]
    requests, _ = site.pages.release()
    assert [r.url for r in requests] == [HOME + "a/1.html"] and not site.pages


def test_the_same_page_asked_twice_keeps_its_first_place() -> None:
    site = _site(portal_spider())
    late, early = _held(Phase.COLUMN, (2001,), "c/"), _held(Phase.COLUMN, (1001,), "c/")
    for first, second in ((late, early), (early, late)):
        site.pages.hold(first)
        site.pages.hold(second)
        (request,), _ = site.pages.release()
        assert request is early.request


def test_the_budget_cuts_the_tail_of_the_order_counted_and_stood_in_for() -> None:
    spider = portal_spider(GOVCHECK_SITE_PAGE_BUDGET=3)
    site = _site(spider)
    site.budget.charge()  # the homepage
    stand_in = [ColumnItem(url=HOME + "z/", name="z", status="unparseable", reason=BUDGET)]
    for index, path in enumerate(("d/", "b/", "a/", "c/")):
        site.pages.hold(_held(Phase.COLUMN, (index,), path, fallback=lambda: stand_in))
    requests, standing = site.pages.release()
    assert [r.url for r in requests] == [HOME + "d/", HOME + "b/"]  # the order, not the URL, decides
    assert standing == stand_in * 2
    stats = site.stats
    assert stats.get_value("govcheck/budget/skipped_pages") == 2
    assert stats.get_value(f"{SKIPPED_PAGES_PREFIX}column") == 2
    assert stats.get_value("govcheck/budget/exhausted") == "pages"


def test_a_quota_takes_the_first_in_the_order_and_costs_nothing_beyond_it() -> None:
    site = _site(portal_spider())
    for path, rank in (("x/3.html", (1, 2, 0)), ("x/1.html", (1, 1, 0)), ("x/2.html", (1, 1, 1))):
        quota = ("detail:x", 2)
        site.pages.hold(
            _held(Phase.DETAIL, rank, path, quota=quota, skipped_stat="govcheck/dates/detail_skipped")
        )
    requests, _ = site.pages.release()
    assert [r.url for r in requests] == [HOME + "x/1.html", HOME + "x/2.html"]  # page 1's rows first
    assert site.requests_made == 2 and site.stats.get_value("govcheck/dates/detail_skipped") == 1
    assert not site.stats.get_value("govcheck/budget/skipped_pages")  # a quota is no budget cut


def test_held_pages_of_a_crawl_cut_short_are_counted() -> None:
    site = _site(portal_spider())
    site.pages.hold(_held(Phase.COLUMN, (1,), "a/"))
    site.pages.hold(_held(Phase.OTHER, (1, 0), "a/letter.html"))
    site.pages.skip_held()
    assert not site.pages and site.stats.get_value("govcheck/budget/skipped_pages") == 2
    assert site.stats.get_value(f"{SKIPPED_PAGES_PREFIX}other") == 1


# -- through the site's handlers: answers in any order --------------------------------------------

HOMEPAGE = """<html><head><title>某市人民政府</title></head><body>
<div class="nav"><ul><li><a href="/a/">政务公开</a></li><li><a href="/b/">工作动态</a></li><li><a href="/c/">通知公告</a></li></ul></div>
<ul class="news"><li><a href="/a/t20240220_1.html">通知一</a><span>2024-02-20</span></li></ul></body></html>"""


def _channel(path: str) -> str:
    """A channel page: a side menu of three sub-columns and an unsorted list with a next page."""
    subs = (("x", "政府文件"), ("y", "规划计划"), ("z", "统计信息"))
    side = "".join(f'<li><a href="/{path}{sub}/">{name}</a></li>' for sub, name in subs)
    rows = "".join(
        f'<li><a href="/{path}t{day}_{i}.html">通知{i}</a><span>{day[:4]}-{day[4:6]}-{day[6:]}</span></li>'
        for i, day in enumerate(("20230101", "20240220", "20240210"))
    )
    return (
        f'<html><body><div class="left"><h3>频道</h3><ul class="subnav">{side}</ul></div>'
        f'<div class="main"><ul class="list">{rows}</ul>'
        '<div class="page"><a href="index_1.html">下一页</a></div></div></body></html>'
    )


def _answer(request: Request, body: str) -> HtmlResponse:
    return HtmlResponse(request.url, body=body.encode(), encoding="utf-8", request=request)


def _crawl(order: tuple[int, ...], budget: int) -> tuple[tuple[str, ...], tuple[tuple[str, str | None], ...]]:
    """The homepage answered, then its three columns in ``order``: the next wave's requests and the
    columns stored as left out by the budget."""
    spider = portal_spider(
        GOVCHECK_SITE_PAGE_BUDGET=budget, GOVCHECK_LINK_CHECK=False, GOVCHECK_IPV6_CHECK=False
    )

    async def first() -> Request:
        return await anext(aiter(spider.start()))

    columns = [r for r in spider.dispatch(_answer(asyncio.run(first()), HOMEPAGE)) if isinstance(r, Request)]
    assert [r.meta[ROUTE] for r in columns] == [Route.COLUMN.value] * 3  # the homepage's wave
    released: list[Any] = []
    for index in order:
        column = columns[index]
        released += spider.dispatch(_answer(column, _channel(column.url.removeprefix(HOME))))
    requests = tuple(r.url.removeprefix(HOME) for r in released if isinstance(r, Request))
    skipped = tuple(
        (i.url.removeprefix(HOME), i.reason) for i in released if isinstance(i, ColumnItem) and i.reason
    )
    return requests, skipped


def test_answers_in_any_order_release_and_cut_the_same_pages() -> None:
    """Sub-columns found on channel pages (the column phase) go before any page 2, in column order,
    however the channel pages' answers came in; a budget cuts the same ones, stored as left out."""
    outcomes = {_crawl(order, budget=1 + 3 + 4) for order in itertools.permutations(range(3))}
    ((requests, skipped),) = outcomes
    assert requests == ("a/x/", "a/y/", "a/z/", "b/x/")
    assert skipped == tuple((f"{c}/{s}/", BUDGET) for c, s in ("by", "bz", "cx", "cy", "cz"))


def test_a_wave_released_by_a_dropped_duplicate_stands_in_at_the_next_callback() -> None:
    """A drop is no callback: the next wave's requests go to the engine, and the items standing for
    the pages it left out leave with the site's next callback."""
    spider = portal_spider(
        GOVCHECK_SITE_PAGE_BUDGET=1 + 3 + 1, GOVCHECK_LINK_CHECK=False, GOVCHECK_IPV6_CHECK=False
    )
    crawled: list[Request] = []
    spider.crawler.engine = SimpleNamespace(crawl=crawled.append)

    async def first() -> Request:
        return await anext(aiter(spider.start()))

    columns = [r for r in spider.dispatch(_answer(asyncio.run(first()), HOMEPAGE)) if isinstance(r, Request)]
    for column in columns[:2]:
        answer = _answer(column, _channel(column.url.removeprefix(HOME)))
        assert not [r for r in spider.dispatch(answer) if isinstance(r, Request)]
    spider.request_dropped(columns[2])
    assert [r.url.removeprefix(HOME) for r in crawled] == ["a/x/"]
    out = list(spider.dispatch(_answer(crawled[0], "<html><body></body></html>")))
    stand_ins = [i.url.removeprefix(HOME) for i in out if isinstance(i, ColumnItem) and i.reason == BUDGET]
    assert stand_ins == ["a/y/", "a/z/", "b/x/", "b/y/", "b/z/"]


def test_a_column_found_on_two_pages_of_one_wave_keeps_its_first_place() -> None:
    """A sub-column both channel pages list is asked for once, placed under the first channel in the
    column order, whichever channel page answered first."""
    shared = '<li><a href="/gk/">信息公开</a></li>'
    placed = set()
    for order in ((0, 1), (1, 0)):
        spider = portal_spider(GOVCHECK_LINK_CHECK=False, GOVCHECK_IPV6_CHECK=False)

        async def first(spider: PortalSpider = spider) -> Request:
            return await anext(aiter(spider.start()))

        columns = [
            r for r in spider.dispatch(_answer(asyncio.run(first()), HOMEPAGE)) if isinstance(r, Request)
        ]
        released = []
        for index in order:
            path = columns[index].url.removeprefix(HOME)
            body = _channel(path).replace('<ul class="subnav">', f'<ul class="subnav">{shared}')
            released += [r for r in spider.dispatch(_answer(columns[index], body)) if isinstance(r, Request)]
        released += spider.dispatch(_answer(columns[2], "<html><body></body></html>"))
        (gk,) = [r for r in released if isinstance(r, Request) and r.url == HOME + "gk/"]
        placed.add((gk.meta["column"]["parent_url"], gk.meta["column"]["position"]))
    assert placed == {(HOME + "a/", 1001)}


# -- a column the budget left undated -------------------------------------------------------------

UNDATED = "".join(
    f'<li><a href="/a/content_{i}.html">关于开展第{i}批重点工作的通知</a></li>' for i in range(1, 4)
)
DETAIL_DATED = '<html><head><meta name="PubDate" content="2024-02-20 10:00"></head><body>正文</body></html>'


def _undated_column(
    budget: int, *, dated_row: bool = False, **overrides: Any
) -> tuple[PortalSpider, list[Any]]:
    """The homepage's three columns answered (the first lists three undated rows, one dated row too when
    ``dated_row``, and a next page; the others nothing): everything the next wave released."""
    # No XML sitemaps: their wave would go before the detail pages (tests/test_spiders_sitemaps.py).
    spider = portal_spider(
        GOVCHECK_SITE_PAGE_BUDGET=budget,
        GOVCHECK_LINK_CHECK=False,
        GOVCHECK_IPV6_CHECK=False,
        GOVCHECK_SITEMAP=False,
        **overrides,
    )

    async def first() -> Request:
        return await anext(aiter(spider.start()))

    columns = [r for r in spider.dispatch(_answer(asyncio.run(first()), HOMEPAGE)) if isinstance(r, Request)]
    rows = UNDATED + (
        '<li><a href="/a/t20240220_9.html">通知九</a><span>2024-02-20</span></li>' if dated_row else ""
    )
    more = '<div class="page"><a href="index_1.html">下一页</a></div>'
    page = f'<html><body><div class="main"><ul class="list">{rows}</ul>{more}</div></body></html>'
    out = list(spider.dispatch(_answer(columns[0], page)))
    for column in columns[1:]:
        out += spider.dispatch(_answer(column, "<html><body></body></html>"))
    return spider, out


def _checks(items: list[Any]) -> list[tuple[str, str | None]]:
    return [(i.status, i.reason) for i in items if isinstance(i, ColumnItem) and i.url == HOME + "a/"]


def test_a_column_whose_dating_pages_the_budget_cut_is_restated_unknown() -> None:
    """All rows undated and every detail page cut: the column is stored unparseable/budget (judged
    unknown, like a column the budget left out), never left standing as read (judged not updated)."""
    spider, out = _undated_column(budget=1 + 3)
    assert not [r for r in out if isinstance(r, Request)]
    assert _checks(out) == [("ok", None), ("unparseable", BUDGET)]
    assert _site(spider).stats.get_value("govcheck/budget/undated_columns") == 1


def test_a_dated_entry_read_keeps_the_column_judged_as_read() -> None:
    """A dated row on the list: the cut detail pages change nothing. A detail page of the same wave
    that dates an entry after the cut restates the column as read."""
    spider, out = _undated_column(budget=1 + 3, dated_row=True)
    assert _checks(out) == [("ok", None)]
    spider, out = _undated_column(budget=1 + 3 + 1)
    (detail,) = [r for r in out if isinstance(r, Request)]
    assert detail.meta[ROUTE] == Route.DETAIL.value and detail.url == HOME + "a/content_1.html"
    assert _checks(out) == [("ok", None), ("unparseable", BUDGET)]
    restored = list(spider.dispatch(_answer(detail, DETAIL_DATED)))
    assert _checks(restored) == [("ok", None)]
    assert _site(spider).stats.get_value("govcheck/budget/undated_columns") == 0


def test_a_budget_large_enough_reads_the_detail_pages_and_restates_nothing() -> None:
    _, out = _undated_column(budget=100)
    assert len([r for r in out if isinstance(r, Request) and r.meta[ROUTE] == Route.DETAIL.value]) == 3
    assert _checks(out) == [("ok", None)]


def test_a_column_whose_further_list_pages_the_budget_cut_is_restated_unknown() -> None:
    """No detail page read (GOVCHECK_DETAIL_PAGE_LIMIT 0): page 2 is what could date the undated list."""
    _, out = _undated_column(budget=1 + 3, GOVCHECK_DETAIL_PAGE_LIMIT=0)
    assert _checks(out) == [("ok", None), ("unparseable", BUDGET)]
    _, out = _undated_column(budget=1 + 3 + 1, GOVCHECK_DETAIL_PAGE_LIMIT=0)
    (page_2,) = [r for r in out if isinstance(r, Request)]
    assert page_2.meta[ROUTE] == Route.LIST_PAGE.value and _checks(out) == [("ok", None)]
