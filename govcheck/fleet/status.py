"""`govcheck status`: a round's progress, from Redis (what is pending, running, done, and where),
Scrapyd (which of the round's jobs each node runs) and the database (pages and findings per site)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, exists, func, select
from sqlalchemy.orm import aliased

from govcheck.db.attempts import INTERRUPTED
from govcheck.db.models import Crawl, Evaluation, Finding, Page, Site
from govcheck.db.session import session_factory
from govcheck.fleet.round import Progress, Round, message_site
from govcheck.fleet.scrapyd import PROJECT, Job, ScrapydError, ScrapydNode, job_round
from govcheck.monitors import failed_monitors


def round_status(rnd: Round, nodes: Sequence[ScrapydNode], engine: Engine | None) -> dict[str, Any]:
    """The status document: every key always present (null where it does not apply; pages, findings
    and verdicts too while no worker has created the database yet, ``engine`` None)."""
    progress = rnd.progress()
    node_rows: list[dict[str, Any]] = []
    job_node: dict[str, str] = {}  # every job id a node knows -> that node
    ended: list[tuple[ScrapydNode, Job]] = []  # this round's finished jobs, every node
    for node in nodes:
        row: dict[str, Any] = {
            "node": node.label,
            "reachable": True,
            "error": None,
            "running": [],
            "pending": [],
            "sites": {"done": 0, "running": 0},
            "pages": 0,
            "findings": 0,
        }
        try:
            jobs = node.listjobs(PROJECT)
        except ScrapydError as exc:
            row.update(reachable=False, error=exc.message)
        else:
            job_node.update({j.id: node.label for j in (*jobs.running, *jobs.pending, *jobs.finished)})
            row["running"] = [j.id for j in jobs.running if job_round(j.id) == rnd.name]
            row["pending"] = [j.id for j in jobs.pending if job_round(j.id) == rnd.name]
            ended += [(node, j) for j in jobs.finished if job_round(j.id) == rnd.name]
        node_rows.append(row)

    pages, interrupted, health, evaluations = (
        _stored(engine, rnd.name, progress.as_of) if engine is not None else ({}, {}, {}, {})
    )

    sites: dict[str, dict[str, Any]] = {}

    def add(
        host: str, state: str, entry: dict[str, Any], *, reason: str | None = None, key: str | None = None
    ) -> None:
        if (key or host) in sites:  # a state seen first wins: done, running, pending, rejected
            return
        verdict, findings = evaluations.get(host, (None, None))
        sites[key or host] = {
            "host": host,
            "state": state,
            "job": entry.get("job"),
            # The Scrapyd node that ran the job; else the host name the worker gave.
            "node": job_node.get(entry.get("job") or "", entry.get("node")),
            "status": entry.get("status"),
            "starts": progress.starts.get(host, 0),
            "reason": reason,
            "pages": pages.get(host),
            # Attempts at the site in this round that never finished (a killed or cancelled job).
            "interrupted_attempts": interrupted.get(host, 0) if host in pages else None,
            "findings": findings,
            "verdict": verdict,
            # The crawl's failed health monitors (govcheck/monitors.py); null before its crawl closed.
            "monitors": failed_monitors(health.get(host)),
        }

    for host, entry in progress.done.items():
        add(host, "done", entry)
    for host, entry in progress.running.items():
        add(host, "running", entry)
    for host in progress.pending:
        add(host, "pending", {})
    for number, rejected in enumerate(progress.rejected):
        host = message_site(str(rejected.get("message", "")).encode())
        # Messages with no readable host are listed one by one, not merged under "?".
        add(host, "rejected", {}, reason=rejected.get("reason"), key=f"?{number}" if host == "?" else host)
    rows = sorted(sites.values(), key=lambda r: r["host"])
    for row in node_rows:
        mine = [r for r in rows if r["node"] == row["node"]]
        row["sites"] = {state: sum(1 for r in mine if r["state"] == state) for state in ("done", "running")}
        row["pages"] = sum(r["pages"] or 0 for r in mine)
        row["findings"] = sum(r["findings"] or 0 for r in mine)
    return {
        "round": rnd.name,
        "as_of": progress.as_of,
        "complete": progress.complete,
        "cleaned_up_keys": None,
        "stalled": _stall(progress, node_rows, ended),
        "nodes": node_rows,
        "sites": rows,
        "totals": {
            "sites": progress.total,
            **{
                state: sum(1 for r in rows if r["state"] == state)
                for state in ("done", "running", "pending", "rejected")
            },
            "pages": sum(r["pages"] or 0 for r in rows),
            "findings": sum(r["findings"] or 0 for r in rows),
            "monitors_failed": sum(1 for r in rows if r["monitors"]),
        },
    }


def _stall(
    progress: Progress, node_rows: Sequence[dict[str, Any]], ended: Sequence[tuple[ScrapydNode, Job]]
) -> dict[str, Any] | None:
    """A round that cannot progress by itself: sites pending, none running, and no job of the round
    running or waiting on any node. Points at the log of the job that ended last (the likeliest
    to have failed: it left sites behind), and at `govcheck schedule` to restart the round."""
    jobs_alive = any(row["running"] or row["pending"] for row in node_rows)
    if not progress.pending or progress.running or jobs_alive:
        return None
    last = max(ended, key=lambda pair: pair[1].end_time or "", default=None)
    if last is not None:
        node, job = last
        # Scrapyd serves every job's log at logs/<project>/<spider>/<jobid>.log.
        job_id, log = job.id, f"{node.url}logs/{PROJECT}/{job.spider or 'portal'}/{job.id}.log"
    else:
        # No node listed (or none remembers the round's jobs): Redis keeps no end times, so a job the
        # round recorded finishing a site; its log is on the node that ran it.
        recorded = [entry for entry in progress.done.values() if entry.get("job")]
        job_id = recorded[-1]["job"] if recorded else None
        log = f"logs/{PROJECT}/portal/{job_id}.log under the node's logs_dir" if job_id else None
    return {"pending": len(progress.pending), "last_job": job_id, "log": log}


def _stored(
    engine: Engine, round_name: str, as_of: str | None
) -> tuple[dict[str, int], dict[str, int], dict[str, Any], dict[str, tuple[str, int]]]:
    """Per host: pages and crawl health of the newest attempt, interrupted attempts, and the round's
    evaluation (verdict, findings) at the round's as-of."""
    with session_factory(engine)() as session:
        # Pages of each site's newest attempt (a re-crawl after a killed job starts again from zero).
        newer = aliased(Crawl)
        newest = (
            Crawl.round == round_name,
            ~exists().where(
                newer.round == Crawl.round,
                newer.site_id == Crawl.site_id,
                newer.attempt > Crawl.attempt,
            ),
        )
        pages = dict(
            session.execute(
                select(Site.host, func.count(Page.id))
                .join(Crawl, Crawl.site_id == Site.id)
                .outerjoin(Page, Page.crawl_id == Crawl.id)
                .where(*newest)
                .group_by(Site.host)
            ).all()
        )
        health = dict(
            session.execute(
                select(Site.host, Crawl.health).join(Crawl, Crawl.site_id == Site.id).where(*newest)
            ).all()
        )
        interrupted = dict(
            session.execute(
                select(Site.host, func.count(Crawl.id))
                .join(Crawl, Crawl.site_id == Site.id)
                .where(Crawl.round == round_name, Crawl.status == INTERRUPTED)
                .group_by(Site.host)
            ).all()
        )
        # The evaluation each worker stores when a site finishes: (site, the round's as-of, round).
        query = (
            select(Site.host, Evaluation.verdict, func.count(Finding.id))
            .join(Evaluation, Evaluation.site_id == Site.id)
            .outerjoin(Finding, Finding.evaluation_id == Evaluation.id)
            .where(Evaluation.round == round_name)
            .group_by(Site.host, Evaluation.id, Evaluation.verdict)
        )
        if as_of:
            query = query.where(Evaluation.as_of == dt.date.fromisoformat(as_of))
        evaluations = {host: (verdict, count) for host, verdict, count in session.execute(query).all()}
    return pages, interrupted, health, evaluations


