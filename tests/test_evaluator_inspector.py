"""The inspector's own faults never fail a site: a typo host, the inspector's own network down.

End to end through the farm (real `govcheck crawl` / `scrapy crawl` subprocesses), plus the
evaluator's same-time same-way share on stored crawls (both databases).
"""

from __future__ import annotations

import datetime as dt
import socket
import sqlite3
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from govcheck import config, registry
from govcheck.db.models import Crawl, Evaluation, Finding, Probe, Site
from govcheck.db.session import open_database, session_factory
from govcheck.evaluator import evaluate
from govcheck.evaluator.engine import judge
from govcheck.fleet.round import Round, redis_from_url
from govcheck.vocabulary import ADDRESS_NOT_FOUND, INSPECTOR_NETWORK
from tests.farm.process import FarmProcess
from tests.farm.truth import AS_OF, SITES
from tests.helpers import (
    FLEET_DEAD,
    FLEET_SITE,
    REPO,
    by_host,
    environment,
    fleet_crawl,
    fleet_env,
    govcheck,
    probes,
    queue,
    report,
    run,
    scrapy_crawl,
    snapshot,
)

FAST = {
    "GOVCHECK_HOMEPAGE_ATTEMPTS": "2",
    "GOVCHECK_HOMEPAGE_RETRY_DELAY": "0.1",
    "GOVCHECK_LINK_CHECK": "false",
}
REGISTERED = ("sjj.suizhou.gov.cn", "jtj.suizhou.gov.cn")


def import_registry(env: dict[str, str], cwd: Path, *extra: str) -> None:
    """The registry: two farm replicas, plus bare hosts (no code, no name)."""
    rows = "".join(f"{SITES[h].site_code},{SITES[h].name},{h}\n" for h in REGISTERED)
    rows += "".join(f",,{host}\n" for host in extra)
    path = cwd / "sites.csv"
    path.write_text("网站标识码,网站名称,首页地址\n" + rows, encoding="utf-8")
    imported = govcheck("sites", "import", str(path), env=env, cwd=cwd)
    assert imported.returncode == 0, imported.stderr


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def connectivity(database_url: str, host: str) -> dict[str, Any]:
    engine = open_database(database_url, migrate=False)
    with session_factory(engine)() as session:
        health = session.scalar(select(Crawl.health).join(Site).where(Site.host == host))
    engine.dispose()
    assert health is not None
    facts: dict[str, Any] = health["connectivity"]
    return facts


