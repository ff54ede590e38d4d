"""The ``govcheck`` command: registry, crawls, evaluation, reports, database upkeep.

Configuration: the same GOVCHECK_* keys as the spiders, from the environment or ``--set KEY=VALUE``.
Logs go to stderr; reports go to stdout (or ``-o FILE``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from govcheck import config, recheck, registry, report
from govcheck.db.models import Site
from govcheck.db.session import (
    DatabaseError,
    downgrade,
    masked,
    open_database,
    session_factory,
    upgrade,
    with_retry,
)
from govcheck.evaluator import evaluate

logger = logging.getLogger("govcheck")
EXIT_USAGE = 2
EXIT_DATABASE = 3


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govcheck", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a GOVCHECK_* setting"
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
    listed = sites.add_parser("list", help="list registered sites")
    listed.add_argument("--format", choices=("table", "json"), default="table")

    crawl = commands.add_parser("crawl", help="crawl registry sites on this machine, N at a time (no Redis)")
    which = crawl.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every site in the registry")
    which.add_argument(
        "--site", action="append", metavar="HOST", help="a site (registered or not); repeatable"
    )
    crawl.add_argument("--as-of", type=_date, help="监测时间点 (default: today in Asia/Shanghai)")
    crawl.add_argument("--round", default="", help="inspection round name (default: the as-of date)")
    crawl.add_argument("--jobs", type=_positive_int, default=2, help="sites crawled at once (default 2)")
    crawl.add_argument("--links", choices=("homepage", "all", "none"), default="homepage")
    crawl.add_argument("--log-dir", type=Path, default=Path("var/logs"), help="one Scrapy log per site")

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
    report_cmd.add_argument("--as-of", type=_date, help="default: today in Asia/Shanghai")
    report_cmd.add_argument("--round", default="")
    report_cmd.add_argument("--site", metavar="HOST")
    report_cmd.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")

    recheck_cmd = commands.add_parser("recheck", help="复查: which of a previous round's problems remain")
    before = recheck_cmd.add_mutually_exclusive_group(required=True)
    before.add_argument("--previous", metavar="ROUND", help="the previous round in the database")
    before.add_argument(
        "--previous-file", type=Path, metavar="FILE", help="a published 附件 table (xlsx or csv)"
    )
    recheck_cmd.add_argument("--current", metavar="ROUND", required=True, help="the current round")
    recheck_cmd.add_argument("--format", choices=report.FORMATS, default="json")
    recheck_cmd.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")

    db = commands.add_parser("db", help="database upkeep").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="migrate to the newest schema")
    down = db.add_parser("downgrade", help="migrate down to REVISION (base = empty)")
    down.add_argument("revision")
    replay = db.add_parser("replay", help="load spool files written while the database was down")
    replay.add_argument("files", nargs="+", type=Path)

    commands.add_parser("settings", help="list every GOVCHECK_* setting with its default and meaning")
    return parser


def _engine(settings: dict[str, Any], *, migrate: bool | None = None) -> Engine:
    url = settings["GOVCHECK_DATABASE_URL"]
    logger.info("Database: %s", masked(url))
    try:
        return open_database(url, migrate=settings["GOVCHECK_AUTO_MIGRATE"] if migrate is None else migrate)
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
    engine = _engine(settings)
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
    with session_factory(engine)() as session:
        sites = session.scalars(
            select(Site).where(Site.in_registry.is_(True)).order_by(Site.site_code, Site.host)
        ).all()
    if args.format == "json":
        fields = ("site_code", "name", "host", "homepage", "is_portal", "region", "org")
        print(json.dumps([{f: getattr(s, f) for f in fields} for s in sites], ensure_ascii=False, indent=2))
    else:
        for site in sites:
            portal = "门户" if site.is_portal else ""
            print(f"{site.site_code or '-':<12} {site.host:<32} {site.name or '-'} {portal}".rstrip())
    return 0


def _crawl_targets(engine: Engine, args: argparse.Namespace) -> list[tuple[str, str]]:
    """(host, what to pass as -a site=) for each site to crawl."""
    with session_factory(engine)() as session:
        registered = {
            s.host: s.homepage for s in session.scalars(select(Site).where(Site.in_registry.is_(True)))
        }
    if args.all:
        if not registered:
            raise CliError(
                "the registry is empty: run `govcheck sites import FILE` first, or name sites with --site"
            )
        return sorted(registered.items())
    return [(h.lower(), registered.get(h.lower(), h)) for h in args.site]


def cmd_crawl(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    engine = _engine(settings)
    engine.dispose()
    as_of = args.as_of or config.today_in_shanghai()
    round_name = args.round or as_of.isoformat()
    targets = _crawl_targets(engine, args)
    log_dir = args.log_dir / round_name
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "govcheck.settings"}
    env.update({k: str(v) for k, v in settings.items() if k.startswith("GOVCHECK_") or k == "REDIS_URL"})
    pending = list(targets)
    running: dict[str, subprocess.Popen[bytes]] = {}
    failed: list[str] = []
    done = 0
    logger.info(
        "Crawling %d site(s) as of %s, round %s, %d at a time; logs in %s",
        len(targets),
        as_of,
        round_name,
        args.jobs,
        log_dir,
    )
    while pending or running:
        while pending and len(running) < args.jobs:
            host, site = pending.pop(0)
            command = [
                sys.executable, "-m", "scrapy", "crawl", "portal",
                "-a", f"site={site}", "-a", f"as_of={as_of.isoformat()}", "-a", f"links={args.links}",
                "--logfile", str(log_dir / f"{host}.log"),
            ]  # fmt: skip
            if args.round:
                command += ["-a", f"round={args.round}"]
            running[host] = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
        time.sleep(0.2)
        for host, process in list(running.items()):
            code = process.poll()
            if code is None:
                continue
            del running[host]
            done += 1
            if code:
                failed.append(host)
            state = "done" if code == 0 else f"FAILED (exit {code}, see {log_dir / (host + '.log')})"
            print(f"[{done}/{len(targets)}] {host}: {state}", file=sys.stderr)
    if failed:
        print(f"{len(failed)} crawl(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def cmd_evaluate(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    engine = _engine(settings)
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


def cmd_report(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    engine = _engine(settings)
    as_of = args.as_of or config.today_in_shanghai()
    if not report.has_evaluations(engine, as_of, args.round):
        evaluate(engine, as_of, settings=settings, round_name=args.round)
    data = report.build(engine, as_of, round_name=args.round, host=args.site)
    _write(report.render(data, report.document(data), args.format), args.output)
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
    if args.previous_file is not None and not args.previous_file.is_file():
        raise CliError(f"{args.previous_file}: no such file")
    engine = _engine(settings)
    try:
        data = recheck.recheck(
            engine, current=args.current, previous=args.previous, previous_file=args.previous_file
        )
    except recheck.RecheckError as exc:
        raise CliError(str(exc)) from exc
    _write(report.render(data, recheck.document(data), args.format), args.output)
    return 0


def cmd_db(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    if args.action == "replay":
        from govcheck.db.spool import replay

        engine = _engine(settings)
        for path in args.files:
            count = replay(engine, path)
            print(f"{path}: {count} items loaded", file=sys.stderr)
        return 0
    engine = _engine(settings, migrate=False)
    if args.action == "upgrade":
        upgrade(engine)
        target = "head"
    else:
        downgrade(engine, args.revision)
        target = args.revision
    print(f"Database {masked(engine.url)} is at {target}", file=sys.stderr)
    return 0


def cmd_settings(_args: argparse.Namespace, settings: dict[str, Any]) -> int:
    for setting in config.SETTINGS:
        print(f"{setting.name}={settings[setting.name]}  # {setting.doc} (default {setting.default})")
    return 0


COMMANDS = {
    "sites": cmd_sites,
    "crawl": cmd_crawl,
    "evaluate": cmd_evaluate,
    "report": cmd_report,
    "recheck": cmd_recheck,
    "db": cmd_db,
    "settings": cmd_settings,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = config.load(args.set)
        return COMMANDS[args.command](args, settings)
    except config.ConfigError as exc:
        print(f"govcheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CliError as exc:
        print(f"govcheck: {exc}", file=sys.stderr)
        return exc.code
    except (DatabaseError, SQLAlchemyError) as exc:
        print(f"govcheck: database error: {exc}", file=sys.stderr)
        return EXIT_DATABASE


if __name__ == "__main__":
    sys.exit(main())
