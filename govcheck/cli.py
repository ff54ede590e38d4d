"""The ``govcheck`` command: registry, crawls, evaluation, reports, database upkeep.

Configuration: the same GOVCHECK_* keys as the spiders, from the environment or ``--set KEY=VALUE``.
Logs go to stderr; reports go to stdout (or ``-o FILE``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import difflib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from govcheck import __version__, bulletin, config, names, recheck, registry, report
from govcheck.db.attempts import interrupt_unfinished
from govcheck.db.models import Crawl, Evaluation, Finding, Page, Site
from govcheck.db.session import (
    DatabaseError,
    MissingDatabase,
    downgrade,
    masked,
    open_database,
    session_factory,
    upgrade,
    with_retry,
)
from govcheck.evaluator import evaluate
from govcheck.evaluator.engine import read_unstored
from govcheck.fleet.backends import publish_backends
from govcheck.fleet.local import LocalRound
from govcheck.fleet.round import Round, RoundError, SiteTask, open_round, task_for_site
from govcheck.fleet.scrapyd import (
    DEFAULT_SLOTS,
    PROJECT,
    ScrapydError,
    ScrapydNode,
    job_id,
    job_round,
    nodes_from,
)
from govcheck.fleet.status import round_status, stall_message, status_table
from govcheck.local_crawl import LocalCrawl, SiteEnd, crawl_command, process_count
from govcheck.masking import MaskingFormatter
from govcheck.monitors import MonitorSuite, failed_monitors
from govcheck.profile import ProfileError, load_profile
from govcheck.progress import SiteOutcome, crawl_progress
from govcheck.vocabulary import ADDRESS_NOT_FOUND, INSPECTOR_NETWORK

logger = logging.getLogger("govcheck")
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_SERVICE = 4  # Redis or every Scrapyd node unusable
EXIT_EMPTY = 5  # report/evaluate: the database holds no crawl yet
EXIT_INTERRUPTED = 130  # Ctrl-C (as a shell reports SIGINT)


class CliError(Exception):
    """A usage problem the user can fix; printed without a traceback."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from exc


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {value!r}")
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value!r}")
    return number


def _add_selection(parser: argparse.ArgumentParser, *, required: bool) -> None:
    which = parser.add_mutually_exclusive_group(required=required)
    which.add_argument("--all", action="store_true", help="every site in the registry")
    which.add_argument(
        "--region",
        action="append",
        metavar="REGION",
        help="the registry's sites of a region (地区); repeatable",
    )
    which.add_argument(
        "--site", action="append", metavar="HOST", help="a site (registered, else http://HOST/); repeatable"
    )


def _add_round(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--round", required=True, metavar="NAME", help="the round (its queue lives in Redis)")


def _add_nodes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nodes",
        metavar="URL,…",
        help="Scrapyd nodes, http://user:pass@host:6800/[?slots=N] (default: GOVCHECK_SCRAPYD_NODES)",
    )