def test_typo_host_warns_and_is_unknown_not_unreachable(farm: FarmProcess, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'govcheck.db'}"
    env = environment(farm, database, **FAST)
    import_registry(env, tmp_path, "nowhere.suizhou.gov.cn")  # registered, yet its name does not resolve
    typo = "sjjj.suizhou.gov.cn"
    crawl = govcheck(
        "crawl", "--site", typo, "--site", "nowhere.suizhou.gov.cn", "--as-of", AS_OF.isoformat(),
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert crawl.returncode == 0, crawl.stderr
    assert f"{typo} is not in the registry; did you mean sjj.suizhou.gov.cn (随州市审计局)" in crawl.stderr
    assert "nowhere.suizhou.gov.cn is not in the registry" not in crawl.stderr
    assert f"{typo}: unknown (address_not_found)" in crawl.stderr and "check the address" in crawl.stderr
    sites = by_host(report(env, tmp_path))
    assert (sites[typo]["verdict"], sites[typo]["reason"], sites[typo]["findings"]) == (
        "unknown",
        ADDRESS_NOT_FOUND,
        [],
    )
    # A registered host that does not resolve keeps today's veto: the registry vouches for the address.
    assert sites["nowhere.suizhou.gov.cn"]["verdict"] == "fail"
    assert sites["nowhere.suizhou.gov.cn"]["findings"][0]["code"] == "site_unreachable"
    # The spider warns too, on stderr, when run by hand.
    by_hand = scrapy_crawl(typo, env, tmp_path, f"as_of={AS_OF}")
    assert by_hand.returncode == 0, by_hand.stderr[-3000:]
    assert "did you mean sjj.suizhou.gov.cn" in by_hand.stderr


def test_own_network_down_makes_every_site_unknown(farm: FarmProcess, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'govcheck.db'}"
    env = environment(farm, database, **FAST)
    import_registry(env, tmp_path, "www.dead-refused.gov.cn")
    dead_proxy = f"http://127.0.0.1:{closed_port()}"  # the inspector's proxy is down: nothing answers
    env |= {key: dead_proxy for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
    crawl = govcheck("crawl", "--all", "--as-of", AS_OF.isoformat(), "--jobs", "3", env=env, cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stderr
    assert "3 site(s) unknown (inspector_network), not unreachable" in crawl.stderr
    assert "Check the connection and crawl them again" in crawl.stderr
    data = report(env, tmp_path)
    assert {s["host"]: (s["verdict"], s["reason"], s["findings"]) for s in data["sites"]} == {
        host: ("unknown", INSPECTOR_NETWORK, []) for host in (*REGISTERED, "www.dead-refused.gov.cn")
    }
    facts = connectivity(database, "sjj.suizhou.gov.cn")
    assert facts["reachable"] == 0
    assert [r["url"] for r in facts["references"]] == ["http://www.gov.cn/", "http://www.baidu.com/"]
    assert {r["error"] for r in facts["references"]} == {"connection_refused"}


def test_one_dead_site_while_references_answer_is_unreachable(farm: FarmProcess, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'govcheck.db'}"
    env = environment(farm, database, **FAST)
    import_registry(env, tmp_path, "www.dead-refused.gov.cn")
    dead = "www.dead-refused.gov.cn"
    crawl = govcheck("crawl", "--site", dead, "--as-of", AS_OF.isoformat(), env=env, cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stderr
    assert "inspector_network" not in crawl.stderr
    site = by_host(report(env, tmp_path))[dead]
    assert (site["verdict"], site["findings"][0]["code"]) == ("fail", "site_unreachable")
    assert connectivity(database, dead)["reachable"] == 2


def test_own_network_down_in_a_fleet_round(farm: FarmProcess, database_url: str, redis_url: str) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    round_ = Round(redis_from_url(redis_url), "2024-Q1", prefix=prefix)
    queue(round_, FLEET_SITE, FLEET_DEAD)
    env = fleet_env(farm, database_url, redis_url, prefix) | FAST
    dead_proxy = f"http://127.0.0.1:{closed_port()}"  # Redis and the database are reached directly
    env |= {key: dead_proxy for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
    log = fleet_crawl(env, "2024-Q1", REPO)
    assert "the inspector's own network or proxy is down" in log
    sites = by_host(report(env, REPO, "--round", "2024-Q1"))
    assert {h: (s["verdict"], s["reason"], s["findings"]) for h, s in sites.items()} == {
        host: ("unknown", INSPECTOR_NETWORK, []) for host in (FLEET_SITE, FLEET_DEAD)
    }


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


def test_did_you_mean_reads_the_registry(database_url: str) -> None:
    engine = open_database(database_url, migrate=True)
    with session_factory(engine)() as session:
        for host in REGISTERED:
            session.add(Site(host=host, homepage=f"http://{host}/", name=SITES[host].name))
        session.add(
            Site(host="adhoc.example.gov.cn", homepage="http://adhoc.example.gov.cn/", in_registry=False)
        )
        session.commit()
        assert registry.unregistered_warning(session, "sjj.suizhou.gov.cn") is None
        typo = registry.unregistered_warning(session, "http://SJJJ.suizhou.gov.cn/index.html")
        assert typo is not None and typo.startswith(
            "sjjj.suizhou.gov.cn is not in the registry; did you mean sjj.suizhou.gov.cn (随州市审计局)"
        )
        # An earlier ad hoc crawl does not register a host, and is never suggested.
        adhoc = registry.unregistered_warning(session, "adhoc.example.gov.cn")
        assert adhoc is not None and "no registered host is close to it." in adhoc
        assert [s.host for s in registry.similar_sites(session, "随州市审计")] == ["sjj.suizhou.gov.cn"]
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


def probe_rows(database: Path) -> dict[str, tuple[int, str | None]]:
    with sqlite3.connect(database) as connection:
        return dict(
            (host, (ok, error))
            for host, ok, error in connection.execute(
                "SELECT s.host, p.ok, p.error FROM probes p JOIN sites s ON s.id = p.site_id"
            )
        )


def test_probes_while_the_inspector_is_offline_never_count(farm: FarmProcess, tmp_path: Path) -> None:
    database = tmp_path / "govcheck.db"
    env = environment(farm, f"sqlite:///{database}")
    hosts = "sjj.suizhou.gov.cn,www.dead-refused.gov.cn"
    probe = [sys.executable, "-m", "scrapy", "crawl", "probe", "-a", f"sites={hosts}"]
    online = run(probe, env, tmp_path)
    assert online.returncode == 0, online.stderr[-3000:]
    assert probe_rows(database)["www.dead-refused.gov.cn"] == (0, "connection_refused")
    database.unlink()
    dead_proxy = f"http://127.0.0.1:{closed_port()}"
    offline = run(probe, env | {k: dead_proxy for k in ("http_proxy", "HTTP_PROXY")}, tmp_path)
    assert offline.returncode == 0, offline.stderr[-3000:]
    assert "the inspector's own network or proxy is down" in offline.stderr
    assert probe_rows(database) == {
        host: (0, f"{INSPECTOR_NETWORK} (connection_refused)") for host in hosts.split(",")
    }


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
