"""Apply the rule table to what the database holds, at an as-of date (监测时间点).

Never imports Scrapy: it reads crawls, columns, entries and links, and writes one evaluation per
(site, as_of, round) with its findings, replacing any earlier one, so it can re-run at any date.
Each site is judged on its newest finished crawl attempt on or before the as-of date; one older than
GOVCHECK_MAX_CRAWL_AGE_DAYS makes the site ``unknown`` (no_recent_crawl) instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from govcheck.dates import SHANGHAI
from govcheck.db.attempts import FINISHED, no_newer_finished
from govcheck.db.models import (
    Column,
    ColumnCheck,
    Crawl,
    Entry,
    Evaluation,
    Finding,
    Link,
    LinkCheck,
    Probe,
    Site,
)
from govcheck.db.session import session_factory, with_retry
from govcheck.evaluator.categories import classify, threshold_days
from govcheck.evaluator.inspector import ConcurrentFailures, concurrent_failures, inspector_fault
from govcheck.evaluator.profiles import EvaluationProfile, load_profile
from govcheck.evaluator.rules import (
    RULES,
    BrokenLink,
    ColumnState,
    Draft,
    LinkTarget,
    ProbeStats,
    Rule,
    SiteSnapshot,
    rulebook_for,
)
from govcheck.evaluator.summary import summarize
from govcheck.vocabulary import INSPECTOR_NETWORK

logger = logging.getLogger(__name__)
T = TypeVar("T")
NO_RECENT_CRAWL = "no_recent_crawl"
SCORE_FLOOR = 0.0
SCORE_PASS_MARK = 60.0  # 2019 scoring frame: below 60 is 不合格 (only with GOVCHECK_SCORE_VERDICT)
PROBE_FAILURE_SAMPLE = 20
RULES_CAP = {rule.code: rule.cap for rule in RULES if rule.cap}
THRESHOLD_KEYS = (
    "GOVCHECK_HOMEPAGE_STALE_DAYS",
    "GOVCHECK_INSPECTOR_FAILURE_MIN_SITES",
    "GOVCHECK_INSPECTOR_FAILURE_SHARE",
    "GOVCHECK_INSPECTOR_FAILURE_WINDOW",
    "GOVCHECK_MAX_CRAWL_AGE_DAYS",
    "GOVCHECK_PROBES_PER_DAY",
    "GOVCHECK_PROBE_DAYS",
    "GOVCHECK_SCORE_VERDICT",
    "GOVCHECK_THRESHOLD_NEWS_DAYS",
    "GOVCHECK_THRESHOLD_NOTICE_DAYS",
    "GOVCHECK_THRESHOLD_OTHER_DAYS",
    "GOVCHECK_UNREACHABLE_SHARE",
    "GOVCHECK_VETO_BLANK_COLUMNS",
    "GOVCHECK_VETO_KEY_STALE_COLUMNS",
    "GOVCHECK_VETO_STALE_COLUMNS",
)


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    site_id: int
    evaluation_id: int
    verdict: str
    score: float | None
    finding_count: int


Outcome = tuple[str, str | None, float | None, list[tuple[Rule, Draft]]]


def latest_crawl(session: Session, site_id: int, as_of: dt.date, round_name: str = "") -> Crawl | None:
    """The newest finished crawl of the site whose as_of is on or before ``as_of`` (within the round,
    if named): of each round its newest finished attempt, so an unfinished re-crawl changes nothing."""
    query = select(Crawl).where(
        Crawl.site_id == site_id,
        Crawl.status == FINISHED,
        Crawl.as_of <= as_of,
        no_newer_finished(Crawl, as_of=as_of),
    )
    if round_name:
        query = query.where(Crawl.round == round_name)
    return session.scalars(query.order_by(Crawl.as_of.desc(), Crawl.finished_at.desc()).limit(1)).first()


def _columns(
    session: Session, crawl: Crawl, as_of: dt.date, settings: dict[str, Any], profile: EvaluationProfile
) -> tuple[list[ColumnState], ColumnState | None]:
    rows = session.execute(
        select(Column, ColumnCheck)
        .join(ColumnCheck, ColumnCheck.column_id == Column.id)
        .where(ColumnCheck.crawl_id == crawl.id)
        .order_by(Column.position, Column.id)
    ).all()
    states: dict[int, ColumnState] = {}
    homepage: ColumnState | None = None
    for column, check in rows:
        category = profile.override(column.name, column.url) or classify(
            column.name, column.url, column.column_type
        )
        state = ColumnState(
            id=column.id,
            url=column.url,
            name=column.name or column.url,
            depth=column.depth,
            position=column.position,
            status=check.status,
            reason=check.reason,
            http_status=check.http_status,
            category=category,
            threshold_days=threshold_days(category, settings),
        )
        if column.is_homepage:
            homepage = state
        else:
            states[column.id] = state
    ids = [*states, *([homepage.id] if homepage else [])]
    entries = session.execute(
        # What the list showed at this crawl: seen by it or an earlier one, and still seen by it or a
        # later one. A newer entry that a later crawl no longer finds was taken down, and no longer
        # makes its column fresh.
        select(Entry.column_id, Entry.url, Entry.published, Entry.date_text, Entry.date_source).where(
            Entry.column_id.in_(ids),
            Entry.first_seen_crawl_id <= crawl.id,
            Entry.last_seen_crawl_id >= crawl.id,
        )
    ).all()
    for column_id, url, published, date_text, date_source in entries:
        state = homepage if homepage is not None and column_id == homepage.id else states[column_id]
        if published is not None and published > as_of:
            continue  # published after the as-of date: not part of this evaluation
        state.entry_count += 1
        if published is None:
            state.undated_count += 1
            state.undated_urls.append(url)
            continue
        state.dated_count += 1
        if state.newest is None or published > state.newest:
            state.newest, state.newest_text, state.newest_url, state.newest_source = (
                published,
                date_text,
                url,
                date_source,
            )
    return list(states.values()), homepage


def _checked_links(session: Session, crawl: Crawl, outcome: str) -> list[BrokenLink]:
    """The crawl's link targets whose check had ``outcome`` (broken, refused), with every source page."""
    rows = session.execute(
        select(
            Link.target_url,
            Link.source_url,
            Link.on_homepage,
            Link.external,
            LinkCheck.status,
            LinkCheck.error,
        )
        .join(LinkCheck, (LinkCheck.crawl_id == Link.crawl_id) & (LinkCheck.url == Link.target_url))
        .where(Link.crawl_id == crawl.id, LinkCheck.outcome == outcome)
        .order_by(Link.id)
    ).all()
    links: dict[str, BrokenLink] = {}
    for target, source, on_homepage, external, status, error in rows:
        link = links.setdefault(target, BrokenLink(target, [], False, external, status, error))
        if source not in link.sources:
            link.sources.append(source)
        link.on_homepage = link.on_homepage or on_homepage
    return list(links.values())


