"""A column the site's robots.txt forbids (stored ``unparseable`` with reason ``robots_txt``) is never
judged: no finding about it, and a site with nothing else read is unknown for that reason, in words."""

from __future__ import annotations

import dataclasses

from govcheck.evaluator.engine import judge
from govcheck.evaluator.rules import ColumnState
from govcheck.report import verdict_words
from govcheck.vocabulary import ROBOTS_TXT
from tests.helpers import AS_OF, column, days_ago, snapshot

NEWS_URL = "http://example.gov.cn/xwzx/gzdt/"


def forbidden(name: str, url: str, position: int) -> ColumnState:
    """The column as a crawl that robots.txt kept out of it stores it: not read, no entries."""
    not_read = column(name, None, position=position, status="unparseable", url=url)
    return dataclasses.replace(not_read, reason=ROBOTS_TXT, http_status=None, entry_count=0, undated_count=0)


def test_a_forbidden_column_is_no_finding() -> None:
    fresh = column("通知公告", AS_OF, position=1)
    # Read, the same column would be stale: forbidden, it is not judged at all.
    stale = judge(snapshot([fresh, column("工作动态", days_ago(400), position=2, url=NEWS_URL)]))
    assert [rule.code for rule, _ in stale[3]] == ["column_stale"]
    verdict, reason, score, findings = judge(snapshot([fresh, forbidden("工作动态", NEWS_URL, 2)]))
    assert (verdict, reason, score, findings) == ("pass", None, 100.0, [])


def test_a_site_whose_robots_txt_forbids_every_column_is_unknown() -> None:
    columns = [forbidden("工作动态", NEWS_URL, 1), forbidden("通知公告", "http://example.gov.cn/tzgg/", 2)]
    verdict, reason, _, findings = judge(snapshot(columns, homepage_newest=None))
    assert (verdict, reason, findings) == ("unknown", ROBOTS_TXT, [])
    assert (
        verdict_words({"verdict": verdict, "reason": reason})
        == "无法判定（网站robots.txt禁止抓取栏目，未检查）"
    )
    # Columns that failed to parse for the site's own reasons keep their reason.
    unparseable = [column("工作动态", None, position=1, status="unparseable")]
    assert judge(snapshot(unparseable, homepage_newest=None))[1] == "unparseable"
