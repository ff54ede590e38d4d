"""A replica with a column whose every row is undated: only its detail pages date its entries, so a
budget that cuts them must leave the column unknown, never judged not updated.

- ``undated.wavefarm.gov.cn``: a homepage with a dated news block and ``COLUMNS`` in its menu. 工作动态
  and 政策解读 list dated rows; 通知公告 lists ``ROWS`` rows with no date in the row or the URL, each row's
  own page saying 发布时间 ``NEWEST`` (fresh).

Crawled with ``GOVCHECK_SITE_PAGE_BUDGET=SMALL_BUDGET`` the homepage and the columns fit and no detail
page does; with ``LARGE_BUDGET`` everything does.

Served through the farm proxy (server.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests.farm.builder import Resource
from tests.farm.pages import NOT_FOUND, county_page, dated_article, list_block, nav, rows

HOST = "undated.wavefarm.gov.cn"
NEWEST = dt.date(2024, 2, 20)
COLUMNS = (("gzdt", "工作动态"), ("tzgg", "通知公告"), ("zcjd", "政策解读"))
UNDATED_COLUMN = f"http://{HOST}/tzgg/"
ROWS = 5
# The homepage (its https attempt fails at the farm: two requests) and the columns, no detail page.
SMALL_BUDGET = 2 + len(COLUMNS)
LARGE_BUDGET = 200


def _page(title: str, body: str) -> Resource:
    return county_page(title, body, name="未注日期测试县人民政府", code="4290000998")


def _rows(path: str, *, dated: bool) -> str:
    days = [NEWEST - dt.timedelta(days=3 * i) for i in range(ROWS)]
    return rows(
        (f"关于第{i + 1}项工作的通知", f"/{path}/content_{i}.html", day if dated else None)
        for i, day in enumerate(days)
    )


@dataclass(frozen=True)
class UndatedSite:
    host: str = HOST

    def get(self, path: str, params: dict[str, str]) -> Resource:
        parts = [p for p in path.split("/") if p]
        if not parts or parts == ["index.html"]:
            body = nav((f"/{p}/", name) for p, name in COLUMNS) + list_block(
                "要闻", _rows("gzdt", dated=True)
            )
            return _page("未注日期测试县人民政府", body)
        names = dict(COLUMNS)
        if parts[0] not in names:
            return NOT_FOUND
        if parts[-1].startswith("content_"):
            return _page("通知", dated_article("通知", NEWEST))
        name = names[parts[0]]
        listed = _rows(parts[0], dated=parts[0] != "tzgg")
        return _page(f"{name} - 未注日期测试县人民政府", list_block(name, listed))


def undated_sites() -> dict[str, UndatedSite]:
    return {HOST: UndatedSite()}
