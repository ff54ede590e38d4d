"""The inspector's own faults never fail a site: a typo host, the inspector's own network down.

End to end through the farm (real `govcheck crawl` / `scrapy crawl` subprocesses), plus the
evaluator's same-time same-way share on stored crawls (both databases).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, text

from govcheck import config
from govcheck.db.models import Crawl, Evaluation, Finding, Probe, Site
from govcheck.db.session import open_database, session_factory
from govcheck.evaluator import evaluate
from govcheck.evaluator.engine import judge
from govcheck.vocabulary import ADDRESS_NOT_FOUND, INSPECTOR_NETWORK
from tests.farm.truth import AS_OF
from tests.helpers import (
    probes,
    snapshot,
)


def test_reference_hosts_setting_is_validated() -> None:
    with pytest.raises(config.ConfigError, match="GOVCHECK_REFERENCE_HOSTS"):
        config.load(["GOVCHECK_REFERENCE_HOSTS=ftp://www.gov.cn"], environ={})
    assert config.reference_urls("www.gov.cn, https://www.baidu.com/s") == [
        "http://www.gov.cn/",
        "https://www.baidu.com/s",
    ]
    assert config.reference_urls("") == []


# ------------------------------------------------------------------ the round's share, from stored crawls

STARTED = dt.datetime(2024, 2, 28, 10, 0, tzinfo=dt.UTC)


def _attempts(minute: int, error: str | None) -> list[dict[str, Any]]:
    at = (STARTED + dt.timedelta(minutes=minute)).isoformat()
    return [{"url": "http://x/", "at": at, "status": None if error else 200, "error": error}]


def _store_round(database_url: str, outcomes: list[tuple[int, str | None]]) -> Any:
    """One registered site per outcome (minute of the homepage attempt, its error or None for ok),
    with references answering: only the share can tell the inspector's fault."""
    engine = open_database(database_url, migrate=True)
    with session_factory(engine)() as session:
        for index, (minute, error) in enumerate(outcomes):
            site = Site(host=f"s{index}.example.gov.cn", homepage=f"http://s{index}.example.gov.cn/")
            session.add(site)
            session.flush()
            references = [{"url": "http://www.gov.cn/", "status": 200, "error": None, "ok": True}]
            session.add(
                Crawl(
                    round="R", site_id=site.id, status="finished", as_of=AS_OF, reference_at=STARTED,
                    homepage_status="unreachable" if error else "unparseable",
                    health={"homepage_attempts": _attempts(minute, error),
                            "connectivity": {"references": references, "reachable": 1}},
                )
            )  # fmt: skip
        session.commit()
    return engine


