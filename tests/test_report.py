"""Report formats: JSON, Markdown, XLSX (read back with openpyxl: the layout an office prints), HTML
(jinja2 bulletin; rendered in headless Chromium when `make browser` installed it)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine

from govcheck import recheck, report
from govcheck.document import Imprint, plain, web_url
from tests.helpers import ANNEX2, Q1, Q4, REPO, SiteRound, q4_site, run_round

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO / "var" / "artifacts"
MEDIA_BOX = re.compile(rb"/MediaBox \[([0-9. ]+)\]")


@pytest.fixture
def rounds(tmp_path: Path) -> Engine:
    from govcheck.db.session import open_database

    engine = open_database(f"sqlite:///{tmp_path / 'govcheck.db'}", migrate=True)
    sites = [q4_site(*row[:3]) for row in ANNEX2]
    sites.append(
        SiteRound(
            "www.example-bad.com",
            "4213999999",
            "示例不合格网站",
            {"图片新闻": None, "工作动态": None, "要闻动态": None, "通知公告": None, "规划信息": None},
            broken=["http://www.example-bad.com/gone.html"],
        )
    )
    run_round(engine, sites, "2023-Q4", Q4)
    run_round(
        engine, [SiteRound(s.host, s.code, s.name, dict.fromkeys(s.newest, Q1)) for s in sites], "2024-Q1", Q1
    )
    return engine


def cli(engine: Engine, *args: str, **extra_env: str) -> subprocess.CompletedProcess[bytes]:
    env = {"GOVCHECK_DATABASE_URL": str(engine.url), "PATH": "/usr/bin:/bin", **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "govcheck.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        check=False,
        timeout=120,
    )


Q4_REPORT = ("report", "--as-of", Q4.isoformat(), "--round", "2023-Q4")
IMPRINT_ENV = {"GOVCHECK_ISSUER": "随州市政务服务和大数据管理局", "GOVCHECK_ISSUE_DATE": "2024-03-06"}


def assert_bulletin_sheet(sheet: Worksheet, annex: int, headers: tuple[str, ...], rows: int) -> None:
    """The layout every table sheet shares: 附件N, merged title, styled header, print setup."""
    last = chr(ord("A") + len(headers))  # 序号 comes first
    assert sheet["A1"].value == f"附件{annex}"
    assert f"A2:{last}2" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value.startswith("检查政府网站发现的问题清单（")
    header = [c for c in sheet[3]]
    assert tuple(c.value for c in header) == ("序号", *headers)
    assert all(c.fill.fgColor.rgb.endswith("D9D9D9") and c.font.bold for c in header)
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == f"A3:{last}{3 + rows}"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert [sheet.cell(r, 1).value for r in range(4, 4 + rows)] == list(range(1, rows + 1))
    for row in sheet.iter_rows(min_row=3, max_row=3 + rows):
        for cell in row:
            assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin", cell.coordinate


def test_xlsx_report_is_a_bulletin_an_office_can_print(rounds: Engine, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    result = cli(rounds, *Q4_REPORT, "--format", "xlsx", "-o", str(out), **IMPRINT_ENV)
    assert result.returncode == 0, result.stderr.decode()
    book = load_workbook(out)
    assert book.sheetnames == ["汇总", "附件", "证据"]

    summary = book["汇总"]
    assert "A2:B2" in {str(r) for r in summary.merged_cells.ranges}
    cells = {row[0].value: row[1] for row in summary.iter_rows(min_row=4)}
    # Numbers a province can add up, shown with their unit by the number format.
    assert cells["检查网站"].value == 9 and cells["检查网站"].number_format == '0"家"'
    assert cells["不合格"].value == 1 and cells["发现问题网站"].value == 9 and cells["无法判定"].value == 0
    assert cells["合格率"].value == pytest.approx(8 / 9) and cells["合格率"].number_format == "0.0%"
    assert cells["监测时间点"].is_date and cells["监测时间点"].value.date() == Q4
    assert cells["检查轮次"].value == "2023-Q4"
    assert cells["印发单位"].value == "随州市政务服务和大数据管理局"
    assert cells["印发日期"].is_date and cells["印发日期"].value.date() == dt.date(2024, 3, 6)

    annex = book["附件"]
    assert_bulletin_sheet(annex, 1, ("网站标识码", "网站名称", "首页地址", "存在的突出问题", "结果"), 9)
    rows = [tuple(c.value for c in row) for row in annex.iter_rows(min_row=4)]
    assert rows[0][1:3] == ("4213999999", "示例不合格网站") and rows[0][5] == "不合格"  # 不合格 first
    assert annex.cell(4, 6).font.color.rgb.endswith("B30000")
    by_code = {r[1]: r for r in rows}
    assert by_code["4213000045"][4:] == ("“政府信息公开指南”、“规划信息”栏目超1年未更新", "合格")
    assert all(not annex.cell(r, 6).alignment.wrap_text for r in range(4, 13))  # 结果 never wrapped
    assert annex.cell(4, 5).alignment.wrap_text

    evidence = book["证据"]
    headers = tuple(c.value for c in evidence[3])[1:]
    assert headers == report.EVIDENCE_HEADERS
    assert_bulletin_sheet(evidence, 1, headers, evidence.max_row - 3)
    col = {h: i + 2 for i, h in enumerate(headers)}
    stale = next(
        r
        for r in range(4, evidence.max_row + 1)
        if evidence.cell(r, col["网站标识码"]).value == "4213000045"
        and evidence.cell(r, col["栏目"]).value == "规划信息"
    )
    newest = evidence.cell(stale, col["最新信息日期"])
    assert newest.is_date and newest.value.date() == dt.date(2022, 11, 10)
    assert evidence.cell(stale, col["问题类型"]).value == "栏目不更新"
    assert evidence.cell(stale, col["代码"]).value == "column_stale"
    assert evidence.cell(stale, col["HTTP状态"]).value == 200
    assert json.loads(evidence.cell(stale, col["证据"]).value)["threshold_days"] == 365
    address = evidence.cell(stale, col["地址"])
    assert address.hyperlink.target == address.value == "http://sjj.suizhou.gov.cn/ghxx/"
    codes = {
        evidence.cell(r, col["代码"]).value
        for r in range(4, evidence.max_row + 1)
        if evidence.cell(r, col["网站标识码"]).value == "4213999999"
    }
    assert {"veto_blank_columns", "domain_not_gov", "link_broken", "column_blank"} <= codes
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)


def test_xlsx_refuses_a_terminal_and_writes_to_a_pipe(rounds: Engine) -> None:
    piped = cli(rounds, *Q4_REPORT, "--format", "xlsx")
    assert piped.returncode == 0 and piped.stdout[:2] == b"PK"
    leader, follower = pty.openpty()
    try:
        env = {"GOVCHECK_DATABASE_URL": str(rounds.url), "PATH": "/usr/bin:/bin"}
        on_tty = subprocess.run(
            [sys.executable, "-m", "govcheck.cli", *Q4_REPORT, "--format", "xlsx"],
            env=env, cwd=REPO, stdout=follower, stderr=subprocess.PIPE, timeout=120, check=False,
        )  # fmt: skip
    finally:
        os.close(follower)
        os.close(leader)
    assert on_tty.returncode == 2
    assert on_tty.stderr.decode().strip().splitlines() == [
        "govcheck: an xlsx workbook is not for a terminal: write it with -o FILE.xlsx (or redirect stdout)"
    ]


def test_json_keeps_chinese_and_markdown_is_the_annex(rounds: Engine) -> None:
    raw = cli(rounds, *Q4_REPORT).stdout.decode()
    assert "随州市审计局" in raw and "\\u" not in raw  # ensure_ascii=False
    data = json.loads(raw)
    assert data["round"] == "2023-Q4" and len(data["sites"]) == 9
    markdown = cli(rounds, *Q4_REPORT, "--format", "markdown", **IMPRINT_ENV).stdout.decode()
    assert markdown.startswith("附件1\n\n# 检查政府网站发现的问题清单（2023-Q4）\n")
    assert "检查网站 9 家" in markdown and "合格率 88.9%" in markdown
    assert markdown.index("示例不合格网站") < markdown.index("随州市审计局")  # 不合格 first
    assert markdown.rstrip().endswith("随州市政务服务和大数据管理局\n2024年3月6日")
    raw = cli(rounds, "recheck", "--previous", "2023-Q4", "--current", "2024-Q1").stdout.decode()
    assert "已完成整改" in raw and "\\u" not in raw


def test_problems_only_lists_problem_sites_and_counts_all(rounds: Engine) -> None:
    args = ("report", "--as-of", Q1.isoformat(), "--round", "2024-Q1", "--problems-only")
    markdown = cli(rounds, *args, "--format", "markdown").stdout.decode()
    table = [line for line in markdown.splitlines() if line.startswith("| 42")]
    assert len(table) == 1 and "示例不合格网站" in table[0]
    assert "检查网站 9 家，发现问题网站 1 家，不合格 0 家" in markdown
    page = cli(rounds, *args, "--format", "html").stdout.decode()
    assert "示例不合格网站" in page and "随州市审计局" not in page
    recheck_md = cli(
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
    result = cli(
        rounds, "recheck", "--previous", "2023-Q4", "--current", "2024-Q1", "--format", "html", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr.decode()
    page = out.read_text(encoding="utf-8")
    assert '<p class="annex">附件2</p>' in page and '<table class="listing">' in page


def test_html_report_is_a_printable_bulletin(rounds: Engine, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = cli(rounds, *Q4_REPORT, "--format", "html", "-o", str(out), **IMPRINT_ENV)
    assert result.returncode == 0, result.stderr.decode()
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "<link" not in page and 'src="' not in page
    assert '<p class="annex">附件1</p>' in page and "<h1>检查政府网站发现的问题清单（2023-Q4）</h1>" in page
    assert "<span>监测时间点：2023年12月15日</span><span>检查轮次：2023-Q4</span>" in page
    assert '<th class="no">序号</th>' in page and '<td class="no">1</td>' in page
    assert '<th class="result">结果</th>' in page and '<td class="result bad">不合格</td>' in page
    assert '<p class="issuer">随州市政务服务和大数据管理局</p>' in page
    assert '<p class="issued">2024年3月6日</p>' in page
    assert "@page { size: A4 landscape;" in page
    assert "thead { display: table-header-group; }" in page
    assert ".result { white-space: nowrap;" in page
    assert "<td>栏目不更新</td>" in page and "<td>column_stale</td>" in page  # Chinese label and code
    assert page.index("示例不合格网站") < page.index("随州市审计局")  # 不合格 first
    assert "“政府信息公开指南”、“规划信息”栏目超1年未更新" in page
    assert '<a href="http://www.example-bad.com/gone.html">' in page


def test_an_office_overrides_the_templates(rounds: Engine, tmp_path: Path) -> None:
    office = tmp_path / "office"
    office.mkdir()
    (office / "bulletin.css").write_text("body { font-family: serif; } /* office style */", encoding="utf-8")
    template = tmp_path / "ours.html"
    template.write_text(
        '{% extends "govcheck/bulletin.html" %}{% block signature %}<p class="seal">（盖章）{{ imprint.issuer }}</p>{% endblock %}',
        encoding="utf-8",
    )
    result = cli(
        rounds, *Q4_REPORT, "--format", "html", "--template", str(template),
        GOVCHECK_REPORT_TEMPLATES=str(office), GOVCHECK_ISSUER="<b>某局</b>",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    page = result.stdout.decode()
    assert "/* office style */" in page and "@page" not in page
    assert (
        '<p class="seal">（盖章）&lt;b&gt;某局&lt;/b&gt;</p>' in page
    )  # autoescaped in an office template too
    assert "<h1>检查政府网站发现的问题清单（2023-Q4）</h1>" in page

    broken = tmp_path / "broken.html"
    broken.write_text("{% block x %}", encoding="utf-8")
    for args, message in [
        (("--format", "html", "--template", str(broken)), f"govcheck: {broken}:1: Unexpected end of template."),
        (("--format", "markdown", "--template", str(template)), "govcheck: --template applies to --format html, not markdown"),
        (("--format", "html", "--template", str(tmp_path / "none.html")), f"govcheck: {tmp_path / 'none.html'}: no such template file"),
    ]:  # fmt: skip
        failed = cli(rounds, *Q4_REPORT, *args)
        assert failed.returncode == 2
        assert failed.stderr.decode().strip().splitlines()[-1].startswith(message), failed.stderr.decode()
    wrong_folder = cli(
        rounds, *Q4_REPORT, "--format", "html", GOVCHECK_REPORT_TEMPLATES=str(tmp_path / "nope")
    )
    assert wrong_folder.returncode == 2
    assert "templates folder not found" in wrong_folder.stderr.decode()


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


def test_a_bad_issue_date_is_one_line(rounds: Engine) -> None:
    result = cli(rounds, *Q4_REPORT, "--format", "html", GOVCHECK_ISSUE_DATE="2024-13-01")
    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        "govcheck: GOVCHECK_ISSUE_DATE: expected YYYY-MM-DD or nothing, got '2024-13-01'"
    )


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed: `make browser` installs it with the CJK fonts (root, apt-get)",
)
def test_html_report_renders_in_headless_chromium(rounds: Engine, tmp_path: Path) -> None:
    """The bulletin as chromium draws it (var/artifacts/report.png) and prints it (report.pdf, A4 landscape)."""
    data = report.build(rounds, Q4, round_name="2023-Q4")
    imprint = Imprint(annex=1, issuer="随州市政务服务和大数据管理局", issued=dt.date(2024, 3, 6))
    page = tmp_path / "report.html"
    page.write_text(report.render(data, report.document(data), "html", imprint=imprint), encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot, printed = ARTIFACTS / "report.png", ARTIFACTS / "report.pdf"
    screenshot.unlink(missing_ok=True)
    printed.unlink(missing_ok=True)
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    shot = subprocess.run(
        [CHROMIUM, *flags, "--window-size=1280,1400", f"--screenshot={screenshot}", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert shot.returncode == 0, shot.stderr
    assert screenshot.stat().st_size > 10_000  # a real rendering, not a blank page
    pdf = subprocess.run(
        [CHROMIUM, *flags, "--no-pdf-header-footer", f"--print-to-pdf={printed}", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert pdf.returncode == 0, pdf.stderr
    boxes = {tuple(round(float(n)) for n in box.split()) for box in MEDIA_BOX.findall(printed.read_bytes())}
    assert boxes == {(0, 0, 842, 595)}  # every page as the @page rule says: A4 landscape, in points
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr
    assert dom.stdout.count("<tr>") >= 10 and "随州市审计局" in dom.stdout


def test_an_unknown_verdict_says_why_in_chinese_and_keeps_its_code_in_json() -> None:
    for code, words in (
        ("inspector_network", "无法判定（检查方网络故障，需重新检查）"),
        ("address_not_found", "无法判定（网址无法解析，请核对地址）"),
        ("no_recent_crawl", "无法判定（近期未检查）"),
        ("a_future_reason", "无法判定（a_future_reason）"),  # an unlabelled code is shown as it is
    ):
        assert report.verdict_words({"verdict": "unknown", "reason": code}) == words
    assert report.verdict_words({"verdict": "fail", "reason": None}) == "不合格"
