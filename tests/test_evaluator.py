"""The rule table on hand-built snapshots: categories, thresholds at their edges, wording, verdicts."""

from __future__ import annotations

import datetime as dt

import pytest

from govcheck.evaluator.categories import classify
from govcheck.evaluator.engine import judge
from govcheck.evaluator.rules import RULEBOOK_2015, RULEBOOK_2019, rulebook_for
from tests.helpers import AS_OF, column, days_ago, snapshot


@pytest.mark.parametrize(
    ("name", "url", "expected"),
    [
        ("图片新闻", "http://x.gov.cn/tpxw/", "news"),
        ("审计动态", "http://x.gov.cn/sjdt/", "news"),
        ("动态要闻", "http://x.gov.cn/dtyw/", "news"),
        ("通知公告", "http://x.gov.cn/tzgg/", "notice"),
        ("规划信息", "http://x.gov.cn/ghxx/", "other"),
        ("视频", "http://x.gov.cn/sp/", "other"),
        ("疫情防控", "http://x.gov.cn/yqfk/", "other"),
        ("新闻专题", "http://x.gov.cn/zt/", "other"),  # 专题 is never a 2-week column
        ("往期回顾", "http://x.gov.cn/wqhg/", "archive"),
        ("局长信箱", "http://x.gov.cn/jzxx/", "interaction"),
        ("", "http://x.gov.cn/xwzx/gzdt/", "news"),
        ("", "http://x.gov.cn/zwgk/tzgg/", "notice"),
    ],
)
def test_categories(name: str, url: str, expected: str) -> None:
    assert classify(name, url).key == expected


def test_column_type_meta_wins_only_with_an_official_value() -> None:
    assert classify("工作进展情况", "http://x.gov.cn/a/", "政策文件").key == "notice"
    assert classify("工作进展情况", "http://x.gov.cn/a/", "工作进展情况").key == "news"


@pytest.mark.parametrize(("age", "stale"), [(13, False), (14, False), (15, True)])
def test_two_week_edge(age: int, stale: bool) -> None:
    _, _, _, findings = judge(snapshot([column("图片新闻", days_ago(age))]))
    assert [f.code for f, _ in findings] == (["column_stale"] if stale else [])


@pytest.mark.parametrize(("age", "stale"), [(14, False), (15, True)])
def test_homepage_edge(age: int, stale: bool) -> None:
    verdict, _, _, findings = judge(snapshot([column("通知公告", AS_OF)], homepage_newest=days_ago(age)))
    assert verdict == ("fail" if stale else "pass")
    assert [f.code for f, _ in findings] == (["homepage_stale"] if stale else [])
    if stale:
        assert findings[0][1].message == "首页监测时间点前2周内无信息更新"


@pytest.mark.parametrize(("blank", "verdict"), [(4, "pass"), (5, "fail")])
def test_blank_column_veto_edge(blank: int, verdict: str) -> None:
    columns = [column(f"栏目{i}", None, position=i, status="blank") for i in range(blank)]
    result, _, _, findings = judge(snapshot(columns))
    assert result == verdict
    assert ("veto_blank_columns" in [f.code for f, _ in findings]) == (verdict == "fail")


@pytest.mark.parametrize(("stale", "verdict"), [(4, "pass"), (5, "fail")])
def test_key_column_veto_edge(stale: int, verdict: str) -> None:
    columns = [column(f"工作动态{i}", days_ago(30), position=i) for i in range(stale)]
    assert judge(snapshot(columns))[0] == verdict


def test_key_column_veto_counts_only_top_level_notices_from_2019() -> None:
    columns = [column(f"通知公告{i}", days_ago(400), position=i, depth=2) for i in range(5)]
    assert judge(snapshot(columns))[0] == "pass"
    old = dt.date(2018, 6, 1)
    assert rulebook_for(old) == RULEBOOK_2015 and rulebook_for(AS_OF) == RULEBOOK_2019
    old_columns = [column(f"通知公告{i}", days_ago(400, old), position=i, depth=2) for i in range(5)]
    assert judge(snapshot(old_columns, as_of=old, homepage_newest=old))[0] == "fail"


