"""Each rule's wording, written once in the rule table: what the engine says, what the bulletin's
存在的突出问题 cell says (summary.py) and what a published cell reads back as (recheck.py) agree."""

from __future__ import annotations

import pytest

from govcheck.evaluator.categories import period_days, period_words
from govcheck.evaluator.engine import judge
from govcheck.evaluator.rules import (
    RULES,
    BrokenLink,
    LetterFact,
    LinkTarget,
    ProbeStats,
    ServicePageState,
)
from govcheck.evaluator.summary import summarize
from govcheck.evaluator.wording import Omitted, Template
from govcheck.recheck import parse_problems
from tests.helpers import AS_OF, SETTINGS, column, days_ago, snapshot

EMPTY_FOOTER = {"parsed": True, "party_gov_mark": None, "site_code": "1", "icp": None, "police_record": "x"}


def every_rule_fires() -> dict:
    """A snapshot on which every rule of the table finds something (the homepage answers, but a week of
    probes says it mostly did not)."""
    news = [column(f"工作动态{i}", days_ago(30), position=i) for i in range(5)]
    others = [column(f"专栏{i}", days_ago(400), position=10 + i) for i in range(3)]
    blank = [column(f"空栏{i}", None, position=20 + i, status="blank") for i in range(5)]
    undated = [column("工作信息", None, position=30)]
    mailbox = column(
        "市长信箱", days_ago(30), position=40
    )  # a letter unanswered for 120 days, no reply since
    posted = days_ago(120)
    mailbox.letters = [
        LetterFact(
            "http://example.com/x/1.html", "来信", posted, str(posted), "processing", None, None, None, None
        )
    ]
    interviews = column("在线访谈", days_ago(400), position=41)
    week = {days_ago(n).isoformat(): (20, 20) for n in range(7)}
    return {
        "columns": news + others + blank + undated + [mailbox, interviews],
        "homepage_newest": days_ago(20),
        "host": "example.com",
        "broken_links": [
            BrokenLink("http://example.com/a", ["http://example.com/"], True, False, 404, None),
            BrokenLink("http://example.com/b", ["http://example.com/1.html"], False, False, 404, None),
            BrokenLink("http://example.com/c", ["http://example.com/2.html"], False, False, 500, None),
            BrokenLink(
                "http://example.com/f.docx", ["http://example.com/bszn/1.html"], False, False, 404, None
            ),
        ],
        "refused_links": [
            BrokenLink("http://10.0.0.1/", ["http://example.com/"], True, True, None, "policy:private")
        ],
        "links": [LinkTarget("http://bet365-cn.net/a", "http://example.com/", "a", True, True)],
        "footer": {**EMPTY_FOOTER, "channels": [], "suspicious_links": []},
        "is_portal": True,
        "probes": ProbeStats(week, []),
        "service_pages": [
            ServicePageState(
                "http://example.com/bszn/1.html",
                "http://example.com/bszn/",
                "guide",
                "户籍迁移办事指南",
                {"事项名称": "事项名称"},
                {"设定依据": "absent", "申请条件": "absent", "办理地点": "absent", "办理时间": "empty"},
                [{"url": "http://example.com/f.docx", "text": "申请表", "kind": "attachment"}],
            )
        ],
        # the homepage duties: no 找错 entry, no annual report, no design metas, no AAAA record, and
        # one dated homepage item in the two weeks
        "duties": {"parsed": True, "jiucuo": [], "annual_reports": [], "missing_metas": ["SiteName"]},
        "ipv6": {"result": "unsupported", "reason": "no_aaaa"},
        "homepage_recent": [{"url": "http://example.com/n/1.html", "published": str(days_ago(3))}],
        # off by default: the 服务不实用 veto, the annual report and the update volume (UNCONFIRMED)
        "settings": {
            **SETTINGS,
            "GOVCHECK_VETO_GUIDE_ITEMS": 1,
            "GOVCHECK_ANNUAL_REPORT_CHECK": True,
            "GOVCHECK_UPDATE_VOLUME_CHECK": True,
        },
    }


def test_every_rule_fires_on_the_fixture() -> None:
    _, _, _, findings = judge(snapshot(**every_rule_fires()))
    assert {rule.code for rule, _ in findings} == {rule.code for rule in RULES}


