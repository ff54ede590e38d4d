"""A site's crawl (spiders/sitecrawl.py, its handlers) on in-memory requests and responses, no network,
no farm: pagination decisions, detail-page dates, soft-404 text, a site profile in the crawl (with
itemloaders' rule stats), link-outs; and the state itself (budget, counters, what the fleet worker and
the lifecycle read). (Retry-After and charsets: test_middlewares.py.)
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse

from govcheck.config import ConfigError
from govcheck.context import CrawlContext
from govcheck.extract import discover_linkouts, extract_listing, is_soft_404
from govcheck.extract.types import ListingEntry, ListingPage
from govcheck.items import ColumnItem, EntryItem, LinkCheckItem, PageEntriesItem
from govcheck.profile import load_profile
from govcheck.spiders.handlers import SiteHandlers
from govcheck.spiders.outcomes import link_outcome
from govcheck.spiders.sitecrawl import (
    LIMIT_HITS_KEPT,
    CrawlOptions,
    SiteBudget,
    SiteCrawl,
    SiteStats,
    SiteTarget,
)
from tests.helpers import portal_spider, project_crawler


def _site(**overrides: Any) -> SiteHandlers:
    """The handlers of a one-site crawl's site, whose public methods the tests call directly."""
    spider = portal_spider(**overrides)
    (site,) = spider.sites.values()
    return spider.handlers[site.key]


def _html(url: str, body: str, **meta: Any) -> HtmlResponse:
    request = Request(url, meta=meta)
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=request)


# -- pagination and dates -----------------------------------------------------------------------------


def _listing(*dates: str | None, url: str = "http://www.example.gov.cn/a/{}.html") -> ListingPage:
    entries = [ListingEntry(f"t{i}", url.format(i), d) for i, d in enumerate(dates)]
    return ListingPage(
        status="ok", entries=entries, next_page_urls=["http://www.example.gov.cn/a/index_1.html"]
    )


def _wave(crawl: SiteHandlers) -> list[Request]:
    """The requests of the site's next wave of held page work (govcheck.spiders.waves)."""
    return crawl.site.pages.release()[0] if crawl.site.pages else []


def _more_after_page_one(crawl: SiteHandlers, *dates: str | None, column: str = "x") -> list[Request]:
    """The further-page requests of a column whose page 1 lists ``dates``, its entries dated by the
    column handler as the crawl dates them."""
    listing = _listing(*dates)
    entries = crawl.columns.entries(column, listing, None).entries
    crawl.site.pages.clear()  # the detail pages it may want come in a later wave
    crawl.columns.more_pages(column, listing, page=1, dates=[e.published for e in entries])
    return _wave(crawl)


def test_page_one_is_enough_unless_unsorted_or_undated() -> None:
    crawl = _site(GOVCHECK_DETAIL_PAGE_LIMIT=0)
    assert _more_after_page_one(crawl, "2024-02-20", "2024-02-10", "2024-01-01") == []
    assert _more_after_page_one(crawl, None, None)  # undated, and no detail page will date them
    crawl = _site()
    assert _more_after_page_one(crawl, "2024-02-20") == []
    assert _more_after_page_one(crawl, None, None) == []  # detail pages will date them
    more = _more_after_page_one(crawl, "2023-01-01", "2024-02-20", column="http://www.example.gov.cn/a/")
    assert [r.meta["list_page"] for r in more] == [2]  # pinned / unsorted
    assert _more_after_page_one(_site(GOVCHECK_COLUMN_PAGE_LIMIT=1), "2023-01-01", "2024-02-20") == []
    assert _more_after_page_one(_site(GOVCHECK_PAGINATE="always"), "2024-02-20")


