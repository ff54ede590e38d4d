"""End to end through the site farm, as a user runs it: `scrapy crawl` / `govcheck crawl`, then `govcheck report`.

Crawls are real subprocesses with http_proxy/https_proxy pointing at the farm, so no crawl code knows
it is under test. Ground truth comes from the farm's declarations (tests/farm/truth.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.farm.process import FarmProcess
from tests.farm.truth import AS_OF, BLOCKED_HOSTS, DEAD_HOSTS, SITES
from tests.helpers import (
    REPO,
    by_host,
    environment,
    govcheck,
    import_and_crawl,
    registry_of,
    report,
    scrapy_crawl,
)

BULLETIN_HOSTS = (
    "sjj.suizhou.gov.cn",
    "jtj.suizhou.gov.cn",
    "yjglj.suizhou.gov.cn",
    "sfj.suizhou.gov.cn",
    "scjdglj.suizhou.gov.cn",
)
REPORT_SITE_KEYS = {"site_code", "name", "host", "homepage", "verdict", "score", "summary", "findings"}
REPORT_FINDING_KEYS = {
    "code", "veto", "column", "column_url", "url", "source_url", "threshold_days", "newest",
    "scope", "external", "item", "urls", "message", "evidence",
}  # fmt: skip


@pytest.fixture(scope="module")
def bulletin_round(
    farm: FarmProcess, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path, dict[str, str]]:
    """The five 附件1 sites and two clean ones, crawled two at a time into one SQLite file."""
    workdir = tmp_path_factory.mktemp("round")
    env = environment(farm, f"sqlite:///{workdir / 'govcheck.db'}")
    clean = ("www.zgsuixian.gov.cn", "zjj.suizhou.gov.cn")
    import_and_crawl(env, workdir, registry_of(*BULLETIN_HOSTS, *clean), "--all", "--jobs", "2")
    return report(env, workdir), workdir, env


def test_bulletin_rows_are_reproduced(bulletin_round: tuple[dict[str, Any], Path, dict[str, str]]) -> None:
    data, _, _ = bulletin_round
    sites = by_host(data)
    for host in BULLETIN_HOSTS:
        truth = SITES[host]
        site = sites[host]
        assert site["summary"] == truth.expected_summary, host
        assert site["verdict"] == "pass", (host, [f["message"] for f in site["findings"] if f["veto"]])
        assert {f["code"] for f in site["findings"]} == {"column_stale"}, (
            host,
            [f["message"] for f in site["findings"]],
        )
        assert (site["site_code"], site["name"]) == (truth.site_code, truth.name)


def test_clean_replicas_have_no_finding(bulletin_round: tuple[dict[str, Any], Path, dict[str, str]]) -> None:
    data, _, _ = bulletin_round
    for host in ("www.zgsuixian.gov.cn", "zjj.suizhou.gov.cn"):
        site = by_host(data)[host]
        assert (site["verdict"], site["summary"], site["findings"]) == ("pass", "", []), host


def test_report_has_every_key_and_real_evidence(
    bulletin_round: tuple[dict[str, Any], Path, dict[str, str]],
) -> None:
    data, _, _ = bulletin_round
    assert data["as_of"] == AS_OF.isoformat()
    for site in data["sites"]:
        assert set(site) >= REPORT_SITE_KEYS
        assert site["homepage"].startswith("http://")  # https through the farm fails, http was fetched
        for finding in site["findings"]:
            assert set(finding) >= REPORT_FINDING_KEYS
    stale = next(f for f in by_host(data)["sjj.suizhou.gov.cn"]["findings"] if f["column"] == "图片新闻")
    truth = next(c for c in SITES["sjj.suizhou.gov.cn"].columns if c.name == "图片新闻")
    assert (stale["threshold_days"], stale["newest"]) == (
        14,
        truth.newest.isoformat() if truth.newest else None,
    )
    assert stale["evidence"]["http_status"] == 200 and stale["evidence"]["newest_text"]


def test_markdown_report_is_the_bulletin_table(
    bulletin_round: tuple[dict[str, Any], Path, dict[str, str]],
) -> None:
    _, workdir, env = bulletin_round
    result = govcheck("report", "--format", "markdown", "--as-of", AS_OF.isoformat(), env=env, cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "| 网站标识码 | 网站名称 | 首页地址 | 存在的突出问题 | 结果 |" in result.stdout
    assert (
        f"| 4213000045 | 随州市审计局 | sjj.suizhou.gov.cn | {SITES['sjj.suizhou.gov.cn'].expected_summary} | 合格 |"
        in result.stdout
    )


def test_crawling_again_duplicates_nothing(
    bulletin_round: tuple[dict[str, Any], Path, dict[str, str]],
) -> None:
    _, workdir, env = bulletin_round
    import sqlite3

    def rows() -> tuple[int, int, int]:
        with sqlite3.connect(workdir / "govcheck.db") as db:
            return tuple(
                db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("columns", "entries", "crawls")
            )  # type: ignore[return-value]

    columns, entries, crawls = rows()
    again = scrapy_crawl("sfj.suizhou.gov.cn", env, workdir, f"as_of={AS_OF}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert rows() == (columns, entries, crawls + 1)  # a new attempt of the round; nothing else doubled
    assert (
        by_host(report(env, workdir))["sfj.suizhou.gov.cn"]["summary"]
        == SITES["sfj.suizhou.gov.cn"].expected_summary
    )


def test_scrapy_crawl_then_report_from_the_shell_on_postgres(
    farm: FarmProcess, postgres_url: str, tmp_path: Path
) -> None:
    env = environment(farm, postgres_url)
    crawl = scrapy_crawl("sjj.suizhou.gov.cn", env, REPO, f"as_of={AS_OF}")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert "Database: postgresql+psycopg2://" in crawl.stderr
    site = by_host(report(env, tmp_path))["sjj.suizhou.gov.cn"]
    assert site["summary"] == SITES["sjj.suizhou.gov.cn"].expected_summary and site["verdict"] == "pass"


def test_problem_site_links_and_blank_columns(farm: FarmProcess, tmp_path: Path) -> None:
    env = environment(farm, f"sqlite:///{tmp_path / 'govcheck.db'}")
    truth = SITES["www.suizhou.gov.cn"]
    crawl = govcheck("crawl", "--site", truth.host, "--as-of", AS_OF.isoformat(), env=env, cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stderr
    site = by_host(report(env, tmp_path))[truth.host]
    assert site["verdict"] == truth.expected_verdict
    broken = {f["url"] for f in site["findings"] if f["code"] == "link_broken"}
    assert broken == set(truth.broken_links)
    assert not broken & set(truth.good_links)
    blank = {f["column_url"] for f in site["findings"] if f["code"] == "column_blank"}
    assert blank == {c.url for c in truth.columns if c.blank}
    assert "veto_blank_columns" in {f["code"] for f in site["findings"]}


def test_dead_and_blocked_hosts(farm: FarmProcess, tmp_path: Path) -> None:
    env = environment(
        farm,
        f"sqlite:///{tmp_path / 'govcheck.db'}",
        GOVCHECK_HOMEPAGE_RETRY_DELAY="0.2",
        GOVCHECK_HOMEPAGE_ATTEMPTS="2",
    )
    hosts = [*DEAD_HOSTS, *BLOCKED_HOSTS, "nowhere.suizhou.gov.cn"]
    args = [a for host in hosts for a in ("--site", host)]
    crawl = govcheck("crawl", *args, "--as-of", AS_OF.isoformat(), "--jobs", "3", env=env, cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stderr
    sites = by_host(report(env, tmp_path))
    # Not in the registry and its name does not resolve: a typo is likelier than a dead site.
    nowhere = sites["nowhere.suizhou.gov.cn"]
    assert (nowhere["verdict"], nowhere["reason"], nowhere["findings"]) == (
        "unknown",
        "address_not_found",
        [],
    )
    for host in DEAD_HOSTS:
        assert sites[host]["verdict"] == "fail", host
        finding = sites[host]["findings"][0]
        assert finding["code"] == "site_unreachable" and finding["evidence"]["partial"] is True
        errors = {a["error"] for a in finding["evidence"]["attempts"]}
        assert errors and None not in errors, (host, errors)  # the underlying error, not a 5xx
    for host in BLOCKED_HOSTS:
        assert (sites[host]["verdict"], sites[host]["findings"]) == ("unknown", []), host


def test_dead_database_loses_nothing(farm: FarmProcess, tmp_path: Path) -> None:
    env = environment(
        farm,
        "postgresql+psycopg2://govcheck:secret@127.0.0.1:9/govcheck",
        GOVCHECK_SPOOL_DIR=str(tmp_path / "spool"),
    )
    crawl = scrapy_crawl("sfj.suizhou.gov.cn", env, tmp_path, f"as_of={AS_OF}")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert "secret" not in crawl.stderr
    spools = list((tmp_path / "spool").glob("*.jsonl"))
    assert len(spools) == 1 and "govcheck db replay" in crawl.stderr
    env["GOVCHECK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'later.db'}"
    assert govcheck("db", "upgrade", env=env, cwd=tmp_path).returncode == 0  # replay never creates one
    replayed = govcheck("db", "replay", str(spools[0]), env=env, cwd=tmp_path)
    assert replayed.returncode == 0, replayed.stderr
    assert (
        by_host(report(env, tmp_path))["sfj.suizhou.gov.cn"]["summary"]
        == SITES["sfj.suizhou.gov.cn"].expected_summary
    )


def test_bad_arguments_are_named(farm: FarmProcess, tmp_path: Path) -> None:
    env = environment(farm, f"sqlite:///{tmp_path / 'govcheck.db'}")
    crawl = scrapy_crawl("sfj.suizhou.gov.cn", env, tmp_path, "as_of=28/02/2024")
    assert "as_of: expected YYYY-MM-DD" in crawl.stderr
    bad_setting = scrapy_crawl(
        "sfj.suizhou.gov.cn", env, tmp_path, settings=("GOVCHECK_HOMEPAGE_ATTEMPTS=many",)
    )
    assert "GOVCHECK_HOMEPAGE_ATTEMPTS" in bad_setting.stderr
    result = govcheck("report", "--as-of", "yesterday", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "expected YYYY-MM-DD" in result.stderr
