"""govcheck/report.py: the report built from evaluations, in JSON and Markdown; problem sites only; 复查
in every format; text kept plain and only web URLs linked. (xlsx: test_workbook.py; html: test_bulletin.py.)"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from govcheck import recheck, report
from govcheck.document import Imprint, plain, web_url
from govcheck.monitors import INCOMPLETE_LABEL, crawl_coverage
from tests.helpers import (
    ANNEX2,
    IMPRINT_ENV,
    Q1,
    Q4_REPORT,
    SiteRound,
    assert_bulletin_sheet,
    govcheck_on,
    run_round,
)


def test_json_keeps_chinese_and_markdown_is_the_annex(rounds: Engine) -> None:
    raw = govcheck_on(rounds, *Q4_REPORT).stdout.decode()
    assert "随州市审计局" in raw and "\\u" not in raw  # ensure_ascii=False
    data = json.loads(raw)
    assert data["round"] == "2023-Q4" and len(data["sites"]) == 9
    markdown = govcheck_on(rounds, *Q4_REPORT, "--format", "markdown", **IMPRINT_ENV).stdout.decode()
    assert markdown.startswith("附件1\n\n# 检查政府网站发现的问题清单（2023-Q4）\n")
    assert "检查网站 9 家" in markdown and "合格率 88.9%" in markdown
    assert markdown.index("示例不合格网站") < markdown.index("随州市审计局")  # 不合格 first
    assert markdown.rstrip().endswith("随州市政务服务和大数据管理局\n2024年3月6日")
    raw = govcheck_on(rounds, "recheck", "--previous", "2023-Q4", "--current", "2024-Q1").stdout.decode()
    assert "已完成整改" in raw and "\\u" not in raw


def test_problems_only_lists_problem_sites_and_counts_all(rounds: Engine) -> None:
    args = ("report", "--as-of", Q1.isoformat(), "--round", "2024-Q1", "--problems-only")
    markdown = govcheck_on(rounds, *args, "--format", "markdown").stdout.decode()
    table = [line for line in markdown.splitlines() if line.startswith("| 42")]
    assert len(table) == 1 and "示例不合格网站" in table[0]
    assert "检查网站 9 家，发现问题网站 1 家，不合格 0 家" in markdown
    page = govcheck_on(rounds, *args, "--format", "html").stdout.decode()
    assert "示例不合格网站" in page and "随州市审计局" not in page
    recheck_md = govcheck_on(
        rounds,
        "recheck",
        "--previous",
        "2023-Q4",
        "--current",
        "2024-Q1",
        "--problems-only",
        "--format",
        "markdown",
    ).stdout.decode()
    assert [line for line in recheck_md.splitlines() if line.startswith("| 42")] == [
        "| 4213999999 | 示例不合格网站 | www.example-bad.com | "
        + next(line for line in recheck_md.splitlines() if "示例不合格网站" in line).split(" | ")[3]
        + " | 未整改到位（网站使用非“.gov.cn”域名） |"
    ]


def test_recheck_in_every_format(rounds: Engine, tmp_path: Path) -> None:
    data = recheck.recheck(rounds, previous="2023-Q4", current="2024-Q1")
    results = {s["site_code"]: s for s in data["sites"]}
    assert {code for code, s in results.items() if s["result"] == recheck.FIXED} == {c for c, *_ in ANNEX2}
    bad = results["4213999999"]  # the columns were filled and the link mended; the domain is still wrong
    assert bad["result"] == recheck.NOT_FIXED
    assert [p["code"] for p in bad["remaining"]] == ["domain_not_gov"]
    doc = recheck.document(data)
    book = load_workbook(io.BytesIO(report.render(data, doc, "xlsx", imprint=Imprint(annex=2))))
    assert book.sheetnames == ["汇总", "复查情况", "复查明细"]
    assert_bulletin_sheet(
        book["复查情况"], 2, ("网站标识码", "网站名称", "首页地址", "存在的突出问题", "复查结果"), 9
    )
    assert book["复查情况"]["A2"].value == "检查政府网站发现的问题清单（2023-Q4）复查情况"
    assert book["复查情况"].cell(4, 6).value.startswith("未整改到位")  # 未整改到位 first
    summary = {row[0].value: row[1] for row in book["汇总"].iter_rows(min_row=4)}
    assert summary["已完成整改"].value == 8 and summary["整改完成率"].value == pytest.approx(8 / 9)
    assert summary["复查时间点"].is_date
    detail = book["复查明细"]
    first_seen = next(c for c in detail[3] if c.value == "首次发现").column
    assert all(detail.cell(r, first_seen).is_date for r in range(4, detail.max_row + 1))
    assert "已完成整改" in report.render(data, doc, "html")
    out = tmp_path / "recheck.html"
    result = govcheck_on(
        rounds, "recheck", "--previous", "2023-Q4", "--current", "2024-Q1", "--format", "html", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr.decode()
    page = out.read_text(encoding="utf-8")
    assert '<p class="annex">附件2</p>' in page and '<table class="listing">' in page


def test_only_web_urls_are_linked_and_text_is_plain() -> None:
    assert web_url("https://sjj.suizhou.gov.cn/a?b=1") == "https://sjj.suizhou.gov.cn/a?b=1"
    for url in (
        "javascript:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
        "//evil",
        "http://[x",
        "http:// a",
        7,
    ):
        assert web_url(url) is None, url
    assert plain("a\x00b\x1bc\u202ed\ud800") == "abc[U+202E]d"
    assert report.markdown_text("<b>|x|</b>\n[a](javascript:1) *e*") == (
        "&lt;b&gt;\\|x\\|&lt;/b&gt; \\[a\\](javascript:1) \\*e\\*"
    )
    book = load_workbook(io.BytesIO(report.render({}, recheck_free_document("x" * 40_000), "xlsx")))
    assert len(book["附件"]["C4"].value) == 32_767  # Excel's cell limit, not a broken workbook


def recheck_free_document(name: str) -> report.Document:
    data = {"as_of": "2024-02-28", "round": None, "sites": [
        {"site_code": "1", "name": name, "host": "a.gov.cn", "verdict": "pass", "reason": None, "summary": "", "findings": []}
    ]}  # fmt: skip
    return report.document(data)


def test_an_unknown_verdict_says_why_in_chinese_and_keeps_its_code_in_json() -> None:
    for code, words in (
        ("inspector_network", "无法判定（检查方网络故障，需重新检查）"),
        ("address_not_found", "无法判定（网址无法解析，请核对地址）"),
        ("no_recent_crawl", "无法判定（近期未检查）"),
        ("a_future_reason", "无法判定（a_future_reason）"),  # an unlabelled code is shown as it is
    ):
        assert report.verdict_words({"verdict": "unknown", "reason": code}) == words
    assert report.verdict_words({"verdict": "fail", "reason": None}) == "不合格"


def test_a_budget_cut_is_a_note_not_a_finding() -> None:
    health = {"limits": {"links_checked": 46, "links_total": 120, "pages_skipped": 0, "exhausted": "pages"}}
    coverage = crawl_coverage(health)
    assert coverage is not None and coverage["note"] == "链接检查未完成：已检查46个/共120个"
    assert crawl_coverage({"limits": {"links_checked": 9, "links_total": 9, "pages_skipped": 0}}) is None
    assert crawl_coverage({}) is None  # a crawl stored before coverage was counted
    site = {"site_code": "1", "name": "甲", "host": "a.gov.cn", "homepage": "http://a.gov.cn/", "verdict": "pass",
            "reason": None, "summary": "", "findings": [], "coverage": coverage}  # fmt: skip
    doc = report.document({"as_of": "2024-02-28", "round": None, "sites": [site]})
    (row,) = doc.tables[1].rows
    assert (row[2], row[3], row[5], row[10]) == ("检查未完成", "否", coverage["note"], "crawl_incomplete")
    assert doc.tables[0].rows[0][3:] == ("无", "合格")  # the verdict stands on what was checked
    assert (doc.health[-1].label, doc.health[-1].value) == (INCOMPLETE_LABEL, 1)
    assert INCOMPLETE_LABEL not in [f.label for f in recheck_free_document("乙").health]


def test_ipv6_not_judged_is_said_with_its_reason_in_every_format(tmp_path: Path) -> None:
    from govcheck.db.session import open_database

    engine = open_database(f"sqlite:///{tmp_path / 'govcheck.db'}", migrate=True)
    fresh = {"图片新闻": Q1 - dt.timedelta(days=2)}
    facts = {
        "a.suizhou.gov.cn": {"result": "unknown", "reason": "proxied"},
        "b.suizhou.gov.cn": {"result": "unknown", "reason": "proxied"},
        "c.suizhou.gov.cn": {"result": "unknown", "reason": "dns_unavailable", "error": "timed out"},
        "d.suizhou.gov.cn": {"result": "supported"},
    }
    sites = [
        SiteRound(host, f"421300009{n}", f"甲{n}", fresh, health={"ipv6": fact})
        for n, (host, fact) in enumerate(facts.items())
    ]
    run_round(engine, sites, "R", Q1)
    data = report.build(engine, Q1, round_name="R")
    by_host = {s["host"]: s for s in data["sites"]}
    assert [(s["verdict"], s["summary"], s["findings"]) for s in data["sites"]] == [("pass", "", [])] * 4
    (proxied,) = by_host["a.suizhou.gov.cn"]["unchecked"]
    assert proxied == {
        "code": "ipv6_unsupported",
        "reason": "proxied",
        "note": "IPv6访问未判定（检查方经代理访问网站）",
        "evidence": facts["a.suizhou.gov.cn"],
    }
    assert by_host["c.suizhou.gov.cn"]["unchecked"][0]["note"] == "IPv6访问未判定（检查方域名解析无应答）"
    assert by_host["d.suizhou.gov.cn"]["unchecked"] == []

    doc = report.document(data)
    notes = [
        ("未判定项", "2 家网站IPv6访问未判定（检查方经代理访问网站）"),
        ("未判定项", "1 家网站IPv6访问未判定（检查方域名解析无应答）"),
    ]
    assert doc.notes == notes
    assert [(r[2], r[3], r[5], r[10]) for r in doc.tables[1].rows if r[0] == "4213000090"] == [
        ("未判定项", "否", "IPv6访问未判定（检查方经代理访问网站）", "ipv6_unsupported")
    ]
    markdown = report.render(data, doc, "markdown")
    assert "\n\n未判定项：2 家网站IPv6访问未判定（检查方经代理访问网站）\n\n" in markdown
    assert markdown.index("| 4213000093 |") < markdown.index("未判定项")  # under the table
    page = report.render(data, doc, "html")
    assert '<p class="note">未判定项：1 家网站IPv6访问未判定（检查方域名解析无应答）</p>' in page
    book = load_workbook(io.BytesIO(report.render(data, doc, "xlsx")))
    summary = [(row[0].value, row[1].value) for row in book["汇总"].iter_rows(min_row=4)]
    assert set(notes) <= set(summary)
    evidence = {row[3].value: row[6].value for row in book["证据"].iter_rows(min_row=4)}
    assert evidence["未判定项"].startswith("IPv6访问未判定")
    # 复查: a site whose IPv6 the current round could not judge is not called fixed.
    unsupported = {"result": "unsupported", "reason": "no_aaaa"}
    before = {"图片新闻": Q1 - dt.timedelta(days=9)}
    earlier = SiteRound("a.suizhou.gov.cn", "4213000090", "甲0", before, health={"ipv6": unsupported})
    run_round(engine, [earlier], "R0", Q1 - dt.timedelta(days=7))
    (row,) = recheck.recheck(engine, previous="R0", current="R")["sites"]
    assert (row["result"], row["reason"]) == ("无法复查", "IPv6访问未判定（检查方经代理访问网站）")
    assert [(p["code"], p["note"]) for p in row["unchecked"]] == [
        ("ipv6_unsupported", "IPv6访问未判定（检查方经代理访问网站）")
    ]
    assert not row["fixed"] and not row["remaining"]
    detail = recheck.document(recheck.recheck(engine, previous="R0", current="R")).tables[1].rows
    assert [(r[2], r[6]) for r in detail] == [("网站未支持IPv6访问", "无法复查")]
    engine.dispose()