def test_the_cell_reads_back_as_the_rules_that_wrote_it() -> None:
    _, _, _, findings = judge(snapshot(**every_rule_fires()))
    cell = summarize([(rule.code, draft) for rule, draft in findings])
    read = parse_problems(cell)
    assert "other" not in {p.code for p in read}
    assert {p.code for p in read} == {rule.code for rule in RULES if not isinstance(rule.summary, Omitted)}
    assert [(p.column_name, p.threshold_days) for p in read if p.code == "column_stale"] == [
        *((f"工作动态{i}", 14) for i in range(5)),
        ("工作信息", 14),  # all undated: stale, in its navigation place among the 2周 columns
        *((f"专栏{i}", 365) for i in range(3)),
    ]
    assert [p.column_name for p in read if p.code == "column_blank"] == [f"空栏{i}" for i in range(5)]
    assert [p.item for p in read if p.code == "footer_missing"] == ["party_gov_mark", "icp"]
    assert [p.scope for p in read if p.code in {"link_broken", "bad_link"}] == [
        "homepage",
        "homepage",
        "page",
    ]
    assert [p.column_name for p in read if p.code == "undated_entries"] == ["工作信息"]


@pytest.mark.parametrize("days", [14, 3, 30, 45])
def test_homepage_threshold_in_force_words_the_finding_the_cell_and_the_reading(days: int) -> None:
    settings = {**SETTINGS, "GOVCHECK_HOMEPAGE_STALE_DAYS": days}
    _, _, _, findings = judge(
        snapshot([column("通知公告", AS_OF)], homepage_newest=days_ago(days + 1), settings=settings)
    )
    assert [rule.code for rule, _ in findings] == ["homepage_stale"]
    sentence = f"首页监测时间点前{period_words(days)}内无信息更新"
    assert findings[0][1].message == sentence
    assert summarize([(rule.code, draft) for rule, draft in findings]) == sentence
    assert [p.code for p in parse_problems(sentence)] == ["homepage_stale"]
    assert "2周" not in sentence or days == 14


@pytest.mark.parametrize(
    ("days", "words"), [(14, "2周"), (30, "1个月"), (90, "3个月"), (180, "6个月"), (365, "1年"), (3, "3天")]
)
def test_periods_read_back(days: int, words: str) -> None:
    assert period_words(days) == words
    assert period_days(words) == days


def test_published_period_synonyms_and_unknown_periods() -> None:
    assert (period_days("两周"), period_days("半年"), period_days("一年")) == (14, 180, 365)
    assert period_days("6个月") == 180 and period_words(183) == "6个月"
    assert period_days("三个季度") is None


def test_template_fills_in_and_reads_back() -> None:
    template = Template("{where}存在{count}个指向不良网站的链接{hidden}")
    sentence = template(where="首页", count=2, hidden="（含隐藏链接）")
    assert sentence == "首页存在2个指向不良网站的链接（含隐藏链接）"
    assert template.read(sentence) == {"where": "首页", "count": "2", "hidden": "（含隐藏链接）"}
    assert template.read("首页存在两个指向不良网站的链接") is None  # a count is digits
    assert Template("网站使用非“.gov.cn”域名").read("网站使用非“xgovxcn”域名") is None  # literal text


@pytest.mark.parametrize(
    ("cell", "parsed"),
    [
        ("网站空白栏目达6个（超过（含）5个）", [("veto_blank_columns", None, None)]),
        ("应更新但长期未更新栏目达12个（超过（含）10个）", [("veto_stale_columns", None, None)]),
        (
            "动态要闻类、通知公告政策文件类栏目累计5个未按要求更新（超过（含）5个）",
            [("veto_stale_key_columns", None, None)],
        ),
        ("网站页面存在3个指向不良网站的链接（含隐藏链接）", [("bad_link", None, "page")]),
        ("“工作信息”栏目有4条信息未注明发布时间", [("undated_entries", "工作信息", None)]),
        ("“图片新闻”栏目超过两周未更新", [("column_stale", "图片新闻", None)]),
        ("“机构职能”栏目是空白栏目", [("column_blank", "机构职能", None)]),
        ("网站其他页面存在5个不可用链接", [("link_broken", None, "page")]),
        ("网站检查期间存在多次长时间无法访问的情况", [("site_unreachable", None, None)]),
        ("网站使用非“.gov.cn”域名", [("domain_not_gov", None, None)]),
        ("网站首页改版后栏目设置不合理", [("other", None, None)]),
    ],
)
def test_published_sentences_read_as_their_rule(cell: str, parsed: list[tuple]) -> None:
    assert [(p.code, p.column_name, p.scope) for p in parse_problems(cell)] == parsed
