"""Article-meta replicas (issue 13 item 3, 网页设计规范 on article pages): two small sites under
``artmetafarm.gov.cn`` with every footer and homepage duty and fresh columns, which differ only in the
metas of their article pages.

Each site has five columns in navigation order: 工作动态, 通知公告, 政策文件 (its first row a newer
转载 from another site, which is not this site's page), 部门动态 (rows and URLs undated: the crawl reads
each entry's page for its 发布时间, so its first listed entry is checked from that fetch, never fetched
twice) and 统计信息. Crawled with GOVCHECK_ARTICLE_META_CHECK on and GOVCHECK_ARTICLE_META_PAGES =
``SAMPLE`` (3), the sample is the newest own entry of the first three columns, plus 部门动态's newest
(read for its date anyway); 统计信息's newest and every older entry are not read for their metas.

``ArtmetaSite.findings`` is the declared truth: per missing tag, the article paths the evaluator must
list for ``meta_tags_missing`` (scope ``article``), and no other finding; ``checked`` the article
paths stored as checked. The clean control's articles carry every meta. Served through the farm proxy
(server.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tests.farm.builder import Resource
from tests.farm.pages import NOT_FOUND, gov_footer, html_page, list_block, metas, nav, rows
from tests.farm.pages import registry_csv as listed_in_registry

AS_OF = dt.date(2024, 2, 28)
DOMAIN = "artmetafarm.gov.cn"
SAMPLE = 3  # GOVCHECK_ARTICLE_META_PAGES the e2e test crawls with
OFFSITE = "http://www.gov.cn/zhengce/content/202402/content_6900001.htm"


@dataclass(frozen=True)
class Article:
    path: str
    title: str
    day: int  # days before AS_OF it was published
    missing: tuple[str, ...] = ()  # the article metas its page lacks
    dated_row: bool = True  # False: neither its row nor its URL shows a date (部门动态)


@dataclass(frozen=True)
class Column:
    path: str
    name: str
    articles: tuple[Article, ...]  # in list order, newest first
    offsite_first: bool = False  # a newer 转载 from another site heads the list


@dataclass(frozen=True)
class ArtmetaSite:
    host: str
    code: str
    name: str
    columns: tuple[Column, ...]
    findings: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (tag, article paths): the declared truth
    checked: tuple[str, ...] = ()  # the article paths checked with SAMPLE

    @property
    def homepage(self) -> str:
        return f"http://{self.host}/"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def article(self, path: str) -> tuple[Column, Article] | None:
        return next(((c, a) for c in self.columns for a in c.articles if a.path == path), None)


def _columns(lacking: bool) -> tuple[Column, ...]:
    """The five columns; with ``lacking``, the metas each sampled page (and some never sampled) lacks."""

    def gaps(*tags: str) -> tuple[str, ...]:
        return tags if lacking else ()

    def dated(path: str, day: int, n: int, *missing: str) -> Article:
        return Article(
            f"{path}t{AS_OF - dt.timedelta(days=day):%Y%m%d}_{n}.html", f"第{n}条信息", day, missing
        )

    def undated(path: str, day: int, n: int, *missing: str) -> Article:
        return Article(f"{path}content_{n}.html", f"第{n}条部门信息", day, missing, dated_row=False)

    return (
        Column(
            "/gzdt/",
            "工作动态",
            # The newest is the second listed (a list need not be in date order): that one is read.
            (
                dated("/gzdt/", 3, 1, *gaps("ContentSource")),
                dated("/gzdt/", 1, 2, *gaps("ArticleTitle", "PubDate")),
                dated("/gzdt/", 5, 3, *gaps("ArticleTitle")),
            ),
        ),
        Column("/tzgg/", "通知公告", (dated("/tzgg/", 2, 1, *gaps("ContentSource")), dated("/tzgg/", 6, 2))),
        Column(
            "/zcwj/",
            "政策文件",
            (dated("/zcwj/", 2, 1), dated("/zcwj/", 8, 2, *gaps("PubDate"))),
            offsite_first=True,
        ),
        Column(
            "/bmdt/",
            "部门动态",
            (
                undated("/bmdt/", 1, 1, *gaps("PubDate")),
                undated("/bmdt/", 4, 2, *gaps("ContentSource")),
                undated("/bmdt/", 7, 3),
            ),
        ),
        Column("/tjxx/", "统计信息", (dated("/tjxx/", 2, 1, *gaps("ArticleTitle")),)),
    )


def _site(prefix: str, number: int, name: str, *, lacking: bool) -> ArtmetaSite:
    columns = _columns(lacking)
    newest = {c.path: max(c.articles, key=lambda a: -a.day).path for c in columns}
    checked = tuple(newest[path] for path in ("/gzdt/", "/tzgg/", "/zcwj/", "/bmdt/"))
    findings: tuple[tuple[str, tuple[str, ...]], ...] = ()
    if lacking:
        findings = (
            ("ArticleTitle", (newest["/gzdt/"],)),
            ("PubDate", tuple(sorted((newest["/gzdt/"], newest["/bmdt/"])))),
            ("ContentSource", (newest["/tzgg/"],)),
        )
    return ArtmetaSite(f"{prefix}.{DOMAIN}", f"42900020{number:02d}", name, columns, findings, checked)


SITES: tuple[ArtmetaSite, ...] = (
    _site("lacking", 1, "标签县人民政府", lacking=True),
    _site("clean", 2, "标签县教育局", lacking=False),  # the control: every article carries every meta
)
ARTMETA_SITES: dict[str, ArtmetaSite] = {site.host: site for site in SITES}


def _page(site: ArtmetaSite, title: str, page_metas: str, body: str) -> Resource:
    footer = gov_footer(
        site.name,
        site.code,
        icp="05003311",
        record="42130202000124",
        conac="ARTMETA",
        jiucuo=f'<a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code={site.code}">'
        '<img src="/images/jiucuo.png" alt="政府网站找错"></a>',
    )
    return html_page(title, body + footer, metas=page_metas)


def _rows(articles: tuple[Article, ...]) -> str:
    return rows(
        (a.title, a.path, AS_OF - dt.timedelta(days=a.day) if a.dated_row else None) for a in articles
    )


@dataclass(frozen=True)
class ArtmetaFarmSite:
    site: ArtmetaSite

    def site_metas(self) -> dict[str, str]:
        site = self.site
        return {"SiteName": site.name, "SiteDomain": site.host, "SiteIDCode": site.code}

    def get(self, path: str, params: dict[str, str]) -> Resource:
        site = self.site
        if path in ("/", "/index.html"):
            return self._homepage()
        column = next((c for c in site.columns if c.path == path), None)
        if column is not None:
            return self._column(column)
        found = site.article(path)
        return self._article(*found) if found else NOT_FOUND

    def _homepage(self) -> Resource:
        site = self.site
        news = _rows(site.columns[0].articles)
        body = nav((c.path, c.name) for c in site.columns) + list_block("工作动态", news)
        return _page(site, site.name, metas(self.site_metas()), body)

    def _column(self, column: Column) -> Resource:
        site = self.site
        column_metas = {**self.site_metas(), "ColumnName": column.name, "ColumnType": column.name}
        listed = _rows(column.articles)
        if column.offsite_first:
            listed = rows([("转载：国务院政策文件", OFFSITE, AS_OF)]) + listed
        return _page(
            site, f"{column.name} - {site.name}", metas(column_metas), list_block(column.name, listed)
        )

    def _article(self, column: Column, article: Article) -> Resource:
        site = self.site
        stamp = f"{AS_OF - dt.timedelta(days=article.day):%Y-%m-%d} 09:30"
        article_metas = {
            **self.site_metas(),
            "ColumnName": column.name,
            "ColumnType": column.name,
            "ArticleTitle": article.title,
            "PubDate": stamp,
            "ContentSource": site.name,
        }
        body = (
            f'<div class="article"><h1>{article.title}</h1><div class="info">发布时间：{stamp}　'
            f"来源：{site.name}</div><p>{site.name}围绕{column.name}开展相关工作。</p></div>"
        )
        return _page(site, f"{article.title}_{site.name}", metas(article_metas, article.missing), body)


def artmeta_sites() -> dict[str, ArtmetaFarmSite]:
    return {site.host: ArtmetaFarmSite(site) for site in SITES}


def registry_csv() -> str:
    return listed_in_registry(SITES)
