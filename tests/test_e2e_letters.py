"""Letters end to end (issue 13 items 1-2): the letters replicas of tests/farm/sites_letters.py crawled with
``scrapy crawl portal``, stored on SQLite and PostgreSQL, and judged: every declared finding found with its
wording, none on the clean control; the letters stored with their dates; the findings in all four report
formats and matched by 复查 against a published cell."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from govcheck.db.models import Column, Letter, Site
from govcheck.db.session import open_database, session_factory
from govcheck.recheck import NOT_FIXED
from tests.farm.process import FarmProcess
from tests.farm.sites_letters import BAD, CLEAN, LETTER_TRUTH
from tests.farm.truth import AS_OF
from tests.helpers import by_host, environment, govcheck, report, scrapy_crawl


def stored_letters(database_url: str, host: str) -> dict[str, list[Letter]]:
    engine = open_database(database_url, migrate=False)
    with session_factory(engine)() as session:
        rows = session.execute(
            select(Column.name, Letter)
            .join(Letter, Letter.column_id == Column.id)
            .join(Site, Site.id == Column.site_id)
            .where(Site.host == host)
            .order_by(Letter.posted)
        ).all()
        session.expunge_all()
    engine.dispose()
    found: dict[str, list[Letter]] = {}
    for name, letter in rows:
        found.setdefault(name, []).append(letter)
    return found


def test_letters_are_read_stored_judged_reported_and_rechecked(
    farm: FarmProcess, database_url: str, tmp_path: Path
) -> None:
    env = environment(farm, database_url)
    for host in LETTER_TRUTH:
        crawl = scrapy_crawl(
            host, env, tmp_path, f"as_of={AS_OF.isoformat()}", settings=("LOG_LEVEL=WARNING",)
        )
        assert crawl.returncode == 0, crawl.stderr[-2000:]

    # Judged: every declared finding, with its wording and column, and nothing else; none on the control.
    sites = by_host(report(env, tmp_path))
    for host, truth in LETTER_TRUTH.items():
        site = sites[host]
        found = sorted((f["code"], f["column"], f["message"]) for f in site["findings"])
        assert found == sorted((x.code, x.column, x.message) for x in truth.findings), host
        assert site["verdict"] == truth.verdict, host
    late = {f["column"]: f for f in sites[BAD]["findings"] if f["code"] == "interaction_unanswered"}
    (unanswered,) = late["县长信箱"]["evidence"]["letters"]
    assert (unanswered["posted"], unanswered["replied"], unanswered["days"]) == ("2023-10-31", None, 120)
    (answered_late,) = late["12345留言"]["evidence"]["letters"]  # read from the letter's own page
    assert (answered_late["posted"], answered_late["replied"], answered_late["days"]) == (
        "2023-10-21",
        "2024-02-18",
        120,
    )
    (unseen,) = late["网络问政"]["evidence"]["letters"]  # on page 2 of a paged list
    assert (unseen["status"], unseen["reply_seen"]) == ("已办结", False)
    assert sites[CLEAN]["score"] == 100.0 and sites[CLEAN]["summary"] == ""

    # Stored: posted, status, replied, whether a reply is seen; the excluded 网上信访 letters too.
    letters = stored_letters(database_url, BAD)
    online = [
        (x.posted.isoformat() if x.posted else None, x.status, x.reply_present) for x in letters["网络问政"]
    ]
    assert online == [
        ("2023-01-24", "processing", None),  # page 3, outside the judged year: its page is not read
        ("2023-10-01", "done", False),
        ("2024-01-19", "replied", True),
        ("2024-02-18", "replied", True),
        ("2024-02-25", "processing", False),
    ]
    assert [(x.status, x.replied) for x in letters["网上信访"]] == [("processing", None)]
    assert "局长信箱" not in letters and "书记信箱" not in letters

    # Reported in every format.
    markdown = govcheck("report", "--format", "markdown", "--as-of", AS_OF.isoformat(), env=env, cwd=tmp_path)
    html = govcheck("report", "--format", "html", "--as-of", AS_OF.isoformat(), env=env, cwd=tmp_path)
    for output in (markdown, html):
        assert output.returncode == 0, output.stderr
        assert "政务咨询类栏目“网络问政”无法查看结果" in output.stdout
        assert "“在线访谈”栏目自2022年10月以来一直未更新" in output.stdout
    assert "调查征集、在线访谈长期未开展" in html.stdout  # the evidence table's 问题类型
    workbook_path = tmp_path / "letters.xlsx"
    xlsx = govcheck(
        "report",
        "--format",
        "xlsx",
        "--as-of",
        AS_OF.isoformat(),
        "-o",
        str(workbook_path),
        env=env,
        cwd=tmp_path,
    )
    assert xlsx.returncode == 0, xlsx.stderr
    cells = {str(c.value) for sheet in load_workbook(workbook_path) for row in sheet.iter_rows() for c in row}
    assert {"interaction_unanswered", "consult_reply_timeliness", "survey_inactive"} <= cells
    assert "“咨询投诉”栏目监测时间点前2个月内未更新留言答复" in cells

    # 复查 against the published cell: every sentence read back through the rules and still found.
    annex = tmp_path / "annex.csv"
    rows = [f"{s['site_code']},{s['name']},{s['host']},{s['summary']}" for s in sites.values()]
    annex.write_text(
        "网站标识码,网站名称,首页地址,存在的突出问题\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    recheck = govcheck(
        "recheck", "--previous-file", str(annex), "--current", AS_OF.isoformat(), "--format", "json",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert recheck.returncode == 0, recheck.stderr
    (bad,) = [s for s in json.loads(recheck.stdout)["sites"] if s["homepage"] == BAD]
    assert bad["result"] == NOT_FIXED
    assert sorted(r["message"] for r in bad["remaining"]) == sorted(
        x.message for x in LETTER_TRUTH[BAD].findings
    )
