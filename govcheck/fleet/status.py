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
from govcheck.fleet.round import Round, message_site
from govcheck.fleet.scrapyd import PROJECT, ScrapydError, ScrapydNode, job_round


def round_status(rnd: Round, nodes: Sequence[ScrapydNode], engine: Engine | None) -> dict[str, Any]:
    """The status document: every key always present (null where it does not apply; pages, findings
    and verdicts too while no worker has created the database yet, ``engine`` None)."""
    progress = rnd.progress()
    node_rows: list[dict[str, Any]] = []
    job_node: dict[str, str] = {}  # every job id a node knows -> that node
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
        node_rows.append(row)

    pages, interrupted, evaluations = (
        _stored(engine, rnd.name, progress.as_of) if engine is not None else ({}, {}, {})
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
        },
    }


def _stored(
    engine: Engine, round_name: str, as_of: str | None
) -> tuple[dict[str, int], dict[str, int], dict[str, tuple[str, int]]]:
    """Per host: pages of the newest attempt, interrupted attempts, and the round's evaluation
    (verdict, findings) at the round's as-of."""
    with session_factory(engine)() as session:
        # Pages of each site's newest attempt (a re-crawl after a killed job starts again from zero).
        newer = aliased(Crawl)
        pages = dict(
            session.execute(
                select(Site.host, func.count(Page.id))
                .join(Crawl, Crawl.site_id == Site.id)
                .outerjoin(Page, Page.crawl_id == Crawl.id)
                .where(
                    Crawl.round == round_name,
                    ~exists().where(
                        newer.round == Crawl.round,
                        newer.site_id == Crawl.site_id,
                        newer.attempt > Crawl.attempt,
                    ),
                )
                .group_by(Site.host)
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
    return pages, interrupted, evaluations


def status_table(status: dict[str, Any]) -> str:
    totals = status["totals"]
    lines = [
        f"Round {status['round']} (as of {status['as_of']}): {totals['done']} done, {totals['running']} running, "
        f"{totals['pending']} pending, {totals['rejected']} rejected of {totals['sites']} site(s); "
        f"{totals['pages']} pages, {totals['findings']} findings"
        + ("; complete" if status["complete"] else "")
    ]
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
        if site["interrupted_attempts"]:
            verdict = f"{verdict} [{site['interrupted_attempts']} interrupted attempt(s)]"
        lines.append(
            f"{site['host']:<32} {site['state']:<8} {state_status:<9} {job:<24} {node:<16} {pages:>5} "
            f"{findings:>8} {verdict}"
        )
    return "\n".join(lines) + "\n"
