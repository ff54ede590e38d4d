"""Duty replicas (issue 13 item 3): small sites under ``dutyfarm.gov.cn``, each with one footer or
homepage duty present or missing, and clean controls that have every duty.

Every site has a complete footer (党政机关网站标识, 网站标识码, ICP备案, 公网安备), fresh 工作动态 and
通知公告 columns and dated homepage items; what differs per site is declared in ``DUTY_SITES``:

- the 我为政府网站找错 entry: an image link (href), an ``onclick`` link (sw.wuhan.gov.cn's form), the
  ``_jiucuo_`` widget script (yichun.gov.cn's form), none, or a link carrying another site's code;
- the homepage link to the 政府网站工作年度报表 of 2023 (or only of 2022);
- dated homepage items within the 2 weeks before AS_OF (12, exactly 10, or 9);
- the 网页设计规范 metas on the homepage and the column pages;
- IPv6 as ``FarmIpv6Network`` declares it (an AAAA record that answers, none, one that does not
  answer, a resolver that fails): the crawl uses it through GOVCHECK_IPV6_NETWORK.

``DutySite.findings`` is the declared truth: the finding codes (with their ``item``) the evaluator must
report at AS_OF with GOVCHECK_ANNUAL_REPORT_CHECK and GOVCHECK_UPDATE_VOLUME_CHECK on, and no other.
Served through the farm proxy (server.py).
"""

from __future__ import annotations

import datetime as dt
import os
import urllib.request
from dataclasses import dataclass
from typing import Any

from govcheck.ipv6 import DnsUnavailable
from tests.farm.builder import Resource
from tests.farm.pages import NOT_FOUND, gov_footer, html_page, list_block, metas, nav, rows
from tests.farm.pages import registry_csv as listed_in_registry

AS_OF = dt.date(2024, 2, 28)
DOMAIN = "dutyfarm.gov.cn"
OTHER_CODE = "4290009999"  # the code in the wrong-code site's 找错 link: another site's
SITE_METAS = ("SiteName", "SiteDomain", "SiteIDCode")


@dataclass(frozen=True)
class DutySite:
    host: str
    code: str
    name: str
    jiucuo: str = "link"  # link | onclick | widget | none | wrong_code
    report_year: int = 2023  # the 年度报表 the homepage links
    recent_items: int = 12  # dated homepage items within the 2 weeks before AS_OF
    missing_site_metas: tuple[str, ...] = ()  # on the homepage
    missing_column_metas: tuple[str, ...] = ()  # on every column page
    ipv6: str = "ok"  # ok | no_aaaa | no_answer | dns_down
    findings: tuple[tuple[str, str | None], ...] = ()  # (code, item): the declared truth

    @property
    def homepage(self) -> str:
        return f"http://{self.host}/"


def _site(prefix: str, number: int, name: str, **duties: Any) -> DutySite:
    return DutySite(f"{prefix}.{DOMAIN}", f"42900010{number:02d}", name, **duties)


SITES: tuple[DutySite, ...] = (
    # Clean controls: every duty, in each of the entry's forms; exactly 10 recent items is enough.
    _site("clean", 1, "尽责县人民政府"),
    _site("clean-widget", 2, "尽责县教育局", jiucuo="widget", recent_items=10),
    _site("clean-onclick", 3, "尽责县民政局", jiucuo="onclick"),
    # One duty missing each.
    _site("nojiucuo", 4, "尽责县交通运输局", jiucuo="none", findings=(("jiucuo_entry_missing", "missing"),)),
    _site(
        "wrongcode",
        5,
        "尽责县水利局",
        jiucuo="wrong_code",
        findings=(("jiucuo_entry_missing", "wrong_code"),),
    ),
    _site("noreport", 6, "尽责县财政局", report_year=2022, findings=(("annual_report_missing", "2023"),)),
    _site("fewitems", 7, "尽责县统计局", recent_items=9, findings=(("homepage_update_volume", None),)),
    _site("noipv6", 8, "尽责县审计局", ipv6="no_aaaa", findings=(("ipv6_unsupported", "no_aaaa"),)),
    _site("v6broken", 9, "尽责县司法局", ipv6="no_answer", findings=(("ipv6_unsupported", "fetch_failed"),)),
    # The resolver fails: unknown, never the site's fault.
    _site("v6dns", 10, "尽责县商务局", ipv6="dns_down"),
    _site(
        "nometa",
        11,
        "尽责县林业局",
        missing_site_metas=("SiteDomain", "SiteIDCode"),
        missing_column_metas=("ColumnType",),
        findings=(
            ("meta_tags_missing", "SiteDomain"),
            ("meta_tags_missing", "SiteIDCode"),
            ("meta_tags_missing", "ColumnType"),
        ),
    ),
)
DUTY_SITES: dict[str, DutySite] = {site.host: site for site in SITES}
CLEAN = tuple(site.host for site in SITES if not site.findings)

