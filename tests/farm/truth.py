"""Ground truth of the farm, as of the 随州 2024-1 bulletin's check date.

Derived from the same specs the pages are built from (sites.py), so it cannot drift from what is
served; tests/test_farm.py re-reads the served pages to prove it. ``expected_summary`` is written out
literally from the bulletin's 附件1, and a test checks that the columns' dates reproduce it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from tests.farm.builder import STUB_HOSTS, Site, build_all
from tests.farm.sites_depth import GBK, KPY, XXGK

AS_OF = datetime.date(2024, 2, 28)


@dataclass(frozen=True)
class ColumnTruth:
    name: str
    url: str  # as linked from the site's navigation
    newest: datetime.date | None  # max date printed on the column's list; None when blank
    blank: bool
    category_days: int  # 14 / 180 / 365, see category_days()


@dataclass(frozen=True)
class SiteTruth:
    host: str
    site_code: str | None
    name: str
    homepage: str
    columns: tuple[ColumnTruth, ...]  # in navigation order; a menu entry whose page is gone is no column
    broken_links: tuple[str, ...]  # homepage ones first, then ones on other pages
    good_links: tuple[str, ...]
    expected_summary: str
    expected_verdict: str  # "pass" / "fail" / "unknown"
    is_portal: bool  # 是否为门户网: the 政务咨询 rule (interaction_unanswered) judges portals only


# indicators.md §b.3 keyword lists (2 weeks, then 6 months); "今日××" is the prefix form.
TWO_WEEK_KEYWORDS = (
    "要闻", "动态", "新闻", "资讯", "快讯", "图片新闻", "视频新闻", "工作动态", "部门动态", "区县动态", "县区动态",
    "乡镇动态", "街道动态", "基层动态", "镇街动态", "政务要闻", "本地要闻", "工作进展", "工作信息", "政务信息",
    "媒体关注", "媒体聚焦",
)  # fmt: skip
SIX_MONTH_KEYWORDS = (
    "通知公告", "公示公告", "公告公示", "通知", "公告", "公示", "政策文件", "政策法规", "法规文件", "规范性文件",
    "政府文件", "部门文件", "本级文件", "文件发布", "政府令",
)  # fmt: skip


def category_days(name: str) -> int:
    """Update period of a column by its title, first match wins: 2w → 14, 6m → 180, 1y or nothing → 365."""
    if name.startswith("今日") or any(k in name for k in TWO_WEEK_KEYWORDS):
        return 14
    if any(k in name for k in SIX_MONTH_KEYWORDS):
        return 180
    return 365


# 附件1, normalized: each name in “”, names joined by 、, groups by ；, ordered 2周 → 6个月 → 1年 → 空白.
_BULLETIN = {
    "sjj.suizhou.gov.cn": "“图片新闻”、“审计动态”栏目超2周未更新；"
    "“疫情防控”、“复工复产服务”、“三大攻坚战”、“党史学习教育”栏目超1年未更新",
    "jtj.suizhou.gov.cn": "“图片新闻”、“动态要闻”栏目超2周未更新；“以交通发展促乡村振兴”栏目超1年未更新",
    "yjglj.suizhou.gov.cn": "“规划信息”、“视频”栏目超1年未更新",
    "sfj.suizhou.gov.cn": "“图片新闻”栏目超2周未更新",
    "scjdglj.suizhou.gov.cn": "“规划信息”、“市场监管文化”、“两学一做学习教育”、“打击侵权假冒执法年”栏目超1年未更新",
}

# The portal fails on the blank-column veto (≥5); every other replica passes (附件1 sites have stale
# columns, but below every veto threshold).
_VERDICTS = {"www.suizhou.gov.cn": "fail"}
# 是否为门户网 as the 随州 registry has it: the city's and the county's portals.
PORTALS = frozenset({"www.suizhou.gov.cn", "www.zgsuixian.gov.cn"})

DEAD_HOSTS: dict[str, str] = {
    "www.dead-refused.gov.cn": "connection_refused",  # also the portal's dead 友情链接
    "slow.suizhou.gov.cn": "connection_timeout",
    "drop.suizhou.gov.cn": "dropped",
}
BLOCKED_HOSTS: dict[str, int] = {"waf403.suizhou.gov.cn": 403, "busy429.suizhou.gov.cn": 429}


def _truth(site: Site) -> SiteTruth:
    spec = site.spec
    columns = tuple(
        ColumnTruth(c.name, url, site.newest[c.name], site.newest[c.name] is None, category_days(c.name))
        for c, url in site.columns
    )
    return SiteTruth(
        host=spec.host,
        site_code=spec.code,
        name=spec.name,
        homepage=f"http://{spec.host}/",
        columns=columns,
        broken_links=site.broken,
        good_links=site.good,
        expected_summary=_BULLETIN.get(spec.host, ""),
        expected_verdict=_VERDICTS.get(spec.host, "pass"),
        is_portal=spec.host in PORTALS,
    )


SITES: dict[str, SiteTruth] = {host: _truth(site) for host, site in build_all().items()}


def registry_csv() -> str:
    """The farm's sites as a registry (the headers real bulletins use): ``tests/farm/sites.csv``,
    which ``make demo`` and the README's Usage section import."""
    rows = [
        f"{s.site_code or ''},{s.name},{s.host},{'是' if s.is_portal else '否'}\n" for s in SITES.values()
    ]
    return "网站标识码,网站名称,首页地址,是否为门户网\n" + "".join(rows)


# Backend group (one server or 集约化 platform) of every host the farm answers for, as a registry's
# ``backend`` column names it; the farm counts peak concurrency per group (Stats).
_MUNICIPAL = ("sjj", "jtj", "yjglj", "sfj", "scjdglj", "zjj", "tjj", "cgw", "swj")
BACKENDS: dict[str, str] = {
    # 随州's municipal platform hosts the city's department sites and the portal's own dead/blocked siblings.
    **{f"{name}.suizhou.gov.cn": "suizhou-platform" for name in _MUNICIPAL},
    "www.suizhou.gov.cn": "suizhou-portal",  # the portal has its own servers, its WAF in front of two hosts
    "waf403.suizhou.gov.cn": "suizhou-portal",
    "busy429.suizhou.gov.cn": "suizhou-portal",
    "slow.suizhou.gov.cn": "suizhou-legacy",  # an old server room: the dead hosts
    "drop.suizhou.gov.cn": "suizhou-legacy",
    "gaj.suizhou.gov.cn": "suizhou-police",  # 公安 sites stay on the police network
    "www.dead-refused.gov.cn": "dead-refused",
    # 随县: the county portal and its department sites on the county's 集约化 platform.
    "www.zgsuixian.gov.cn": "suixian-platform",
    **{f"{name}.zgsuixian.gov.cn": "suixian-platform" for name in ("jyj", "wjj", "nyj", "mzj", "rsj", "hbj")},
    "www.dhs.gov.cn": "dhs",
    **{host: "depthfarm-platform" for host in (GBK, XXGK, KPY)},
    **{host: f"third-party:{host}" for host in STUB_HOSTS},
}
# Seconds a backend takes per response: the county platform is slow, so concurrent requests overlap.
BACKEND_LATENCY: dict[str, float] = {"suixian-platform": 0.1}
