"""复查 (re-inspection): rounds in the database, and a published 附件 table as the previous round.

Rounds are written through the crawl writer and evaluated by the evaluator, as crawls would be; the
farm-backed reproduction of the 随州 附件2 is in test_e2e_bulletin.py.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine

from govcheck import config
from govcheck.context import CrawlContext
from govcheck.db.session import open_database
from govcheck.db.writer import CrawlWriter
from govcheck.evaluator import evaluate
from govcheck.items import ColumnItem, EntryItem, LetterItem, PageItem, SiteItem
from govcheck.recheck import FIXED, NOT_FIXED, UNCHECKABLE, parse_problems, recheck
from tests.helpers import (
    ANNEX2,
    COLUMNS,
    Q1,
    Q4,
    REPO,
    SHANGHAI,
    SiteRound,
    q1_site,
    q4_site,
    run_round,
    write_crawl,
)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_database(f"sqlite:///{tmp_path / 'govcheck.db'}", migrate=True)


@pytest.fixture
def two_rounds(engine: Engine) -> Engine:
    run_round(engine, [q4_site(*row[:3]) for row in ANNEX2], "2023-Q4", Q4)
    current = [q1_site(*row[:3]) for row in ANNEX2]
    current[5].newest["图片新闻"] = Q4 - dt.timedelta(days=20)  # 统计局 left 图片新闻 as it was
    current[4].status = "blocked"  # 公安局 could not be judged this time
    run_round(engine, current, "2024-Q1", Q1)
    return engine


def test_previous_round_reproduces_annex2_problems(two_rounds: Engine) -> None:
    from govcheck import report

    q4 = report.build(two_rounds, Q4, round_name="2023-Q4")
    assert [(s["site_code"], s["summary"]) for s in q4["sites"]] == sorted(
        (code, summary) for code, _, _, summary in ANNEX2
    )


def test_recheck_between_rounds(two_rounds: Engine) -> None:
    data = recheck(two_rounds, previous="2023-Q4", current="2024-Q1")
    results = {s["site_code"]: s for s in data["sites"]}
    assert {code: s["result"] for code, s in results.items()} == {
        **{code: FIXED for code, *_ in ANNEX2},
        "4213000043": NOT_FIXED,
        "4213000017": UNCHECKABLE,
    }
    tjj = results["4213000043"]
    assert [(p["column"], p["first_seen"], p["last_seen"]) for p in tjj["remaining"]] == [
        ("图片新闻", "2023-12-15", "2024-02-28")
    ]
    assert [p["column"] for p in tjj["fixed"]] == ["工作动态", "要闻动态"]
    assert results["4213000045"]["fixed"][0]["first_seen"] == "2023-12-15"
    assert results["4213000045"]["fixed"][0]["last_seen"] == "2023-12-15"
    assert results["4213000017"]["reason"] == "blocked"
    assert [(p["column"], p["last_seen"]) for p in results["4213000017"]["problems"]] == [
        ("图片新闻", "2023-12-15")
    ]


def test_recheck_from_a_published_csv_annex(two_rounds: Engine, tmp_path: Path) -> None:
    # As extracted from the bulletin text: opening quotes lost, full-width punctuation partly gone.
    lines = [
        "附件2 检查政府网站发现的问题清单(2023年第四次)复查情况",
        "网站标识码,网站名称,首页地址,存在的突出问题,复查结果",
    ]
    lines += [
        f"{code},{name},{host},{summary.lstrip('“')},已完成整改" for code, name, host, summary in ANNEX2
    ]
    lines.append(
        "4213000099,随州市未抓取局,wzq.suizhou.gov.cn,“工作动态”栏目超2周未更新,"
    )  # not in the round
    path = tmp_path / "annex2.csv"
    path.write_text("\n".join(lines) + "\n", encoding="gb18030")
    data = recheck(two_rounds, previous_file=path, current="2024-Q1")
    assert [(s["site_code"], s["result"]) for s in data["sites"]] == [
        (code, {"4213000043": NOT_FIXED, "4213000017": UNCHECKABLE}.get(code, FIXED)) for code, *_ in ANNEX2
    ] + [("4213000099", UNCHECKABLE)]
    assert data["sites"][-1]["reason"] == "not evaluated in the current round"
    assert data["sites"][3]["fixed"][0]["column"] == "政府信息公开指南"


def test_recheck_from_a_published_xlsx_annex_via_the_cli(two_rounds: Engine, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["附件2"])
    sheet.append(["网站标识码", "网站名称", "首页地址", "存在的突出问题", "复查结果"])
    for row in ANNEX2:
        sheet.append([*row, "已完成整改"])
    book.save(tmp_path / "annex2.xlsx")
    env = {"GOVCHECK_DATABASE_URL": str(two_rounds.url), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "govcheck.cli", "recheck", "--previous-file", str(tmp_path / "annex2.xlsx"),
         "--current", "2024-Q1", "--format", "markdown"],
        env=env, cwd=REPO, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "| 网站标识码 | 网站名称 | 首页地址 | 存在的突出问题 | 复查结果 |" in result.stdout
    assert (
        "| 4213000043 | 随州市统计局 | tjj.suizhou.gov.cn | “图片新闻”、“工作动态”、“要闻动态”栏目超2周未更新 "
        "| 未整改到位（图片新闻） |" in result.stdout
    )
    as_json = subprocess.run(
        [sys.executable, "-m", "govcheck.cli", "recheck", "--previous", "2023-Q4", "--current", "2024-Q1"],
        env=env, cwd=REPO, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    assert len(json.loads(as_json.stdout)["sites"]) == 8
    missing = subprocess.run(
        [sys.executable, "-m", "govcheck.cli", "recheck", "--previous", "2022-Q1", "--current", "2024-Q1"],
        env=env, cwd=REPO, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert missing.returncode == 2 and "no evaluations in round '2022-Q1'" in missing.stderr


@pytest.mark.parametrize(
    ("cell", "parsed"),
    [
        ("图片新闻”栏目超2周未更新", [("column_stale", "图片新闻", None, 14)]),
        (
            "政府信息公开指南”、“规划信息”栏目超1年未更新",
            [("column_stale", "政府信息公开指南", None, 365), ("column_stale", "规划信息", None, 365)],
        ),
        (
            "“图片新闻”栏目超2周未更新；“机构职能”栏目为空白栏目；首页存在3个不可用链接",
            [
                ("column_stale", "图片新闻", None, 14),
                ("column_blank", "机构职能", None, None),
                ("link_broken", None, None, None),
            ],
        ),
        (
            "网站页面底部未标注政府网站标识码、公安机关备案标识",
            [("footer_missing", None, "site_code", None), ("footer_missing", None, "police_record", None)],
        ),
        ("首页监测时间点前2周内无信息更新。", [("homepage_stale", None, None, None)]),
        ("无", []),
    ],
)
def test_parse_published_cells(cell: str, parsed: list[tuple]) -> None:
    assert [(p.code, p.column_name, p.item, p.threshold_days) for p in parse_problems(cell)] == parsed


def test_homepage_threshold_in_force_words_the_cell_and_rechecks_it(engine: Engine, tmp_path: Path) -> None:
    # GOVCHECK_HOMEPAGE_STALE_DAYS=3: the cell says 3天, and a table published with it reads back.
    from govcheck import report

    settings = {**config.defaults(), "GOVCHECK_HOMEPAGE_STALE_DAYS": 3}
    site = SiteRound("jx.example.gov.cn", "4213000099", "某局", dict.fromkeys(COLUMNS[:2], Q4))
    for round_name, crawled, judged in (("R1", Q4, 5), ("R2", Q1, 5), ("R3", Q1 + dt.timedelta(days=7), 0)):
        write_crawl(engine, site, round_name, crawled)
        evaluate(engine, crawled + dt.timedelta(days=judged), settings=settings, round_name=round_name)
    (r1,) = report.build(engine, Q4 + dt.timedelta(days=5), round_name="R1")["sites"]
    assert (r1["verdict"], r1["summary"]) == ("fail", "首页监测时间点前3天内无信息更新")
    assert [p.code for p in parse_problems(r1["summary"])] == ["homepage_stale"]
    annex = tmp_path / "annex.csv"
    annex.write_text(
        f"网站标识码,网站名称,首页地址,存在的突出问题\n4213000099,某局,jx.example.gov.cn,{r1['summary']}\n",
        encoding="utf-8",
    )
    for current, result in (("R2", NOT_FIXED), ("R3", FIXED)):
        (row,) = recheck(engine, previous_file=annex, current=current)["sites"]
        assert row["result"] == result, current
        assert recheck(engine, previous="R1", current=current)["sites"][0]["result"] == result
    (row,) = recheck(engine, previous_file=annex, current="R2")["sites"]
    assert [(p["code"], p["message"]) for p in row["remaining"]] == [
        ("homepage_stale", "首页监测时间点前3天内无信息更新")
    ]


LETTERS_HOST = "xx.example.gov.cn"
LETTER_COLUMNS = {"市长信箱": "szxx", "县长信箱": "xzxx"}


def write_letters_crawl(engine: Engine, round_name: str, as_of: dt.date, late: set[str]) -> None:
    """A site with two letters columns; those in ``late`` hold a letter left unanswered for 120 days."""
    home = f"http://{LETTERS_HOST}/"
    writer = CrawlWriter(
        engine,
        CrawlContext(
            LETTERS_HOST, home, round_name, as_of, dt.datetime.combine(as_of, dt.time(23, 59), SHANGHAI)
        ),
    )
    writer.begin()
    items: list[object] = [
        SiteItem(homepage_url=home, status="ok", name="某县", site_code="4213000098", footer={}),
        PageItem(url=home, kind="homepage", status=200),
        ColumnItem(url=home, name=None, status="ok", is_homepage=True, position=0),
        EntryItem(home, f"{home}t{as_of:%Y%m%d}.html", "要闻", as_of.isoformat(), as_of),
    ]
    for position, (name, slug) in enumerate(LETTER_COLUMNS.items(), start=1):
        url = f"{home}{slug}/"
        items.append(ColumnItem(url=url, name=name, status="ok", position=position, http_status=200))
        posted = as_of - dt.timedelta(days=120)
        replied = None if name in late else posted + dt.timedelta(days=5)
        old = LetterItem(
            url, f"{url}1.html", "来信", posted.isoformat(), posted,
            "processing" if replied is None else "replied", replied=replied,
        )  # fmt: skip
        recent = as_of - dt.timedelta(days=3)
        items += [
            old,
            LetterItem(url, f"{url}2.html", "来信", recent.isoformat(), recent, "replied", replied=recent),
        ]
        items += [EntryItem(url, x.url, x.title, x.posted_text, x.posted) for x in (old, items[-1])]
    writer.write(items)
    writer.finish("finished", {})
    evaluate(engine, as_of, settings=config.defaults(), round_name=round_name)


def test_interaction_unanswered_is_rechecked_per_letters_column(engine: Engine, tmp_path: Path) -> None:
    from govcheck import report

    write_letters_crawl(engine, "R1", Q4, late={"市长信箱", "县长信箱"})
    write_letters_crawl(engine, "R2", Q1, late={"县长信箱"})  # 市长信箱 answered its letter since
    (r1,) = report.build(engine, Q4, round_name="R1")["sites"]
    assert [(f["code"], f["column"]) for f in r1["findings"]] == [
        ("interaction_unanswered", "市长信箱"),
        ("interaction_unanswered", "县长信箱"),
    ]
    (row,) = recheck(engine, previous="R1", current="R2")["sites"]
    assert row["result"] == NOT_FIXED
    assert [(p["code"], p["column"]) for p in row["remaining"]] == [("interaction_unanswered", "县长信箱")]
    assert [(p["code"], p["column"]) for p in row["fixed"]] == [("interaction_unanswered", "市长信箱")]
    # The same from the published cell, each sentence naming its column.
    annex = tmp_path / "annex.csv"
    annex.write_text(
        f"网站标识码,网站名称,首页地址,存在的突出问题\n4213000098,某县,{LETTERS_HOST},{r1['summary']}\n",
        encoding="utf-8",
    )
    (row,) = recheck(engine, previous_file=annex, current="R2")["sites"]
    assert [p["column"] for p in row["remaining"]] == ["县长信箱"]
    assert [p["column"] for p in row["fixed"]] == ["市长信箱"]
    # Both answered at last: 已完成整改.
    write_letters_crawl(engine, "R3", Q1 + dt.timedelta(days=7), late=set())
    assert recheck(engine, previous="R1", current="R3")["sites"][0]["result"] == FIXED


@pytest.mark.parametrize(
    ("cell", "parsed"),
    [
        ("网站未提供网上有效咨询建言渠道", [("interaction_unanswered", None, None)]),
        ("政务咨询类栏目无法查看结果", [("interaction_unanswered", None, None)]),
        ("“局长信箱”栏目存在超过3个月未回应有效留言的现象", [("interaction_unanswered", "局长信箱", 90)]),
        ("政务咨询类栏目“网络问政”无法查看结果", [("interaction_unanswered", "网络问政", None)]),
    ],
)
def test_parse_interaction_sentences(cell: str, parsed: list[tuple]) -> None:
    assert [(p.code, p.column_name, p.threshold_days) for p in parse_problems(cell)] == parsed


def test_a_letters_column_finding_answers_a_nameless_sentence_but_not_a_missing_channel() -> None:
    from govcheck.recheck import Problem

    current = Problem("interaction_unanswered", "…", column_url="http://x/szxx/", column_name="市长信箱")
    (nameless,) = parse_problems("政务咨询类栏目无法查看结果")
    assert nameless.key() in current.match_keys()  # the column is not named: any such finding remains
    no_channel = Problem("interaction_unanswered", "网站未提供网上有效咨询建言渠道", item="no_channel")
    assert no_channel.key() not in current.match_keys()  # a channel is there now: that one is fixed
    assert no_channel.key() in no_channel.match_keys()