@pytest.mark.parametrize(("stale", "verdict"), [(9, "pass"), (10, "fail")])
def test_stale_column_veto_edge_counts_blank_columns(stale: int, verdict: str) -> None:
    columns = [column(f"专栏{i}", days_ago(400), position=i) for i in range(stale - 2)]
    columns += [column(f"空栏{i}", None, position=100 + i, status="blank") for i in range(2)]
    assert judge(snapshot(columns))[0] == verdict


def test_all_undated_column_is_stale_never_blank() -> None:
    _, _, _, findings = judge(snapshot([column("工作信息", None)]))
    codes = [f.code for f, _ in findings]
    assert codes == ["column_stale", "undated_entries"]
    assert findings[0][1].newest is None


def test_bulletin_summary_for_sjj() -> None:
    names = [
        "图片新闻",
        "审计动态",
        "通知公告",
        "疫情防控",
        "复工复产服务",
        "三大攻坚战",
        "党史学习教育",
        "人事信息",
    ]
    dates = [
        days_ago(40),
        days_ago(20),
        days_ago(10),
        days_ago(800),
        days_ago(700),
        days_ago(900),
        days_ago(500),
        days_ago(30),
    ]
    columns = [column(n, d, position=i) for i, (n, d) in enumerate(zip(names, dates, strict=True))]
    verdict, reason, score, findings = judge(snapshot(columns))
    from govcheck.evaluator.summary import summarize

    assert verdict == "pass" and reason is None and score < 100
    assert summarize([(rule.code, draft) for rule, draft in findings]) == (
        "“图片新闻”、“审计动态”栏目超2周未更新；“疫情防控”、“复工复产服务”、“三大攻坚战”、“党史学习教育”栏目超1年未更新"
    )


def test_unknown_never_carries_a_veto() -> None:
    columns = [column(f"栏目{i}", None, position=i, status="blank") for i in range(6)]
    verdict, reason, _, findings = judge(snapshot(columns, homepage_status="blocked"))
    assert (verdict, reason) == ("unknown", "blocked")
    assert not any(rule.veto for rule, _ in findings)


def test_unreachable_site_fails_with_partial_evidence() -> None:
    attempts = [{"url": "http://example.gov.cn/", "status": None, "error": "timeout"}] * 3
    verdict, _, _, findings = judge(
        snapshot([], homepage_status="unreachable", homepage_attempts=attempts, homepage_newest=None)
    )
    assert verdict == "fail"
    assert [f.code for f, _ in findings] == ["site_unreachable"]
    assert findings[0][1].evidence["partial"] is True


@pytest.mark.parametrize("status", ["too_large", "too_slow"])
def test_homepage_over_a_limit_is_unknown_never_unreachable(status: str) -> None:
    attempts = [{"url": "http://example.gov.cn/", "status": None, "error": status}]
    verdict, reason, _, findings = judge(
        snapshot([], homepage_status=status, homepage_attempts=attempts, homepage_newest=None)
    )
    assert (verdict, reason) == ("unknown", f"homepage_{status}")
    assert findings == []


@pytest.mark.parametrize("status", ["unparseable", "too_large"])
def test_no_footer_deductions_without_a_readable_homepage(status: str) -> None:
    footer = {"parsed": True, "party_gov_mark": None, "site_code": None, "icp": None, "police_record": None}
    _, _, _, findings = judge(snapshot([], homepage_status=status, homepage_newest=None, footer=footer))
    assert "footer_missing" not in {rule.code for rule, _ in findings}
    _, _, _, findings = judge(snapshot([column("工作动态", AS_OF)], footer=footer))
    assert "footer_missing" in {rule.code for rule, _ in findings}