def _verdicts(engine: Any, settings: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    results = evaluate(engine, AS_OF, settings=settings, round_name="R")
    with session_factory(engine)() as session:
        hosts = {s.id: s.host for s in session.scalars(select(Site))}
    return {hosts[r.site_id]: (r.verdict, _reason(engine, r.evaluation_id)) for r in results}


def _reason(engine: Any, evaluation_id: int) -> str | None:
    with session_factory(engine)() as session:
        evaluation = session.get(Evaluation, evaluation_id)
        assert evaluation is not None
        return evaluation.reason


def test_most_sites_failing_the_same_way_at_once_is_the_inspector(database_url: str) -> None:
    # Five of six sites refused within two minutes: the inspector's side (a firewall, its own link).
    engine = _store_round(
        database_url, [(0, "connection_refused")] * 3 + [(2, "connection_refused")] * 2 + [(1, None)]
    )
    verdicts = _verdicts(engine, config.defaults())
    assert [verdicts[f"s{i}.example.gov.cn"] for i in range(5)] == [("unknown", INSPECTOR_NETWORK)] * 5
    assert verdicts["s5.example.gov.cn"] == ("unknown", "unparseable")
    # A higher share, or failures spread over the day, is the sites' own fault again.
    stricter = _verdicts(engine, {**config.defaults(), "GOVCHECK_INSPECTOR_FAILURE_SHARE": 90.0})
    assert stricter["s0.example.gov.cn"] == ("fail", None)
    engine.dispose()


def test_failures_apart_in_time_stay_unreachable(database_url: str) -> None:
    spread = [(minute * 60, "connection_refused") for minute in range(5)] + [(0, None)]
    engine = _store_round(database_url, spread)
    assert {v for h, v in _verdicts(engine, config.defaults()).items() if h != "s5.example.gov.cn"} == {
        ("fail", None)
    }
    engine.dispose()


# ------------------------------------------------------------------------- judge, on a snapshot alone

DNS_FAILED = [
    {"url": "http://x.gov.cn/", "at": STARTED.isoformat(), "status": None, "error": "dns_error"}
] * 2
NO_REFERENCE = {
    "references": [{"url": "http://www.gov.cn/", "status": None, "error": "dns_error"}],
    "reachable": 0,
}


def unreachable(**overrides: Any) -> tuple[str, str | None, list[str]]:
    facts = snapshot([], homepage_status="unreachable", homepage_attempts=DNS_FAILED, homepage_newest=None)
    for key, value in overrides.items():
        setattr(facts, key, value)
    verdict, reason, _, findings = judge(facts)
    return verdict, reason, [rule.code for rule, _ in findings]


def test_judge_tells_the_inspectors_faults_apart() -> None:
    assert unreachable() == ("fail", None, ["site_unreachable"])  # registered: today's veto
    assert unreachable(in_registry=False) == ("unknown", ADDRESS_NOT_FOUND, [])
    # The inspector's resolver is down: not the address either.
    assert unreachable(in_registry=False, connectivity=NO_REFERENCE) == ("unknown", INSPECTOR_NETWORK, [])
    assert unreachable(connectivity=NO_REFERENCE) == ("unknown", INSPECTOR_NETWORK, [])
    answered = {**NO_REFERENCE, "reachable": 1}
    assert unreachable(connectivity=answered) == ("fail", None, ["site_unreachable"])
    # A week of probes (the official rule) decides on its own, whatever this crawl's network did.
    assert unreachable(connectivity=NO_REFERENCE, probes=probes(20, 20)) == (
        "fail",
        None,
        ["site_unreachable"],
    )


# ------------------------------------------------------------------------ availability probes


def test_a_week_of_offline_probes_is_no_week_of_probes(database_url: str) -> None:
    """Both homepages failed this crawl; only the real week of failed probes is the official basis."""
    engine = open_database(database_url, migrate=True)
    with session_factory(engine)() as session:
        for host, error in (("down.example.gov.cn", "connection_refused"), ("ours.example.gov.cn", None)):
            site = Site(host=host, homepage=f"http://{host}/")
            session.add(site)
            session.flush()
            session.add(
                Crawl(
                    round="R", site_id=site.id, status="finished", as_of=AS_OF, reference_at=STARTED,
                    homepage_status="unreachable",
                    health={"homepage_attempts": _attempts(0, "connection_refused")},
                )
            )  # fmt: skip
            failure = error or f"{INSPECTOR_NETWORK} (connection_refused)"
            for day in range(7):
                for half_hour in range(20):
                    at = STARTED - dt.timedelta(days=day, minutes=30 * half_hour)
                    session.add(
                        Probe(site_id=site.id, url=f"http://{host}/", probed_at=at, ok=False, error=failure)
                    )
        session.commit()
    results = evaluate(engine, AS_OF, settings=config.defaults(), round_name="R")
    with session_factory(engine)() as session:
        basis = dict(
            session.execute(
                select(Site.host, Finding.evidence)
                .join(Evaluation, Evaluation.site_id == Site.id)
                .join(Finding, Finding.evaluation_id == Evaluation.id)
                .where(Evaluation.id.in_([r.evaluation_id for r in results]))
            ).all()
        )
    assert (basis["down.example.gov.cn"]["basis"], basis["down.example.gov.cn"]["probes"]) == ("probes", 140)
    # The inspector's offline probes are no probes: this crawl's own attempts decide, marked partial.
    assert basis["ours.example.gov.cn"]["basis"] == "crawl homepage attempts"
    assert basis["ours.example.gov.cn"]["probes"] == 0
    with engine.connect() as connection:  # the analysts' view counts as the evaluator does
        availability = connection.execute(
            text("SELECT host, SUM(probes), SUM(failed) FROM v_availability GROUP BY host")
        )
        assert {host: (int(n), int(failed)) for host, n, failed in availability} == {
            "down.example.gov.cn": (140, 140)
        }
    engine.dispose()
