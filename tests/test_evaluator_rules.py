"""The rules added to the table by issue 4: probes, bad links, consultation channel, footer, domain,
the score verdict, rule books and site profiles — on hand-built snapshots and raw homepage HTML."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import govcheck.profile
from govcheck import config
from govcheck.evaluator import profiles
from govcheck.evaluator.engine import judge
from govcheck.evaluator.rules import (
    RULEBOOK_2015,
    RULEBOOK_2019,
    RULES,
    BrokenLink,
    LinkTarget,
)
from govcheck.evaluator.summary import summarize
from govcheck.extract.footer import footer_facts
from tests.helpers import AS_OF, SETTINGS, column, days_ago, probes, snapshot

GOOD_FOOTER = """<html><head><meta name="SiteIDCode" content="4213000045"></head><body>
<div class="nav"><a href="http://sjj.suizhou.gov.cn/hdjl/">互动交流</a></div>
<div class="footer"><p>主办单位：随州市审计局</p>
<p>网站标识码：4213000045　<a href="https://beian.miit.gov.cn/">鄂ICP备05003310号-1</a>
<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=42130202000118">
<img src="/images/gaba.png">鄂公网安备 42130202000118号</a></p>
<span id="_ideConac"></span><script src="https://dcs.conac.cn/js/17/254/1604/a.js"></script></div>
</body></html>"""


def facts(html: str) -> dict:
    return footer_facts(html, "http://sjj.suizhou.gov.cn/")


# ------------------------------------------------------------------------------------- footer_facts


def test_footer_facts_find_every_item() -> None:
    found = facts(GOOD_FOOTER)
    assert found["site_code"] == "4213000045"
    assert found["icp"] == "鄂ICP备05003310号-1"
    assert found["police_record"].startswith("鄂公网安备")
    assert found["party_gov_mark"].startswith("https://dcs.conac.cn/")
    assert found["channels"] == [{"text": "互动交流", "url": "http://sjj.suizhou.gov.cn/hdjl/"}]
    assert found["suspicious_links"] == []


def test_meta_tags_and_script_attributes_do_not_count() -> None:
    html = """<html><head><meta name="SiteIDCode" content="4213000045"></head><body>
    <script id="_jiucuo_" sitecode="4213000045" src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js"></script>
    <script>var icp = "鄂ICP备05003310号";</script><p>版权所有</p></body></html>"""
    found = facts(html)
    assert (found["site_code"], found["icp"], found["police_record"], found["party_gov_mark"]) == (
        None,
        None,
        None,
        None,
    )


def test_footer_alternatives_badge_link_jiucuo_link_and_police_link() -> None:
    html = """<body><a href="http://bszs.conac.cn/sitename?method=show&id=1"><img src="x.png"></a>
    <a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=bm07000001&url=x">我为政府网站找错</a>
    <a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502030143">备案</a></body>"""
    found = facts(html)
    assert found["party_gov_mark"].startswith("http://bszs.conac.cn/")
    assert found["site_code"] == "bm07000001"
    assert "11010502030143" in found["police_record"]


def test_hidden_gambling_links_and_link_farms_are_suspicious() -> None:
    farm = "".join(f'<a href="http://spam{i}.example.com/">友情{i}</a>' for i in range(5))
    html = f"""<body><div style="display:none"><a href="http://www.casino-royal.com/">娱乐</a></div>
    <div style="position:absolute;left:-9999px">{farm}</div>
    <a href="http://www.weibo.com/suizhou">官方微博</a>
    <div style="display:none"><a href="http://share.example.com/">分享</a></div></body>"""
    found = facts(html)
    reasons = [(link["url"], link["reason"]) for link in found["suspicious_links"]]
    assert reasons[0] == ("http://www.casino-royal.com/", "host:casino")
    assert [r for _, r in reasons[1:]] == ["hidden_link_farm"] * 5  # one hidden share link is fine
    assert all(link["hidden"] for link in found["suspicious_links"])


# ---------------------------------------------------------------------------------------- rules


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
    assert "unavailable" in findings[0][1].evidence["letters"]
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


# ------------------------------------------------------------------------- score, books, profiles


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


def test_profile_overrides_exclude_and_recategorize(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    profile = profiles.parse_profile(
        {
            "crawl": {"list": ".news li"},  # the crawler's part of the same file is ignored here
            "evaluation": {
                "exclude": ["疫情防控"],
                "categories": {"http://example.gov.cn/gzxx/": "news"},
            },
        }
    )
    assert profile.override("疫情防控", "http://example.gov.cn/yqfk/").key == "excluded"
    assert profile.override("工作信息", "http://example.gov.cn/gzxx/").key == "news"
    assert profile.override("规划信息", "http://example.gov.cn/ghxx/") is None
    with pytest.raises(ValueError, match="unknown categories"):
        profiles.parse_profile({"evaluation": {"categories": {"x": "weekly"}}})
    assert profiles.load_profile("no-such-host.gov.cn") == profiles.EvaluationProfile()
    (tmp_path / "example.gov.cn.json").write_text(json.dumps({"evaluation": {"exclude": ["x"]}}))
    monkeypatch.setattr(govcheck.profile.resources, "files", lambda _package: tmp_path)
    assert profiles.load_profile("Example.gov.cn").exclude == frozenset({"x"})


def test_thresholds_come_from_settings() -> None:
    assert config.defaults()["GOVCHECK_UNREACHABLE_SHARE"] == 5.0
    assert config.defaults()["GOVCHECK_SCORE_VERDICT"] is False


def test_farm_homepages_show_every_footer_item_and_nothing_suspicious() -> None:
    from tests.farm.builder import build_all

    for host, site in build_all().items():
        page = site.get("/", {})
        charset = "gb18030" if site.spec.charset.lower() in {"gbk", "gb2312"} else site.spec.charset
        found = footer_facts(page.body.decode(charset), f"http://{host}/")
        assert all(found[item] for item in ("party_gov_mark", "site_code", "icp", "police_record")), host
        assert found["site_code"] == site.spec.code and found["suspicious_links"] == [], host
