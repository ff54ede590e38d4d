"""govcheck/extract/duties.py: the 找错 entry in its real forms, the 年度报表 link, the design-standard
metas (of homepages, column and article pages) — on hand-written snippets and on the real pages of tests/corpus/real."""

from __future__ import annotations

import pytest

from govcheck.extract.duties import (
    ARTICLE_METAS,
    SITE_METAS,
    annual_report_links,
    article_missing_metas,
    homepage_duties,
    jiucuo_entries,
    missing_metas,
)
from tests.corpus import read

URL = "http://www.example.gov.cn/"
LINK = "https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=4213000045&url=http%3A%2F%2Fsjj.suizhou.gov.cn%2F"


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("body", "kind", "code"),
    [
        (f'<a href="{LINK}"><img src="/images/jiucuo.png"></a>', "link", "4213000045"),  # image link
        (f'<a href="{LINK}">我为政府网站找错</a>', "link", "4213000045"),
        (
            f'<a href="javascript:;" onclick="window.open(\'{LINK}\')"><img src="j.png"></a>',
            "link",
            "4213000045",
        ),
        (
            "<script id=\"_jiucuo_\" sitecode='4213000045' src='https://zfwzgl.www.gov.cn/exposure/jiucuo.js'></script>",
            "widget",
            "4213000045",
        ),
        (
            '<script id="_jiucuo_" sitecode="bm07000001" src="http://pucha.kaipuyun.cn/exposure/jiucuo.js"></script>',
            "widget",
            "bm07000001",
        ),
        ('<script src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js"></script>', "widget", None),  # no code
    ],
)
def test_jiucuo_entry_forms(body: str, kind: str, code: str | None) -> None:
    [entry] = jiucuo_entries(page(body), URL)
    assert (entry["kind"], entry["site_code"], entry["hidden"]) == (kind, code, False)


def test_jiucuo_hidden_link_and_no_entry() -> None:
    hidden = f'<a style="display:none;" href="{LINK}"><img src="j.png"></a>'
    assert [e["hidden"] for e in jiucuo_entries(page(hidden), URL)] == [True]
    # The retired "我要纠错" span and a link to another service are no entry.
    other = '<span class="jiucuo" onclick="window.open(\'https://www.baidu.com/\')">【我要纠错】</span>'
    assert jiucuo_entries(page(other + '<a href="/jiucuo/">纠错</a>'), URL) == []


@pytest.mark.parametrize(
    ("file", "kind", "code", "hidden"),
    [
        ("www.yichun.gov.cn__homepage.html", "widget", "3609000002", False),
        ("www.shanxi.gov.cn__sxyw-article.html", "widget", "1400000045", False),
        ("sw.wuhan.gov.cn__gzdt-t20230611_2214470-article-mirror.html", "link", "4201000011", False),
        ("www.yn.gov.cn__zsdt-article-mirror.html", "link", "5300000033", False),
        ("www.gz.gov.cn__ysdt-post_9360641-article-mirror.html", "widget", "4401000004", False),
        # fgw.zj.gov.cn: a hidden link to the service on a bare IP, the visible entry drawn elsewhere.
        ("fgw.zj.gov.cn__art_1621004_30332664-article.html", "link", "3300000020", True),
    ],
)
def test_jiucuo_entries_of_real_pages(file: str, kind: str, code: str, hidden: bool) -> None:
    entries = jiucuo_entries(read(file), URL)
    assert (entries[0]["kind"], entries[0]["site_code"], entries[0]["hidden"]) == (kind, code, hidden)
    assert len({e["site_code"] for e in entries}) == 1


def test_annual_report_links_and_their_year() -> None:
    html = page(
        '<a href="/nb/2023.html">随州市审计局2023年度政府网站工作年度报表</a>'
        '<a href="/nb/" title="政府网站工作年度报表"><img src="nb.png"></a>'
        '<a href="/nb/2022.html"><img src="b.png" alt="政府网站年度报表（2022年）"></a>'
        '<a href="/xxgk/2023.html">2023年政府信息公开工作年度报告</a>'  # another report
        '<a style="display:none" href="/nb/2021.html">2021年度政府网站工作年度报表</a>'
    )
    assert [(link["url"], link["year"]) for link in annual_report_links(html, URL)] == [
        ("http://www.example.gov.cn/nb/2023.html", 2023),
        ("http://www.example.gov.cn/nb/", None),
        ("http://www.example.gov.cn/nb/2022.html", 2022),
    ]


