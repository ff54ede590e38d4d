"""Crawl health monitors: the table's checks, their results stored with the crawl, the report's 汇总."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import Engine, select

from govcheck import config, report
from govcheck.context import CrawlContext
from govcheck.db.models import Crawl
from govcheck.db.session import open_database, session_factory
from govcheck.db.spool import Spool, replay
from govcheck.db.writer import CrawlWriter
from govcheck.document import Imprint
from govcheck.evaluator import evaluate
from govcheck.items import ColumnItem, CrawlItem, EntryItem, PageItem, SiteItem
from govcheck.monitors import MONITORS, CrawlFacts, MonitorSuite, crawl_coverage
from govcheck.workbook import render_xlsx

AS_OF = dt.date(2024, 2, 28)
SUITE = MonitorSuite.from_settings(config.defaults())


def facts(**changes: object) -> CrawlFacts:
    values: dict[str, object] = {
        "homepage_status": "ok",
        "columns_found": 5,
        "entries": 40,
        "pages": 10,
        "page_errors": 0,
    }
    return CrawlFacts(**(values | changes))  # type: ignore[arg-type]


def test_every_monitor_threshold_is_a_declared_setting() -> None:
    assert {m.setting for m in MONITORS if m.setting} <= set(config.SETTINGS_BY_NAME)
    assert SUITE.thresholds == {
        "GOVCHECK_MONITOR_MIN_COLUMNS": 1,
        "GOVCHECK_MONITOR_MIN_ENTRIES": 10,
        "GOVCHECK_MONITOR_MAX_ERROR_SHARE": 20.0,
    }


def test_a_sound_crawl_passes_every_monitor() -> None:
    result = SUITE.run(facts())
    assert result["failed"] == []
    assert [(r["monitor"], r["passed"]) for r in result["results"]] == [
        ("homepage_failed", True),
        ("no_columns", True),
        ("few_items", True),
        ("many_errors", True),
    ]


def test_each_monitor_fails_on_its_own_condition() -> None:
    assert SUITE.run(facts(columns_found=0))["failed"] == ["no_columns"]
    assert SUITE.run(facts(entries=9))["failed"] == ["few_items"]
    result = SUITE.run(facts(pages=10, page_errors=3))
    assert result["failed"] == ["many_errors"]
    assert result["results"][3] == {
        "monitor": "many_errors",
        "passed": False,
        "value": 30.0,
        "threshold": 20.0,
    }
    assert SUITE.run(facts(pages=10, page_errors=2))["failed"] == []  # 20 % is still within the limit


def test_a_failed_homepage_skips_the_monitors_it_makes_meaningless() -> None:
    result = SUITE.run(facts(homepage_status="unreachable", columns_found=0, entries=0, pages=0))
    assert result["failed"] == ["homepage_failed"]
    assert [r["passed"] for r in result["results"]] == [False, None, None, None]


def test_thresholds_come_from_the_settings() -> None:
    strict = MonitorSuite.from_settings(config.load(["GOVCHECK_MONITOR_MIN_ENTRIES=100"], environ={}))
    assert strict.run(facts(entries=40))["failed"] == ["few_items"]


CONTEXT = CrawlContext(
    host="sjj.suizhou.gov.cn",
    homepage="http://sjj.suizhou.gov.cn/",
    round="2024-02-28",
    as_of=AS_OF,
    reference_at=dt.datetime(2024, 2, 28, 23, 59, 59, tzinfo=ZoneInfo("Asia/Shanghai")),
)
COLUMN = "http://sjj.suizhou.gov.cn/xwzx/tpxw/"
# One column, one entry, one page in three failed: a crawl that saw too little to trust.
THIN_CRAWL: list[CrawlItem] = [
    SiteItem(homepage_url="http://sjj.suizhou.gov.cn/", status="ok", name="随州市审计局"),
    PageItem(url="http://sjj.suizhou.gov.cn/", kind="homepage", status=200),
    PageItem(url=COLUMN, kind="column", status=200),
    PageItem(url=f"{COLUMN}gone/", kind="column", status=404),
    ColumnItem(url="http://sjj.suizhou.gov.cn/", name="首页", status="ok", depth=0, is_homepage=True),
    ColumnItem(url=COLUMN, name="图片新闻", status="ok", entry_count=1, position=1),
    EntryItem(column_url=COLUMN, url=f"{COLUMN}t1.html", title="a", date_text="2024-02-20"),
]


def stored_health(engine: Engine) -> dict[str, Any]:
    with session_factory(engine)() as session:
        return session.scalars(select(Crawl.health)).one()


def test_monitor_results_are_stored_with_the_crawl_and_counted_in_the_summary(database_url: str) -> None:
    engine = open_database(database_url)
    writer = CrawlWriter(engine, CONTEXT)
    writer.begin()
    writer.write(THIN_CRAWL)
    writer.finish("finished", {}, SUITE)
    health = stored_health(engine)
    assert health["columns_found"] == 1 and health["entries"] == 1 and health["failed_pages"] == 1
    assert health["monitors"]["failed"] == ["few_items", "many_errors"]

    evaluate(engine, AS_OF, settings=config.defaults())
    data = report.build(engine, AS_OF)
    assert data["sites"][0]["monitors"] == ["few_items", "many_errors"]
    doc = report.document(data)
    assert [(f.label, f.value) for f in doc.health] == [
        ("首页无法打开", 0),
        ("未发现栏目", 0),
        ("解析条目过少", 1),
        ("请求失败比例过高", 1),
    ]
    sheet = load_workbook(io.BytesIO(render_xlsx(doc, Imprint())))["汇总"]
    rows = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}
    assert rows["抓取健康：解析条目过少"] == 1 and rows["抓取健康：首页无法打开"] == 0
    engine.dispose()


def test_a_replayed_spool_gets_its_monitors_run(database_url: str, tmp_path: Path) -> None:
    spool = Spool(tmp_path, CONTEXT, "b" * 32)
    spool.add(THIN_CRAWL)
    spool.close("finished", {})
    engine = open_database(database_url)
    replay(engine, spool.path, SUITE)
    assert stored_health(engine)["monitors"]["failed"] == ["few_items", "many_errors"]
    engine.dispose()


def test_the_coverage_note_names_each_phase_the_budget_cut_the_article_sample_last() -> None:
    limits = {"pages_skipped": 3, "pages_skipped_by_phase": {"article": 1, "detail": 2}}
    coverage = crawl_coverage({"limits": limits})
    assert coverage is not None
    assert coverage["note"] == "页面检查未完成：跳过3个页面（详情页2个、文章页抽查1个）"
