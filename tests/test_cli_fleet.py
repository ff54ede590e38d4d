"""govcheck/cli.py, the fleet commands: enqueue, schedule, status against a real Redis, real databases and a real Scrapyd.

The Scrapyd node serves a stand-in `govcheck` project (a scrapy.cfg [settings] project whose `portal`
spider ends at once, or after `-a sleep=S`), so jobs really start and end without deploying or crawling.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import select

from govcheck import config
from govcheck.cli import main
from govcheck.db.models import Crawl, Evaluation, Finding, Page, Site
from govcheck.db.session import open_database, session_factory
from govcheck.fleet.backends import backends_key
from govcheck.fleet.round import Round, parse_message
from govcheck.fleet.scrapyd import ScrapydError, ScrapydNode, job_id, job_round
from tests.scrapyd_node import PASSWORD, USERNAME, Node, free_port, scrapyd_node

AS_OF = "2024-02-28"
REGISTRY = (
    "网站标识码,网站名称,首页地址,地区,后端分组\n"
    "4213000045,随州市审计局,sjj.suizhou.gov.cn,随州市,hanweb-hubei\n"
    "4213000012,随州市交通运输局,http://jtj.suizhou.gov.cn/index.html,随州市,\n"
    "4213210015,随县人民政府,www.zgsuixian.gov.cn,随县,\n"
)
Run = Callable[..., tuple[int, str, str]]

STAND_IN_SPIDER = """
import time

import scrapy


class Portal(scrapy.Spider):
    name = "portal"

    def __init__(self, sleep="0", **kwargs):
        super().__init__(**kwargs)
        time.sleep(float(sleep))

    async def start(self):
        return
        yield