def test_missing_metas_per_level_in_any_case() -> None:
    head = '<meta name="sitename" content="x"><meta content="www.x.gov.cn" name="SiteDomain"><meta name="ColumnName" content="动态">'
    assert missing_metas(page("", head), "homepage") == ["SiteIDCode"]
    assert missing_metas(page("", head), "column") == ["SiteIDCode", "ColumnType"]
    # An empty content is no meta.
    assert missing_metas(page("", '<meta name="SiteIDCode" content=" ">' + head), "homepage") == [
        "SiteIDCode"
    ]


@pytest.mark.parametrize(
    ("file", "level", "missing"),
    [
        ("www.yichun.gov.cn__homepage.html", "homepage", []),
        ("www.pingtan.gov.cn__zwgk-gsgg-list.html", "column", []),
        ("www.yn.gov.cn__zsdt-article-mirror.html", "article", []),  # lower-case names
        # contentSource is found in any case; SiteIDCode and ColumnType are there with content="".
        ("fgw.zj.gov.cn__art_1621004_30332664-article.html", "article", ["SiteIDCode", "ColumnType"]),
        ("www.shanxi.gov.cn__sxyw-article.html", "article", ["ColumnType"]),
        (
            "www.ccgp-hebei.gov.cn__zhbgg-t20211011_1485252-article.html",
            "article",
            ["ColumnName", "ColumnType"],
        ),
        ("www.gov.cn__gongbao-2007-23-article.html", "homepage", ["SiteName", "SiteDomain", "SiteIDCode"]),
    ],
)
def test_missing_metas_of_real_pages(file: str, level: str, missing: list[str]) -> None:
    assert missing_metas(read(file), level) == missing


def test_homepage_duties_of_the_real_homepage() -> None:
    duties = homepage_duties(read("www.yichun.gov.cn__homepage.html"), "https://www.yichun.gov.cn/")
    assert duties["parsed"] and duties["missing_metas"] == [] and duties["meta_site_code"] == "3609000002"
    assert [e["site_code"] for e in duties["jiucuo"]] == ["3609000002"]


def test_unparseable_page_has_no_duties_read() -> None:
    duties = homepage_duties("", URL)
    assert (duties["parsed"], duties["jiucuo"], duties["missing_metas"]) == (False, [], [])


ARTICLE_HEAD = (
    '<meta name="SiteName" content="随州市审计局"><meta name="SiteDomain" content="sjj.suizhou.gov.cn">'
    '<meta name="SiteIDCode" content="4213000045"><meta name="ColumnName" content="工作动态">'
    '<meta name="ColumnType" content="工作动态"><meta name="ArticleTitle" content="审计局召开会议">'
    '<meta name="PubDate" content="2024-02-27 09:30"><meta name="ContentSource" content="随州市审计局">'
)


def test_article_missing_metas_lists_its_own_and_the_site_and_column_ones() -> None:
    assert article_missing_metas(page("", ARTICLE_HEAD)) == []
    without = ARTICLE_HEAD.replace('<meta name="PubDate" content="2024-02-27 09:30">', "")
    assert article_missing_metas(page("", without.replace('content="随州市审计局">', 'content="">'))) == [
        "SiteName",
        "PubDate",
        "ContentSource",
    ]
    # Lower-case names count (www.yn.gov.cn); a date in the body is no PubDate meta.
    lower = ARTICLE_HEAD.replace('name="ArticleTitle"', 'name="articletitle"')
    assert article_missing_metas(page("<p>发布时间：2024-02-27</p>", lower)) == []
    assert article_missing_metas(page("<p>发布时间：2024-02-27</p>")) == [
        *SITE_METAS,
        "ColumnName",
        "ColumnType",
        *ARTICLE_METAS,
    ]


def test_article_missing_metas_of_an_unparseable_page_is_none() -> None:
    assert article_missing_metas("") is None  # nothing read: not "every meta missing"


@pytest.mark.parametrize(
    ("file", "missing"),
    [
        ("www.yn.gov.cn__zsdt-article-mirror.html", []),
        ("sw.wuhan.gov.cn__gzdt-t20230611_2214470-article-mirror.html", []),
        ("www.wanzai.gov.cn__tjgb-201705-article.html", ["ContentSource"]),
        ("www.shanxi.gov.cn__sxyw-article.html", ["ColumnType"]),
        (
            "www.gov.cn__gongbao-2007-23-article.html",
            [*SITE_METAS, "ColumnName", "ColumnType", *ARTICLE_METAS],
        ),
    ],
)
def test_article_missing_metas_of_real_articles(file: str, missing: list[str]) -> None:
    assert article_missing_metas(read(file)) == missing
