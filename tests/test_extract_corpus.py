"""The extractors against real pages with hand-checked ground truth (tests/corpus/real/manifest.json, a copy of ../shared/corpus/real)."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pytest

from govcheck.dates import DateNormalizer
from govcheck.extract import (
    discover_columns,
    extract_listing,
    homepage_entries,
    page_facts,
    page_links,
    title_column_name,
)
from tests.corpus import REFERENCE, entry, original_url, params, read, requires_corpus


@pytest.fixture(scope="module")
def normalizer() -> DateNormalizer:
    return DateNormalizer(REFERENCE)


# -- column lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize("item", params("column_list"))
def test_listing_matches_ground_truth(item: dict[str, Any], normalizer: DateNormalizer) -> None:
    truth = item["ground_truth"]
    url = original_url(item)
    page = extract_listing(read(item["file"]), url)

    assert page.status == "ok", page.reason
    assert len(page.entries) == truth["item_count_on_page"]
    assert len({e.url for e in page.entries}) == len(page.entries)
    assert all(e.url.startswith(("http://", "https://")) and "#" not in e.url for e in page.entries)
    assert all(e.title for e in page.entries)
    dates = [normalizer.normalize(e.date_text, url=e.url) for e in page.entries]
    assert all(d.value is not None for d in dates), [d for d in dates if d.value is None]
    values = [d.value for d in dates if d.value is not None]
    assert max(values).isoformat() == truth["newest_date"]
    assert min(values).isoformat() == truth["oldest_date"]
    assert values[0].isoformat() == truth["first_item_date"]
    assert values[-1].isoformat() == truth["last_item_date"]


# Page counts the pagers print as text ("2/31", "第1页/共17页", "第1/436页"); 163's pager only has links.
PRINTED_PAGE_COUNTS = {
    "www.hr-fund.com.cn__news-information_2-list.html": 31,
    "www.hsqhfunds.com__front-left_100186-list.html": 17,
    "www.rtfund.com__main-gyrt-xxpl-list.html": 436,
}


@pytest.mark.parametrize("item", params("column_list"))
def test_listing_pagination_matches_ground_truth(item: dict[str, Any]) -> None:
    truth = item["ground_truth"]
    page = extract_listing(read(item["file"]), original_url(item))
    if truth.get("next_page_url"):
        assert page.next_page_urls[:1] == [truth["next_page_url"]]
    else:
        assert page.next_page_urls == []  # script, AJAX or fragment pagers: no static URL to follow
    if truth.get("record_count_declared") is not None:  # Fujian: recordCount, 15 per page
        assert page.total_records == truth["record_count_declared"]
        assert page.page_count == math.ceil(truth["record_count_declared"] / 15)
    if item["file"] in PRINTED_PAGE_COUNTS:
        assert page.page_count == PRINTED_PAGE_COUNTS[item["file"]] == truth["page_count_declared"]


@pytest.mark.parametrize("item", params("column_list"))
def test_column_name_from_meta_breadcrumb_or_title(item: dict[str, Any]) -> None:
    truth = item["ground_truth"]
    if not truth.get("column_name"):
        pytest.skip("no column name in the ground truth")
    facts = page_facts(read(item["file"]), original_url(item))
    found = facts.column_name or (facts.breadcrumb[-1] if facts.breadcrumb else None)
    found = found or title_column_name(facts.title)
    assert found == truth["column_name"]
    if truth.get("breadcrumb", "").startswith("首页"):
        assert " > ".join(facts.breadcrumb) == truth["breadcrumb"]


# -- homepage ---------------------------------------------------------------------------------------

HOMEPAGE = "www.yichun.gov.cn__homepage.html"


@requires_corpus
def test_homepage_newest_date(normalizer: DateNormalizer) -> None:
    item = entry(HOMEPAGE)
    html, url = read(HOMEPAGE), original_url(item)
    facts = page_facts(html, url)
    generated = normalizer.normalize(facts.generated_text).value
    assert generated == dt.date(2023, 10, 11)
    entries = homepage_entries(html, url)
    assert len(entries) >= 40  # 40 <span class="time"> dates, plus the lead story's <span class="fr">
    assert len({e.url for e in entries}) == len(entries)
    # MM-dd takes its year from the URL (/202310/); the page's generation year covers URLs without one.
    dates = [normalizer.normalize(e.date_text, url=e.url, context_year=generated.year) for e in entries]
    assert all(d.value is not None for d in dates)
    newest = max(d.value for d in dates if d.value is not None)
    assert newest.isoformat() == item["ground_truth"]["newest_date_on_page"]
    yearless = [e for e in entries if e.date_text == "10-11"]
    assert yearless and all("/202310/" in e.url for e in yearless)


@requires_corpus
def test_homepage_columns_include_the_labelled_ones() -> None:
    html, url = read(HOMEPAGE), original_url(entry(HOMEPAGE))
    columns = discover_columns(html, url)
    by_url = {c.url: c for c in columns}
    expected = {
        "/ycsrmzf/zwdt/list.shtml": "政务动态",
        "/ycsrmzf/zfgg/list.shtml": "政府公告",
        "/ycsrmzf/jxszc/list.shtml": "江西省政策",
        "/ycsrmzf/zcjdfa/list.shtml": "政策解读",
        "/ycsrmzf/zwyw/list.shtml": "政务要闻",
        "/ycsrmzf/xsqdt/list.shtml": "县市区动态",
        "/ycsrmzf/bmxx/list.shtml": "部门信息",
        "/ycsrmzf/zfwj/xxgk_lists.shtml": "政府文件",
        "/ycsrmzf/tjgb/xxgk_list.shtml": "统计公报",
        "/ycsrmzf/ztbd/list.shtml": "专题专栏",
    }
    for path, name in expected.items():
        column = by_url.get("http://www.yichun.gov.cn" + path)
        assert column is not None, path
        assert column.name == name
    assert len(by_url) == len(columns)
    assert all(c.url.startswith("http://www.yichun.gov.cn/") for c in columns)
    assert not any(re.search(r"/\d{6}/[0-9a-f]{32}\.shtml$", c.url) for c in columns)  # no documents
    # Navigation first, in menu order, with sub-menu items pointing at their parent.
    assert [c.name for c in columns[:3]] == ["市政府", "政务公开", "政务服务"]
    sub = by_url["http://www.yichun.gov.cn/ycsrmzf/zfgg/list.shtml"]
    assert (sub.source, sub.parent_url) == ("nav", "http://www.yichun.gov.cn/ycsrmzf/zwgk/zwgk.shtml")
    assert by_url["http://www.yichun.gov.cn/ycsrmzf/zwyw/list.shtml"].source in ("block", "more")


@requires_corpus
def test_homepage_links_are_absolute_and_clean() -> None:
    html, url = read(HOMEPAGE), original_url(entry(HOMEPAGE))
    links = page_links(html, url)
    targets = [t for t, _tag in links]
    assert len(targets) == len(set(targets))
    assert all(t.startswith(("http://", "https://")) for t in targets)
    assert not any("#" in t or "javascript:" in t or "\n" in t for t in targets)
    tags = {tag for _t, tag in links}
    assert {"a", "img", "script", "link"} <= tags
    # An <img src> with a trailing newline (as this page has) is one clean URL.
    assert any(t.endswith("/images/64a1cc2a0b7d4cd6a679d4780cb1cbd3.png") for t in targets)


# -- articles ---------------------------------------------------------------------------------------

ARTICLE_DATES = {
    # file: (PubDate meta or label → date, what the page shows without its PubDate meta)
    # Re-published: PubDate 2022, the 发布日期 label still shows 2017.
    "www.wanzai.gov.cn__tjgb-201705-article.html": ("2022-04-24", "2017-05-15"),
    "www.shanxi.gov.cn__sxyw-article.html": ("2019-09-18", "2019-09-18"),  # not the alt="时间：2017-11-08"
    "fgw.zj.gov.cn__art_1621004_30332664-article.html": ("2016-11-22", "2016-11-22"),
    "www.ccgp-hebei.gov.cn__zhbgg-t20211011_1485252-article.html": ("2021-10-11", "2021-10-11"),
    "sw.wuhan.gov.cn__gzdt-t20230611_2214470-article-mirror.html": ("2023-06-11", "2023-06-11"),
    # 日期：</span><span class="con">2021-07-13
    "whlyw.cq.gov.cn__gzdt-t20210713_9468077-article-mirror.html": ("2021-07-13", "2021-07-13"),
    "jyt.zj.gov.cn__art_1543973_58942886-article-mirror.html": ("2024-10-21", "2024-10-21"),
    "www.henan.gov.cn__2022-08-11-2559082-article-mirror.html": ("2022-08-11", "2022-08-11"),
    "www.miit.gov.cn__dfgz-article-mirror.html": ("2023-05-12", "2009-09-30"),  # meta ≠ 发布时间 label
    "www.gz.gov.cn__ysdt-post_9360641-article-mirror.html": ("2023-12-05", None),
    "www.sc.gov.cn__szdt-e651244f-article-mirror.html": ("2022-10-14", None),  # URL says 2020/9/15
    "www.fcgs.gov.cn__zdxm-t18993630-article-mirror.html": ("2024-09-12", None),
    "www.shanghai.gov.cn__shyw-article-mirror.html": ("2023-08-19", None),  # "10∶08" (U+2236)
    "www.yn.gov.cn__zsdt-article-mirror.html": ("2016-08-11", None),  # lower-case meta names
    # No PubDate meta and no label: the firstpublishedtime meta ("2007-08-20-23:59:59").
    "www.gov.cn__gongbao-2007-23-article.html": ("2007-08-20", "2007-08-20"),
}


@requires_corpus
@pytest.mark.parametrize(("file", "expected"), ARTICLE_DATES.items(), ids=list(ARTICLE_DATES))
def test_article_publication_date(
    file: str, expected: tuple[str, str | None], normalizer: DateNormalizer
) -> None:
    with_meta, without_meta = expected
    html, url = read(file), original_url(entry(file))
    facts = page_facts(html, url)
    assert normalizer.normalize(facts.pub_date_text).value == dt.date.fromisoformat(with_meta)
    stripped = re.sub(r"<meta[^>]*\bname=[\"']?pubdate[^>]*>", "", html, flags=re.I)
    label = page_facts(stripped, url).pub_date_text
    got = normalizer.normalize(label).value if label else None
    assert got == (dt.date.fromisoformat(without_meta) if without_meta else None)


ARTICLE_FACTS = {
    "whlyw.cq.gov.cn__gzdt-t20210713_9468077-article-mirror.html": (
        "工作动态",
        ["首页", "部门动态", "工作动态"],  # last crumb is <span class="dq">, separators <span class="gt">
        "5000000091",
    ),
    "fgw.zj.gov.cn__art_1621004_30332664-article.html": (
        "投资运行",
        ["首页", "发展改革工作", "投资管理和项目推进", "投资运行"],  # Hanweb nested tables
        "3300000020",  # SiteIDCode meta is empty: from the footer
    ),
    "jyt.zj.gov.cn__art_1543973_58942886-article-mirror.html": (
        "图文报道",
        ["首页", "政府信息公开", "工作动态", "图文报道"],
        "3300000022",
    ),
    "www.gz.gov.cn__ysdt-post_9360641-article-mirror.html": (
        "营商动态",
        ["首页", "营商环境", "营商动态"],
        "4401000004",
    ),
    "www.fcgs.gov.cn__zdxm-t18993630-article-mirror.html": (
        "重大项目",
        ["首页", "资讯中心", "重大项目"],
        "4506000001",
    ),
    "www.ccgp-hebei.gov.cn__zhbgg-t20211011_1485252-article.html": (
        None,
        ["承德市", "围场县", "采购公告", "中标公告"],
        "1300000065",
    ),
    "sw.wuhan.gov.cn__gzdt-t20230611_2214470-article-mirror.html": (
        "武钢云谷·606产业园开园招商推介会举办",  # the site's own ColumnName quirk: the article title
        ["首页", "新闻动态", "工作动态"],  # no 当前位置 label: 首页＞新闻动态＞工作动态
        "4201000011",
    ),
    "www.yn.gov.cn__zsdt-article-mirror.html": ("州市动态", ["首页", "州市动态"], "5300000033"),
    "www.gov.cn__gongbao-2007-23-article.html": (None, ["首页", "国务院公报", "2007年第23号"], "bm01000001"),
    "www.miit.gov.cn__dfgz-article-mirror.html": (
        "地方工作",
        ["首页", "新闻动态", "工信动态", "地方工作"],
        "bm07000001",
    ),
}


@requires_corpus
@pytest.mark.parametrize(("file", "expected"), ARTICLE_FACTS.items(), ids=list(ARTICLE_FACTS))
def test_article_facts(file: str, expected: tuple[str | None, list[str], str]) -> None:
    column_name, crumbs, site_code = expected
    facts = page_facts(read(file), original_url(entry(file)))
    assert facts.column_name == column_name
    assert facts.breadcrumb == crumbs
    assert facts.site_code == site_code
    assert facts.title


@requires_corpus
def test_meta_names_are_case_insensitive_and_first_wins() -> None:
    file = "www.yn.gov.cn__zsdt-article-mirror.html"
    facts = page_facts(read(file), original_url(entry(file)))
    assert (facts.site_name, facts.column_type, facts.pub_date_text) == (
        "云南省人民政府",
        "要闻动态",
        "2016-08-11 08:13",
    )
    file = "www.shanxi.gov.cn__sxyw-article.html"  # repeats SiteName/SiteIDCode
    facts = page_facts(read(file), original_url(entry(file)))
    assert (facts.site_name, facts.site_code) == ("山西省人民政府门户网站", "1400000045")


@pytest.mark.parametrize("item", params("article"))
def test_article_pages_are_never_called_blank(item: dict[str, Any]) -> None:
    # An article has no list area; whatever the reader makes of it, it must not report an empty column.
    page = extract_listing(read(item["file"]), original_url(item))
    assert page.status != "blank"
