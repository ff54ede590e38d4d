"""Acceptance on the farm: the 随州 2024-1 bulletin's 附件2 复查 table, end to end.

A 2023-Q4 round is crawled from the farm as it was on 2023-12-15 (tests/farm/epochs.py): the eight
附件2 sites have exactly the problems listed there. The 2024-Q1 round is crawled from the farm as it is
(2024-02-28), where they are fixed: `govcheck recheck` says 已完成整改 for all eight, from the database
round and from the published annex as a CSV file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govcheck.recheck import FIXED
from tests.farm.epochs import ANNEX2_2023Q4, EPOCH_2023Q4, EXPECTED_2023Q4
from tests.farm.process import FarmProcess
from tests.farm.truth import AS_OF, SITES
from tests.helpers import environment, govcheck, import_and_crawl, registry_of

HOSTS = tuple(ANNEX2_2023Q4)
JOBS = str(len(HOSTS))


def crawl_round(
    farm: FarmProcess, database: str, workdir: Path, as_of: str, round_name: str
) -> dict[str, str]:
    env = environment(farm, database)
    crawled = govcheck(
        "crawl", "--all", "--as-of", as_of, "--round", round_name, "--jobs", JOBS, env=env, cwd=workdir
    )
    assert crawled.returncode == 0, crawled.stderr
    evaluated = govcheck("evaluate", "--as-of", as_of, "--round", round_name, env=env, cwd=workdir)
    assert evaluated.returncode == 0, evaluated.stderr
    return env


@pytest.fixture(scope="module")
def two_rounds(farm: FarmProcess, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    workdir = tmp_path_factory.mktemp("recheck")
    database = f"sqlite:///{workdir / 'govcheck.db'}"
    import_and_crawl(environment(farm, database), workdir, registry_of(*HOSTS))
    with FarmProcess(timeout_delay=2.0, epoch=EPOCH_2023Q4) as old_farm:
        crawl_round(old_farm, database, workdir, EPOCH_2023Q4.isoformat(), "2023-Q4")
    env = crawl_round(farm, database, workdir, AS_OF.isoformat(), "2024-Q1")
    return workdir, env


def report(env: dict[str, str], workdir: Path, as_of: str, round_name: str) -> dict[str, Any]:
    result = govcheck("report", "--as-of", as_of, "--round", round_name, env=env, cwd=workdir)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_2023q4_round_has_the_annex2_problems(two_rounds: tuple[Path, dict[str, str]]) -> None:
    workdir, env = two_rounds
    data = report(env, workdir, EPOCH_2023Q4.isoformat(), "2023-Q4")
    sites = {s["host"]: s for s in data["sites"]}
    assert {host: sites[host]["summary"] for host in HOSTS} == EXPECTED_2023Q4
    assert all(sites[h]["verdict"] == "pass" for h in HOSTS)
    assert {f["code"] for h in HOSTS for f in sites[h]["findings"]} == {"column_stale"}


def test_2024_round_fixed_them_all(two_rounds: tuple[Path, dict[str, str]]) -> None:
    workdir, env = two_rounds
    result = govcheck("recheck", "--previous", "2023-Q4", "--current", "2024-Q1", env=env, cwd=workdir)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(s["site_code"], s["result"]) for s in data["sites"]] == sorted(
        (code, FIXED) for code, _ in ANNEX2_2023Q4.values()
    )
    tjj = next(s for s in data["sites"] if s["site_code"] == "4213000043")
    assert [(p["column"], p["first_seen"], p["last_seen"]) for p in tjj["fixed"]] == [
        (name, "2023-12-15", "2023-12-15") for name in ("图片新闻", "工作动态", "要闻动态")
    ]
    sjj = next(s for s in data["sites"] if s["site_code"] == "4213000045")
    assert sjj["current_summary"] == SITES["sjj.suizhou.gov.cn"].expected_summary  # 附件1 row, unchanged


def test_recheck_from_the_published_annex2_csv(two_rounds: tuple[Path, dict[str, str]]) -> None:
    workdir, env = two_rounds
    annex = workdir / "annex2.csv"
    rows = [
        f"{code},{SITES[host].name},{host},{EXPECTED_2023Q4[host].removeprefix('“')},已完成整改"
        for host, (code, _) in ANNEX2_2023Q4.items()
    ]  # as extracted from the bulletin: opening quotes lost
    annex.write_text(
        "网站标识码,网站名称,首页地址,存在的突出问题,复查结果\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    result = govcheck(
        "recheck",
        "--previous-file",
        str(annex),
        "--current",
        "2024-Q1",
        "--format",
        "markdown",
        env=env,
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr
    for host, (code, _) in ANNEX2_2023Q4.items():
        row = (
            f"| {code} | {SITES[host].name} | {host} | {EXPECTED_2023Q4[host].removeprefix('“')} | {FIXED} |"
        )
        assert row in result.stdout, row
