"""The service rules of govcheck/evaluator/rules.py on hand-built snapshots: online_system_down (an
attachment or online system of a service page whose link check is broken), service_guide_incomplete
(one per 办事指南 missing key elements) and the service_impractical veto (off unless its UNCONFIRMED
threshold is set); their wording reads back through the 存在的突出问题 cell."""

from __future__ import annotations

from govcheck.evaluator.engine import judge
from govcheck.evaluator.rules import RULES_BY_CODE, BrokenLink, ServicePageState
from govcheck.evaluator.summary import summarize
from govcheck.recheck import parse_problems
from tests.helpers import AS_OF, SETTINGS, column, snapshot

SITE = "http://example.gov.cn"
GUIDES = SITE + "/bszn/"
FORMS = SITE + "/bgxz/"


def _guide(n: int, missing: dict[str, str], links: list[dict[str, str]] | None = None) -> ServicePageState:
    return ServicePageState(
        f"{GUIDES}{n}.html",
        GUIDES,
        "guide",
        f"事项{n}办事指南",
        {"事项名称": "事项名称"},
        missing,
        links or [],
    )


def _form_page(links: list[dict[str, str]]) -> ServicePageState:
    return ServicePageState(FORMS, FORMS, "list", "表格下载", {}, {}, links)


def _columns() -> list:
    return [
        column("办事指南", AS_OF, position=1, url=GUIDES),
        column("表格下载", AS_OF, position=2, url=FORMS),
    ]


def _codes(**overrides: object) -> list[tuple[str, str]]:
    _, _, _, findings = judge(snapshot(_columns(), **overrides))
    return [(rule.code, draft.message) for rule, draft in findings]


def test_a_broken_attachment_or_system_of_a_service_page_is_online_system_down() -> None:
    links = [
        {"url": SITE + "/f/a.doc", "text": "个体工商户登记申请书", "kind": "attachment"},
        {"url": "http://xy.example.gov.cn/", "text": "企业信用查询库", "kind": "online"},
        {"url": SITE + "/f/ok.pdf", "text": "规划许可申请表", "kind": "attachment"},
    ]
    broken = [
        BrokenLink(SITE + "/f/a.doc", [FORMS], False, False, 404, None),
        BrokenLink("http://xy.example.gov.cn/", [FORMS], False, True, None, "connection_refused"),
        BrokenLink(SITE + "/gzdt/x.html", [SITE + "/gzdt/"], False, False, 404, None),  # not a service link
    ]
    _, _, _, findings = judge(snapshot(_columns(), broken_links=broken, service_pages=[_form_page(links)]))
    down = [draft for rule, draft in findings if rule.code == "online_system_down"]
    assert [d.message for d in down] == [
        "“表格下载”栏目中“个体工商户登记申请书”无法正常下载",
        "“表格下载”栏目中“企业信用查询库”无法正常访问",
    ]
    assert [d.url for d in down] == [SITE + "/f/a.doc", "http://xy.example.gov.cn/"]
    assert down[0].evidence["http_status"] == 404 and down[0].evidence["found_on"] == FORMS
    assert down[1].evidence["error"] == "connection_refused" and down[1].external is True
    assert down[0].column is not None and down[0].column.url == FORMS
    # Reported once, as the more specific finding: only the other broken link is link_broken.
    assert [d.url for rule, d in findings if rule.code == "link_broken"] == [SITE + "/gzdt/x.html"]


def test_a_broken_service_link_is_not_also_link_broken_and_the_rest_count_as_before() -> None:
    form = SITE + "/f/a.doc"
    links = [{"url": form, "text": "申请表", "kind": "attachment"}]
    broken = [
        BrokenLink(form, [SITE + "/", FORMS], True, False, 404, None),  # on the homepage too
        BrokenLink(SITE + "/dead.html", [SITE + "/"], True, False, 404, None),
        BrokenLink(SITE + "/gzdt/x.html", [SITE + "/gzdt/"], False, False, 404, None),
        BrokenLink(SITE + "/gzdt/y.html", [SITE + "/gzdt/"], False, False, None, "dns"),
    ]
    verdict, _, score, findings = judge(
        snapshot(_columns(), broken_links=broken, service_pages=[_form_page(links)])
    )
    assert [(rule.code, d.url) for rule, d in findings if d.url == form] == [("online_system_down", form)]
    (down,) = [d for rule, d in findings if rule.code == "online_system_down"]
    assert down.evidence["on_homepage"] is True and down.points == 1.0
    broken_links = [(d.url, d.scope, d.points) for rule, d in findings if rule.code == "link_broken"]
    assert broken_links == [
        (SITE + "/dead.html", "homepage", 1.0),
        (SITE + "/gzdt/x.html", "page", 0.1),
        (SITE + "/gzdt/y.html", "page", 0.1),
    ]
    assert (verdict, score) == ("pass", 100 - 1.0 - 1.0 - 0.2)
    cell = summarize([(rule.code, d) for rule, d in findings])
    assert (
        cell == "“表格下载”栏目中“申请表”无法正常下载；首页存在1个不可用链接；网站其他页面存在2个不可用链接"
    )
    assert [p.code for p in parse_problems(cell)] == ["online_system_down", "link_broken", "link_broken"]
    # Without its service page the same target is an ordinary broken link of the homepage again.
    _, _, _, plain = judge(snapshot(_columns(), broken_links=broken))
    assert [d.scope for rule, d in plain if rule.code == "link_broken" and d.url == form] == ["homepage"]


