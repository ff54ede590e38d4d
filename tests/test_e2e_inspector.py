"""The inspector's own faults never fail a site, end to end through the farm (real `govcheck crawl` /
`scrapy crawl` / probe subprocesses): a typo host, the inspector's own network down, in one-site and
fleet crawls and in probes. (The evaluator's side on stored crawls: test_evaluator_inspector.py.)"""

from __future__ import annotations

import socket
import sqlite3
import sys
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from govcheck.db.models import Crawl, Site
from govcheck.db.session import open_database, session_factory
from govcheck.fleet.round import Round, redis_from_url
from govcheck.vocabulary import ADDRESS_NOT_FOUND, INSPECTOR_NETWORK
from tests.farm.process import FarmProcess
from tests.farm.truth import AS_OF
from tests.helpers import (
    FLEET_DEAD,
    FLEET_SITE,
    REPO,
    by_host,
    environment,
    fleet_crawl,
    fleet_env,
    govcheck,
    import_and_crawl,
    queue,
    registry_of,
    report,
    run,
    scrapy_crawl,
)

FAST = {
    "GOVCHECK_HOMEPAGE_ATTEMPTS": "2",
    "GOVCHECK_HOMEPAGE_RETRY_DELAY": "0.1",
    "GOVCHECK_LINK_CHECK": "false",
}


# The registry: two farm replicas, plus a test's bare hosts (no code, no name).
REGISTERED = ("sjj.suizhou.gov.cn", "jtj.suizhou.gov.cn")


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
    # nowhere.suizhou.gov.cn is registered, yet its name does not resolve.
    import_and_crawl(env, tmp_path, registry_of(*REGISTERED, "nowhere.suizhou.gov.cn"))
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
    import_and_crawl(env, tmp_path, registry_of(*REGISTERED, "www.dead-refused.gov.cn"))
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
    import_and_crawl(env, tmp_path, registry_of(*REGISTERED, "www.dead-refused.gov.cn"))
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
