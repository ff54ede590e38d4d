"""Apply the rule table to what the database holds, at an as-of date (监测时间点).

Never imports Scrapy: it reads crawls, columns, entries and links (set-based, a batch of sites per
query: snapshots.py), and writes one evaluation per (site, as_of, round) with its findings, replacing
any earlier one, so it can re-run at any date.
Each site is judged on its newest finished crawl attempt on or before the as-of date; one older than
GOVCHECK_MAX_CRAWL_AGE_DAYS makes the site ``unknown`` (no_recent_crawl) instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from govcheck.db.models import Evaluation, Finding, Site, utc_now
from govcheck.db.session import session_factory, with_retry
from govcheck.evaluator.inspector import inspector_fault
from govcheck.evaluator.rules import RULES, Draft, NotJudged, Rule, SiteSnapshot, rulebook_for
from govcheck.evaluator.snapshots import Judged, SnapshotReader
from govcheck.evaluator.summary import summarize
from govcheck.vocabulary import ROBOTS_TXT

logger = logging.getLogger(__name__)
T = TypeVar("T")
NO_RECENT_CRAWL = "no_recent_crawl"
SCORE_FLOOR = 0.0
SCORE_PASS_MARK = 60.0  # 2019 scoring frame: below 60 is 不合格 (only with GOVCHECK_SCORE_VERDICT)
# Sites read, judged and written per transaction: every query of a batch is one set-based query.
SITES_PER_BATCH = 200
RULES_CAP = {rule.code: rule.cap for rule in RULES if rule.cap}
THRESHOLD_KEYS = (
    "GOVCHECK_HOMEPAGE_STALE_DAYS",
    "GOVCHECK_INSPECTOR_FAILURE_MIN_SITES",
    "GOVCHECK_INSPECTOR_FAILURE_SHARE",
    "GOVCHECK_INSPECTOR_FAILURE_WINDOW",
    "GOVCHECK_LETTER_WINDOW_DAYS",
    "GOVCHECK_MAX_CRAWL_AGE_DAYS",
    "GOVCHECK_PROBES_PER_DAY",
    "GOVCHECK_PROBE_DAYS",
    "GOVCHECK_REPLY_DAYS",
    "GOVCHECK_REPLY_UPDATE_DAYS",
    "GOVCHECK_SCORE_VERDICT",
    "GOVCHECK_SURVEY_DAYS",
    "GOVCHECK_THRESHOLD_INTERACTION_DAYS",
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


Outcome = tuple[str, str | None, float | None, list[tuple[Rule, Draft]], list[tuple[Rule, NotJudged]]]


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
        # Nothing read because robots.txt forbade it is the site's wish, not a page we failed to parse.
        return ROBOTS_TXT if any(c.reason == ROBOTS_TXT for c in snapshot.columns) else "unparseable"
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


def not_judged(snapshot: SiteSnapshot, verdict: str) -> list[tuple[Rule, NotJudged]]:
    """The checks the rules in force could not make on a judged site (an unknown site's reason says
    it all); they never change the verdict."""
    if verdict == "unknown":
        return []
    found = []
    for rule in RULES:
        if snapshot.rulebook in rule.rulebooks and (unjudged := rule.not_judged(snapshot)) is not None:
            found.append((rule, unjudged))
    return found


def _outcome(judged: Judged) -> Outcome:
    if judged.snapshot is None:
        # Old data would make every column look stale: the inspector has not looked, not the site failed.
        return ("unknown", NO_RECENT_CRAWL, None, [], [])
    verdict, reason, score, findings = judge(judged.snapshot)
    return verdict, reason, score, findings, not_judged(judged.snapshot, verdict)


def _store(
    session: Session,
    judged: list[Judged],
    outcomes: list[Outcome],
    as_of: dt.date,
    round_name: str,
    settings: dict[str, Any],
) -> list[EvaluationResult]:
    """Replace the batch's evaluations at (as_of, round): one delete, one multi-row insert of the
    evaluations and one of their findings."""
    site_ids = [j.site.id for j in judged]
    session.execute(
        delete(Evaluation).where(
            Evaluation.site_id.in_(site_ids), Evaluation.as_of == as_of, Evaluation.round == round_name
        )
    )
    now = utc_now()
    rulebook = rulebook_for(as_of)
    thresholds = {key: settings[key] for key in THRESHOLD_KEYS}
    # Core inserts: many rows per statement (insertmanyvalues), ids back in the order given.
    evaluations, findings_table = Evaluation.__table__, Finding.__table__
    evaluation_ids = session.scalars(
        insert(evaluations).returning(evaluations.c.id, sort_by_parameter_order=True),
        [
            {
                "site_id": j.site.id,
                "crawl_id": j.crawl.id,
                "as_of": as_of,
                "round": round_name,
                "verdict": verdict,
                "reason": reason,
                "score": score,
                "rulebook": rulebook,
                "thresholds": thresholds,
                "summary": summarize([(rule.code, draft) for rule, draft in findings]),
                "unchecked": [
                    {"code": rule.code, "reason": n.reason, "note": n.note, "evidence": n.evidence}
                    for rule, n in unchecked
                ],
                "evaluated_at": now,
            }
            for j, (verdict, reason, score, findings, unchecked) in zip(judged, outcomes, strict=True)
        ],
    ).all()
    rows = [
        {
            "evaluation_id": evaluation_id,
            "code": rule.code,
            "veto": rule.veto,
            "column_id": draft.column.id if draft.column else None,
            "column_name": draft.column.name if draft.column else None,
            "column_url": draft.column.url if draft.column else None,
            "url": draft.url,
            "source_url": draft.source_url,
            "threshold_days": draft.threshold_days,
            "newest": draft.newest,
            "scope": draft.scope,
            "external": draft.external,
            "item": draft.item,
            "urls": draft.urls,
            "message": draft.message,
            "evidence": {"rule_source": rule.source, **draft.evidence},
            "position": position,
        }
        for evaluation_id, (_, _, _, findings, _) in zip(evaluation_ids, outcomes, strict=True)
        for position, (rule, draft) in enumerate(findings)
    ]
    if rows:
        session.execute(insert(findings_table), rows)
    return [
        EvaluationResult(j.site.id, evaluation_id, verdict, score, len(findings))
        for j, evaluation_id, (verdict, _, score, findings, _) in zip(
            judged, evaluation_ids, outcomes, strict=True
        )
    ]


def _evaluate_batch(session: Session, reader: SnapshotReader, site_ids: list[int]) -> list[EvaluationResult]:
    """Judge a batch of sites and write their evaluations in ``session``."""
    judged = reader.read(session, site_ids)
    if not judged:
        return []
    outcomes = [_outcome(j) for j in judged]
    return _store(session, judged, outcomes, reader.as_of, reader.round_name, reader.settings)


def _site_ids(session: Session, site_ids: Iterable[int] | None) -> list[int]:
    query = select(Site.id).order_by(Site.id)
    if site_ids is not None:
        query = query.where(Site.id.in_(list(site_ids)))
    return list(session.scalars(query))


def _batches(site_ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(site_ids), SITES_PER_BATCH):
        yield site_ids[start : start + SITES_PER_BATCH]


def evaluate(
    engine: Engine,
    as_of: dt.date,
    *,
    settings: dict[str, Any],
    site_ids: Iterable[int] | None = None,
    round_name: str = "",
) -> list[EvaluationResult]:
    """Evaluate every site (or the given ones) that has a finished crawl on or before ``as_of``, and
    store the evaluations (one transaction per batch of SITES_PER_BATCH sites)."""
    reader = SnapshotReader(as_of, settings, round_name)
    results: list[EvaluationResult] = []
    for batch in _batches(with_retry(engine, lambda session: _site_ids(session, site_ids))):
        results += with_retry(engine, lambda session, batch=batch: _evaluate_batch(session, reader, batch))
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
            reader = SnapshotReader(as_of, settings, round_name)
            for batch in _batches(_site_ids(session, site_ids)):
                _evaluate_batch(session, reader, batch)
            return read(session)
        finally:
            session.rollback()
