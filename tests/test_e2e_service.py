"""Service pages and blank lists on the farm, end to end, on SQLite and PostgreSQL: the service replica's
broken forms and systems (online_system_down) and incomplete 办事指南 (service_guide_incomplete), the
blank replica's blank lists in every shape (column_blank) beside lists loaded by script (unparseable,
js_list), the clean control with none of these; the findings in the four report formats and in 复查.
Ground truth: tests/farm/sites_service.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from govcheck.db.models import Column, ColumnCheck
from govcheck.db.session import open_database, session_factory
from tests.farm.process import FarmProcess
from tests.farm.sites_service import BLANK, CONTROL, SERVICE, SERVICE_TRUTH
from tests.helpers import AS_OF, REGISTRY_HEADER, by_host, environment, govcheck, import_and_crawl, report

HOSTS = (SERVICE, BLANK, CONTROL)
SERVICE_CODES = {"online_system_down", "service_guide_incomplete", "service_impractical"}


def _crawl(farm: FarmProcess, database_url: str, workdir: Path) -> dict[str, str]:
    env = environment(farm, database_url)
    registry = REGISTRY_HEADER + "\n"
    registry += "".join(f",{SERVICE_TRUTH[h].name if h in SERVICE_TRUTH else h},{h}\n" for h in HOSTS)
    sites = [part for host in HOSTS for part in ("--site", host)]
    import_and_crawl(env, workdir, registry, *sites, "--jobs", "3")
    return env


def _findings(site: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [f for f in site["findings"] if f["code"] == code]


def _column_checks(database_url: str, host: str) -> dict[str, tuple[str, str | None]]:
    engine = open_database(database_url)
    try:
        with session_factory(engine)() as session:
            rows = session.execute(
                select(Column.url, ColumnCheck.status, ColumnCheck.reason).join(
                    ColumnCheck, ColumnCheck.column_id == Column.id
                )
            ).all()
    finally:
        engine.dispose()
    return {url: (status, reason) for url, status, reason in rows if f"//{host}/" in url}


def test_service_and_blank_findings_on_the_farm(farm: FarmProcess, database_url: str, tmp_path: Path) -> None:
    env = _crawl(farm, database_url, tmp_path)
    sites = by_host(report(env, tmp_path))

    # Forms and systems that cannot be downloaded or opened: the target, the page it is on, its text.
    truth = SERVICE_TRUTH[SERVICE]
    down = _findings(sites[SERVICE], "online_system_down")
    assert {f["url"]: f["evidence"]["found_on"] for f in down} == truth.systems_down
    assert all(f["evidence"]["text"] and f["column_url"] for f in down)
    statuses = {f["url"]: (f["evidence"]["http_status"], f["evidence"]["error"]) for f in down}
    assert statuses[f"http://{SERVICE}/bgxz/files/gtgsh.doc"] == (404, None)
    assert statuses["http://www.dead-refused.gov.cn/xyk/"][1] is not None  # refused: no status at all
    # Each incomplete guide once, with the classes it misses; the complete ones not at all.
    guides = _findings(sites[SERVICE], "service_guide_incomplete")
    assert {f["url"]: set(f["evidence"]["missing"]) for f in guides} == truth.incomplete_guides
    assert "网站有2个办事指南重点要素缺失" in sites[SERVICE]["summary"]
    assert not _findings(sites[SERVICE], "service_impractical")  # the veto is off by default

    # Blank lists in every shape are blank columns; lists a script loads are not judged.
    blank = SERVICE_TRUTH[BLANK]
    assert {f["column_url"] for f in _findings(sites[BLANK], "column_blank")} == set(blank.blank_columns)
    checks = _column_checks(database_url, BLANK)
    for url in blank.script_columns:
        assert checks[url] == ("unparseable", "js_list"), url
    assert _findings(sites[BLANK], "veto_blank_columns")  # nine blank columns: the official veto (≥ 5)

    # The clean control: nothing at all to report.
    control = sites[CONTROL]
    assert (control["verdict"], control["findings"]) == ("pass", []), control["summary"]
    assert not {f["code"] for s in sites.values() for f in s["findings"]} & SERVICE_CODES - {
        "online_system_down",
        "service_guide_incomplete",
    }


def test_service_findings_in_every_format_in_recheck_and_the_veto_when_set(
    farm: FarmProcess, tmp_path: Path
) -> None:
    env = _crawl(farm, f"sqlite:///{tmp_path / 'govcheck.db'}", tmp_path)
    as_of = AS_OF.isoformat()
    down = "“表格下载”栏目中“个体工商户登记申请书”无法正常下载"
    markdown = govcheck("report", "--format", "markdown", "--as-of", as_of, env=env, cwd=tmp_path)
    assert markdown.returncode == 0, markdown.stderr
    assert down in markdown.stdout and "网站有2个办事指南重点要素缺失" in markdown.stdout
    html = govcheck("report", "--format", "html", "--as-of", as_of, env=env, cwd=tmp_path)
    assert html.returncode == 0, html.stderr
    assert all(code in html.stdout for code in ("online_system_down", "service_guide_incomplete"))
    xlsx = tmp_path / "附件1.xlsx"
    written = govcheck("report", "--format", "xlsx", "--as-of", as_of, "-o", str(xlsx), env=env, cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    cells = {
        str(c.value) for sheet in load_workbook(xlsx).worksheets for row in sheet.iter_rows() for c in row
    }
    assert {"online_system_down", "service_guide_incomplete"} <= cells

    # 复查 of the round against itself: every service finding remains, matched by its target or guide.
    rechecked = govcheck("recheck", "--previous", as_of, "--current", as_of, env=env, cwd=tmp_path)
    assert rechecked.returncode == 0, rechecked.stderr
    rows = {row["homepage"]: row for row in json.loads(rechecked.stdout)["sites"]}  # the host, as registered
    remaining = rows[SERVICE]["remaining"]
    truth = SERVICE_TRUTH[SERVICE]
    assert {p["url"] for p in remaining if p["code"] == "online_system_down"} == set(truth.systems_down)
    assert {p["url"] for p in remaining if p["code"] == "service_guide_incomplete"} == set(
        truth.incomplete_guides
    )

    # The 服务不实用 veto at a threshold the office sets: one guide missing four classes fails the site.
    veto = govcheck(
        "--set", "GOVCHECK_VETO_GUIDE_ITEMS=1", "--set", "GOVCHECK_VETO_GUIDE_MISSING=4",
        "evaluate", "--as-of", as_of, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert veto.returncode == 0, veto.stderr
    sites = by_host(report(env, tmp_path))
    impractical = _findings(sites[SERVICE], "service_impractical")
    assert sites[SERVICE]["verdict"] == "fail" and impractical[0]["veto"] is True
    assert impractical[0]["urls"] == [u for u, m in truth.incomplete_guides.items() if len(m) >= 4]
    assert sites[CONTROL]["verdict"] == "pass"


@pytest.mark.parametrize("host", [SERVICE, CONTROL])
def test_the_service_truth_is_self_consistent(host: str) -> None:
    truth = SERVICE_TRUTH[host]
    assert not set(truth.incomplete_guides) & truth.complete_guides
    assert (host == SERVICE) == bool(truth.systems_down)