def test_undated_entries_get_their_detail_page_read_within_the_limit() -> None:
    crawl = _site(GOVCHECK_DETAIL_PAGE_LIMIT=2)
    listing = _listing(None, None, None, "2024-02-01")
    out = crawl.columns.entries("http://www.example.gov.cn/a/", listing, None)
    requests = _wave(crawl)
    assert isinstance(out, PageEntriesItem) and len(out.entries) == 4 and len(requests) == 2
    detail = _html(
        requests[0].url,
        "<html><body><h1>标题</h1><div>发布时间：2024-02-18 09:00 来源：办公室</div><p>正文</p></body></html>",
        **requests[0].meta,
    )
    (item,) = [i for i in crawl.columns.detail(detail) if isinstance(i, EntryItem)]
    assert (item.date_text[:10], item.date_source, item.column_url) == (
        "2024-02-18",
        "detail",
        "http://www.example.gov.cn/a/",
    )
    assert (item.published, item.date_normalized) == (dt.date(2024, 2, 18), True)  # dated once, here


# -- links ----------------------------------------------------------------------------------------


def test_soft_404_text_needs_no_list_and_no_article() -> None:
    gone = "<html><head><title>提示</title></head><body><p>对不起，您访问的页面不存在或已删除！</p></body></html>"
    assert is_soft_404(gone, "http://www.example.gov.cn/x.html")
    article = (
        "<html><body><div class='article'><h1>找不到工作怎么办</h1><p>"
        + "就业服务。" * 80
        + "</p></div></body></html>"
    )
    assert not is_soft_404(article, "http://www.example.gov.cn/y.html")
    assert link_outcome(200, "soft_404") == "broken"
    assert link_outcome(403, None) == link_outcome(429, None) == link_outcome(503, None) == "inconclusive"
    assert link_outcome(None, "tls_error") == "inconclusive"


def test_soft_404_column_is_broken_not_blank() -> None:
    crawl = _site()
    meta = {"column": {"name": "专题", "source": "nav", "parent_url": None, "depth": 1, "position": 1000}}
    page = "<html><head><title>页面不存在</title></head><body><p>该页面已删除</p></body></html>"
    out = list(crawl.columns.column(_html("http://www.example.gov.cn/zt/", page, **meta)))
    column = next(i for i in out if isinstance(i, ColumnItem))
    check = next(i for i in out if isinstance(i, LinkCheckItem) and i.error == "soft_404")
    assert (column.status, column.reason, check.outcome) == ("broken", "soft_404", "broken")


def test_parked_links_wait_for_the_hosts_not_found_fingerprint() -> None:
    crawl = _site()
    target = "http://other.gov.cn/a/1.html"
    head = Request(target, method="HEAD", meta={"link_target": target})
    out = list(crawl.links.checked(Response(target, status=200, request=head)))
    assert {r.meta["nf_kind"] for r in out} == {"missing", "root"}
    soft = "<html><head><title>other</title></head><body><p>出错啦，请返回首页</p></body></html>"
    root = "<html><head><title>other</title></head><body><p>欢迎访问</p><a href='/a/'>a</a></body></html>"
    released = []
    for request, body in zip(
        out, (soft, root) if out[0].meta["nf_kind"] == "missing" else (root, soft), strict=True
    ):
        released += list(crawl.links.fingerprinted(_html(request.url, body, **request.meta)))
    (get,) = released
    assert get.method == "GET" and get.meta["link_target"] == target
    same = _html(target, soft.replace("", ""), link_target=target)
    (check,) = crawl.links.checked(same.replace(request=Request(target, meta={"link_target": target})))
    assert (check.outcome, check.error) == ("broken", "soft_404")


# -- link-outs and pure pages -----------------------------------------------------------------------


def test_linkouts_are_kept_and_consultation_recognised() -> None:
    html = """<html><body><div class="nav"><ul><li><a href="/a/">动态</a></li><li><a href="/b/">公告</a></li>
    <li><a href="/c/">文件</a></li><li><a href="http://zwfw.example.gov.cn/">办事大厅</a></li></ul></div>
    <div class="box"><a href="http://12345.example.gov.cn/ly/">市长信箱</a><a href="http://news.cn/">新华网</a></div>
    </body></html>"""
    found = {c.name: c.url for c in discover_linkouts(html, "http://www.example.gov.cn/")}
    assert found == {"办事大厅": "http://zwfw.example.gov.cn/", "市长信箱": "http://12345.example.gov.cn/ly/"}


