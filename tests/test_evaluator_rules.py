"""govcheck/evaluator/rules.py: the rule table judged (govcheck/evaluator/engine.py) on hand-built
snapshots: staleness and vetoes at their edges, verdicts, probes, bad links, consultation channel,
footer, domain, the score verdict and rule books."""

from __future__ import annotations

import datetime as dt

import pytest

from govcheck import config
from govcheck.evaluator.engine import judge
from govcheck.evaluator.rules import (
    RULEBOOK_2015,
    RULEBOOK_2019,
    RULES,
    BrokenLink,
    LetterFact,
    LinkTarget,
    rulebook_for,
)
from govcheck.evaluator.summary import summarize
from tests.helpers import AS_OF, GOOD_FOOTER, SETTINGS, column, days_ago, facts, probes, snapshot

# ----------------------------------------------------------------------------------- footer, links, domain


def codes(findings: list) -> list[str]:
    return [rule.code for rule, _ in findings]


def test_footer_missing_one_finding_per_item_and_one_summary_sentence() -> None:
    html = GOOD_FOOTER.replace("网站标识码：4213000045", "").replace("鄂公网安备 42130202000118号", "")
    html = html.replace("registerSystemInfo?recordcode=42130202000118", "")
    verdict, _, score, findings = judge(snapshot([], footer=facts(html)))
    assert verdict == "pass" and score == 98.0
    assert [(rule.code, d.item) for rule, d in findings] == [
        ("footer_missing", "site_code"),
        ("footer_missing", "police_record"),
    ]
    assert (
        summarize([(r.code, d) for r, d in findings]) == "网站页面底部未标注政府网站标识码、公安机关备案标识"
    )


def test_no_stored_footer_facts_means_no_footer_or_channel_finding() -> None:
    assert codes(judge(snapshot([], footer=None, is_portal=True))[3]) == []


def test_bad_links_from_stored_link_targets_one_per_scope() -> None:
    links = [
        LinkTarget("http://bet365-cn.net/a", "http://example.gov.cn/", "a", True, True),
        LinkTarget("http://www.xvideos.com/v", "http://example.gov.cn/1.html", "a", False, True),
        LinkTarget("http://www.xvideos.com/v", "http://example.gov.cn/2.html", "a", False, True),
        LinkTarget("http://www.hubei.gov.cn/", "http://example.gov.cn/", "a", True, True),
    ]
    verdict, _, _, findings = judge(snapshot([], links=links))
    assert verdict == "fail"
    drafts = [d for r, d in findings if r.code == "bad_link"]
    assert [(d.scope, d.urls) for d in drafts] == [
        ("homepage", ["http://bet365-cn.net/a"]),
        ("page", ["http://www.xvideos.com/v"]),
    ]
    assert drafts[0].message == "首页存在1个指向不良网站的链接"


def test_no_consultation_channel_is_judged_only_on_portals_with_homepage_facts() -> None:
    no_channel = facts(GOOD_FOOTER.replace('<a href="http://sjj.suizhou.gov.cn/hdjl/">互动交流</a>', ""))
    verdict, _, _, findings = judge(snapshot([], footer=no_channel, is_portal=True))
    assert (verdict, codes(findings)) == ("fail", ["interaction_unanswered"])
    assert findings[0][1].message == "网站未提供网上有效咨询建言渠道"
    assert findings[0][1].item == "no_channel"  # told apart from a letters column's finding in 复查
    assert "no consultation column" in findings[0][1].evidence["letters"]
    assert codes(judge(snapshot([], footer=no_channel, is_portal=False))[3]) == []
    with_column = [column("领导信箱", AS_OF, url="http://example.gov.cn/ldxx/")]
    assert codes(judge(snapshot(with_column, footer=no_channel, is_portal=True))[3]) == []
    link_out = [LinkTarget("http://12345.suizhou.gov.cn/", "http://example.gov.cn/", "a", True, True)]
    assert codes(judge(snapshot([], footer=no_channel, is_portal=True, links=link_out))[3]) == []
    assert codes(judge(snapshot([], footer=facts(GOOD_FOOTER), is_portal=True))[3]) == []


