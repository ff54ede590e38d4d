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

from redis.exceptions import RedisError
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
from govcheck.fleet.round import Round, RoundError, SiteTask, redis_from_url, task_for_site
from govcheck.fleet.scrapyd import (
    DEFAULT_SLOTS,
    PROJECT,
    ScrapydError,
    ScrapydNode,
    job_id,
    job_round,
    nodes_from,
)
from govcheck.fleet.status import round_status, status_table
from govcheck.profile import ProfileError, load_profile

logger = logging.getLogger("govcheck")
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_SERVICE = 4  # Redis or every Scrapyd node unusable


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
        fields = ("site_code", "name", "host", "homepage", "is_portal", "region", "org", "backend")
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
            try:
                count = replay(engine, path)
            except ValueError as exc:
                raise CliError(str(exc)) from exc
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


def _round(settings: dict[str, Any], name: str) -> Round:
    url = settings.get("REDIS_URL")
    if not url:
        raise CliError(
            "REDIS_URL is not set: fleet rounds live in Redis (e.g. --set REDIS_URL=redis://HOST:6379/0)"
        )
    try:
        return Round(redis_from_url(url), name, prefix=settings["GOVCHECK_REDIS_PREFIX"])
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


def _selected_sites(engine: Engine, args: argparse.Namespace) -> list[tuple[str, str | None, str | None]]:
    """(host, homepage, registry backend) of each selected site; --site hosts unknown to the database
    come with no homepage (the round uses http://HOST/)."""
    with session_factory(engine)() as session:
        if args.site:
            wanted: dict[str, str | None] = {}
            for value in args.site:
                try:
                    host, homepage = registry.normalize_homepage(value)
                except ValueError as exc:
                    raise CliError(f"--site: {exc}") from exc
                wanted[host] = homepage if "://" in homepage else None
            known = {s.host: s for s in session.scalars(select(Site).where(Site.host.in_(wanted)))}
            return [
                (h, known[h].homepage, known[h].backend) if h in known else (h, url, None)
                for h, url in wanted.items()
            ]
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


def _enqueue(engine: Engine, rnd: Round, args: argparse.Namespace) -> None:
    """Queue the selected sites; the round keeps its first as-of and link scope."""
    existing = rnd.progress().as_of if rnd.exists() else None
    if existing and args.as_of and args.as_of.isoformat() != existing:
        raise CliError(f"round {rnd.name} is as of {existing}; --as-of {args.as_of} would mix two 监测时间点")
    as_of = existing or (args.as_of or config.today_in_shanghai()).isoformat()
    round_links = rnd.server.hget(rnd.meta_key, "links")
    round_links = round_links.decode() if round_links else None
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
    print(
        f"Round {rnd.name} (as of {as_of}, links={links}): {len(added)} site(s) queued, "
        f"{len(tasks) - len(added)} already in the round",
        file=sys.stderr,
    )


def cmd_enqueue(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    rnd = _round(settings, args.round)
    _enqueue(_engine(settings), rnd, args)
    return 0


def cmd_schedule(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    nodes = _nodes(args, settings, required=True)
    rnd = _round(settings, args.round)
    try:
        job_id(rnd.name)  # refuse a round that cannot be carried by a job id before touching anything
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if args.all or args.region or args.site:
        _enqueue(_engine(settings), rnd, args)
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
                node.schedule(PROJECT, args.spider, {"round": rnd.name}, jobid=jobid)
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
    engine = _engine(settings)
    try:
        while True:
            status = round_status(rnd, nodes, engine)
            if status["complete"]:
                status["cleaned_up_keys"] = rnd.cleanup()
            if args.format == "json":
                # --watch prints one object per line, each complete in itself.
                print(json.dumps(status, ensure_ascii=False, indent=None if args.watch else 2), flush=True)
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
        return 130


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
    except RedisError as exc:
        print(f"govcheck: Redis error: {exc}", file=sys.stderr)
        return EXIT_SERVICE


if __name__ == "__main__":
    sys.exit(main())
