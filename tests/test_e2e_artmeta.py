"""Article pages' design metas end to end (issue 13 item 3): the article-meta farm
(tests/farm/sites_artmeta.py) crawled with `govcheck crawl` and GOVCHECK_ARTICLE_META_CHECK on, judged
by `govcheck report`, on SQLite and PostgreSQL.

The sample is the newest own entry of the first GOVCHECK_ARTICLE_META_PAGES columns, plus a column's
newest entry read for its date anyway (fetched once); each missing tag is one ``meta_tags_missing``
finding of scope ``article`` listing its pages; the clean control has no finding. Every report format
shows the sentence and a recheck reads it back; with the defaults nothing is read nor judged. Link
checks are off: the metas are what is under test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from govcheck.db.models import ArticleCheck, Crawl, Site
from govcheck.db.session import open_database, session_factory
from govcheck.recheck import FIXED, NOT_FIXED
from tests.farm.process import FarmProcess
from tests.farm.sites_artmeta import ARTMETA_SITES, AS_OF, SAMPLE, registry_csv
from tests.helpers import by_host, environment, farm_json, govcheck, import_and_crawl, report

ON = {
    "GOVCHECK_LINK_CHECK": "false",
    "GOVCHECK_ARTICLE_META_CHECK": "true",
    "GOVCHECK_ARTICLE_META_PAGES": str(SAMPLE),
}
LACKING = ARTMETA_SITES["lacking.artmetafarm.gov.cn"]
CLEAN = ARTMETA_SITES["clean.artmetafarm.gov.cn"]


def crawl(env: dict[str, str], workdir: Path) -> dict[str, dict[str, Any]]:
    import_and_crawl(env, workdir, registry_csv(), "--all", "--jobs", "2", as_of=AS_OF.isoformat())
    return by_host(report(env, workdir))


def article_checks(database_url: str) -> dict[str, dict[str, tuple[int | None, list[str] | None]]]:
    engine = open_database(database_url)
    try:
        with session_factory(engine)() as session:
            rows = session.execute(
                select(Site.host, ArticleCheck.url, ArticleCheck.http_status, ArticleCheck.missing_metas)
                .join(Crawl, Crawl.id == ArticleCheck.crawl_id)
                .join(Site, Site.id == Crawl.site_id)
            )
            found: dict[str, dict[str, tuple[int | None, list[str] | None]]] = {}
            for host, url, status, missing in rows:
                found.setdefault(host, {})[url] = (status, missing)
            return found
    finally:
        engine.dispose()


def fetches(farm: FarmProcess, url: str) -> int:
    return sum(1 for _, logged, _ in farm_json(farm, "/_farm/stats")["log"] if logged == url)


def test_the_sampled_articles_missing_metas_and_none_on_the_control(
    farm: FarmProcess, database_url: str, tmp_path: Path
) -> None:
    env = environment(farm, database_url, **ON)
    dated_once = LACKING.url(LACKING.checked[-1])  # 部门动态's newest: read for its date, and checked there
    before = fetches(farm, dated_once)
    sites = crawl(env, tmp_path)
    assert fetches(farm, dated_once) - before == 1
    for site in (LACKING, CLEAN):
        findings = sites[site.host]["findings"]
        assert sorted((f["code"], f["item"]) for f in findings) == sorted(
            ("meta_tags_missing", tag) for tag, _ in site.findings
        ), (site.host, [f["message"] for f in findings])
        for finding in findings:
            truth = dict(site.findings)[finding["item"]]
            assert finding["scope"] == "article"
            assert sorted(finding["urls"]) == sorted(site.url(path) for path in truth)
            assert finding["url"] in finding["urls"]
            assert finding["message"] == f"文章页面未按网页设计规范设置{finding['item']}元数据标签"
            listed = finding["evidence"]["articles"]
            assert {a["column"] for a in listed} <= {c.name for c in site.columns}
            assert {a["http_status"] for a in listed} == {200}
        assert sites[site.host]["verdict"] == "pass"  # a review item: no points
    assert sites[CLEAN.host]["summary"] == ""
    # The sample: the first SAMPLE columns' newest own entries and the one read for its date; the
    # 统计信息 column's (the fifth) and every older entry are not read for their metas.
    checks = article_checks(database_url)
    for site in (LACKING, CLEAN):
        assert sorted(checks[site.host]) == sorted(site.url(path) for path in site.checked), site.host
        assert {status for status, _ in checks[site.host].values()} == {200}
    assert checks[LACKING.host][LACKING.url(LACKING.checked[0])][1] == ["ArticleTitle", "PubDate"]
    assert all(missing == [] for _, missing in checks[CLEAN.host].values())


SENTENCES = (
    "文章页面未按网页设计规范设置ArticleTitle元数据标签",
    "文章页面未按网页设计规范设置PubDate元数据标签",
    "文章页面未按网页设计规范设置ContentSource元数据标签",
)


def test_every_format_shows_them_and_a_recheck_reads_them_back(farm: FarmProcess, tmp_path: Path) -> None:
    env = environment(farm, f"sqlite:///{tmp_path / 'govcheck.db'}", **ON)
    crawl(env, tmp_path)
    shown: dict[str, str] = {"json": json.dumps(report(env, tmp_path), ensure_ascii=False)}
    for fmt in ("markdown", "html"):
        result = govcheck("report", "--format", fmt, "--as-of", AS_OF.isoformat(), env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        shown[fmt] = result.stdout
    xlsx = tmp_path / "report.xlsx"
    result = govcheck(
        "report", "--format", "xlsx", "--as-of", AS_OF.isoformat(), "-o", str(xlsx), env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    shown["xlsx"] = "\n".join(
        str(c)
        for sheet in load_workbook(xlsx).worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
    )
    for fmt, text in shown.items():
        for sentence in SENTENCES:
            assert sentence in text, (fmt, sentence)
    # Last round's annex named a missing ArticleTitle on both sites: still there on one, fixed on the other.
    annex = tmp_path / "annex.csv"
    annex.write_text(
        "网站标识码,网站名称,首页地址,存在的突出问题\n"
        + "".join(f"{s.code},{s.name},{s.host},{SENTENCES[0]}\n" for s in (LACKING, CLEAN)),
        encoding="utf-8",
    )
    result = govcheck(
        "recheck", "--previous-file", str(annex), "--current", AS_OF.isoformat(), env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    results = {s["site_code"]: s["result"] for s in json.loads(result.stdout)["sites"]}
    assert results == {LACKING.code: NOT_FIXED, CLEAN.code: FIXED}


def test_off_by_default_nothing_is_read_nor_judged(farm: FarmProcess, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'govcheck.db'}"
    env = environment(farm, database_url, GOVCHECK_LINK_CHECK="false")
    sites = crawl(env, tmp_path)
    assert {host: sites[host]["findings"] for host in ARTMETA_SITES} == {host: [] for host in ARTMETA_SITES}
    assert article_checks(database_url) == {}