def status_table(status: dict[str, Any]) -> str:
    totals = status["totals"]
    lines = [
        f"Round {status['round']} (as of {status['as_of']}): {totals['done']} done, {totals['running']} running, "
        f"{totals['pending']} pending, {totals['rejected']} rejected of {totals['sites']} site(s); "
        f"{totals['pages']} pages, {totals['findings']} findings"
        + ("; complete" if status["complete"] else "")
    ]
    if totals["monitors_failed"]:
        lines[0] += f"; {totals['monitors_failed']} crawl(s) with failed health monitors"
    if status["stalled"]:
        lines.append(stall_message(status))
    if status["nodes"]:
        lines += [
            "",
            f"{'node':<44} {'reachable':<9} {'jobs':>4} {'waiting':>7} {'done':>5} {'running':>7} "
            f"{'pages':>6} {'findings':>8}",
        ]
        for node in status["nodes"]:
            reachable = "yes" if node["reachable"] else f"NO ({node['error']})"
            lines.append(
                f"{node['node']:<44} {reachable:<9} {len(node['running']):>4} {len(node['pending']):>7} "
                f"{node['sites']['done']:>5} {node['sites']['running']:>7} {node['pages']:>6} {node['findings']:>8}"
            )
    lines += [
        "",
        f"{'host':<32} {'state':<8} {'status':<9} {'job':<24} {'node':<16} {'pages':>5} {'findings':>8} verdict",
    ]
    for site in status["sites"]:
        cells = [
            site[k] if site[k] is not None else "-"
            for k in ("status", "job", "node", "pages", "findings", "verdict")
        ]
        state_status, job, node, pages, findings, verdict = cells
        if site["reason"]:
            verdict = f"{verdict} ({site['reason']})"
        if site["monitors"]:
            verdict = f"{verdict} [health: {', '.join(site['monitors'])}]"
        if site["interrupted_attempts"]:
            verdict = f"{verdict} [{site['interrupted_attempts']} interrupted attempt(s)]"
        lines.append(
            f"{site['host']:<32} {site['state']:<8} {state_status:<9} {job:<24} {node:<16} {pages:>5} "
            f"{findings:>8} {verdict}"
        )
    return "\n".join(lines) + "\n"


def stall_message(status: dict[str, Any]) -> str:
    stall = status["stalled"]
    message = (
        f"STALLED: {stall['pending']} site(s) pending and no job of round {status['round']} running or "
        f"waiting; start jobs with `govcheck schedule --round {status['round']}`"
    )
    if stall["last_job"]:
        message += f". The last job, {stall['last_job']}, ended: see its log {stall['log']}"
    return message
