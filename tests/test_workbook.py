"""govcheck/workbook.py: the xlsx report, read back with openpyxl: the bulletin layout an office prints,
and never written to a terminal."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from govcheck import report
from tests.helpers import (
    IMPRINT_ENV,
    Q4,
    Q4_REPORT,
    REPO,
    assert_bulletin_sheet,
    govcheck_on,
)


def test_xlsx_report_is_a_bulletin_an_office_can_print(rounds: Engine, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    result = govcheck_on(rounds, *Q4_REPORT, "--format", "xlsx", "-o", str(out), **IMPRINT_ENV)
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
    piped = govcheck_on(rounds, *Q4_REPORT, "--format", "xlsx")
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