def _links(session: Session, crawl: Crawl) -> list[LinkTarget]:
    rows = session.execute(
        select(Link.target_url, Link.source_url, Link.tag, Link.on_homepage, Link.external)
        .where(Link.crawl_id == crawl.id)
        .order_by(Link.id)
    ).all()
    return [LinkTarget(*row) for row in rows]


def _probes(session: Session, site: Site, as_of: dt.date, settings: dict[str, Any]) -> ProbeStats | None:
    """The probes of the GOVCHECK_PROBE_DAYS Asia/Shanghai days ending with the as-of day."""
    days = int(settings["GOVCHECK_PROBE_DAYS"])
    # In UTC: SQLite keeps the wall time of an aware datetime and drops its offset; probes are UTC.
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), SHANGHAI).astimezone(dt.UTC)
    start = end - dt.timedelta(days=days)
    rows = session.execute(
        select(Probe.probed_at, Probe.ok, Probe.status, Probe.error, Probe.url)
        .where(Probe.site_id == site.id, Probe.probed_at >= start, Probe.probed_at < end)
        .order_by(Probe.probed_at)
    ).all()
    per_day: dict[str, tuple[int, int]] = {}
    failures: list[dict[str, Any]] = []
    for probed_at, ok, status, error, url in rows:
        if error and error.startswith(INSPECTOR_NETWORK):
            continue  # the probe run's own network was down (no reference host answered): no probe
        if probed_at.tzinfo is None:  # SQLite returns naive UTC
            probed_at = probed_at.replace(tzinfo=dt.UTC)
        day = probed_at.astimezone(SHANGHAI).date().isoformat()
        total, failed = per_day.get(day, (0, 0))
        per_day[day] = (total + 1, failed + (not ok))
        if not ok and len(failures) < PROBE_FAILURE_SAMPLE:
            failures.append({"at": probed_at.isoformat(), "url": url, "status": status, "error": error})
    return ProbeStats(per_day, failures) if per_day else None