@pytest.mark.parametrize(
    ("host", "homepage", "wrong"),
    [
        ("example.gov.cn", "http://example.gov.cn/", False),
        ("随州.政务", "http://随州.政务/", False),
        ("www.suizhou.com", "http://www.suizhou.com/", True),
        ("example.gov.cn", "http://example.com.cn/index.html", True),  # redirected off .gov.cn
    ],
)
def test_domain_not_gov(host: str, homepage: str, wrong: bool) -> None:
    findings = judge(snapshot([], host=host, homepage_url=homepage))[3]
    assert codes(findings) == (["domain_not_gov"] if wrong else [])


# ------------------------------------------------------------------------------- site_unreachable


@pytest.mark.parametrize(("failed", "verdict"), [(49, "pass"), (50, "fail")])
def test_unreachable_share_edge_4_9_vs_5_percent(failed: int, verdict: str) -> None:
    # 7 days × 143 probes = 1001; use 1000 by giving one day 142.
    stats = probes(143, failed)
    first = next(iter(stats.per_day))
    stats.per_day[first] = (142, stats.per_day[first][1])
    assert stats.total == 1000
    result, _, _, findings = judge(snapshot([column("通知公告", AS_OF)], probes=stats))
    assert result == verdict
    if verdict == "fail":
        evidence = findings[0][1].evidence
        assert (evidence["partial"], evidence["basis"], evidence["share_percent"]) == (False, "probes", 5.0)


def test_too_few_probes_fall_back_to_crawl_attempts_marked_partial() -> None:
    attempts = [{"url": "http://example.gov.cn/", "status": None, "error": "timeout"}] * 3
    thin = probes(19, 140)  # 19 a day is below the official 20: probes do not decide
    verdict, _, _, findings = judge(
        snapshot(
            [], probes=thin, homepage_status="unreachable", homepage_attempts=attempts, homepage_newest=None
        )
    )
    assert verdict == "fail"
    assert findings[0][1].evidence["partial"] is True and findings[0][1].evidence["probes"] == 19 * 7


def test_probes_that_clear_the_site_make_a_failed_crawl_unknown() -> None:
    verdict, reason, _, findings = judge(
        snapshot([], probes=probes(20, 0), homepage_status="unreachable", homepage_newest=None)
    )
    assert (verdict, reason, codes(findings)) == ("unknown", "unreachable_during_crawl", [])


# ------------------------------------------------------------------------------------ score and books


def test_score_verdict_only_when_enabled() -> None:
    columns = [column(f"专栏{i}", days_ago(400), position=i) for i in range(9)]  # 9 × 3, below the veto
    links = [
        BrokenLink(f"http://example.gov.cn/{i}.html", ["http://example.gov.cn/"], True, False, 404, None)
        for i in range(12)
    ]  # 12 × 1, capped at 10
    verdict, _, score, findings = judge(
        snapshot(columns, broken_links=links, footer=facts("<body></body>"), host="example.com")
    )
    assert not any(rule.veto for rule, _ in findings)
    assert (score, verdict) == (100 - 27 - 10 - 4 - 2, "pass")
    strict = {**SETTINGS, "GOVCHECK_SCORE_VERDICT": True}
    assert (
        judge(
            snapshot(
                columns,
                broken_links=links,
                footer=facts("<body></body>"),
                host="example.com",
                settings=strict,
            )
        )[0]
        == "fail"
    )


def test_score_caps_per_indicator() -> None:
    columns = [column(f"专栏{i}", days_ago(400), position=i) for i in range(8)]  # 8 × 3 = 24
    many = [column(f"更多{i}", days_ago(400), position=100 + i) for i in range(20)]  # capped at 30
    assert judge(snapshot(columns, settings={**SETTINGS, "GOVCHECK_VETO_STALE_COLUMNS": 99}))[2] == 76.0
    assert (
        judge(snapshot(columns + many, settings={**SETTINGS, "GOVCHECK_VETO_STALE_COLUMNS": 99}))[2] == 70.0
    )