COLUMNS = {"/gzdt/": "工作动态", "/tzgg/": "通知公告", "/zcwj/": "政策文件", "/bmdt/": "部门动态"}


def _jiucuo(site: DutySite) -> str:
    link = f"https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code={{code}}&amp;url=http%3A%2F%2F{site.host}%2F"
    image = '<img src="/images/jiucuo.png" alt="政府网站找错">'
    match site.jiucuo:
        case "link":
            return f'<a href="{link.format(code=site.code)}" target="_blank">{image}</a>'
        case "onclick":
            return (
                f'<a href="javascript:;" onclick="window.open(\'{link.format(code=site.code)}\')">{image}</a>'
            )
        case "widget":
            return (
                f"<script id=\"_jiucuo_\" sitecode='{site.code}' "
                "src='https://zfwzgl.www.gov.cn/exposure/jiucuo.js'></script>"
            )
        case "wrong_code":
            return f'<a href="{link.format(code=OTHER_CODE)}" target="_blank">{image}</a>'
    return ""


def _page(site: DutySite, title: str, page_metas: str, body: str) -> Resource:
    footer = gov_footer(
        site.name, site.code, icp="05003310", record="42130202000123", conac="DUTY", jiucuo=_jiucuo(site)
    )
    return html_page(title, body + footer, metas=page_metas)


def _rows(path: str, days: list[int]) -> str:
    dates = [AS_OF - dt.timedelta(days=d) for d in days]
    return rows(
        (f"第{i}条工作信息", f"{path}t{day:%Y%m%d}_{i}.html", day) for i, day in enumerate(dates, start=1)
    )


def homepage_days(site: DutySite) -> list[int]:
    """Days before AS_OF of the homepage's dated items: ``recent_items`` within the 2 weeks, the last
    of them on the window's first day (day 14), then older ones that must not count (day 15 first)."""
    return [*range(site.recent_items - 1), 14, 15, 30, 45]


@dataclass(frozen=True)
class DutyFarmSite:
    site: DutySite

    def site_metas(self) -> dict[str, str]:
        site = self.site
        return {"SiteName": site.name, "SiteDomain": site.host, "SiteIDCode": site.code}

    def get(self, path: str, params: dict[str, str]) -> Resource:
        if path in ("/", "/index.html"):
            return self._homepage()
        if path in COLUMNS:
            return self._column(path, COLUMNS[path])
        return NOT_FOUND

    def _homepage(self) -> Resource:
        site = self.site
        body = (
            nav(COLUMNS.items())
            + list_block("工作动态", _rows("/gzdt/", homepage_days(site)))
            + f'<div class="notice"><a href="/tzgg/nb{site.report_year}.html">'
            f"{site.name}{site.report_year}年度政府网站工作年度报表</a></div>"
        )
        return _page(site, site.name, metas(self.site_metas(), site.missing_site_metas), body)

    def _column(self, path: str, name: str) -> Resource:
        site = self.site
        column_metas = {**self.site_metas(), "ColumnName": name, "ColumnType": name}
        body = list_block(name, _rows(path, [1, 3, 6, 10]))
        return _page(site, f"{name} - {site.name}", metas(column_metas, site.missing_column_metas), body)


def duty_sites() -> dict[str, DutyFarmSite]:
    return {site.host: DutyFarmSite(site) for site in SITES}


def registry_csv() -> str:
    return listed_in_registry(SITES)


class FarmIpv6Network:
    """GOVCHECK_IPV6_NETWORK for the duty farm: the AAAA records the sites declare, and a GET "over
    IPv6" that is a GET through the farm proxy (the homepage really answers) for an address that
    answers. Hosts it does not know have no AAAA record."""

    ANSWERS, SILENT = "2001:db8::80", "2001:db8::dead"

    def __init__(self, settings: Any, user_agent: str) -> None:
        self.user_agent = user_agent

    def usable(self) -> str | None:
        return None

    def resolve(self, host: str) -> list[str]:
        site = DUTY_SITES.get(host)
        kind = site.ipv6 if site else "no_aaaa"
        if kind == "dns_down":
            raise DnsUnavailable("[Errno -3] Temporary failure in name resolution")
        return {"ok": [self.ANSWERS], "no_answer": [self.SILENT]}.get(kind, [])

    def fetch(self, address: str, url: str, timeout: float) -> int:
        if address != self.ANSWERS:
            raise ConnectionRefusedError(f"[{address}] refused")
        proxy = os.environ.get("http_proxy") or os.environ.get("HTTP_PROXY") or ""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        with opener.open(request, timeout=timeout) as response:
            return int(response.status)
