"""The big farm: N synthetic government sites served by the test farm's proxy, with their truth as data.

Run: .venv/bin/python bench/bigfarm.py [--sites 20] [--columns 30] [--items 60] [--broken 0.02]
     [--port 0] [--truth FILE]

Prints the proxy URL on its first line (as ``python -m tests.farm`` does), writes the truth as JSON
to ``--truth`` and serves until killed. The sites are SiteSpecs of tests/farm/sites.py expanded by the
farm's own builder (generic, TRS WCM and Hanweb JCMS families in turn, every third site on Hanweb with
its ``<datastore>`` lists and paging proxy), so their markup is the markup the tests read; on top of
that about ``--broken`` of the article pages are deleted (their list rows and neighbours' 上一篇/下一篇
links answer 404), every third site has one menu entry whose column page is gone, and some columns
are stale for their category. The same seed gives the same farm, byte for byte.

The truth, per site: every column (URL as linked, newest printed date, category days, stale or not)
and every broken link with its scope: ``homepage`` (linked from the homepage), ``list`` (from the
first page of a column list: what an inspection that reads page 1 of each column must find) or
``deep`` (only from later list pages or articles: what only a full-site crawl reaches).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.farm.builder import Site, build_site  # noqa: E402
from tests.farm.sites import Col, SiteSpec  # noqa: E402
from tests.farm.truth import AS_OF, category_days  # noqa: E402

DOMAIN = "bigfarm.gov.cn"
CMS_CYCLE = ("generic", "trs", "hanweb")

# Column titles by update period (tests/farm/truth.py's category_days decides, independently of
# govcheck): 2 weeks, 6 months, 1 year. A site takes the first ones of each, in this proportion.
TWO_WEEKS = ("图片新闻", "工作动态", "部门动态", "乡镇动态", "基层动态", "媒体聚焦", "政务要闻", "区县动态")
SIX_MONTHS = ("通知公告", "政策文件", "规范性文件", "公示公告", "部门文件", "政府令")
ONE_YEAR = (
    "政策解读", "人事信息", "财政预决算", "规划计划", "重大项目", "建议提案办理", "政府信息公开指南",
    "政府信息公开年报", "领导信息", "权责清单", "双随机一公开", "行政许可", "行政处罚", "统计数据",
    "审计结果", "环境保护", "安全生产", "食品安全", "教育信息", "医疗卫生", "社会救助", "就业创业",
    "乡村振兴", "营商环境", "文明创建", "招商引资", "应急管理", "生态文明", "民生实事", "公共资源配置",
)  # fmt: skip
MENUS = ("新闻中心", "政务公开", "专题专栏")
# Newest item's age in days, fresh and stale, and the spacing of items, per category.
AGES = {14: ((0, 7), (20, 90), 2), 180: ((3, 100), (200, 400), 10), 365: ((10, 250), (400, 900), 20)}


@dataclass(frozen=True)
class FarmConfig:
    sites: int = 20
    columns: int = 30
    items: int = 60
    broken: float = 0.02  # share of article pages deleted
    seed: int = 12

    def hosts(self) -> list[str]:
        return [f"s{i:03d}.{DOMAIN}" for i in range(self.sites)]


def _names(columns: int) -> list[str]:
    """Column titles: a quarter 2-week ones, a sixth 6-month ones, the rest yearly."""
    two = min(len(TWO_WEEKS), max(1, columns // 4))
    six = min(len(SIX_MONTHS), max(1, columns // 6))
    names = [*TWO_WEEKS[:two], *SIX_MONTHS[:six], *ONE_YEAR[: columns - two - six]]
    if len(names) < columns:
        raise SystemExit(f"bigfarm: at most {len(TWO_WEEKS) + len(SIX_MONTHS) + len(ONE_YEAR)} columns")
    return names[:columns]


def site_spec(config: FarmConfig, index: int) -> SiteSpec:
    host = config.hosts()[index]
    rng = random.Random(f"{config.seed}/{host}")
    names = _names(config.columns)
    stale = set(rng.sample(range(config.columns), rng.choice((0, 1, 2, 3))))
    # A home-block column is never the missing one: its block would link articles that were never built.
    missing = rng.randrange(4, config.columns) if index % 4 == 1 and config.columns > 4 else None
    cols = []
    for j, name in enumerate(names):
        days = category_days(name)
        fresh, old, every = AGES[days]
        low, high = old if j in stale else fresh
        newest = AS_OF - timedelta(days=rng.randint(low, high))
        cols.append(
            Col(
                name,
                f"c{j:02d}",
                newest,
                n=config.items,
                every=every,
                home=j < 4,
                missing=j == missing,
            )
        )
    per_menu = -(-len(cols) // len(MENUS))
    menus = tuple(
        (menu, tuple(cols[k * per_menu : (k + 1) * per_menu]))
        for k, menu in enumerate(MENUS)
        if cols[k * per_menu : (k + 1) * per_menu]
    )
    org = f"第{index + 1}号县局"
    return SiteSpec(
        host=host,
        code=f"99{index:08d}",
        name=f"大农场{org}",
        org=org,
        cms=CMS_CYCLE[index % len(CMS_CYCLE)],
        menus=menus,
        topics=("安全生产", "乡村振兴", "营商环境", "河湖长制", "人居环境", "防汛抗旱"),
        docid_base=1_000_000 + index * 100_000,
        icp=f"鄂ICP备{99000000 + index}号-1",
        gongan=f"{42990000000000 + index}",
        phone="0722-0000000",
        address="湖北省大农场县1号",
        colid_base=5000 + index * 1000,
        nav_heads="first",
    )


_HREF = re.compile(r"""(?:href|src)\s*=\s*["']([^"'#]+)""")


def _links(site: Site, path: str) -> set[str]:
    page = site.get(path, {})
    base = f"http://{site.spec.host}{path}"
    text = page.body.decode(site.spec.charset, "replace")
    return {urljoin(base, href.strip()) for href in _HREF.findall(text) if not href.startswith("javascript")}


def build(config: FarmConfig) -> tuple[dict[str, Site], dict[str, Any]]:
    """The served sites (host → Site) and their truth (JSON-ready)."""
    sites: dict[str, Site] = {}
    truths = []
    for index in range(config.sites):
        spec = site_spec(config, index)
        site = build_site(spec)
        rng = random.Random(f"{config.seed}/{spec.host}/broken")
        articles = sorted(p for p, r in site.pages.items() if b'name="ArticleTitle"' in r.body)
        gone = sorted(rng.sample(articles, round(len(articles) * config.broken)))
        for path in gone:
            del site.pages[path]
        broken = {*site.broken, *(f"http://{spec.host}{p}" for p in gone)}
        home = "/index.html" if spec.cms == "hanweb" else "/"
        on_home = _links(site, home)
        on_lists = set().union(*(_links(site, urlsplit(url).path) for _, url in site.columns))
        columns = []
        for c, url in site.columns:
            newest = site.newest[c.name]
            days = category_days(c.name)
            stale = newest is not None and (AS_OF - newest).days > days
            columns.append({"name": c.name, "url": url, "newest": str(newest), "days": days, "stale": stale})
        scope = {u: "homepage" if u in on_home else "list" if u in on_lists else "deep" for u in broken}
        truths.append(
            {
                "host": spec.host,
                "name": spec.name,
                "code": spec.code,
                "cms": spec.cms,
                "homepage": f"http://{spec.host}/",
                "pages": len(site.pages),
                "columns": columns,
                "broken": [{"url": u, "scope": scope[u]} for u in sorted(broken)],
            }
        )
        sites[spec.host] = site
    return sites, {"as_of": AS_OF.isoformat(), "config": asdict(config), "sites": truths}


def registry_csv(truth: dict[str, Any]) -> str:
    """The farm's sites as a registry file for `govcheck sites import`."""
    rows = [f"{s['code']},{s['name']},{s['host']}\n" for s in truth["sites"]]
    return "网站标识码,网站名称,首页地址\n" + "".join(rows)


def summary(truth: dict[str, Any]) -> dict[str, int]:
    broken = [b for s in truth["sites"] for b in s["broken"]]
    return {
        "sites": len(truth["sites"]),
        "pages": sum(s["pages"] for s in truth["sites"]),
        "columns": sum(len(s["columns"]) for s in truth["sites"]),
        "stale_columns": sum(c["stale"] for s in truth["sites"] for c in s["columns"]),
        "broken_links": len(broken),
        **{
            f"broken_{scope}": sum(b["scope"] == scope for b in broken)
            for scope in ("homepage", "list", "deep")
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = FarmConfig()
    parser.add_argument("--sites", type=int, default=defaults.sites)
    parser.add_argument("--columns", type=int, default=defaults.columns)
    parser.add_argument("--items", type=int, default=defaults.items, help="items per column")
    parser.add_argument("--broken", type=float, default=defaults.broken, help="share of articles deleted")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--truth", type=Path, help="write the truth (JSON) here")
    args = parser.parse_args(argv)
    config = FarmConfig(args.sites, args.columns, args.items, args.broken, args.seed)
    sites, truth = build(config)
    if args.truth:
        args.truth.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")

    from tests.farm.server import FarmServer
    from tests.farm.serving import serve

    server = FarmServer(("127.0.0.1", args.port), timeout_delay=20.0)
    server.sites.update(sites)
    serve(server, json.dumps(summary(truth)))


if __name__ == "__main__":
    main()