"""


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def run(
    database_url: str, redis_url: str, prefix: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Run:
    """`govcheck …` with this test's database, Redis and key prefix; (exit code, stdout, stderr)."""
    registry = tmp_path / "sites.csv"
    registry.write_text(REGISTRY, encoding="utf-8-sig")
    base = [
        "--set", f"GOVCHECK_DATABASE_URL={database_url}", "--set", f"REDIS_URL={redis_url}",
        "--set", f"GOVCHECK_REDIS_PREFIX={prefix}", "--set", "GOVCHECK_SCRAPYD_NODES=",
    ]  # fmt: skip

    def call(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([*base, *argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    assert call("sites", "import", str(registry))[0] == 0
    return call


def round_of(redis_url: str, prefix: str, name: str = "2024-Q1") -> Round:
    return Round(Redis.from_url(redis_url), name, prefix=prefix)


# -- enqueue ------------------------------------------------------------------------------------


def test_enqueue_by_region_all_and_site_is_idempotent(run: Run, redis_url: str, prefix: str) -> None:
    code, out, _ = run("sites", "list", "--format", "json")
    assert code == 0
    assert {s["host"]: s["backend"] for s in json.loads(out)} == {
        "sjj.suizhou.gov.cn": "hanweb-hubei",
        "jtj.suizhou.gov.cn": None,
        "www.zgsuixian.gov.cn": None,
    }

    code, _, err = run("enqueue", "--round", "2024-Q1", "--region", "随州市", "--as-of", AS_OF)
    assert code == 0 and "2 site(s) queued, 0 already in the round" in err
    code, _, err = run("enqueue", "--round", "2024-Q1", "--all")  # as-of and links: the round's
    assert code == 0 and "(as of 2024-02-28, links=homepage): 1 site(s) queued, 2 already" in err
    code, _, err = run(
        "enqueue", "--round", "2024-Q1", "--site", "new.example.gov.cn", "--site", "SJJ.suizhou.gov.cn"
    )
    assert code == 0 and "1 site(s) queued, 1 already in the round" in err

    rnd = round_of(redis_url, prefix)
    raw = rnd.server.lrange(rnd.sites_key, 0, -1)
    tasks = {t.site: t for t in (parse_message(m, round_name="2024-Q1") for m in raw)}
    assert list(tasks) == [
        "jtj.suizhou.gov.cn",
        "sjj.suizhou.gov.cn",
        "www.zgsuixian.gov.cn",
        "new.example.gov.cn",
    ]
    assert {(t.url, t.as_of, t.links, t.backend) for t in tasks.values()} == {
        ("http://jtj.suizhou.gov.cn/index.html", AS_OF, "homepage", None),
        ("http://sjj.suizhou.gov.cn/", AS_OF, "homepage", "hanweb-hubei"),
        ("http://www.zgsuixian.gov.cn/", AS_OF, "homepage", None),
        ("http://new.example.gov.cn/", AS_OF, "homepage", None),  # not in the registry
    }
    assert rnd.progress().total == 4


def test_enqueue_refuses_what_would_mix_rounds(run: Run, redis_url: str) -> None:
    assert run("enqueue", "--round", "R1", "--all", "--as-of", AS_OF, "--links", "all")[0] == 0
    code, _, err = run("enqueue", "--round", "R1", "--all", "--as-of", "2024-03-01")
    assert code == 2 and "round R1 is as of 2024-02-28; --as-of 2024-03-01" in err
    code, _, err = run("enqueue", "--round", "R1", "--all", "--links", "none")
    assert code == 2 and "round R1 checks links=all" in err
    code, _, err = run("enqueue", "--round", "R1", "--region", "火星")
    assert code == 2 and "no registry site in region 火星 (regions: 随县、随州市)" in err
    code, _, err = run("enqueue", "--round", "bad name", "--all")
    assert code == 2 and "round: expected a name without spaces" in err
    code, _, err = run("--set", "REDIS_URL=", "enqueue", "--round", "R2", "--all")
    assert code == 2 and "REDIS_URL is not set" in err


def test_enqueue_defaults_to_today_in_shanghai(run: Run, redis_url: str, prefix: str) -> None:
    assert run("enqueue", "--round", "R3", "--site", "sjj.suizhou.gov.cn")[0] == 0
    assert round_of(redis_url, prefix, "R3").progress().as_of == config.today_in_shanghai().isoformat()


# -- status -------------------------------------------------------------------------------------


def store_crawl(
    database_url: str, host: str, *, pages: int, findings: int | None, health: dict[str, Any] | None = None
) -> None:
    engine = open_database(database_url)
    with session_factory(engine)() as session, session.begin():
        site = session.scalars(select(Site).where(Site.host == host)).one()
        as_of = dt.date.fromisoformat(AS_OF)
        crawl = Crawl(
            round="2024-Q1", site_id=site.id, as_of=as_of, reference_at=dt.datetime.now(dt.UTC), health=health
        )
        session.add(crawl)
        session.flush()
        session.add_all(
            Page(crawl_id=crawl.id, url=f"http://{host}/{n}", kind="column") for n in range(pages)
        )
        if findings is not None:
            evaluation = Evaluation(
                site_id=site.id, crawl_id=crawl.id, as_of=as_of, round="2024-Q1", verdict="fail",
                rulebook="国办秘函〔2019〕19号", thresholds={}, summary="",
            )  # fmt: skip
            session.add(evaluation)
            session.flush()
            session.add_all(
                Finding(
                    evaluation_id=evaluation.id, code="column_stale", message="…", evidence={}, position=n
                )
                for n in range(findings)
            )
    engine.dispose()


def test_status_of_a_round_with_pending_running_and_done_sites(
    run: Run, database_url: str, redis_url: str, prefix: str
) -> None:
    assert run("enqueue", "--round", "2024-Q1", "--all", "--as-of", AS_OF)[0] == 0
    rnd = round_of(redis_url, prefix)
    for host in ("jtj.suizhou.gov.cn", "sjj.suizhou.gov.cn"):  # jtj stays running, sjj is done
        assert rnd.take(job="2024-Q1.0000000a", node="node-1", lease=600) is not None
        rnd.started(host)
    rnd.finish("sjj.suizhou.gov.cn", job="2024-Q1.0000000a", node="node-1", status="finished")
    store_crawl(database_url, "jtj.suizhou.gov.cn", pages=2, findings=None)
    store_crawl(database_url, "sjj.suizhou.gov.cn", pages=3, findings=2)

    code, out, _ = run("status", "--round", "2024-Q1", "--format", "json")
    assert code == 0
    status = json.loads(out)
    sites = {s.pop("host"): s for s in status.pop("sites")}
    assert status == {
        "round": "2024-Q1",
        "as_of": AS_OF,
        "complete": False,
        "cleaned_up_keys": None,
        "stalled": None,  # a site is running
        "nodes": [],
        "totals": {
            "sites": 3,
            "done": 1,
            "running": 1,
            "pending": 1,
            "rejected": 0,
            "pages": 5,
            "findings": 2,
            "monitors_failed": 0,
        },
    }
    job = "2024-Q1.0000000a"
    assert sites == {
        "jtj.suizhou.gov.cn": {"state": "running", "job": job, "node": "node-1", "status": None, "starts": 1,
                               "reason": None, "pages": 2, "interrupted_attempts": 0, "findings": None,
                               "verdict": None, "monitors": None},
        "sjj.suizhou.gov.cn": {"state": "done", "job": job, "node": "node-1", "status": "finished", "starts": 1,
                               "reason": None, "pages": 3, "interrupted_attempts": 0, "findings": 2,
                               "verdict": "fail", "monitors": None},
        "www.zgsuixian.gov.cn": {"state": "pending", "job": None, "node": None, "status": None, "starts": 0,
                                 "reason": None, "pages": None, "interrupted_attempts": None, "findings": None,
                                 "verdict": None, "monitors": None},
    }  # fmt: skip

    code, out, _ = run("status", "--round", "2024-Q1")
    assert code == 0
    assert out.splitlines()[0] == (
        "Round 2024-Q1 (as of 2024-02-28): 1 done, 1 running, 1 pending, 0 rejected of 3 site(s); "
        "5 pages, 2 findings"
    )
    assert any(
        line.split()[:2] == ["sjj.suizhou.gov.cn", "done"] and line.endswith(" 3        2 fail")
        for line in out.splitlines()
    )

    # Once nothing is pending or running the round is complete: its scheduler keys go.
    rnd.finish("jtj.suizhou.gov.cn", job=job, node="node-1", status="finished")
    assert rnd.take(job=job, node="node-1", lease=600) is not None
    rnd.finish("www.zgsuixian.gov.cn", job=job, node="node-1", status="finished")
    rnd.server.zadd(rnd.requests_key(job), {"request": 1})
    code, out, err = run("status", "--round", "2024-Q1", "--format", "json", "--watch", "0.1")
    assert code == 0 and "Round 2024-Q1 is complete: 1 scheduler key(s) deleted" in err
    status = json.loads(out)
    assert (status["complete"], status["cleaned_up_keys"], status["totals"]["done"]) == (True, 1, 3)
    assert not rnd.server.exists(rnd.requests_key(job))

    code, _, err = run("status", "--round", "never-enqueued")
    assert code == 2 and "round never-enqueued is not in Redis" in err


def test_status_flags_a_stalled_round_and_failed_health_monitors(
    run: Run, database_url: str, redis_url: str, prefix: str
) -> None:
    assert run("enqueue", "--round", "2024-Q1", "--all", "--as-of", AS_OF)[0] == 0
    rnd = round_of(redis_url, prefix)
    job = "2024-Q1.0000000b"
    assert rnd.take(job=job, node="node-1", lease=600) is not None
    rnd.started("jtj.suizhou.gov.cn")
    rnd.finish("jtj.suizhou.gov.cn", job=job, node="node-1", status="finished")
    monitors = {"failed": ["few_items"], "results": [{"monitor": "few_items", "passed": False, "value": 3}]}
    store_crawl(database_url, "jtj.suizhou.gov.cn", pages=4, findings=1, health={"monitors": monitors})

    # Two sites pending, none running, no job anywhere: nothing will move until jobs are started.
    code, out, err = run("status", "--round", "2024-Q1", "--format", "json")
    status = json.loads(out)
    assert code == 0 and not status["complete"]
    assert status["stalled"] == {
        "pending": 2,
        "last_job": job,
        "log": f"logs/govcheck/portal/{job}.log under the node's logs_dir",
    }
    assert "STALLED: 2 site(s) pending and no job of round 2024-Q1 running or waiting" in err
    assert "govcheck schedule --round 2024-Q1" in err and f"see its log logs/govcheck/portal/{job}.log" in err
    sites = {s["host"]: s for s in status["sites"]}
    assert sites["jtj.suizhou.gov.cn"]["monitors"] == ["few_items"]
    assert sites["sjj.suizhou.gov.cn"]["monitors"] is None  # not crawled yet
    assert status["totals"]["monitors_failed"] == 1

    code, out, _ = run("status", "--round", "2024-Q1")
    lines = out.splitlines()
    assert code == 0 and lines[0].endswith("; 1 crawl(s) with failed health monitors")
    assert lines[1].startswith("STALLED: 2 site(s) pending")
    assert any(
        line.startswith("jtj.suizhou.gov.cn") and line.endswith("fail [health: few_items]") for line in lines
    )

    # A worker takes a site: the round moves again.
    assert rnd.take(job="2024-Q1.0000000c", node="node-1", lease=600) is not None
    code, out, err = run("status", "--round", "2024-Q1", "--format", "json")
    assert code == 0 and json.loads(out)["stalled"] is None and "STALLED" not in err


def test_status_points_a_stalled_round_at_the_scrapyd_log_of_its_last_job(
    node: Node, redis_url: str, prefix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "--set", f"GOVCHECK_DATABASE_URL=sqlite:///{tmp_path / 'govcheck.db'}", "--set", f"REDIS_URL={redis_url}",
        "--set", f"GOVCHECK_REDIS_PREFIX={prefix}", "--set", "GOVCHECK_SCRAPYD_NODES=",
    ]  # fmt: skip
    client = ScrapydNode.from_url(node.authenticated_url)
    # The stand-in jobs end at once without taking a site: the round is left with every site pending.
    args = ["--round", "stall", "--nodes", node.authenticated_url]
    assert main([*base, "schedule", *args, "--as-of", AS_OF, "--site", "a.example.gov.cn"]) == 0
    started = [
        line.split(": started ")[1] for line in capsys.readouterr().err.splitlines() if ": started " in line
    ]
    assert len(started) == 1
    wait_finished(client, set(started))

    assert main([*base, "status", *args, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    stall = json.loads(out)["stalled"]
    assert stall["pending"] == 1 and stall["last_job"] == started[0]
    assert stall["log"] == f"{client.url}logs/govcheck/portal/{started[0]}.log"
    assert PASSWORD not in out + err and stall["log"] in err
    # The log is there: Scrapyd serves its logs_dir at logs/.
    assert "Spider closed (finished)" in (node.logs / "govcheck" / "portal" / f"{started[0]}.log").read_text()


# -- the Scrapyd client -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    home = tmp_path_factory.mktemp("scrapyd-fleet")
    (home / "scrapy.cfg").write_text("[settings]\ngovcheck = standin.settings\n")
    package = home / "standin"
    (package / "spiders").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(
        'SPIDER_MODULES = ["standin.spiders"]\nTELNETCONSOLE_ENABLED = False\nREMOTE_CONTROL_ENABLED = False\n'
    )
    (package / "spiders" / "__init__.py").write_text(STAND_IN_SPIDER)
    with scrapyd_node(home, os.environ, max_proc=4) as running:
        yield running


def wait_finished(client: ScrapydNode, jobids: set[str], timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while not jobids <= {j.id for j in client.listjobs("govcheck").finished}:
        assert time.monotonic() < deadline, f"jobs {jobids} did not finish"
        time.sleep(0.3)


def test_the_client_against_a_real_scrapyd(node: Node, monkeypatch: pytest.MonkeyPatch) -> None:
    # The environment's proxy (the test farm, here a dead port) is never used for nodes.
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    client = ScrapydNode.from_url(f"{node.authenticated_url}?slots=3")
    status = client.daemonstatus()
    assert (status.running, status.pending, client.free_slots(status)) == (0, 0, 3)
    assert status.node_name

    jobid = client.schedule("govcheck", "portal", {"sleep": "4"}, jobid=job_id("2024年Q1"))
    deadline = time.monotonic() + 20
    while not client.listjobs("govcheck").running:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    status = client.daemonstatus()
    assert status.running + status.pending == 1 and client.free_slots(status) == 2
    assert ScrapydNode.from_url(node.authenticated_url).free_slots(status) == 0  # slots default to 1
    (running,) = client.listjobs("govcheck").running
    assert (running.id, running.spider) == (jobid, "portal")
    wait_finished(client, {jobid})
    assert (node.logs / "govcheck" / "portal" / f"{jobid}.log").is_file()  # the round's name in a file name

    with pytest.raises(ScrapydError, match=r"schedule.json: project 'nope' not found") as error:
        client.schedule("nope", "portal", {}, jobid=job_id("R"))
    assert error.value.message == "schedule.json: project 'nope' not found"
    with pytest.raises(ValueError, match="read by Scrapyd itself"):
        client.schedule("govcheck", "portal", {"project": "other"}, jobid=job_id("R"))

    wrong = ScrapydNode.from_url(node.authenticated_url.replace(PASSWORD, "wrong"))
    with pytest.raises(ScrapydError, match="wrong user name or password") as error:
        wrong.daemonstatus()
    assert str(error.value) == f"http://{USERNAME}:***@{node.url[7:]}: wrong user name or password (HTTP 401)"


# -- schedule -----------------------------------------------------------------------------------


def test_schedule_requeues_sites_of_ended_jobs_and_starts_jobs_per_free_slot(
    node: Node, redis_url: str, prefix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite:///{tmp_path / 'govcheck.db'}"
    dead = f"http://{USERNAME}:{PASSWORD}@127.0.0.1:{free_port()}/"
    base = [
        "--set", f"GOVCHECK_DATABASE_URL={database}", "--set", f"REDIS_URL={redis_url}",
        "--set", f"GOVCHECK_REDIS_PREFIX={prefix}",
    ]  # fmt: skip
    nodes = f"{node.authenticated_url}?slots=2,{dead}"
    client = ScrapydNode.from_url(node.authenticated_url)
    rnd = round_of(redis_url, prefix, "2024年Q1")
    sites = ("a.example.gov.cn", "b.example.gov.cn", "c.example.gov.cn")

    def schedule(*argv: str) -> tuple[int, list[str]]:
        capsys.readouterr()
        code = main([*base, "schedule", "--round", "2024年Q1", "--nodes", nodes, *argv])
        err = capsys.readouterr().err
        assert PASSWORD not in err
        return code, [line.split(": started ")[1] for line in err.splitlines() if ": started " in line]

    code, started = schedule("--as-of", AS_OF, *(a for s in sites for a in ("--site", s)))
    assert code == 1  # the dead node is reported, the live one used
    assert len(started) == 2 and all(job_round(j) == "2024年Q1" for j in started)  # 2 free slots, 3 sites
    assert len(rnd.progress().pending) == 3  # the stand-in jobs take no site
    wait_finished(client, set(started))

    # A worker took a site, then its job ended without finishing it: schedule gives the site back.
    assert rnd.take(job=started[0], node="node-1", lease=600) is not None
    assert rnd.take(job="2024年Q1.0000000f", node="node-1", lease=600) is not None  # a job still alive
    assert len(rnd.progress().pending) == 1
    capsys.readouterr()
    code = main([*base, "schedule", "--round", "2024年Q1", "--nodes", node.authenticated_url, "--slots", "4"])
    err = capsys.readouterr().err
    assert code == 0
    assert "Requeued 1 site(s) of ended jobs or expired leases: a.example.gov.cn" in err
    progress = rnd.progress()
    assert progress.pending == ["a.example.gov.cn", "c.example.gov.cn"] and list(progress.running) == [
        "b.example.gov.cn"
    ]
    # Never more jobs than pending sites, whatever the free slots.
    assert "2 site(s) pending, 0 job(s) already waiting, 2 job(s) started" in err

    assert main([*base, "status", "--round", "2024年Q1", "--nodes", nodes, "--format", "json"]) == 0
    reachable, unreachable = json.loads(capsys.readouterr().out)["nodes"]
    assert reachable["reachable"] and reachable["error"] is None
    assert all(job_round(j) == "2024年Q1" for j in reachable["running"] + reachable["pending"])
    assert unreachable == {
        "node": dead.replace(PASSWORD, "***"),
        "reachable": False,
        "error": "connection refused (is Scrapyd running there?)",
        "running": [],
        "pending": [],
        "sites": {"done": 0, "running": 0},
        "pages": 0,
        "findings": 0,
    }

    code = main([*base, "schedule", "--round", "2024年Q1"])
    assert code == 2 and "no Scrapyd nodes" in capsys.readouterr().err
    code = main([*base, "schedule", "--round", "other", "--nodes", node.authenticated_url])
    assert code == 2 and "round other is not in Redis" in capsys.readouterr().err


def test_enqueue_publishes_the_registrys_backend_map(run: Run, redis_url: str, prefix: str) -> None:
    """Every node's cluster politeness reads a link target's backend group from the map, so a site
    outside the round (here: all but one) is in it as long as the registry gives it a group."""
    code, _, _ = run("enqueue", "--round", "2024-Q1", "--site", "jtj.suizhou.gov.cn", "--as-of", AS_OF)
    assert code == 0
    groups = Redis.from_url(redis_url).hgetall(backends_key(prefix))
    assert groups == {b"sjj.suizhou.gov.cn": b"hanweb-hubei"}
