"""Older snapshots of the farm: the replicas as they were at an earlier as-of date (an *epoch*).

``python -m tests.farm --epoch 2023-12-15`` (or ``FarmProcess(epoch=...)``) serves every replica with
its dates moved back by (2024-02-28 − epoch), so a column as fresh then as it is now; the specs only
generate a few items back from their newest date, so cutting the current snapshot at the epoch would
leave most columns blank instead. For the epoch the 随州 2024-1 bulletin's 附件2 describes
(2023年第四次, checked as of 2023-12-15), its eight sites then have exactly the problems listed
there: the named columns newest a few days past their period, every other column fresh.
The ground truth of that round is ``EXPECTED_2023Q4``.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from functools import cache

from tests.farm.builder import Site, _Builder
from tests.farm.sites import SPECS, Col, SiteSpec
from tests.farm.truth import AS_OF, category_days

EPOCH_2023Q4 = date(2023, 12, 15)

# 附件2 (检查政府网站发现的问题清单(2023年第四次)复查情况): site → (网站标识码, columns stale then).
ANNEX2_2023Q4: dict[str, tuple[str, tuple[str, ...]]] = {
    "www.zgsuixian.gov.cn": ("4213210015", ("图片新闻",)),
    "www.dhs.gov.cn": ("4213910001", ("图片新闻",)),
    "zjj.suizhou.gov.cn": ("4213000041", ("图片新闻",)),
    "sjj.suizhou.gov.cn": ("4213000045", ("政府信息公开指南", "规划信息")),
    "gaj.suizhou.gov.cn": ("4213000017", ("图片新闻",)),
    "tjj.suizhou.gov.cn": ("4213000043", ("图片新闻", "工作动态", "要闻动态")),
    "cgw.suizhou.gov.cn": ("4213000014", ("图片新闻",)),
    "swj.suizhou.gov.cn": ("4213000032", ("图片新闻",)),
}
# The 存在的突出问题 cells, normalized (the extracted bulletin text lost the opening quotes).
EXPECTED_2023Q4: dict[str, str] = {
    "www.zgsuixian.gov.cn": "“图片新闻”栏目超2周未更新",
    "www.dhs.gov.cn": "“图片新闻”栏目超2周未更新",
    "zjj.suizhou.gov.cn": "“图片新闻”栏目超2周未更新",
    "sjj.suizhou.gov.cn": "“政府信息公开指南”、“规划信息”栏目超1年未更新",
    "gaj.suizhou.gov.cn": "“图片新闻”栏目超2周未更新",
    "tjj.suizhou.gov.cn": "“图片新闻”、“工作动态”、“要闻动态”栏目超2周未更新",
    "cgw.suizhou.gov.cn": "“图片新闻”栏目超2周未更新",
    "swj.suizhou.gov.cn": "“图片新闻”栏目超2周未更新",
}
STALE_MARGIN = 6  # days past its period a stale column's newest item is
FRESH_AGE = 3  # days before the epoch a column the bulletin does not name was last updated


def _column_at(column: Col, epoch: date, stale: tuple[str, ...] | None) -> Col:
    if column.newest is None:
        return column
    period = category_days(column.name)
    newest = column.newest - (AS_OF - epoch)
    if stale is not None:  # a site of the bulletin's annex: exactly its named columns are stale
        if column.name in stale:
            newest = epoch - timedelta(days=period + STALE_MARGIN)
        elif (epoch - newest).days > period:
            newest = epoch - timedelta(days=FRESH_AGE)
    return dataclasses.replace(column, newest=newest)


def spec_at(spec: SiteSpec, epoch: date) -> SiteSpec:
    annex = ANNEX2_2023Q4.get(spec.host) if epoch == EPOCH_2023Q4 else None
    stale = annex[1] if annex else None
    menus = tuple((menu, tuple(_column_at(c, epoch, stale) for c in cols)) for menu, cols in spec.menus)
    return dataclasses.replace(spec, menus=menus)


@cache
def build_epoch(epoch: date) -> dict[str, Site]:
    return {spec.host: _Builder(spec_at(spec, epoch)).build() for spec in SPECS}