def test_every_rule_states_its_book_source_and_wording() -> None:
    for rule in RULES:
        assert rule.rulebooks <= {RULEBOOK_2019, RULEBOOK_2015} and rule.rulebooks, rule.code
        assert rule.source and rule.title, rule.code
    assert len({rule.code for rule in RULES}) == len(RULES)


def test_a_2018_as_of_applies_the_2015_book() -> None:
    old = dt.date(2018, 6, 1)
    sub_notices = [column(f"通知公告{i}", days_ago(400, old), position=i, depth=2) for i in range(5)]
    old_snapshot = snapshot(sub_notices, as_of=old, homepage_newest=old)
    assert old_snapshot.rulebook == RULEBOOK_2015
    verdict, _, _, findings = judge(old_snapshot)
    assert verdict == "fail"
    key = next(d for r, d in findings if r.code == "veto_stale_key_columns")
    assert key.evidence["top_level_only"] is False and key.evidence["count"] == 5
    assert judge(snapshot(sub_notices, as_of=dt.date(2019, 4, 18), homepage_newest=dt.date(2019, 4, 18)))[
        0
    ] == ("pass")


def test_thresholds_come_from_settings() -> None:
    assert config.defaults()["GOVCHECK_UNREACHABLE_SHARE"] == 5.0
    assert config.defaults()["GOVCHECK_SCORE_VERDICT"] is False


# --------------------------------------------------------------------------------- staleness and vetoes


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


STORED = "日期取自2024-02-27T02:00:00+00:00保存的页面（站点地图lastmod 2024-02-20），本轮未重新抓取"


def test_a_date_read_from_a_stored_page_says_so_in_the_findings_built_on_it() -> None:
    read_from_store = column("图片新闻", days_ago(20))
    read_from_store.newest_evidence = STORED
    read_live = column("工作动态", days_ago(30), position=1)
    _, _, _, findings = judge(
        snapshot([read_from_store, read_live], homepage_newest=days_ago(20), homepage_newest_evidence=STORED)
    )
    evidence = {(rule.code, draft.evidence.get("column_url")): draft.evidence for rule, draft in findings}
    assert evidence[("column_stale", read_from_store.url)]["newest_date_evidence"] == STORED
    assert "newest_date_evidence" not in evidence[("column_stale", read_live.url)]
    assert evidence[("homepage_stale", None)]["newest_date_evidence"] == STORED


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


# ------------------------------------------------------------------- letters: replies, surveys (issue 13)

LETTERS_URL = "http://example.gov.cn/hdjl/szxx/"


def letter(
    posted: int, replied: int | None = None, *, status: str = "replied", seen: bool | None = None, n: int = 0
) -> LetterFact:
    """A letter posted ``posted`` days before the as-of date, replied ``replied`` days before it."""
    return LetterFact(
        url=f"{LETTERS_URL}{posted}_{n}.html",
        title=f"来信{posted}",
        posted=days_ago(posted),
        posted_text=days_ago(posted).isoformat(),
        status=status,
        status_text=None,
        replied=days_ago(replied) if replied is not None else None,
        replied_text=days_ago(replied).isoformat() if replied is not None else None,
        reply_present=seen,
    )


def letters_column(*letters: LetterFact, name: str = "市长信箱") -> list:
    state = column(name, AS_OF, url=LETTERS_URL)
    state.letters = list(letters)
    return [state]


def interaction(letters: list) -> list:
    return [d for r, d in judge(snapshot(letters))[3] if r.code == "interaction_unanswered"]


@pytest.mark.parametrize(("days", "found"), [(89, False), (90, False), (91, True)])
def test_a_letter_unanswered_for_more_than_90_days_fails_the_site(days: int, found: bool) -> None:
    drafts = interaction(letters_column(letter(days, status="processing"), letter(5, 2)))
    assert bool(drafts) is found
    if found:
        (draft,) = drafts
        assert draft.message == "“市长信箱”栏目存在超过3个月未回应有效留言的现象"
        assert draft.evidence["letters"][0]["days"] == 91 and draft.evidence["letters"][0]["replied"] is None
        assert judge(snapshot(letters_column(letter(days, status="processing"))))[0] == "fail"