def test_pure_page_status() -> None:
    html = (
        "<html><body><div class='article'><h1>联系我们</h1><p>"
        + "地址：人民路1号，电话：1234567。" * 30
        + "</p></div></body></html>"
    )
    assert extract_listing(html, "http://www.example.gov.cn/lxwm/").status == "page"


# -- site profiles ----------------------------------------------------------------------------------


def test_profile_is_read_from_the_crawl_key(profiles: Path) -> None:
    (profiles / "www.example.gov.cn.json").write_text(
        json.dumps(
            {
                "evaluation": {"ignored": True},
                "crawl": {
                    "start_url": "http://www.example.gov.cn/portal/index.html",
                    "extra_columns": [{"name": "通知公告", "url": "http://www.example.gov.cn/tzgg/"}],
                    "ignore_columns": ["re:/old/"],
                    "list": {"rows": "ul.news > li", "date": "em::text"},
                    "backend_group": "hanweb-hubei",
                },
            }
        ),
        encoding="utf-8",
    )
    found = load_profile("www.example.gov.cn")
    assert found is not None and found.backend_group == "hanweb-hubei"
    assert found.ignores("http://www.example.gov.cn/old/x/") and not found.ignores(
        "http://www.example.gov.cn/new/"
    )
    assert load_profile("none.example.gov.cn") is None
    crawl = _site()
    assert crawl.site.homepage_path == "/portal/index.html"
    page = """<html><body><ul class="news"><li><a href="1.html">第一条</a><em>2024-02-20</em></li>
    <li><a href="2.html">第二条</a><em>发布于 2024年2月18日</em></li></ul></body></html>"""
    listing = crawl.columns.listing(_html("http://www.example.gov.cn/tzgg/", page))
    assert listing.extractor == "profile"
    assert [(e.url, e.date_text) for e in listing.entries] == [
        ("http://www.example.gov.cn/tzgg/1.html", "2024-02-20"),
        ("http://www.example.gov.cn/tzgg/2.html", "2024年2月18日"),
    ]
    stats = crawl.site.stats.crawler.stats.get_stats()
    assert stats["parser/date_text/css/em::text"] == 2  # itemloaders' rule stats: a selector at 0 shows up


def test_more_columns_dropdown_is_discovered() -> None:
    from govcheck.extract import discover_columns

    html = """<html><body><div class="nav"><ul><li><a href="/a/">动态</a></li><li><a href="/b/">公告</a></li>
    <li><a href="/c/">文件</a></li></ul></div><div><label>更多栏目：</label><select><option value="">请选择</option>
    <option value="/f/">规划计划</option><option value="http://other.gov.cn/">外站</option></select></div></body></html>"""
    found = [(c.name, c.url, c.source) for c in discover_columns(html, "http://www.example.gov.cn/")]
    assert found[-1] == ("规划计划", "http://www.example.gov.cn/f/", "dropdown") and len(found) == 4


def test_waf_challenge_is_inconclusive_and_blocks_the_homepage() -> None:
    challenge = (
        "<html><head><title>安全验证</title></head><body><script>document.cookie='__jsl_clearance=1';"
        "location.reload()</script><p>请开启JavaScript并刷新该页</p></body></html>"
    )
    crawl = _site(GOVCHECK_HOMEPAGE_ATTEMPTS=1)
    home = _html("http://www.example.gov.cn/", challenge, attempt=1, scheme="http")
    (site,) = list(crawl.homepage.answered(home))
    assert (site.status, site.attempts[0]["error"]) == ("blocked", "waf_challenge")
    meta = {"column": {"name": "专题", "source": "nav", "parent_url": None, "depth": 1, "position": 1000}}
    out = list(_site().columns.column(_html("http://www.example.gov.cn/zt/", challenge, **meta)))
    column = next(i for i in out if isinstance(i, ColumnItem))
    assert (column.status, column.reason) == ("unparseable", "waf_challenge")


