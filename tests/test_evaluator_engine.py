"""The set-based evaluation gives the findings the per-site evaluation gave, on both databases.

The expected evaluations (tests/data/synthetic_evaluation.json) were written by the per-site
evaluator this one replaced, on the synthetic database of tests/synthetic_db.py (40 sites: every
rule's case, ties on the newest date, re-crawls, stale crawls, probes). Regenerate the file only when
a rule changes on purpose: ``python -m tests.test_evaluator_engine``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from govcheck import config
from govcheck.db.models import Crawl, Evaluation, Finding, Link, Site
from govcheck.db.session import open_database
from govcheck.evaluator import evaluate
from govcheck.evaluator.engine import read_unstored
from govcheck.evaluator.rules import RULES_BY_CODE
from govcheck.evaluator.snapshots import LOWER_TO_ASCII, RULE_LINK_TERMS, SnapshotReader
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


def test_lower_to_ascii_lists_every_such_character() -> None:
    found = tuple(
        chr(c)
        for c in range(0x80, 0x110000)
        if not 0xD800 <= c < 0xE000 and any(ord(x) < 0x80 for x in chr(c).lower())
    )
    assert found == LOWER_TO_ASCII


def test_rule_link_terms_are_plain_like_patterns() -> None:
    assert RULE_LINK_TERMS and all(t.isascii() and t == t.lower() for t in RULE_LINK_TERMS)
    assert not any(c in t for t in RULE_LINK_TERMS for c in "%_\\")


TRICKY = (
    "http://WWW.CASINO-Royal.com/",  # upper case host
    "http://hentai\u0130.example.com/",  # İ lower-cases to i + a combining dot: "hentai" in Python
    "http://x.example.com/\u212aAILUAN/12345/",  # Kelvin sign; 12345 in the path
    "https://www.example.gov.cn/HDJL/index.html",  # a channel term in upper case
    "http://porn.example.gov.cn/",  # a term on a government host: read, and judged not bad
    "http://plain.example.com/page.html",
)


def test_links_read_in_sql_are_every_link_a_rule_reads(database_url: str) -> None:
    engine = synthetic(database_url)
    with Session(engine) as session, session.begin():
        crawl_id = session.scalars(select(Crawl.id).where(Crawl.site_id == 1, Crawl.round == ROUND)).one()
        for number, url in enumerate(TRICKY):
            session.add(
                Link(crawl_id=crawl_id, source_url=f"http://s00000.example.gov.cn/{number}", target_url=url)
            )
    with Session(engine) as session:
        judged = SnapshotReader(AS_OF, config.defaults(), ROUND).read(session, [1])
        snapshot = judged[0].snapshot
        assert snapshot is not None
        every = session.execute(
            select(Link.target_url).where(Link.crawl_id == crawl_id).order_by(Link.id)
        ).all()
    urls = [url for (url,) in every]
    read = [link.url for link in snapshot.links]
    assert {url for url in urls if any(term in url.lower() for term in RULE_LINK_TERMS)} <= set(read)
    assert read == [url for url in urls if url in set(read)]  # in the order they were stored
    assert snapshot.link_count == len(urls)
    flagged = {url for draft in RULES_BY_CODE["bad_link"].check(snapshot) for url in draft.urls or []}
    assert {"http://WWW.CASINO-Royal.com/", "http://hentai\u0130.example.com/"} <= flagged
    assert "http://porn.example.gov.cn/" not in flagged


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