@pytest.mark.parametrize(("days", "found"), [(89, False), (90, False), (91, True)])
def test_a_letter_answered_after_more_than_90_days_fails_the_site(days: int, found: bool) -> None:
    drafts = interaction(letters_column(letter(days + 10, 10)))
    assert bool(drafts) is found
    if found:
        evidence = drafts[0].evidence["letters"][0]
        assert (evidence["posted"], evidence["replied"], evidence["days"]) == (
            days_ago(days + 10).isoformat(),
            days_ago(10).isoformat(),
            days,
        )


@pytest.mark.parametrize(("posted", "found"), [(365, True), (366, False)])
def test_only_letters_of_the_year_before_the_as_of_date_are_judged(posted: int, found: bool) -> None:
    assert bool(interaction(letters_column(letter(posted, status="processing")))) is found
    assert bool(interaction(letters_column(letter(posted, posted - 100)))) is found


def test_done_without_a_reply_on_its_page_cannot_be_seen() -> None:
    (draft,) = interaction(letters_column(letter(20, status="done", seen=False)))
    assert draft.message == "政务咨询类栏目“市长信箱”无法查看结果"
    assert draft.evidence["letters"][0]["reply_seen"] is False
    # Its page not read (None), or a reply seen without a date: never judged.
    assert interaction(letters_column(letter(20, status="done", seen=None))) == []
    assert interaction(letters_column(letter(200, status="done", seen=True))) == []
    assert interaction(letters_column(letter(200, status="unknown", seen=None))) == []


def test_excluded_column_types_are_never_judged_by_the_three_month_rule() -> None:
    for name in ("网上信访", "纪检举报", "在线访谈", "调查征集"):
        assert interaction(letters_column(letter(200, status="processing"), name=name)) == [], name


@pytest.mark.parametrize(("replied", "found"), [(60, False), (61, True), (None, True)])
def test_consult_reply_timeliness_two_months(replied: int | None, found: bool) -> None:
    letters = letters_column(letter(70, replied), letter(30, status="processing"))
    drafts = [d for r, d in judge(snapshot(letters))[3] if r.code == "consult_reply_timeliness"]
    assert bool(drafts) is found
    if found:
        assert drafts[0].message == "“市长信箱”栏目监测时间点前2个月内未更新留言答复"
        assert drafts[0].points == 3.0
        assert summarize([(r.code, d) for r, d in judge(snapshot(letters))[3]]) == drafts[0].message


def test_survey_inactive_names_the_last_one_held() -> None:
    for name, newest, found in (("调查征集", days_ago(366), True), ("在线访谈", days_ago(365), False)):
        verdict, _, score, findings = judge(
            snapshot([column(name, newest, url="http://example.gov.cn/dczj/")])
        )
        drafts = [d for r, d in findings if r.code == "survey_inactive"]
        assert bool(drafts) is found
        assert "column_stale" not in codes(findings)  # judged by survey_inactive, not by staleness
        if found:
            assert drafts[0].message == f"“调查征集”栏目自{newest.year}年{newest.month}月以来一直未更新"
            assert drafts[0].evidence["last_held"] == newest.isoformat()
            assert (verdict, score) == ("pass", 95.0)


def test_letter_lists_are_dated_lists_and_an_explained_empty_one_is_neither_stale_nor_blank() -> None:
    old = column("网络问政", days_ago(400), url=LETTERS_URL)
    assert [d.message for r, d in judge(snapshot([old]))[3] if r.code == "column_stale"] == [
        "“网络问政”栏目超1年未更新"
    ]
    explained = column("局长信箱", None, url=LETTERS_URL)
    explained.entry_count, explained.undated_count, explained.reason = (
        0,
        0,
        "explained:根据来信人意愿不予公开",
    )
    assert codes(judge(snapshot([explained]))[3]) == []
    blank = column("局长信箱", None, status="blank", url=LETTERS_URL)
    assert codes(judge(snapshot([blank]))[3]) == ["column_blank"]
