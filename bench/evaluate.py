"""`govcheck evaluate` at 100k / 300k / 1M entries on PostgreSQL and SQLite (not a test).

Run: .venv/bin/python bench/evaluate.py [--entries 100000 300000 1000000] [--backend postgresql sqlite]
     [--profile FILE]

Each size is a fresh synthetic database (tests/synthetic_db.py: ~800 entries per site in 30 columns,
~1,300 links and ~900 link checks per site, every rule's case mixed in) on the embedded PostgreSQL
the test suite uses (or GOVCHECK_TEST_POSTGRES_URL) and on a SQLite file. The timed part is the
`govcheck evaluate --as-of … --round …` command itself, in its own process, as an operator runs it;
generating the database is not timed. Prints entries, seconds, seconds per 100k entries and the
ratio to the previous size (a ratio near the size ratio is linear growth).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from govcheck.db.models import Entry, Finding  # noqa: E402
from govcheck.db.session import open_database  # noqa: E402
from tests.postgres import create_database, drop_database, postgres_server  # noqa: E402
from tests.synthetic_db import AS_OF, ROUND, generate, sites_for, store  # noqa: E402

GOVCHECK = str(Path(sys.executable).with_name("govcheck"))


@contextmanager
def database(backend: str, server: str | None, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        path = workdir / f"{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        path.unlink(missing_ok=True)
        return
    assert server is not None
    url, name = create_database(server, prefix="govcheck_bench_")
    try:
        yield url
    finally:
        drop_database(server, name)


def run_once(url: str, entries: int, profile: Path | None) -> tuple[int, int, float]:
    """Fill a database with about ``entries`` entries and time one `govcheck evaluate` on it."""
    engine = open_database(url, migrate=True)
    store(engine, generate(sites_for(entries)))
    with engine.connect() as connection:
        stored = connection.scalar(select(func.count()).select_from(Entry)) or 0
    env = {**os.environ, "GOVCHECK_DATABASE_URL": url}
    command = [GOVCHECK, "evaluate", "--as-of", AS_OF.isoformat(), "--round", ROUND]
    if profile is not None:
        command = [sys.executable, "-m", "cProfile", "-o", str(profile), *command]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"govcheck evaluate failed:\n{done.stderr}")
    with engine.connect() as connection:
        findings = connection.scalar(select(func.count()).select_from(Finding)) or 0
    engine.dispose()
    return stored, findings, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument(
        "--backend", nargs="+", default=["postgresql", "sqlite"], choices=["postgresql", "sqlite"]
    )
    parser.add_argument("--profile", type=Path, help="write a cProfile of the largest PostgreSQL run here")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="govcheck-bench-"))
    with postgres_server("govcheck-bench-pg-") if "postgresql" in args.backend else _none() as server:
        for backend in args.backend:
            print(f"{backend}: entries  findings  seconds  s/100k  ratio to previous (entries ratio)")
            previous: tuple[int, float] | None = None
            for size in args.entries:
                profile = args.profile if args.profile and size == max(args.entries) else None
                with database(backend, server, workdir) as url:
                    stored, findings, seconds = run_once(url, size, profile)
                ratio = (
                    f"{seconds / previous[1]:.2f}x ({stored / previous[0]:.2f}x)"
                    if previous is not None
                    else "-"
                )
                print(
                    f"{backend}: {stored:>9,} {findings:>8,} {seconds:>8.2f} {seconds / stored * 100_000:>7.2f}  {ratio}",
                    flush=True,
                )
                previous = (stored, seconds)
    shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def _none() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