def _add_bulletin_options(parser: argparse.ArgumentParser, *, annex: int) -> None:
    """The options `report` and `recheck` share: where to write, and how the bulletin looks."""
    parser.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")
    parser.add_argument(
        "--problems-only",
        action="store_true",
        help="list only the sites with problems (不合格 first); the figures still count every site",
    )
    parser.add_argument(
        "--annex", type=_positive_int, default=annex, metavar="N", help=f"the 附件 number (default {annex})"
    )
    parser.add_argument(
        "--template",
        type=Path,
        metavar="PATH",
        help="html: a jinja2 template to render instead of the packaged bulletin.html",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govcheck", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"govcheck {__version__}")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a GOVCHECK_* setting, or give a Scrapy setting to the crawls `crawl`/`schedule` start",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    sites = commands.add_parser("sites", help="the site registry").add_subparsers(
        dest="action", required=True
    )
    imported = sites.add_parser(
        "import", help="import a CSV/XLSX site list (网站标识码, 网站名称, 首页地址, …)"
    )
    imported.add_argument("file", type=Path)
    removed = sites.add_parser(
        "remove", help="take sites out of the registry (their crawls stay unless --purge)"
    )
    removed.add_argument("sites", nargs="+", metavar="HOST|CODE", help="a host or a 网站标识码")
    removed.add_argument(
        "--purge",
        action="store_true",
        help="also delete everything stored for them: crawls, evaluations, probes",
    )
    listed = sites.add_parser("list", help="list registered sites")
    listed.add_argument("--format", choices=("table", "json"), default="table")

    crawl = commands.add_parser(
        "crawl", help="crawl registry sites on this machine, N at a time, one process per core (no Redis)"
    )
    which = crawl.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every site in the registry")
    which.add_argument(
        "--site", action="append", metavar="HOST", help="a site (registered or not); repeatable"
    )
    crawl.add_argument("--as-of", type=_date, help="监测时间点 (default: today in Asia/Shanghai)")
    crawl.add_argument("--round", default="", help="inspection round name (default: the as-of date)")
    crawl.add_argument("--jobs", type=_positive_int, default=2, help="sites crawled at once (default 2)")
    crawl.add_argument(
        "--processes",
        type=_positive_int,
        default=None,
        help="Scrapy processes sharing those sites (default: one per core, at most --jobs and the sites)",
    )
    crawl.add_argument("--links", choices=("homepage", "all", "none"), default="homepage")
    crawl.add_argument("--log-dir", type=Path, default=Path("var/logs"), help="one Scrapy log per process")

    enqueue = commands.add_parser("enqueue", help="queue sites of a fleet round in Redis (REDIS_URL)")
    _add_round(enqueue)
    _add_selection(enqueue, required=True)
    enqueue.add_argument(
        "--as-of", type=_date, help="监测时间点 (default: the round's, else today in Asia/Shanghai)"
    )
    enqueue.add_argument(
        "--links", choices=config.LINK_SCOPES, help="links checked (default: the round's, else homepage)"
    )

    schedule = commands.add_parser(
        "schedule", help="(optionally enqueue, then) requeue lost sites and start fleet jobs on Scrapyd nodes"
    )
    _add_round(schedule)
    _add_selection(schedule, required=False)
    schedule.add_argument("--as-of", type=_date, help="as for enqueue, with a selection")
    schedule.add_argument("--links", choices=config.LINK_SCOPES, help="as for enqueue, with a selection")
    _add_nodes(schedule)
    schedule.add_argument(
        "--slots",
        type=_positive_int,
        default=DEFAULT_SLOTS,
        help=f"jobs a node runs at once when its URL has no ?slots=N (default {DEFAULT_SLOTS}; Scrapyd's max_proc)",
    )
    schedule.add_argument("--spider", default="portal", help="the fleet spider (default portal)")

    status = commands.add_parser("status", help="a fleet round's progress: nodes, sites, pages, findings")
    _add_round(status)
    _add_nodes(status)
    status.add_argument("--format", choices=("table", "json"), default="table")
    status.add_argument(
        "--watch",
        type=_positive_float,
        metavar="SECONDS",
        help="repeat every SECONDS until the round completes",
    )

    evaluate_cmd = commands.add_parser(
        "evaluate", help="apply the rules at an as-of date (reads the database only)"
    )
    evaluate_cmd.add_argument("--as-of", type=_date, required=True)
    evaluate_cmd.add_argument(
        "--round", default="", help="name the evaluation round (uses only that round's crawls)"
    )
    evaluate_cmd.add_argument("--site", metavar="HOST")

    report_cmd = commands.add_parser("report", help="print the evaluation report")
    report_cmd.add_argument("--format", choices=report.FORMATS, default="json")
    report_cmd.add_argument(
        "--as-of", type=_date, help="default: the as-of of the round (--round, else the newest crawled)"
    )
    report_cmd.add_argument("--round", default="")
    report_cmd.add_argument("--site", metavar="HOST")
    _add_bulletin_options(report_cmd, annex=1)
    report_cmd.add_argument(
        "--store",
        action="store_true",
        help="when nothing is stored for the as-of and round, store the evaluation made for the report",
    )

    recheck_cmd = commands.add_parser("recheck", help="复查: which of a previous round's problems remain")
    before = recheck_cmd.add_mutually_exclusive_group(required=True)
    before.add_argument("--previous", metavar="ROUND", help="the previous round in the database")
    before.add_argument(
        "--previous-file", type=Path, metavar="FILE", help="a published 附件 table (xlsx or csv)"
    )
    recheck_cmd.add_argument("--current", metavar="ROUND", required=True, help="the current round")
    recheck_cmd.add_argument("--format", choices=report.FORMATS, default="json")
    _add_bulletin_options(recheck_cmd, annex=2)

    db = commands.add_parser("db", help="database upkeep").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="migrate to the newest schema")
    down = db.add_parser("downgrade", help="migrate down to REVISION (base = empty)")
    down.add_argument("revision")
    replay = db.add_parser("replay", help="load spool files written while the database was down")
    replay.add_argument("files", nargs="+", type=Path)

    settings_cmd = commands.add_parser(
        "settings", help="list every GOVCHECK_* setting with its default and meaning"
    )
    settings_cmd.add_argument(
        "--format",
        choices=("plain", "markdown"),
        default="plain",
        help="plain: current values (secrets masked); markdown: README's table of defaults",
    )
    return parser


def _engine(settings: dict[str, Any], *, migrate: bool | None = None, create: bool = False) -> Engine:
    """The database; only commands that store something new (``create``) may create a SQLite file."""
    url = settings["GOVCHECK_DATABASE_URL"]
    logger.info("Database: %s", masked(url))
    try:
        return open_database(
            url, migrate=settings["GOVCHECK_AUTO_MIGRATE"] if migrate is None else migrate, create=create
        )
    except DatabaseError as exc:
        raise CliError(str(exc), EXIT_DATABASE) from exc


def _site_ids(engine: Engine, hosts: Sequence[str] | None) -> list[int] | None:
    if not hosts:
        return None
    with session_factory(engine)() as session:
        found = dict(
            session.execute(select(Site.host, Site.id).where(Site.host.in_([h.lower() for h in hosts]))).all()
        )
    missing = [h for h in hosts if h.lower() not in found]
    if missing:
        raise CliError(f"unknown site(s): {', '.join(missing)} (crawl them first, or import them)")
    return list(found.values())