def _concurrent_failures(
    session: Session, crawl: Crawl, settings: dict[str, Any]
) -> ConcurrentFailures | None:
    """For an unreachable homepage only: the round's homepage attempts around the same time."""
    if crawl.homepage_status != "unreachable":
        return None
    others = session.execute(
        select(Crawl.homepage_status, Crawl.health).where(
            Crawl.round == crawl.round, Crawl.status == "finished", Crawl.homepage_status.is_not(None)
        )
    ).all()
    return concurrent_failures(
        (crawl.health or {}).get("homepage_attempts", []),
        [(status, (health or {}).get("homepage_attempts", [])) for status, health in others],
        float(settings["GOVCHECK_INSPECTOR_FAILURE_WINDOW"]),
    )


def snapshot_of(
    session: Session, site: Site, crawl: Crawl, as_of: dt.date, settings: dict[str, Any]
) -> SiteSnapshot:
    columns, homepage = _columns(session, crawl, as_of, settings, load_profile(site.host))
    health = crawl.health or {}
    return SiteSnapshot(
        host=site.host,
        as_of=as_of,
        rulebook=rulebook_for(as_of),
        settings=settings,
        homepage_url=crawl.homepage_url,
        homepage_status=crawl.homepage_status,
        homepage_attempts=health.get("homepage_attempts", []),
        homepage_newest=homepage.newest if homepage else None,
        homepage_newest_text=homepage.newest_text if homepage else None,
        homepage_newest_url=homepage.newest_url if homepage else None,
        columns=columns,
        broken_links=_checked_links(session, crawl, "broken"),
        refused_links=_checked_links(session, crawl, "refused"),
        links=_links(session, crawl),
        footer=health.get("footer"),
        probes=_probes(session, site, as_of, settings),
        is_portal=site.is_portal,
        in_registry=site.in_registry,
        connectivity=health.get("connectivity"),
        concurrent_failures=_concurrent_failures(session, crawl, settings),
    )


def unknown_reason(snapshot: SiteSnapshot) -> str | None:
    """Why the site cannot be judged, or None. An unknown verdict never carries a veto."""
    if snapshot.homepage_status in {"blocked", "unparseable"}:
        return snapshot.homepage_status
    if snapshot.homepage_status in {"too_large", "too_slow"}:
        # The homepage answered but ran into govcheck's own size or time limit: nothing of it was read.
        return f"homepage_{snapshot.homepage_status}"
    if (
        snapshot.homepage_status == "ok"
        and not any(c.status in {"ok", "blank"} for c in snapshot.columns)
        and snapshot.homepage_newest is None
    ):
        return "unparseable"
    return None


def _run_rule(rule: Rule, snapshot: SiteSnapshot) -> list[Draft]:
    try:
        return list(rule.check(snapshot))
    except Exception:  # a broken rule is recorded, never fatal to the round
        logger.error("Rule %s failed on %s:\n%s", rule.code, snapshot.host, traceback.format_exc())
        return [
            Draft(message=f"规则 {rule.code} 执行出错", evidence={"error": traceback.format_exc(limit=3)})
        ]


def judge(snapshot: SiteSnapshot) -> tuple[str, str | None, float, list[tuple[Rule, Draft]]]:
    """Verdict, unknown-reason, score and findings for one snapshot."""
    reason = unknown_reason(snapshot)
    findings: list[tuple[Rule, Draft]] = []
    for rule in RULES:
        if snapshot.rulebook not in rule.rulebooks:
            continue
        if reason is not None and (rule.veto or not rule.applies_when_unknown):
            continue
        findings.extend((rule, draft) for draft in _run_rule(rule, snapshot))
    deductions: dict[str, float] = {}
    for rule, draft in findings:
        deductions[rule.code] = deductions.get(rule.code, 0.0) + draft.points
    score = max(
        SCORE_FLOOR, 100.0 - sum(min(total, RULES_CAP.get(code, total)) for code, total in deductions.items())
    )
    if (
        reason is None
        and snapshot.homepage_status == "unreachable"
        and not any(rule.code == "site_unreachable" for rule, _ in findings)
    ):
        # A week of probes clears the site, but this crawl saw nothing of it: not judgeable.
        reason = "unreachable_during_crawl"
        findings = [(rule, draft) for rule, draft in findings if not rule.veto]
    if reason is None and any(
        r.code == "site_unreachable" and d.evidence.get("partial") for r, d in findings
    ):
        # Judged on this crawl's attempts alone: a typo host or the inspector's own network is no veto.
        reason = inspector_fault(snapshot)
        if reason is not None:
            findings = [(rule, draft) for rule, draft in findings if not rule.veto]
    score_fails = bool(snapshot.settings.get("GOVCHECK_SCORE_VERDICT")) and score < SCORE_PASS_MARK
    if reason is not None:
        verdict = "unknown"
    elif any(rule.veto for rule, _ in findings) or score_fails:
        verdict = "fail"
    else:
        verdict = "pass"
    return verdict, reason, round(score, 1), findings