def test_trs_pages_are_read_in_parallel_and_dataproxy_answers_parsed() -> None:
    crawl = _site()
    listing = _listing("2023-01-01", "2024-02-20")
    listing.next_page_urls = [f"http://www.example.gov.cn/a/index_{k}.html" for k in range(1, 6)]
    dates = [dt.date(2023, 1, 1), dt.date(2024, 2, 20)]
    crawl.columns.more_pages("http://www.example.gov.cn/a/", listing, page=1, dates=dates)
    requests = _wave(crawl)
    assert [(r.url.rsplit("/", 1)[1], r.meta["chained"]) for r in requests] == [
        ("index_1.html", False),
        ("index_2.html", False),
    ]
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><datastore><nextgroup><![CDATA[]]></nextgroup><recordset>'
        '<record><![CDATA[<li><a href="/art/2024/2/20/art_1_9.html">标题一</a><span>2024-02-20</span></li>]]></record>'
        '<record><![CDATA[<li><a href="/art/2024/2/10/art_1_8.html">标题二</a><span>2024-02-10</span></li>]]></record>'
        "</recordset></datastore>"
    )
    url = "http://www.example.gov.cn/module/web/jpage/dataproxy.jsp?page=2&columnid=1"
    response = TextResponse(url, body=xml.encode(), encoding="utf-8", request=Request(url))
    page = crawl.columns.listing(response)
    assert (page.extractor, [e.date_text for e in page.entries]) == ("hanweb", ["2024-02-20", "2024-02-10"])


def test_image_tiles_are_columns_named_by_alt() -> None:
    from govcheck.extract import discover_columns

    html = """<html><body><div class="nav"><ul><li><a href="/a/">动态</a></li><li><a href="/b/">公告</a></li>
    <li><a href="/c/">文件</a></li></ul></div><div class="zt"><ul>
    <li><a href="/ztzl/yhyshj/"><img src="/i/1.jpg" alt="优化营商环境"></a></li>
    <li><a href="/ztzl/xczx/"><img src="/i/2.jpg" alt="乡村振兴"></a></li></ul></div>
    <div class="logo"><a href="/about/"><img src="/i/logo.png" alt="关于我们"></a></div></body></html>"""
    found = [(c.name, c.source) for c in discover_columns(html, "http://www.example.gov.cn/")]
    assert found[3:] == [("优化营商环境", "tile"), ("乡村振兴", "tile")]


# -- the state itself: budget, counters, what the fleet worker and the lifecycle read ------------------


def _crawler(**overrides: Any) -> Any:
    crawler = project_crawler(**overrides)
    crawler.stats.open_spider()
    return crawler


def _state(target: SiteTarget, **overrides: Any) -> SiteCrawl:
    crawler = _crawler(**overrides)
    return SiteCrawl(target, CrawlOptions.from_settings(crawler.settings), crawler)


def test_the_budget_charges_requests_and_stops_at_its_limit() -> None:
    stats = SiteStats(_crawler())
    budget = SiteBudget(stats, pages=3, seconds=60.0)
    budget.charge()  # a homepage attempt is always made
    assert budget.spend("http://a.gov.cn/1") and not budget.spend("http://a.gov.cn/2", count=2)
    budget.charge_hop()  # a retry of a request already made: counted, so later work stops sooner
    assert not budget.spend("http://a.gov.cn/3")
    assert budget.requests_made == 3
    assert stats.values["govcheck/budget/requests"] == 3 and stats.values["govcheck/budget/hops"] == 1
    assert (
        stats.values["govcheck/budget/skipped"] == 3 and stats.values["govcheck/budget/exhausted"] == "pages"
    )
    (hit,) = stats.values["govcheck/limits/hits"]  # the first refusal only
    assert (hit["limit"], hit["url"], hit["requests"]) == ("site_requests", "http://a.gov.cn/2", 2)


def test_the_time_budget() -> None:
    stats = SiteStats(_crawler())
    assert not SiteBudget(stats, pages=100, seconds=0.0).spend("http://a.gov.cn/")
    assert stats.values["govcheck/budget/exhausted"] == "time"


