"""Footer and homepage duties end to end (issue 13 item 3): the duty farm (tests/farm/sites_duties.py)
crawled with `govcheck crawl`, judged by `govcheck report`, on SQLite and PostgreSQL.

Every finding a duty site declares is found with its ``item``, and none of the five duty codes on any
other site; the clean controls have no finding at all. IPv6 goes through the farm's declared network
(GOVCHECK_IPV6_NETWORK); with the default network a proxied crawl leaves IPv6 unknown. Link checks
are off: the duties are what is under test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from govcheck.db.models import Crawl, Site
from govcheck.db.session import open_database, session_factory
from govcheck.recheck import FIXED, NOT_FIXED
from tests.farm.process import FarmProcess
from tests.farm.sites_duties import AS_OF, CLEAN, DUTY_SITES, registry_csv
from tests.helpers import by_host, environment, govcheck, import_and_crawl, report

DUTY_CODES = {
    "jiucuo_entry_missing",
    "annual_report_missing",
    "homepage_update_volume",
    "ipv6_unsupported",
    "meta_tags_missing",
}
DUTY_SETTINGS = {
    "GOVCHECK_LINK_CHECK": "false",
    "GOVCHECK_ANNUAL_REPORT_CHECK": "true",
    "GOVCHECK_UPDATE_VOLUME_CHECK": "true",
    "GOVCHECK_IPV6_NETWORK": "tests.farm.sites_duties.FarmIpv6Network",
}


def crawl(env: dict[str, str], workdir: Path, hosts: list[str]) -> dict[str, dict[str, Any]]:
    lines = registry_csv().splitlines()
    registry = "\n".join([lines[0], *(line for line in lines[1:] if line.split(",")[2] in hosts)]) + "\n"
    import_and_crawl(env, workdir, registry, "--all", "--jobs", "4", as_of=AS_OF.isoformat())
    return by_host(report(env, workdir))


def ipv6_facts(database_url: str) -> dict[str, dict[str, Any]]:
    engine = open_database(database_url)
    try:
        with session_factory(engine)() as session:
            rows = session.execute(select(Site.host, Crawl.health).join(Crawl, Crawl.site_id == Site.id))
            return {host: (health or {}).get("ipv6") for host, health in rows}
    finally:
        engine.dispose()


def test_every_declared_duty_finding_and_none_on_the_controls(
    farm: FarmProcess, database_url: str, tmp_path: Path
) -> None:
    env = environment(farm, database_url, **DUTY_SETTINGS)
    sites = crawl(env, tmp_path, list(DUTY_SITES))
    assert set(sites) == set(DUTY_SITES)
    for host, truth in DUTY_SITES.items():
        site = sites[host]
        found = sorted((f["code"], f["item"]) for f in site["findings"] if f["code"] in DUTY_CODES)
        assert found == sorted(truth.findings), (host, [f["message"] for f in site["findings"]])
        assert site["verdict"] == "pass", host  # no duty is a veto
    for host in CLEAN:
        assert (sites[host]["summary"], sites[host]["findings"]) == ("", []), host
    # Evidence: what was seen, as seen.
    wrong = next(f for f in sites["wrongcode.dutyfarm.gov.cn"]["findings"])
    assert wrong["evidence"]["found_site_codes"] == ["4290009999"]
    assert wrong["evidence"]["expected_site_code"] == DUTY_SITES["wrongcode.dutyfarm.gov.cn"].code
    assert wrong["message"] == "首页“我为政府网站找错”入口的网站标识码4290009999与本网站标识码4290001005不符"
    few = sites["fewitems.dutyfarm.gov.cn"]["findings"][0]
    assert (few["evidence"]["count"], few["evidence"]["limit"], few["message"]) == (
        9,
        10,
        "首页栏目2周内信息更新总量不足10条",
    )
    assert min(item["published"] for item in few["evidence"]["items"]) == "2024-02-14"  # day 14 counts
    report_finding = sites["noreport.dutyfarm.gov.cn"]["findings"][0]
    assert [link["year"] for link in report_finding["evidence"]["links_found"]] == [2022]
    assert report_finding["message"] == "未在首页显著位置发布2023年度政府网站工作年度报表"
    meta = {f["item"]: f for f in sites["nometa.dutyfarm.gov.cn"]["findings"]}
    assert (meta["SiteDomain"]["scope"], meta["ColumnType"]["scope"]) == ("homepage", "page")
    assert len(meta["ColumnType"]["urls"]) == 4
    facts = ipv6_facts(database_url)
    assert facts["v6dns.dutyfarm.gov.cn"]["result"] == "unknown"
    assert facts["v6dns.dutyfarm.gov.cn"]["reason"] == "dns_unavailable"
    assert facts["clean.dutyfarm.gov.cn"]["result"] == "supported"
    broken = facts["v6broken.dutyfarm.gov.cn"]
    assert (broken["result"], broken["attempts"][0]["error"]) == ("unsupported", "ConnectionRefusedError")


WRONG_CODE = "首页“我为政府网站找错”入口的网站标识码4290009999与本网站标识码4290001005不符"
SENTENCES = (
    WRONG_CODE,
    "首页未设置“我为政府网站找错”入口",
    "未在首页显著位置发布2023年度政府网站工作年度报表",
    "首页栏目2周内信息更新总量不足10条",
    "网站未支持IPv6访问",
    "首页未按网页设计规范设置SiteDomain元数据标签",
    "栏目页面未按网页设计规范设置ColumnType元数据标签",
)


def test_every_format_shows_them_and_a_recheck_reads_them_back(farm: FarmProcess, tmp_path: Path) -> None:
    env = environment(farm, f"sqlite:///{tmp_path / 'govcheck.db'}", **DUTY_SETTINGS)
    hosts = ["wrongcode.dutyfarm.gov.cn", "nojiucuo.dutyfarm.gov.cn", "noreport.dutyfarm.gov.cn"]
    hosts += [
        "fewitems.dutyfarm.gov.cn",
        "noipv6.dutyfarm.gov.cn",
        "nometa.dutyfarm.gov.cn",
        "clean.dutyfarm.gov.cn",
    ]
    crawl(env, tmp_path, hosts)
    shown: dict[str, str] = {}
    for fmt in ("markdown", "html"):
        result = govcheck("report", "--format", fmt, "--as-of", AS_OF.isoformat(), env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        shown[fmt] = result.stdout
    xlsx = tmp_path / "report.xlsx"
    result = govcheck(
        "report", "--format", "xlsx", "--as-of", AS_OF.isoformat(), "-o", str(xlsx), env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    cells = [
        str(c)
        for sheet in load_workbook(xlsx).worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
    ]
    shown["xlsx"] = "\n".join(cells)
    for fmt, text in shown.items():
        for sentence in SENTENCES:
            assert sentence in text, (fmt, sentence)
    # A published annex (as a CSV) naming these problems last round: the ones still there remain.
    previous = {
        "wrongcode.dutyfarm.gov.cn": WRONG_CODE,
        "nometa.dutyfarm.gov.cn": "首页未按网页设计规范设置SiteDomain元数据标签",
        "clean.dutyfarm.gov.cn": "网站未支持IPv6访问；首页栏目2周内信息更新总量不足10条",
    }
    annex = tmp_path / "annex.csv"
    annex.write_text(
        "网站标识码,网站名称,首页地址,存在的突出问题\n"
        + "".join(f"{DUTY_SITES[h].code},{DUTY_SITES[h].name},{h},{cell}\n" for h, cell in previous.items()),
        encoding="utf-8",
    )
    result = govcheck(
        "recheck", "--previous-file", str(annex), "--current", AS_OF.isoformat(), env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    results = {s["site_code"]: s["result"] for s in json.loads(result.stdout)["sites"]}
    assert results == {
        DUTY_SITES["wrongcode.dutyfarm.gov.cn"].code: NOT_FIXED,
        DUTY_SITES["nometa.dutyfarm.gov.cn"].code: NOT_FIXED,
        DUTY_SITES["clean.dutyfarm.gov.cn"].code: FIXED,
    }


def test_defaults_leave_opt_in_duties_off_and_a_proxied_runner_ipv6_unknown(
    farm: FarmProcess, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'govcheck.db'}"
    env = environment(farm, database_url, GOVCHECK_LINK_CHECK="false")
    hosts = ["noreport.dutyfarm.gov.cn", "fewitems.dutyfarm.gov.cn", "noipv6.dutyfarm.gov.cn"]
    sites = crawl(env, tmp_path, hosts)
    assert {host: sites[host]["findings"] for host in hosts} == {host: [] for host in hosts}
    # The crawl reaches sites through the farm proxy: the runner's own IPv6 says nothing of them.
    assert {host: fact["reason"] for host, fact in ipv6_facts(database_url).items()} == {
        host: "proxied" for host in hosts
    }
    # Reported as a check not made, with why, never a finding: the verdicts stand.
    assert {host: [(u["code"], u["note"]) for u in sites[host]["unchecked"]] for host in hosts} == {
        host: [("ipv6_unsupported", "IPv6访问未判定（检查方经代理访问网站）")] for host in hosts
    }
    assert {sites[host]["verdict"] for host in hosts} == {"pass"}
    markdown = govcheck("report", "--format", "markdown", "--as-of", AS_OF.isoformat(), env=env, cwd=tmp_path)
    assert "未判定项：3 家网站IPv6访问未判定（检查方经代理访问网站）" in markdown.stdout, markdown.stderr
