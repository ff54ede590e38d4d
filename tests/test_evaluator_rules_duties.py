"""govcheck/evaluator/rules.py, the footer and homepage duties (issue 13 item 3) judged on hand-built
snapshots: the 找错 entry (missing, hidden, another site's code), the annual report at the 31 January
edge, the update volume at 9/10 items, IPv6 (unknown never a finding), the design-standard metas
(homepage, column pages, and sampled article pages when GOVCHECK_ARTICLE_META_CHECK is on);
their bulletin sentences and how a published cell reads back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from govcheck.evaluator.engine import judge, not_judged
from govcheck.evaluator.rules import RULES_BY_CODE, ArticleState, SiteSnapshot
from govcheck.evaluator.summary import summarize
from govcheck.extract.duties import homepage_duties
from tests.helpers import SETTINGS, column, days_ago, snapshot

CODE = "4213000045"
JIUCUO = '<a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code={code}"><img src="j.png"></a>'
METAS = (
    '<meta name="SiteName" content="随州市审计局"><meta name="SiteDomain" content="sjj.suizhou.gov.cn">'
    f'<meta name="SiteIDCode" content="{CODE}">'
)
REPORT = '<a href="/nb/2023.html">随州市审计局2023年度政府网站工作年度报表</a>'
ON = {**SETTINGS, "GOVCHECK_ANNUAL_REPORT_CHECK": True, "GOVCHECK_UPDATE_VOLUME_CHECK": True}


def homepage(body: str = JIUCUO.format(code=CODE) + REPORT, head: str = METAS) -> dict[str, Any]:
    return homepage_duties(
        f"<html><head>{head}</head><body>{body}</body></html>", "http://sjj.suizhou.gov.cn/"
    )


def recent(count: int) -> list[dict[str, Any]]:
    return [
        {"url": f"http://sjj.suizhou.gov.cn/{i}.html", "published": days_ago(i).isoformat()}
        for i in range(count)
    ]


def duty_snapshot(columns: list[Any] | None = None, **overrides: Any) -> SiteSnapshot:
    values: dict[str, Any] = {
        "duties": homepage(),
        "site_code": CODE,
        "homepage_recent": recent(12),
        "ipv6": {"result": "supported"},
        "settings": ON,
    }
    return snapshot(columns or [], **{**values, **overrides})


def found(snap: SiteSnapshot) -> list[tuple[str, str | None]]:
    return [(rule.code, draft.item) for rule, draft in judge(snap)[3]]


def test_a_site_with_every_duty_has_no_finding() -> None:
    assert judge(duty_snapshot())[:3] == ("pass", None, 100.0) and found(duty_snapshot()) == []


# ----------------------------------------------------------------------------------- 找错 entry


def test_jiucuo_missing_hidden_or_another_sites_code() -> None:
    assert found(duty_snapshot(duties=homepage(REPORT))) == [("jiucuo_entry_missing", "missing")]
    hidden = f'<div style="display:none">{JIUCUO.format(code=CODE)}</div>{REPORT}'
    assert found(duty_snapshot(duties=homepage(hidden))) == [("jiucuo_entry_missing", "hidden")]
    wrong = duty_snapshot(duties=homepage(JIUCUO.format(code="4213000001") + REPORT))
    [(rule, draft)] = judge(wrong)[3]
    assert (rule.code, draft.item, draft.points) == ("jiucuo_entry_missing", "wrong_code", 1.0)
    assert draft.message == "首页“我为政府网站找错”入口的网站标识码4213000001与本网站标识码4213000045不符"
    assert draft.evidence["found_site_codes"] == ["4213000001"]


def test_jiucuo_code_compared_with_the_sites_own_when_the_registry_has_none() -> None:
    wrong = homepage(JIUCUO.format(code="4213000001") + REPORT)
    assert found(duty_snapshot(duties=wrong, site_code=None)) == [("jiucuo_entry_missing", "wrong_code")]
    # No code known at all, or a widget whose code cannot be read: the entry is there, nothing to compare.
    assert found(
        duty_snapshot(duties=homepage(JIUCUO.format(code=CODE) + REPORT, head=""), site_code=None)
    ) == [
        ("meta_tags_missing", "SiteName"),
        ("meta_tags_missing", "SiteDomain"),
        ("meta_tags_missing", "SiteIDCode"),
    ]
    widget = '<script id="_jiucuo_" src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js"></script>' + REPORT
    assert found(duty_snapshot(duties=homepage(widget))) == []


def test_no_duty_judged_without_a_read_homepage() -> None:
    assert found(duty_snapshot(duties=homepage(""), homepage_status="unparseable")) == []
    assert found(duty_snapshot(duties=None)) == []  # a crawl stored before the duties were read


# ----------------------------------------------------------------------------------- annual report


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (dt.date(2024, 1, 31), []),  # due on 31 January: still in time
        (dt.date(2024, 2, 1), [("annual_report_missing", "2023")]),
        (dt.date(2025, 1, 31), []),
        (dt.date(2025, 2, 1), [("annual_report_missing", "2024")]),
        (dt.date(2018, 1, 31), []),  # before 国办函〔2018〕12号's first due date
    ],
)
def test_annual_report_at_the_31_january_edge(as_of: dt.date, expected: list[tuple[str, str]]) -> None:
    only_2022 = homepage(JIUCUO.format(code=CODE) + REPORT.replace("2023", "2022"))
    snap = duty_snapshot(duties=only_2022, as_of=as_of, homepage_newest=as_of)
    assert found(snap) == expected


def test_annual_report_of_another_year_a_yearless_link_and_the_setting() -> None:
    older = homepage(JIUCUO.format(code=CODE) + REPORT.replace("2023", "2022"))
    [(_rule, draft)] = judge(duty_snapshot(duties=older))[3]
    assert draft.message == "未在首页显著位置发布2023年度政府网站工作年度报表"
    assert [link["year"] for link in draft.evidence["links_found"]] == [2022]
    banner = homepage(
        JIUCUO.format(code=CODE) + '<a href="/nb/" title="政府网站工作年度报表"><img src="b.png"></a>'
    )
    assert found(duty_snapshot(duties=banner)) == []  # the benefit of the doubt; the evidence would list it
    assert found(duty_snapshot(duties=older, settings=SETTINGS)) == []  # off by default


# ----------------------------------------------------------------------------------- update volume


@pytest.mark.parametrize(
    ("items", "expected"),
    [(9, [("homepage_update_volume", None)]), (10, []), (0, [("homepage_update_volume", None)])],
)
def test_update_volume_at_9_and_10_items(items: int, expected: list[tuple[str, None]]) -> None:
    assert found(duty_snapshot(homepage_recent=recent(items))) == expected


def test_update_volume_finding_and_its_settings() -> None:
    [(_rule, draft)] = judge(duty_snapshot(homepage_recent=recent(9)))[3]
    assert (draft.message, draft.points, draft.threshold_days) == (
        "首页栏目2周内信息更新总量不足10条",
        5.0,
        14,
    )
    assert (draft.evidence["count"], draft.evidence["since"]) == (9, days_ago(14).isoformat())
    assert judge(duty_snapshot(homepage_recent=recent(9)))[:3] == ("pass", None, 95.0)  # a deduction
    assert found(duty_snapshot(homepage_recent=recent(9), settings=SETTINGS)) == []  # off by default
    fewer = {**ON, "GOVCHECK_UPDATE_VOLUME_MIN_ITEMS": 5}
    assert found(duty_snapshot(homepage_recent=recent(9), settings=fewer)) == []


# ----------------------------------------------------------------------------------- IPv6


def test_ipv6_unsupported_is_a_finding_and_unknown_is_not() -> None:
    fact = {"result": "unsupported", "reason": "no_aaaa", "host": "sjj.suizhou.gov.cn"}
    [(rule, draft)] = judge(duty_snapshot(ipv6=fact))[3]
    assert (rule.code, draft.item, draft.message, draft.evidence) == (
        "ipv6_unsupported",
        "no_aaaa",
        "网站未支持IPv6访问",
        fact,
    )
    for unknown in ("proxied", "runner_without_ipv6", "dns_unavailable"):
        assert found(duty_snapshot(ipv6={"result": "unknown", "reason": unknown})) == []
    assert found(duty_snapshot(ipv6=None)) == []
    # Not a 2015 check.
    assert (
        found(duty_snapshot(ipv6=fact, as_of=dt.date(2019, 1, 10), homepage_newest=dt.date(2019, 1, 10)))
        == []
    )


def unjudged(snap: SiteSnapshot) -> list[tuple[str, str, str]]:
    return [(rule.code, n.reason, n.note) for rule, n in not_judged(snap, judge(snap)[0])]


@pytest.mark.parametrize(
    ("fact", "reason", "note"),
    [
        ({"result": "unknown", "reason": "proxied"}, "proxied", "IPv6访问未判定（检查方经代理访问网站）"),
        (
            {"result": "unknown", "reason": "runner_without_ipv6"},
            "runner_without_ipv6",
            "IPv6访问未判定（检查方无IPv6线路）",
        ),
        (
            {"result": "unknown", "reason": "dns_unavailable", "error": "timed out"},
            "dns_unavailable",
            "IPv6访问未判定（检查方域名解析无应答）",
        ),
        (None, "not_checked", "IPv6访问未判定（本次抓取未做IPv6检查）"),  # check off, or an older crawl
    ],
)
def test_ipv6_unknown_is_a_check_not_made_with_its_reason_and_never_a_verdict(
    fact: dict[str, Any] | None, reason: str, note: str
) -> None:
    snap = duty_snapshot(ipv6=fact)
    assert judge(snap)[:3] == ("pass", None, 100.0)  # the verdict and score as if IPv6 were fine
    assert unjudged(snap) == [("ipv6_unsupported", reason, note)]
    assert not_judged(snap, "pass")[0][1].evidence == (fact or {})
    # The wording is the rule's: every reason's words read back through its template.
    assert RULES_BY_CODE["ipv6_unsupported"].unknown.read(note) is not None


def test_ipv6_judged_or_not_in_force_is_no_check_left_unmade() -> None:
    for fact in ({"result": "supported"}, {"result": "unsupported", "reason": "no_aaaa"}):
        assert unjudged(duty_snapshot(ipv6=fact)) == []
    proxied = {"result": "unknown", "reason": "proxied"}
    before = dt.date(2019, 1, 10)  # the 2015 book has no IPv6 check
    assert unjudged(duty_snapshot(ipv6=proxied, as_of=before, homepage_newest=before)) == []
    # A homepage not read, or a site not judged at all: its verdict and reason say it all.
    assert unjudged(duty_snapshot(ipv6=proxied, homepage_status="unreachable")) == []
    assert not_judged(duty_snapshot(ipv6=proxied), "unknown") == []


# ----------------------------------------------------------------------------------- metas


def test_meta_tags_missing_on_the_homepage_and_the_column_pages() -> None:
    lacking = column("工作动态", days_ago(1), position=1)
    lacking.missing_metas = ["ColumnType"]
    other = column("通知公告", days_ago(1), position=2)
    other.missing_metas = ["ColumnName", "ColumnType"]
    fine = column("政策文件", days_ago(1), position=3)
    fine.missing_metas = []
    head = METAS.replace('<meta name="SiteDomain" content="sjj.suizhou.gov.cn">', "")
    snap = duty_snapshot(duties=homepage(head=head), columns=[lacking, other, fine])
    findings = [(d.item, d.scope, d.urls, d.points) for _, d in judge(snap)[3]]
    assert findings == [
        ("SiteDomain", "homepage", None, 0.0),
        ("ColumnType", "page", [lacking.url, other.url], 0.0),
        ("ColumnName", "page", [other.url], 0.0),
    ]
    assert judge(snap)[:3] == ("pass", None, 100.0)  # a review item: no points


def test_meta_tags_missing_on_the_sampled_article_pages_only_when_switched_on() -> None:
    news = column("工作动态", days_ago(1), position=1)
    notices = column("通知公告", days_ago(1), position=2)
    articles = [
        ArticleState("http://sjj.suizhou.gov.cn/gzdt/1.html", news.url, 200, ["ArticleTitle", "PubDate"]),
        ArticleState("http://sjj.suizhou.gov.cn/tzgg/1.html", notices.url, 200, ["PubDate"]),
        ArticleState("http://sjj.suizhou.gov.cn/zcwj/1.html", notices.url, 200, []),
        # Not read: no finding, whatever it may lack (a 404 is the link checks' to judge).
        ArticleState("http://sjj.suizhou.gov.cn/bmdt/1.html", news.url, 404, None),
        ArticleState("http://sjj.suizhou.gov.cn/bmdt/2.html", news.url, None, None),
    ]
    off = duty_snapshot(columns=[news, notices], articles=articles)
    assert found(off) == []  # GOVCHECK_ARTICLE_META_CHECK off by default
    on = duty_snapshot(
        columns=[news, notices], articles=articles, settings={**ON, "GOVCHECK_ARTICLE_META_CHECK": True}
    )
    verdict, _, score, findings = judge(on)
    drafts = [d for _, d in findings]
    assert [(d.item, d.scope, d.url, d.urls, d.points) for d in drafts] == [
        ("ArticleTitle", "article", articles[0].url, [articles[0].url], 0.0),
        ("PubDate", "article", articles[0].url, [articles[0].url, articles[1].url], 0.0),
    ]
    assert drafts[0].message == "文章页面未按网页设计规范设置ArticleTitle元数据标签"
    pub = drafts[1].evidence
    assert (pub["pages"], pub["pages_read"]) == (2, 3)
    assert [(a["column"], a["http_status"]) for a in pub["articles"]] == [
        ("工作动态", 200),
        ("通知公告", 200),
    ]
    assert (verdict, score) == ("pass", 100.0)  # a review item: no points


def test_article_meta_sentences_read_back_as_article_pages() -> None:
    rule = RULES_BY_CODE["meta_tags_missing"]
    assert rule.read("文章页面未按网页设计规范设置PubDate元数据标签") == [
        {"scope": "article", "item": "PubDate"}
    ]
    assert rule.read("栏目页面未按网页设计规范设置ColumnType元数据标签") == [
        {"scope": "page", "item": "ColumnType"}
    ]
    assert rule.read("首页未按网页设计规范设置SiteName元数据标签") == [
        {"scope": "homepage", "item": "SiteName"}
    ]


# ----------------------------------------------------------------------------------- wording


def test_bulletin_sentences_and_reading_them_back() -> None:
    snap = duty_snapshot(
        duties=homepage("", head=""), homepage_recent=recent(3), ipv6={"result": "unsupported"}
    )
    cell = summarize([(rule.code, draft) for rule, draft in judge(snap)[3]])
    assert cell == (
        "首页未设置“我为政府网站找错”入口；未在首页显著位置发布2023年度政府网站工作年度报表；"
        "首页栏目2周内信息更新总量不足10条；网站未支持IPv6访问；首页未按网页设计规范设置SiteName元数据标签；"
        "首页未按网页设计规范设置SiteDomain元数据标签；首页未按网页设计规范设置SiteIDCode元数据标签"
    )
    reads = {
        "首页未设置“我为政府网站找错”入口": ("jiucuo_entry_missing", [{}]),
        "首页“我为政府网站找错”入口的网站标识码4213000001与本网站标识码4213000045不符": (
            "jiucuo_entry_missing",
            [{}],
        ),
        "未在首页显著位置发布2023年度政府网站工作年度报表": ("annual_report_missing", [{}]),
        "首页栏目2周内信息更新总量不足10条": ("homepage_update_volume", [{}]),
        "网站未支持IPv6访问": ("ipv6_unsupported", [{}]),
        "栏目页面未按网页设计规范设置ColumnType元数据标签": (
            "meta_tags_missing",
            [{"scope": "page", "item": "ColumnType"}],
        ),
    }
    for sentence, (code, facts) in reads.items():
        assert RULES_BY_CODE[code].read(sentence) == facts, sentence


def test_jiucuo_and_ipv6_belong_to_the_2019_book() -> None:
    before = dt.date(2019, 4, 17)
    snap = duty_snapshot(
        duties=homepage(REPORT),
        ipv6={"result": "unsupported"},
        settings=SETTINGS,
        as_of=before,
        homepage_newest=before,
    )
    assert found(snap) == []
    after = dt.date(2019, 4, 18)
    snap = duty_snapshot(
        duties=homepage(REPORT),
        ipv6={"result": "unsupported"},
        settings=SETTINGS,
        as_of=after,
        homepage_newest=after,
    )
    assert found(snap) == [("jiucuo_entry_missing", "missing"), ("ipv6_unsupported", None)]
