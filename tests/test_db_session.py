"""govcheck/db/session.py: the migration chain up and down, models and migrations in step, and a clear
error for a database out of reach, on PostgreSQL and SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from govcheck.db.models import Base
from govcheck.db.session import DatabaseError, downgrade, open_database, upgrade


def test_migrations_create_the_models_and_go_down_again(database_url: str) -> None:
    engine = open_database(database_url, migrate=False)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_an_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(
        DatabaseError, match=r"cannot open database postgresql\+psycopg2://govcheck:\*\*\*@127\.0\.0\.1:9/x"
    ):
        open_database("postgresql+psycopg2://govcheck:secret@127.0.0.1:9/x")


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = open_database(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    engine.dispose()
    assert diff == []
