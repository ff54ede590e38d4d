"""Report formats: JSON, Markdown, XLSX (opened with openpyxl), HTML (rendered in headless Chromium)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from govcheck import recheck, report
from tests.test_recheck import ANNEX2, Q1, Q4, REPO, SiteRound, q4_site, run_round

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO / "var" / "artifacts"


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


def cli(engine: Engine, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {"GOVCHECK_DATABASE_URL": str(engine.url), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "govcheck.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        check=False,
        timeout=120,
    )


def test_xlsx_report_has_summary_annex_and_evidence(rounds: Engine, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    result = cli(
        rounds, "report", "--format", "xlsx", "--as-of", Q4.isoformat(), "--round", "2023-Q4", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr.decode()
    book = load_workbook(out)
    assert book.sheetnames == ["汇总", "附件", "证据"]
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["检查网站"] == "9 家" and summary["不合格"] == "1 家" and summary["合格率"] == "88.9%"
    annex = list(book["附件"].iter_rows(values_only=True))
    assert annex[0] == ("网站标识码", "网站名称", "首页地址", "存在的突出问题", "结果")
    rows = {r[0]: r for r in annex[1:]}
    assert rows["4213000045"][3:] == ("“政府信息公开指南”、“规划信息”栏目超1年未更新", "合格")
    assert rows["4213999999"][4] == "不合格"
    evidence = list(book["证据"].iter_rows(values_only=True))
    assert evidence[0][:3] == ("网站标识码", "网站名称", "代码")
    stale = next(r for r in evidence if r[0] == "4213000045" and r[4] == "规划信息")
    assert stale[7] == "2022-11-10" and json.loads(stale[10])["threshold_days"] == 365
    codes = {r[2] for r in evidence[1:] if r[0] == "4213999999"}
    assert {"veto_blank_columns", "domain_not_gov", "link_broken", "column_blank"} <= codes


def test_xlsx_to_stdout_and_json_markdown_formats(rounds: Engine) -> None:
    xlsx = cli(rounds, "report", "--format", "xlsx", "--as-of", Q4.isoformat(), "--round", "2023-Q4")
    assert xlsx.returncode == 0 and xlsx.stdout[:2] == b"PK"
    data = json.loads(cli(rounds, "report", "--as-of", Q4.isoformat(), "--round", "2023-Q4").stdout)
    assert data["round"] == "2023-Q4" and len(data["sites"]) == 9
    markdown = cli(rounds, "report", "--format", "markdown", "--as-of", Q4.isoformat(), "--round", "2023-Q4")
    assert "检查网站 9 家" in markdown.stdout.decode() and "合格率 88.9%" in markdown.stdout.decode()


def test_recheck_in_every_format(rounds: Engine, tmp_path: Path) -> None:
    data = recheck.recheck(rounds, previous="2023-Q4", current="2024-Q1")
    results = {s["site_code"]: s for s in data["sites"]}
    assert {code for code, s in results.items() if s["result"] == recheck.FIXED} == {c for c, *_ in ANNEX2}
    bad = results["4213999999"]  # the columns were filled and the link mended; the domain is still wrong
    assert bad["result"] == recheck.NOT_FIXED
    assert [p["code"] for p in bad["remaining"]] == ["domain_not_gov"]
    doc = recheck.document(data)
    book = load_workbook(__import__("io").BytesIO(report.render_xlsx(doc)))
    assert book.sheetnames == ["汇总", "复查情况", "复查明细"]
    assert next(book["复查情况"].iter_rows(values_only=True)) == (
        "网站标识码", "网站名称", "首页地址", "存在的突出问题", "复查结果",
    )  # fmt: skip
    assert "已完成整改" in report.render_html(doc)
    out = tmp_path / "recheck.html"
    result = cli(
        rounds, "recheck", "--previous", "2023-Q4", "--current", "2024-Q1", "--format", "html", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr.decode()
    assert "<table>" in out.read_text(encoding="utf-8")


def test_html_report_is_self_contained(rounds: Engine, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = cli(
        rounds, "report", "--format", "html", "--as-of", Q4.isoformat(), "--round", "2023-Q4", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr.decode()
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "<link" not in page and 'src="' not in page
    assert "“政府信息公开指南”、“规划信息”栏目超1年未更新" in page
    assert '<a href="http://www.example-bad.com/gone.html">' in page


@pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make test installs Debian's chromium)"
)
def test_html_report_renders_in_headless_chromium(rounds: Engine, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(
        report.render_html(report.document(report.build(rounds, Q4, round_name="2023-Q4"))), encoding="utf-8"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "report.png"
    screenshot.unlink(missing_ok=True)
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
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr
    assert dom.stdout.count("<tr>") >= 10 and "随州市审计局" in dom.stdout
