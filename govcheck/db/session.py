"""The one place that turns GOVCHECK_DATABASE_URL into an engine and sessions.

SQLite is the embedded default: WAL and a busy timeout let several ``scrapy crawl`` processes
write one file at once. PostgreSQL is the production store; crawler processes keep a tiny pool
because a Scrapyd node runs many of them.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from govcheck.masking import masked

logger = logging.getLogger(__name__)

T = TypeVar("T")
SQLITE_BUSY_TIMEOUT_MS = 30_000
LOCKED_RETRIES = 8
POSTGRES_CONNECT_TIMEOUT_S = 10


class DatabaseError(RuntimeError):
    """The database cannot be opened or written; the message says which and why."""


class MissingDatabase(DatabaseError):
    """A SQLite file that does not exist was to be read (only writing commands create one)."""


def _sqlite_path(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def create_db_engine(database_url: str, *, small_pool: bool = False, create: bool = True) -> Engine:
    """An engine; with ``create=False`` a SQLite file that does not exist yet is an error, not a new file."""
    url = make_url(database_url)
    path = _sqlite_path(url)
    if path is not None:
        if not create and not path.is_file():
            raise MissingDatabase(
                f"no database at {path} (GOVCHECK_DATABASE_URL={masked(url)}): nothing has been stored "
                "there yet; crawl (govcheck crawl), import a registry (govcheck sites import) or create it "
                "(govcheck db upgrade) first"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    pool_args: dict[str, Any] = {"pool_size": 1, "max_overflow": 1} if small_pool else {}
    # A server that does not answer fails fast instead of stalling a crawler's reactor for minutes.
    connect_args = (
        {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S} if url.get_backend_name() == "postgresql" else {}
    )
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **pool_args)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def is_transient(exc: BaseException) -> bool:
    """A failure worth retrying: SQLite lock contention, a dropped PostgreSQL connection, or a
    PostgreSQL deadlock/serialization failure between concurrent writers (nodes upserting at once)."""
    if not isinstance(exc, OperationalError):
        return False
    if getattr(exc.orig, "pgcode", None) in {"40P01", "40001"}:
        return True
    message = str(exc.orig).lower()
    return "locked" in message or "busy" in message or getattr(exc, "connection_invalidated", False)


def with_retry(engine: Engine, work: Callable[[Session], T], *, retries: int = LOCKED_RETRIES) -> T:
    """Run ``work`` in one transaction, retrying on lock contention."""
    factory = session_factory(engine)
    delay = 0.05
    for attempt in range(retries + 1):
        try:
            with factory.begin() as session:
                return work(session)
        except OperationalError as exc:
            if attempt == retries or not is_transient(exc):
                raise
            logger.debug("Database busy (%s), retrying in %.2fs", exc.orig, delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")


def _copy_tree(source: Traversable, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for child in source.iterdir():
        if child.is_dir():
            _copy_tree(child, target / child.name)
        elif not child.name.endswith((".pyc", ".pyo")):
            (target / child.name).write_bytes(child.read_bytes())


@functools.cache
def migrations_directory() -> str:
    """The Alembic script directory on disk. Scrapyd runs eggs as zip files, which Alembic
    cannot list, so a zipped copy is extracted once per process."""
    location = resources.files("govcheck.migrations")
    if isinstance(location, Path) and location.is_dir():
        return str(location)
    extracted = Path(tempfile.mkdtemp(prefix="govcheck-migrations-"))
    _copy_tree(location, extracted)
    return str(extracted)


def alembic_config(engine_url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", migrations_directory())
    # ConfigParser interpolates %, which URL-encoded passwords contain.
    config.set_main_option("sqlalchemy.url", engine_url.replace("%", "%%"))
    return config


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialize schema upgrades between processes that start together."""
    path = _sqlite_path(engine.url)
    if path is not None:
        with open(path.with_name(path.name + ".migrate.lock"), "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(7414170)"))
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(7414170)"))
            connection.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    url = engine.url.render_as_string(hide_password=False)
    with _migration_lock(engine):
        command.upgrade(alembic_config(url), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    url = engine.url.render_as_string(hide_password=False)
    with _migration_lock(engine):
        command.downgrade(alembic_config(url), revision)


def open_database(
    database_url: str, *, migrate: bool = True, small_pool: bool = False, create: bool = True
) -> Engine:
    """An engine whose schema is at head, or a DatabaseError saying why not (also, with
    ``create=False``, when a SQLite file does not exist: reading commands never create one)."""
    try:
        engine = create_db_engine(database_url, small_pool=small_pool, create=create)
        if migrate:
            upgrade(engine)
        else:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
    except (OperationalError, OSError) as exc:
        raise DatabaseError(f"cannot open database {masked(database_url)}: {exc}") from exc
    return engine