def _store(
    session: Session,
    site: Site,
    crawl: Crawl,
    as_of: dt.date,
    round_name: str,
    settings: dict[str, Any],
    outcome: Outcome,
) -> EvaluationResult:
    verdict, reason, score, findings = outcome
    session.execute(
        delete(Evaluation).where(
            Evaluation.site_id == site.id, Evaluation.as_of == as_of, Evaluation.round == round_name
        )
    )
    evaluation = Evaluation(
        site_id=site.id,
        crawl_id=crawl.id,
        as_of=as_of,
        round=round_name,
        verdict=verdict,
        reason=reason,
        score=score,
        rulebook=rulebook_for(as_of),
        thresholds={key: settings[key] for key in THRESHOLD_KEYS},
        summary=summarize([(rule.code, draft) for rule, draft in findings]),
    )
    session.add(evaluation)
    session.flush()
    for position, (rule, draft) in enumerate(findings):
        session.add(
            Finding(
                evaluation_id=evaluation.id,
                code=rule.code,
                veto=rule.veto,
                column_id=draft.column.id if draft.column else None,
                column_name=draft.column.name if draft.column else None,
                column_url=draft.column.url if draft.column else None,
                url=draft.url,
                source_url=draft.source_url,
                threshold_days=draft.threshold_days,
                newest=draft.newest,
                scope=draft.scope,
                external=draft.external,
                item=draft.item,
                urls=draft.urls,
                message=draft.message,
                evidence={"rule_source": rule.source, **draft.evidence},
                position=position,
            )
        )
    return EvaluationResult(site.id, evaluation.id, verdict, score, len(findings))


def evaluate_site(
    session: Session, site_id: int, as_of: dt.date, settings: dict[str, Any], round_name: str = ""
) -> EvaluationResult | None:
    """Judge one site at ``as_of`` and write its evaluation in ``session`` (None: no crawl to judge)."""
    site = session.get(Site, site_id)
    crawl = latest_crawl(session, site_id, as_of, round_name)
    if site is None or crawl is None:
        return None
    outcome: Outcome
    if (as_of - crawl.as_of).days > int(settings["GOVCHECK_MAX_CRAWL_AGE_DAYS"]):
        # Old data would make every column look stale: the inspector has not looked, not the site failed.
        outcome = ("unknown", NO_RECENT_CRAWL, None, [])
    else:
        outcome = judge(snapshot_of(session, site, crawl, as_of, settings))
    return _store(session, site, crawl, as_of, round_name, settings, outcome)


def _site_ids(session: Session, site_ids: Iterable[int] | None) -> list[int]:
    query = select(Site.id).order_by(Site.id)
    if site_ids is not None:
        query = query.where(Site.id.in_(list(site_ids)))
    return list(session.scalars(query))


def evaluate(
    engine: Engine,
    as_of: dt.date,
    *,
    settings: dict[str, Any],
    site_ids: Iterable[int] | None = None,
    round_name: str = "",
) -> list[EvaluationResult]:
    """Evaluate every site (or the given ones) that has a finished crawl on or before ``as_of``, and
    store the evaluations (one transaction per site)."""
    results: list[EvaluationResult] = []
    for site_id in with_retry(engine, lambda session: _site_ids(session, site_ids)):
        result = with_retry(
            engine,
            lambda session, site_id=site_id: evaluate_site(session, site_id, as_of, settings, round_name),
        )
        if result is not None:
            results.append(result)
    return results


def read_unstored(
    engine: Engine,
    as_of: dt.date,
    read: Callable[[Session], T],
    *,
    settings: dict[str, Any],
    site_ids: Iterable[int] | None = None,
    round_name: str = "",
) -> T:
    """Evaluate as :func:`evaluate` does, let ``read`` see the evaluations in the same transaction,
    then roll everything back: a report made on the fly leaves the stored evaluations as they were."""
    with session_factory(engine)() as session:
        try:
            for site_id in _site_ids(session, site_ids):
                evaluate_site(session, site_id, as_of, settings, round_name)
            session.flush()
            return read(session)
        finally:
            session.rollback()