def test_limit_hits_are_counted_and_the_first_listed() -> None:
    crawler = _crawler()
    stats = SiteStats(crawler)
    for n in range(LIMIT_HITS_KEPT + 5):
        stats.limit_hit("links_per_page", f"http://a.gov.cn/{n}", found=900, kept=800)
    assert stats.values["govcheck/limits/links_per_page"] == LIMIT_HITS_KEPT + 5
    assert len(stats.values["govcheck/limits/hits"]) == LIMIT_HITS_KEPT
    assert crawler.stats.get_value("govcheck/limits/links_per_page") == LIMIT_HITS_KEPT + 5  # mirrored


def test_what_the_fleet_and_the_lifecycle_read() -> None:
    site = _state(SiteTarget("SJJ.suizhou.gov.cn", as_of="2024-02-28", round="2024Q1", backend="hanweb"))
    assert (site.key, site.round_name, site.explicit_round, site.backend) == (
        "sjj.suizhou.gov.cn",
        "2024Q1",
        True,
        "hanweb",
    )
    assert site.context() == CrawlContext(
        host="sjj.suizhou.gov.cn",
        homepage="http://sjj.suizhou.gov.cn/",
        round="2024Q1",
        as_of=dt.date(2024, 2, 28),
        reference_at=site.reference_at,
    )
    assert site.reference_at.isoformat() == "2024-02-28T23:59:59+08:00"
    assert (site.closed, site.requests_made, site.site_hosts) == (
        False,
        0,
        {"sjj.suizhou.gov.cn"},
    )
    site.column_urls.add("http://sjj.suizhou.gov.cn/a/")
    site.parked["x.gov.cn"] = [("http://x.gov.cn/1", 200)]
    site.release()
    assert not site.column_urls and not site.parked
    unnamed = _state(SiteTarget("sjj.suizhou.gov.cn", as_of="2024-02-28"))
    assert (unnamed.round_name, unnamed.explicit_round) == ("2024-02-28", False)


def test_the_options_are_read_once_and_held() -> None:
    site = _state(SiteTarget("sjj.suizhou.gov.cn", links="none"), GOVCHECK_SITE_PAGE_BUDGET=7)
    assert site.options.page_budget == site.budget.pages == 7
    assert not site.check_links  # links=none


@pytest.mark.parametrize(
    ("target", "error"), [(SiteTarget(""), "site: required"), (SiteTarget("a.gov.cn", links="x"), "links")]
)
def test_a_bad_target_is_named(target: SiteTarget, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        _state(target)


def _list_html(*days: int) -> str:
    rows = "".join(
        f"<li><a href='/a/t{day}.html'>通知公告第{day}号文件</a><span>2024-02-{day:02d}</span></li>"
        for day in days
    )
    return f"<html><head><title>通知公告</title></head><body><ul class='list'>{rows}</ul></body></html>"


def test_a_list_pages_entries_leave_as_one_item_on_page_one_and_on_later_pages() -> None:
    """One PageEntriesItem per list page (not one item per row), its entries dated as they are stored."""
    crawl = _site(GOVCHECK_LINK_CHECK=False)
    column = "http://www.example.gov.cn/a/"
    meta = {"column": {"name": "通知公告", "source": "nav", "parent_url": None, "depth": 1, "position": 1000}}
    out = list(crawl.columns.column(_html(column, _list_html(20, 19, 18), **meta)))
    (page,) = [i for i in out if isinstance(i, PageEntriesItem)]
    assert not [i for i in out if isinstance(i, EntryItem)]
    (item,) = [i for i in out if isinstance(i, ColumnItem)]
    assert page.column_url == column and item.entry_count == len(page.entries) == 3
    assert [(e.published, e.date_normalized) for e in page.entries] == [
        (dt.date(2024, 2, day), True) for day in (20, 19, 18)
    ]
    later = _html(f"{column}index_1.html", _list_html(10, 9), list_of=column, list_page=2, chained=True)
    (page,) = [i for i in crawl.columns.list_page(later) if isinstance(i, PageEntriesItem | EntryItem)]
    assert isinstance(page, PageEntriesItem) and [e.column_url for e in page.entries] == [column] * 2