def cmd_sites(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    engine = _engine(settings, create=args.action == "import")
    if args.action == "import":
        if not args.file.is_file():
            raise CliError(f"{args.file}: no such file")
        try:
            rows, errors = registry.read_sites(args.file)
        except registry.RegistryError as exc:
            raise CliError(str(exc)) from exc
        created, updated, conflicts = with_retry(engine, lambda s: registry.upsert_sites(s, rows))
        for error in [*errors, *conflicts]:
            print(f"{args.file}: {error}", file=sys.stderr)
        print(
            f"{args.file}: {created} sites added, {updated} updated, {len(errors) + len(conflicts)} rows rejected",
            file=sys.stderr,
        )
        return 1 if errors or conflicts else 0
    if args.action == "remove":
        return _remove_sites(engine, args)
    with session_factory(engine)() as session:
        sites = session.scalars(
            select(Site).where(Site.in_registry.is_(True)).order_by(Site.site_code, Site.host)
        ).all()
    if args.format == "json":
        fields = ("site_code", "name", "host", "homepage", "is_portal", "region", "org", "backend")
        print(json.dumps([{f: getattr(s, f) for f in fields} for s in sites], ensure_ascii=False, indent=2))
    else:
        for site in sites:
            portal = "门户" if site.is_portal else ""
            print(f"{site.site_code or '-':<12} {site.host:<32} {site.name or '-'} {portal}".rstrip())
    return 0


def _remove_sites(engine: Engine, args: argparse.Namespace) -> int:
    """Take sites out of the registry, all or none: an unknown name changes nothing."""

    def remove(session: Session) -> list[Site]:
        sites: list[Site] = []
        for value in args.sites:
            site = session.scalar(select(Site).where(Site.site_code == value.strip()))
            if site is None:
                try:
                    host, _ = registry.normalize_homepage(value)
                except ValueError:
                    host = value
                site = session.scalar(select(Site).where(Site.host == host))
            if site is None:
                known = [
                    *session.scalars(select(Site.host)),
                    *filter(None, session.scalars(select(Site.site_code))),
                ]
                close = difflib.get_close_matches(value.strip().lower(), known, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise CliError(f"sites remove: no site {value!r} in the database{hint} (nothing removed)")
            sites.append(site)
        if args.purge:
            # Crawls, pages, findings, evaluations and probes go with the site (ON DELETE CASCADE).
            session.execute(delete(Site).where(Site.id.in_([site.id for site in sites])))
        else:
            for site in sites:
                site.in_registry = False
        return sites

    for site in with_retry(engine, remove):
        what = (
            "deleted with its crawls, evaluations and probes" if args.purge else "removed from the registry"
        )
        print(f"{site.host} ({site.site_code or 'no 网站标识码'}): {what}", file=sys.stderr)
    if not args.purge:
        print(
            "Their crawls and evaluations are kept (earlier reports still show them); "
            "`sites remove --purge` deletes them",
            file=sys.stderr,
        )
    return 0


def _site_hosts(values: Sequence[str]) -> list[tuple[str, str]]:
    """(host, value as given) of each --site: the host names a log file, so it must be one the
    registry would accept; checked before anything is opened."""
    hosts = []
    for value in values:
        try:
            host, _ = registry.normalize_homepage(value)
        except ValueError as exc:
            raise CliError(f"--site: {exc}") from None
        hosts.append((host, value.strip()))
    return hosts


def _crawl_targets(
    engine: Engine, args: argparse.Namespace, wanted: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """(host, what to pass as -a site=) for each site to crawl: the registry's, or the --site hosts."""
    with session_factory(engine)() as session:
        registered = {
            s.host: s.homepage for s in session.scalars(select(Site).where(Site.in_registry.is_(True)))
        }
        if not args.all:
            for host in args.site:
                if warning := registry.unregistered_warning(session, host):
                    print(f"govcheck: warning: {warning}", file=sys.stderr)
    if args.all:
        if not registered:
            raise CliError(
                "the registry is empty: run `govcheck sites import FILE` first, or name sites with --site"
            )
        return sorted(registered.items())
    return [(host, registered.get(host, value)) for host, value in wanted]


def _recheck_unreachable(
    engine: Engine, settings: dict[str, Any], hosts: list[str], as_of: dt.date, round_name: str, named: bool
) -> None:
    """Once every site of the run is stored, evaluate its unreachable ones again: the share of sites
    failing the same way at the same time is only known now. Say so when the inspector was at fault."""
    if not settings["GOVCHECK_EVALUATE_ON_CLOSE"]:
        return
    with session_factory(engine)() as session:
        ids = list(
            session.scalars(
                select(Crawl.site_id)
                .join(Site, Site.id == Crawl.site_id)
                .where(
                    Crawl.round == round_name, Site.host.in_(hosts), Crawl.homepage_status == "unreachable"
                )
            )
        )
    if not ids:
        return
    results = evaluate(engine, as_of, settings=settings, site_ids=ids, round_name=round_name if named else "")
    with session_factory(engine)() as session:
        faults = dict(
            session.execute(
                select(Site.host, Evaluation.reason)
                .join(Site, Site.id == Evaluation.site_id)
                .where(
                    Evaluation.id.in_([r.evaluation_id for r in results]),
                    Evaluation.reason.in_([INSPECTOR_NETWORK, ADDRESS_NOT_FOUND]),
                )
            ).all()
        )
    network = sorted(h for h, reason in faults.items() if reason == INSPECTOR_NETWORK)
    if network:
        print(
            f"govcheck: warning: {len(network)} site(s) unknown (inspector_network), not unreachable: the "
            "inspector's own network or proxy failed (no reference host answered, or most sites failed "
            "the same way at once). Check the connection and crawl them again: " + ", ".join(network),
            file=sys.stderr,
        )
    for host in sorted(h for h, reason in faults.items() if reason == ADDRESS_NOT_FOUND):
        print(
            f"govcheck: warning: {host}: unknown (address_not_found): not in the registry and its name "
            "does not resolve; check the address",
            file=sys.stderr,
        )


def cmd_crawl(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    wanted = _site_hosts(args.site or [])  # a bad name is refused before the database is opened
    engine = _engine(settings, create=True)
    as_of = args.as_of or config.today_in_shanghai()
    round_name = args.round or as_of.isoformat()
    targets = _crawl_targets(engine, args, wanted)
    log_dir = args.log_dir / round_name
    log_dir.mkdir(parents=True, exist_ok=True)
    # --jobs sites at once, shared by --processes processes (each pays start-up once for its sites).
    processes = process_count(args.processes, jobs=args.jobs, sites=len(targets))
    at_once = -(-min(args.jobs, len(targets)) // processes)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "govcheck.settings"}
    env.update({k: str(v) for k, v in settings.items() if k.startswith("GOVCHECK_") or k == "REDIS_URL"})
    env["GOVCHECK_FLEET_SITES"] = str(at_once)
    folder = Path(tempfile.mkdtemp(prefix="queue-", dir=log_dir))
    tasks = [
        task_for_site(
            host, site, as_of=as_of.isoformat(), round_name=round_name, links=args.links, backend=None
        )
        for host, site in targets
    ]
    queue = LocalRound.create(folder, round_name, tasks)
    logger.info(
        "Crawling %d site(s) as of %s, round %s, %d at a time in %d process(es); logs in %s",
        len(targets),
        as_of,
        round_name,
        processes * at_once,
        processes,
        log_dir,
    )
    commands = {}
    for number in range(1, processes + 1):
        job = f"crawl-{number}"
        log = log_dir / f"{job}.log"
        commands[job] = (
            crawl_command(
                folder,
                job=job,
                round_name=args.round,
                log_file=log,
                scrapy_settings=config.scrapy_overrides(args.set),
            ),
            log,
        )
    progress = crawl_progress(len(targets))
    failed = 0
    crawl = LocalCrawl.start(queue, commands, env)
    try:
        while not crawl.done:
            time.sleep(0.2)
            started, ends = crawl.poll()
            for host in started:
                progress.started(host)
            for end in ends:
                if end.status == "finished" and not _evaluated(
                    engine, settings, end, round_name, as_of, args.round
                ):
                    continue  # told once its evaluation is stored (or its process has ended)
                crawl.settle(end)
                failed += bool(end.exit_code)
                progress.finished(_site_outcome(engine, end, round_name, as_of, args.round))
        crawl.wait()
        _recheck_unreachable(engine, settings, [h for h, _ in targets], as_of, round_name, bool(args.round))
    except KeyboardInterrupt:
        # The processes got the interrupt too: each stores its open sites as interrupted (the previous
        # finished attempt still counts) and gives them back; a new `govcheck crawl` crawls them again.
        print("govcheck: interrupted; waiting for the crawls to store what they have", file=sys.stderr)
        crawl.wait()
        return EXIT_INTERRUPTED
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        progress.close()
        engine.dispose()
    return 1 if failed else 0


def _evaluated(
    engine: Engine,
    settings: dict[str, Any],
    end: SiteEnd,
    crawl_round: str,
    as_of: dt.date,
    evaluation_round: str,
) -> bool:
    """Whether a site its process has stored is evaluated too (its process evaluates it next, when
    GOVCHECK_EVALUATE_ON_CLOSE is on): its line waits for the verdict, unless the process is gone."""
    if not settings["GOVCHECK_EVALUATE_ON_CLOSE"] or end.job is None or end.job.exit_code is not None:
        return True
    try:
        with session_factory(engine)() as session:
            site = select(Site.id).where(Site.host == end.host).scalar_subquery()
            newest = session.scalar(
                select(Crawl.id)
                .where(Crawl.site_id == site, Crawl.round == crawl_round)
                .order_by(Crawl.attempt.desc())
                .limit(1)
            )
            evaluated = session.scalar(
                select(Evaluation.crawl_id).where(
                    Evaluation.site_id == site,
                    Evaluation.as_of == as_of,
                    Evaluation.round == evaluation_round,
                )
            )
    except SQLAlchemyError:
        return True  # the line is told without its verdict rather than never
    return newest is not None and evaluated == newest


def _site_outcome(
    engine: Engine, end: SiteEnd, crawl_round: str, as_of: dt.date, evaluation_round: str
) -> SiteOutcome:
    """A site's progress line: how it ended, and what the database holds for it."""
    log = end.job.log if end.job is not None else Path()
    outcome = SiteOutcome(end.host, end.exit_code, end.seconds, log)
    if end.reason:
        print(f"govcheck: {end.host}: {end.reason}", file=sys.stderr)
    if end.exit_code:
        # A process killed (or crashed) before closing the attempt leaves it running: say so. One that
        # stored the site may have spooled its attempt for `db replay` to complete.
        if end.job is not None and interrupt_unfinished(engine, crawl_round, end.host, end.job.started_at):
            logger.warning(
                "%s: its crawl attempt is interrupted (the previous finished attempt still counts)", end.host
            )
        return outcome
    try:
        return _stored_outcome(engine, outcome, crawl_round, as_of, evaluation_round)
    except SQLAlchemyError as exc:  # the crawls go on (they spool); only the display lacks it
        logger.warning("Cannot read what the crawl of %s stored: %s", end.host, exc)
        return outcome


def _stored_outcome(
    engine: Engine, outcome: SiteOutcome, crawl_round: str, as_of: dt.date, evaluation_round: str
) -> SiteOutcome:
    """The finished site's pages, health monitors and evaluation as its crawl stored them."""
    with session_factory(engine)() as session:
        crawl = session.execute(
            select(Crawl.id, Crawl.health)
            .join(Site, Site.id == Crawl.site_id)
            .where(Site.host == outcome.host, Crawl.round == crawl_round)
            .order_by(Crawl.attempt.desc())
        ).first()
        if crawl is None:
            return outcome  # nothing stored (the database was down: see the spool)
        pages = session.scalar(select(func.count()).where(Page.crawl_id == crawl.id))
        evaluation = session.execute(
            select(Evaluation.verdict, func.count(Finding.id))
            .join(Site, Site.id == Evaluation.site_id)
            .outerjoin(Finding, Finding.evaluation_id == Evaluation.id)
            .where(
                Site.host == outcome.host,
                Evaluation.as_of == as_of,
                Evaluation.round == evaluation_round,
            )
            .group_by(Evaluation.id, Evaluation.verdict)
        ).first()
    return dataclasses.replace(
        outcome,
        pages=pages,
        verdict=evaluation[0] if evaluation else None,
        findings=evaluation[1] if evaluation else None,
        failed_monitors=tuple(failed_monitors(crawl.health) or ()),
    )


def _check_selection(engine: Engine, command: str, round_name: str, host: str | None) -> None:
    """Refuse, saying why, to evaluate or report what the database cannot hold: nothing crawled yet
    (EXIT_EMPTY), a round or a site it does not know (EXIT_USAGE)."""
    with session_factory(engine)() as session:
        nothing_crawled = session.scalar(select(Crawl.id).limit(1)) is None
        # A report reads stored evaluations: they stay reportable once their crawls are gone.
        if nothing_crawled and (
            command != "report" or session.scalar(select(Evaluation.id).limit(1)) is None
        ):
            raise CliError(
                f"nothing to {command}: the database holds no crawl yet (run `govcheck crawl` first)",
                EXIT_EMPTY,
            )
        if round_name and not _round_known(session, round_name):
            rounds = sorted(set(session.scalars(select(Crawl.round).distinct())))
            raise CliError(f"unknown round {round_name!r} (rounds crawled: {', '.join(rounds)})")
        if host and session.scalar(select(Site.id).where(Site.host == host.lower())) is None:
            raise CliError(f"unknown site {host} (crawl it first, or import it with `govcheck sites import`)")


def _round_known(session: Session, round_name: str) -> bool:
    crawled = session.scalar(select(Crawl.id).where(Crawl.round == round_name).limit(1))
    evaluated = session.scalar(select(Evaluation.id).where(Evaluation.round == round_name).limit(1))
    return crawled is not None or evaluated is not None


def _default_as_of(engine: Engine, round_name: str) -> dt.date:
    """The as-of of the round (named, else the one crawled last), announced on stderr."""
    how = "named" if round_name else "the newest crawled"
    with session_factory(engine)() as session:
        if not round_name:
            newest = session.scalar(select(Crawl.round).order_by(Crawl.started_at.desc(), Crawl.id.desc()))
            round_name = newest or ""
        as_of = session.scalar(
            select(func.max(Crawl.as_of)).where(Crawl.round == round_name)
        ) or session.scalar(select(func.max(Evaluation.as_of)).where(Evaluation.round == round_name))
    if as_of is None:
        raise CliError(f"round {round_name!r} has no as-of date: give --as-of DATE")
    print(
        f"govcheck: no --as-of given: reporting as of {as_of}, the as-of of round {round_name} ({how})",
        file=sys.stderr,
    )
    return as_of


def cmd_evaluate(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    engine = _engine(settings)
    _check_selection(engine, "evaluate", args.round, args.site)
    results = evaluate(
        engine,
        args.as_of,
        settings=settings,
        site_ids=_site_ids(engine, [args.site] if args.site else None),
        round_name=args.round,
    )
    verdicts = {v: sum(1 for r in results if r.verdict == v) for v in ("pass", "fail", "unknown")}
    print(f"Evaluated {len(results)} site(s) at {args.as_of}: {verdicts}", file=sys.stderr)
    return 0


def _check_bulletin_options(args: argparse.Namespace) -> None:
    if args.format == "xlsx" and args.output is None and sys.stdout.isatty():
        raise CliError(
            "an xlsx workbook is not for a terminal: write it with -o FILE.xlsx (or redirect stdout)"
        )
    if args.template is not None and args.format != "html":
        raise CliError(f"--template applies to --format html, not {args.format}")
    if args.template is not None and not args.template.is_file():
        raise CliError(f"{args.template}: no such template file")


def _render(
    args: argparse.Namespace, settings: dict[str, Any], data: dict[str, Any], doc: report.Document
) -> str | bytes:
    imprint = report.Imprint.from_settings(settings, annex=args.annex, today=config.today_in_shanghai())
    folder = settings["GOVCHECK_REPORT_TEMPLATES"]
    try:
        return report.render(
            data,
            doc,
            args.format,
            imprint=imprint,
            template=args.template,
            templates=Path(folder) if folder else None,
        )
    except bulletin.TemplateProblem as exc:
        raise CliError(str(exc)) from exc


def cmd_report(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    _check_bulletin_options(args)
    engine = _engine(settings)
    _check_selection(engine, "report", args.round, args.site)
    as_of = args.as_of or _default_as_of(engine, args.round)
    if report.has_evaluations(engine, as_of, args.round):
        data = report.build(engine, as_of, round_name=args.round, host=args.site)
    else:
        where = f"as of {as_of}" + (f", round {args.round}" if args.round else "")
        if args.store:
            print(f"govcheck: no evaluation stored {where}: evaluating and storing it", file=sys.stderr)
            evaluate(engine, as_of, settings=settings, round_name=args.round)
            data = report.build(engine, as_of, round_name=args.round, host=args.site)
        else:
            print(
                f"govcheck: no evaluation stored {where}: evaluating for this report only, nothing stored "
                "(--store keeps it; `govcheck evaluate` stores it)",
                file=sys.stderr,
            )
            data = read_unstored(
                engine,
                as_of,
                lambda session: report.build_from(session, as_of, round_name=args.round, host=args.site),
                settings=settings,
                site_ids=_site_ids(engine, [args.site] if args.site else None),
                round_name=args.round,
            )
    for site in data["sites"]:
        later = site["later_attempt"]
        if later:
            print(
                f"govcheck: {site['host']}: crawl attempt {later['attempt']} of its round is {later['status']}; "
                f"this report uses attempt {site['crawl_attempt']}, the newest finished one",
                file=sys.stderr,
            )
    _write(
        _render(args, settings, data, report.document(data, problems_only=args.problems_only)), args.output
    )
    return 0


def _write(output: str | bytes, path: Path | None) -> None:
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(output, bytes):
            path.write_bytes(output)
        else:
            path.write_text(output, encoding="utf-8")
        print(f"Report written to {path}", file=sys.stderr)
    elif isinstance(output, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(output)
    else:
        sys.stdout.write(output)


def cmd_recheck(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    _check_bulletin_options(args)
    if args.previous_file is not None and not args.previous_file.is_file():
        raise CliError(f"{args.previous_file}: no such file")
    engine = _engine(settings)
    try:
        data = recheck.recheck(
            engine, current=args.current, previous=args.previous, previous_file=args.previous_file
        )
    except recheck.RecheckError as exc:
        raise CliError(str(exc)) from exc
    _write(
        _render(args, settings, data, recheck.document(data, problems_only=args.problems_only)), args.output
    )
    return 0


def cmd_db(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    if args.action == "replay":
        from govcheck.db.spool import replay

        engine = _engine(settings)
        for path in args.files:
            try:
                count = replay(engine, path, MonitorSuite.from_settings(settings))
            except ValueError as exc:
                raise CliError(str(exc)) from exc
            print(f"{path}: {count} items loaded", file=sys.stderr)
        return 0
    engine = _engine(settings, migrate=False, create=args.action == "upgrade")
    if args.action == "upgrade":
        upgrade(engine)
        target = "head"
    else:
        downgrade(engine, args.revision)
        target = args.revision
    print(f"Database {masked(engine.url)} is at {target}", file=sys.stderr)
    return 0


def cmd_settings(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    if args.format == "markdown":
        print(config.markdown_table(), end="")
        return 0
    for setting in config.SETTINGS:
        value = masked(settings[setting.name])
        print(f"{setting.name}={value}  # {setting.doc} (default {setting.default})")
    redis_url = masked(settings.get("REDIS_URL") or "")
    print(f"REDIS_URL={redis_url}  # {config.REDIS_URL_SETTING.doc}")
    return 0


def _round(settings: dict[str, Any], name: str) -> Round:
    url = settings.get("REDIS_URL")
    if not url:
        raise CliError(
            "REDIS_URL is not set: fleet rounds live in Redis (e.g. --set REDIS_URL=redis://HOST:6379/0)"
        )
    try:
        return open_round(url, name, prefix=settings["GOVCHECK_REDIS_PREFIX"])
    except RoundError as exc:
        raise CliError(str(exc)) from exc


def _nodes(args: argparse.Namespace, settings: dict[str, Any], *, required: bool) -> list[ScrapydNode]:
    value = args.nodes if args.nodes is not None else settings["GOVCHECK_SCRAPYD_NODES"]
    try:
        nodes = nodes_from(value, slots=getattr(args, "slots", DEFAULT_SLOTS))
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if required and not nodes:
        raise CliError("no Scrapyd nodes: give --nodes URL,… or set GOVCHECK_SCRAPYD_NODES")
    return nodes


def _existing_engine(settings: dict[str, Any]) -> Engine | None:
    """The database, or None when its SQLite file does not exist yet: only the commands that store
    something create it, and a round of named sites (or its status, from Redis) can do without."""
    try:
        return open_database(
            settings["GOVCHECK_DATABASE_URL"], migrate=settings["GOVCHECK_AUTO_MIGRATE"], create=False
        )
    except MissingDatabase:
        return None
    except DatabaseError as exc:
        raise CliError(str(exc), EXIT_DATABASE) from exc


def _selected_sites(
    engine: Engine | None, args: argparse.Namespace
) -> list[tuple[str, str | None, str | None]]:
    """(host, homepage, registry backend) of each selected site; --site hosts unknown to the database
    come with no homepage (the round uses http://HOST/)."""
    if args.site:
        wanted: dict[str, str | None] = {}
        for value in args.site:
            try:
                host, homepage = registry.normalize_homepage(value)
            except ValueError as exc:
                raise CliError(f"--site: {exc}") from exc
            wanted[host] = homepage if "://" in homepage else None
        known: dict[str, Site] = {}
        if engine is not None:
            with session_factory(engine)() as session:
                known = {s.host: s for s in session.scalars(select(Site).where(Site.host.in_(wanted)))}
        return [
            (h, known[h].homepage, known[h].backend) if h in known else (h, url, None)
            for h, url in wanted.items()
        ]
    if engine is None:
        raise CliError(
            "the registry is empty: run `govcheck sites import FILE` first, or name sites with --site"
        )
    with session_factory(engine)() as session:
        query = select(Site).where(Site.in_registry.is_(True)).order_by(Site.site_code, Site.host)
        if args.region:
            query = query.where(Site.region.in_(args.region))
        sites = session.scalars(query).all()
        if not sites and args.region:
            regions = session.scalars(select(Site.region).where(Site.in_registry.is_(True)).distinct()).all()
            known_regions = "、".join(sorted(r for r in regions if r)) or "none"
            raise CliError(f"no registry site in region {'/'.join(args.region)} (regions: {known_regions})")
        if not sites:
            raise CliError(
                "the registry is empty: run `govcheck sites import FILE` first, or name sites with --site"
            )
        return [(s.host, s.homepage, s.backend) for s in sites]


def _registry_backends(engine: Engine | None) -> dict[str, str]:
    """Host -> backend group of every registry site that has one (the sites table's backend column)."""
    if engine is None:
        return {}
    with session_factory(engine)() as session:
        rows = session.execute(select(Site.host, Site.backend).where(Site.backend.is_not(None))).all()
    return {host: backend for host, backend in rows if backend}


def _enqueue(engine: Engine | None, rnd: Round, args: argparse.Namespace) -> None:
    """Queue the selected sites; the round keeps its first as-of and link scope."""
    progress = rnd.progress() if rnd.exists() else None
    existing = progress.as_of if progress else None
    if existing and args.as_of and args.as_of.isoformat() != existing:
        raise CliError(f"round {rnd.name} is as of {existing}; --as-of {args.as_of} would mix two 监测时间点")
    as_of = existing or (args.as_of or config.today_in_shanghai()).isoformat()
    round_links = progress.links if progress else None
    if round_links and args.links and args.links != round_links:
        raise CliError(
            f"round {rnd.name} checks links={round_links}; --links {args.links} would mix two scopes"
        )
    links = round_links or args.links or "homepage"
    tasks: list[SiteTask] = []
    for host, homepage, backend in _selected_sites(engine, args):
        if backend is None:
            try:
                profile = load_profile(host)
            except ProfileError as exc:
                raise CliError(str(exc)) from exc
            backend = profile.backend_group if profile else None
        tasks.append(
            task_for_site(host, homepage, as_of=as_of, round_name=rnd.name, links=links, backend=backend)
        )
    added = rnd.enqueue(tasks, as_of=as_of, links=links)
    # Every node's cluster politeness reads each host's backend group here, link targets' included.
    groups = {**_registry_backends(engine), **{t.site: t.backend for t in tasks if t.backend}}
    publish_backends(rnd.server, rnd.prefix, groups)
    print(
        f"Round {rnd.name} (as of {as_of}, links={links}): {len(added)} site(s) queued, "
        f"{len(tasks) - len(added)} already in the round",
        file=sys.stderr,
    )


def cmd_enqueue(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    rnd = _round(settings, args.round)
    _enqueue(_existing_engine(settings), rnd, args)
    return 0


def cmd_schedule(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    nodes = _nodes(args, settings, required=True)
    rnd = _round(settings, args.round)
    try:
        job_id(rnd.name)  # refuse a round that cannot be carried by a job id before touching anything
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if args.all or args.region or args.site:
        _enqueue(_existing_engine(settings), rnd, args)
    elif not rnd.exists():
        raise CliError(f"round {rnd.name} is not in Redis: select sites (--all, --region, --site) to enqueue")

    free: dict[ScrapydNode, int] = {}
    ended: set[str] = set()
    waiting = 0  # this round's jobs Scrapyd has not started yet: each will take a pending site
    failed = 0
    for node in nodes:
        try:
            jobs = node.listjobs(PROJECT)
            free[node] = node.free_slots(node.daemonstatus())
        except ScrapydError as exc:
            print(f"govcheck: {exc}", file=sys.stderr)
            failed += 1
            continue
        ended.update(j.id for j in jobs.finished)
        waiting += sum(1 for j in jobs.pending if job_round(j.id) == rnd.name)
    if not free:
        raise CliError("no Scrapyd node could be reached", EXIT_SERVICE)

    requeued = rnd.requeue_jobs(ended) + rnd.requeue_expired()
    if requeued:
        print(
            f"Requeued {len(requeued)} site(s) of ended jobs or expired leases: {', '.join(requeued)}",
            file=sys.stderr,
        )
    pending = len(rnd.progress().pending)
    budget = max(0, pending - waiting)
    started = 0
    # One job at a time per node in turn, so a few pending sites spread over the nodes.
    while budget > 0 and any(free.values()):
        for node in [n for n, slots in free.items() if slots > 0]:
            if budget == 0:
                break
            jobid = job_id(rnd.name)
            try:
                node.schedule(
                    PROJECT,
                    args.spider,
                    {"round": rnd.name},
                    jobid=jobid,
                    settings=config.scrapy_overrides(args.set),
                )
            except ScrapydError as exc:
                print(f"govcheck: {exc}", file=sys.stderr)
                failed += 1
                free[node] = 0
                continue
            print(f"{node.label}: started {jobid}", file=sys.stderr)
            free[node] -= 1
            budget -= 1
            started += 1
    print(
        f"Round {rnd.name}: {pending} site(s) pending, {waiting} job(s) already waiting, "
        f"{started} job(s) started on {len(free)} node(s)",
        file=sys.stderr,
    )
    return 1 if failed else 0


def cmd_status(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    rnd = _round(settings, args.round)
    if not rnd.exists():
        raise CliError(f"round {rnd.name} is not in Redis (never enqueued, or its bookkeeping has expired)")
    nodes = _nodes(args, settings, required=False)
    engine = _existing_engine(settings)
    try:
        while True:
            status = round_status(rnd, nodes, engine)
            if status["complete"]:
                status["cleaned_up_keys"] = rnd.cleanup()
            if args.format == "json":
                # --watch prints one object per line, each complete in itself.
                print(json.dumps(status, ensure_ascii=False, indent=None if args.watch else 2), flush=True)
                if status["stalled"]:
                    print(f"govcheck: {stall_message(status)}", file=sys.stderr, flush=True)
            else:
                sys.stdout.write(status_table(status) + ("\n" if args.watch else ""))
                sys.stdout.flush()
            if status["complete"]:
                print(
                    f"Round {rnd.name} is complete: {status['cleaned_up_keys']} scheduler key(s) deleted",
                    file=sys.stderr,
                )
                return 0
            if not args.watch:
                return 0
            time.sleep(args.watch)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


COMMANDS = {
    "sites": cmd_sites,
    "crawl": cmd_crawl,
    "enqueue": cmd_enqueue,
    "schedule": cmd_schedule,
    "status": cmd_status,
    "evaluate": cmd_evaluate,
    "report": cmd_report,
    "recheck": cmd_recheck,
    "db": cmd_db,
    "settings": cmd_settings,
}


# Options naming a round, on whichever command has them: each becomes a log directory or a key.
ROUND_OPTIONS = ("round", "previous", "current")


def _check_names(args: argparse.Namespace) -> None:
    for option in ROUND_OPTIONS:
        value = getattr(args, option, None)
        if value:
            try:
                names.check_round(value)
            except names.BadName as exc:
                raise CliError(f"--{option}: {exc}") from None


# Commands that start crawls, and so can hand them Scrapy settings given with --set.
CRAWLING_COMMANDS = ("crawl", "schedule")


def _fail(message: str, code: int) -> int:
    """One line on stderr, passwords masked."""
    print(f"govcheck: {' '.join(masked(message).split())}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, handlers=[handler])
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        _check_names(args)
        settings = config.load(args.set)
        passed_on = config.scrapy_overrides(args.set)
        if passed_on and args.command not in CRAWLING_COMMANDS:
            raise CliError(
                f"--set {', '.join(passed_on)}: Scrapy settings are given to crawls, and only "
                f"{' and '.join(CRAWLING_COMMANDS)} start crawls"
            )
        return COMMANDS[args.command](args, settings)
    except config.ConfigError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except CliError as exc:
        return _fail(str(exc), exc.code)
    except (DatabaseError, SQLAlchemyError) as exc:
        return _fail(f"database error: {exc}", EXIT_DATABASE)
    except RedisError as exc:
        return _fail(f"Redis error: {exc}", EXIT_SERVICE)


if __name__ == "__main__":
    sys.exit(main())
