"""The set-based evaluation gives the findings the per-site evaluation gave, on both databases.

The expected evaluations (tests/data/synthetic_evaluation.json) were written by the per-site
evaluator this one replaced, on the synthetic database of tests/synthetic_db.py (40 sites: every
rule's case, ties on the newest date, re-crawls, stale crawls, probes). Regenerate the file only when
a rule changes on purpose: ``python -m tests.test_evaluation_sql``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from govcheck import config
from govcheck.db.models import Evaluation, Finding, Site
from govcheck.db.session import open_database
from govcheck.evaluator import evaluate
from govcheck.evaluator.engine import read_unstored
from tests.synthetic_db import AS_OF, ROUND, generate, store

EXPECTED = Path(__file__).parent / "data" / "synthetic_evaluation.json"
SITES, COLUMNS, ENTRIES = 40, 12, 8
FINDING_FIELDS = (
    "code",
    "veto",
    "column_id",
    "column_name",
    "column_url",
    "url",
    "source_url",
    "threshold_days",
    "newest",
    "scope",
    "external",
    "item",
    "urls",
    "message",
    "evidence",
    "position",
)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def stored_evaluations(session: Session) -> list[dict[str, Any]]:
    """Every stored evaluation with its findings, in a form that compares across databases."""
    evaluations = session.execute(
        select(Site.host, Evaluation).join(Site, Site.id == Evaluation.site_id).order_by(Site.host)
    ).all()
    out = []
    for host, evaluation in evaluations:
        findings = session.scalars(
            select(Finding).where(Finding.evaluation_id == evaluation.id).order_by(Finding.position)
        ).all()
        out.append(
            {
                "host": host,
                "crawl_id": evaluation.crawl_id,
                "as_of": evaluation.as_of.isoformat(),
                "round": evaluation.round,
                "verdict": evaluation.verdict,
                "reason": evaluation.reason,
                "score": evaluation.score,
                "rulebook": evaluation.rulebook,
                "thresholds": evaluation.thresholds,
                "summary": evaluation.summary,
                "findings": [{name: _plain(getattr(f, name)) for name in FINDING_FIELDS} for f in findings],
            }
        )
    return out


def synthetic(url: str) -> Engine:
    engine = open_database(url, migrate=True)
    store(engine, generate(SITES, columns=COLUMNS, entries=ENTRIES))
    return engine


def test_findings_equal_the_per_site_evaluation(database_url: str) -> None:
    engine = synthetic(database_url)
    results = evaluate(engine, AS_OF, settings=config.defaults(), round_name=ROUND)
    with Session(engine) as session:
        got = stored_evaluations(session)
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert [e["host"] for e in got] == [e["host"] for e in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert mine == theirs, mine["host"]
    assert len(results) == len(expected)


def test_an_unstored_evaluation_equals_the_stored_one(database_url: str) -> None:
    engine = synthetic(database_url)
    unstored = read_unstored(engine, AS_OF, stored_evaluations, settings=config.defaults(), round_name=ROUND)
    assert unstored == json.loads(EXPECTED.read_text(encoding="utf-8"))
    with engine.connect() as connection:
        assert connection.scalar(select(Evaluation.id).limit(1)) is None  # rolled back


def test_evaluating_again_replaces_the_evaluation(database_url: str) -> None:
    engine = synthetic(database_url)
    settings = config.defaults()
    first = evaluate(engine, AS_OF, settings=settings, round_name=ROUND)
    again = evaluate(engine, AS_OF, settings=settings, round_name=ROUND)
    assert [(r.site_id, r.verdict, r.finding_count) for r in again] == [
        (r.site_id, r.verdict, r.finding_count) for r in first
    ]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Evaluation)) == len(first)
        assert connection.scalar(select(func.count()).select_from(Finding)) == sum(
            r.finding_count for r in first
        )


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        engine = synthetic(f"sqlite:///{folder}/expected.db")
        evaluate(engine, AS_OF, settings=config.defaults(), round_name=ROUND)
        with Session(engine) as session:
            EXPECTED.parent.mkdir(exist_ok=True)
            EXPECTED.write_text(
                json.dumps(stored_evaluations(session), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
    print(f"wrote {EXPECTED}")