def test_a_target_linked_from_several_service_pages_is_one_finding() -> None:
    link = {"url": SITE + "/f/a.doc", "text": "申请表", "kind": "attachment"}
    pages = [_form_page([link]), _guide(1, {}, [link])]
    broken = [BrokenLink(SITE + "/f/a.doc", [FORMS, f"{GUIDES}1.html"], False, False, 404, None)]
    codes = [c for c, _ in _codes(broken_links=broken, service_pages=pages) if c == "online_system_down"]
    assert codes == ["online_system_down"]


def test_an_inconclusive_link_is_not_a_finding() -> None:
    # Only broken checks reach the snapshot: a 5xx or a firewall's challenge is not the site's proven fault.
    pages = [_form_page([{"url": SITE + "/f/a.doc", "text": "申请表", "kind": "attachment"}])]
    assert not [c for c, _ in _codes(service_pages=pages) if c == "online_system_down"]


def test_each_incomplete_guide_is_reported_and_the_cell_counts_them() -> None:
    pages = [
        _guide(1, {}),
        _guide(2, {"申请条件": "absent", "办理地点": "absent", "办理时间": "empty", "办理流程": "absent"}),
        _guide(3, {"联系电话": "absent"}),
    ]
    _, _, _, findings = judge(snapshot(_columns(), service_pages=pages))
    guides = [(rule, draft) for rule, draft in findings if rule.code == "service_guide_incomplete"]
    assert [d.message for _, d in guides] == [
        "办事指南“事项2办事指南”重点要素缺失：申请条件、办理地点、办理时间、办理流程",
        "办事指南“事项3办事指南”重点要素缺失：联系电话",
    ]
    assert [d.url for _, d in guides] == [f"{GUIDES}2.html", f"{GUIDES}3.html"]
    assert guides[0][1].evidence["empty"] == ["办理时间"]
    assert not any(rule.veto for rule, _ in findings)  # the veto is off by default
    cell = summarize([(rule.code, draft) for rule, draft in guides])
    assert cell == "网站有2个办事指南重点要素缺失"
    assert [p.code for p in parse_problems(cell)] == ["service_guide_incomplete"]


def test_the_service_impractical_veto_only_at_the_threshold_set() -> None:
    four = {"申请条件": "absent", "办理地点": "absent", "办理时间": "empty", "办理流程": "absent"}
    pages = [_guide(n, four) for n in range(1, 5)] + [_guide(5, {"联系电话": "absent"})]
    assert "service_impractical" not in dict(_codes(service_pages=pages))  # default: off
    at = {**SETTINGS, "GOVCHECK_VETO_GUIDE_ITEMS": 4, "GOVCHECK_VETO_GUIDE_MISSING": 4}
    verdict, _, _, findings = judge(snapshot(_columns(), service_pages=pages, settings=at))
    veto = [draft for rule, draft in findings if rule.code == "service_impractical"]
    assert verdict == "fail"
    assert veto[0].message == "办事指南重点要素缺失4类及以上的事项达4个（超过（含）4个）"
    assert veto[0].urls == [f"{GUIDES}{n}.html" for n in range(1, 5)]
    below = {**at, "GOVCHECK_VETO_GUIDE_ITEMS": 5}
    verdict, _, _, findings = judge(snapshot(_columns(), service_pages=pages, settings=below))
    assert verdict == "pass" and "service_impractical" not in {rule.code for rule, _ in findings}


def test_the_rules_name_their_source_and_both_books() -> None:
    for code in ("online_system_down", "service_guide_incomplete", "service_impractical"):
        rule = RULES_BY_CODE[code]
        assert rule.source and rule.title and len(rule.rulebooks) == 2
    assert RULES_BY_CODE["service_impractical"].veto
    assert not RULES_BY_CODE["online_system_down"].veto and not RULES_BY_CODE["service_guide_incomplete"].veto


def test_a_published_sentence_reads_back_as_online_system_down() -> None:
    sentence = "“利企服务”栏目中“企业信用查询库”无法正常访问"
    assert [p.code for p in parse_problems(sentence)] == ["online_system_down"]
