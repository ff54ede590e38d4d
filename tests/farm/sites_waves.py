"""A replica whose page work alone is more than a small request budget: which pages the budget cuts must
be a function of the site, never of the order its answers arrive in (govcheck.spiders.waves).

- ``waves.wavefarm.gov.cn``: a homepage with a dated news block and ``TOP`` columns in its menu; the
  two channels (政务公开, 部门信息) list ``SUBS`` sub-columns each in their side menus. Every list is
  unsorted (a pinned old item first), so page 1 cannot tell staleness and page 2 is asked for; the
  plain columns' rows are undated on page 2 (detail pages date them). The sub-columns of 部门信息 hold
  only 2023 items (stale). Each answer waits a random few milliseconds, so that answers arrive in a
  different order in every run.

Crawled with ``GOVCHECK_SITE_PAGE_BUDGET=BUDGET``: the homepage and the top columns fit, the channels'
sub-columns only in part, and nothing after them.

Served through the farm proxy (server.py).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from tests.farm.builder import Resource
from tests.farm.pages import NOT_FOUND, county_page, dated_article, list_block, nav, rows

HOST = "waves.wavefarm.gov.cn"
NEWEST = dt.date(2024, 2, 20)
STALE = dt.date(2023, 3, 1)
# The menu, in order: (path, name); the channels' sub-columns follow them in the column order.
TOP = (
    ("zwgk", "政务公开"),
    ("bmxx", "部门信息"),
    ("gzdt", "工作动态"),
    ("tzgg", "通知公告"),
    ("zcjd", "政策解读"),
    ("rsxx", "人事信息"),
)
CHANNELS = ("zwgk", "bmxx")
SUBS = (("zfwj", "政府文件"), ("ghjh", "规划计划"), ("tjxx", "统计信息"), ("czzj", "财政资金"))
# The homepage (its https attempt fails at the farm: two requests), the six top columns, five of the
# eight sub-columns: the last three sub-columns are left out, whatever order answers come in.
BUDGET = 2 + len(TOP) + 5
ROWS = 6
MAX_DELAY = 0.03  # seconds an answer may wait


def sub_columns() -> list[str]:
    """The sub-columns' URLs in the column order (their channel's, then their menu's)."""
    return [f"http://{HOST}/{channel}/{sub}/" for channel in CHANNELS for sub, _ in SUBS]


def _page(title: str, body: str) -> Resource:
    return county_page(title, body, name="波次测试县人民政府", code="4290000999")


def _rows(path: str, newest: dt.date, *, dated: bool = True) -> str:
    """An unsorted list: a pinned item a year older than the rest first."""
    days = [newest - dt.timedelta(days=365), *(newest - dt.timedelta(days=3 * i) for i in range(ROWS))]
    return rows(
        (f"关于第{i + 1}项工作的通知", f"/{path}/art{i:02d}.html", day if dated else None)
        for i, day in enumerate(days)
    )


@dataclass(frozen=True)
class WavesSite:
    host: str = HOST

    def get(self, path: str, params: dict[str, str]) -> Resource:
        time.sleep(random.uniform(0, MAX_DELAY))  # the order answers arrive in
        parts = [p for p in path.split("/") if p]
        if not parts or parts == ["index.html"]:
            return self._homepage()
        if parts[-1].startswith("art"):
            return _page("通知", dated_article("通知", NEWEST))
        page = 2 if parts[-1] == "index_1.html" else 1
        column = "/".join(p for p in parts if not p.endswith(".html"))
        names = dict(TOP) | {f"{c}/{s}": n for c in CHANNELS for s, n in SUBS}
        if column not in names:
            return NOT_FOUND
        return self._column(column, names[column], page)

    def _homepage(self) -> Resource:
        body = nav((f"/{path}/", name) for path, name in TOP) + list_block("要闻", _rows("gzdt", NEWEST))
        return _page("波次测试县人民政府", body)

    def _column(self, column: str, name: str, page: int) -> Resource:
        channel = column.split("/")[0]
        side = ""
        if column in CHANNELS:
            side = "".join(f'<li><a href="/{column}/{sub}/">{sub_name}</a></li>' for sub, sub_name in SUBS)
            side = f'<div class="left"><h3>{name}</h3><ul class="subnav">{side}</ul></div>'
        newest = STALE if channel == "bmxx" and column != "bmxx" else NEWEST
        listed = _rows(column, newest, dated=page == 1 or "/" in column)
        more = '<div class="page"><a href="index_1.html">下一页</a></div>' if page == 1 else ""
        body = side + list_block(name, listed, more)
        return _page(f"{name} - 波次测试县人民政府", body)


def waves_sites() -> dict[str, WavesSite]:
    return {HOST: WavesSite()}
