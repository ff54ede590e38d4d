"""The CLI's inputs: names that become paths, secrets in output, settings passed to crawls, sites
leaving the registry, --version, and `scrapy crawl` start-up failures as one line."""

from __future__ import annotations

import datetime as dt
import http.server
import os
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest
from sqlalchemy import func, select

from govcheck import __version__, config
from govcheck.cli import crawl_command, main
from govcheck.db.models import Crawl, Site
from govcheck.db.session import open_database, session_factory
from govcheck.fleet.scrapyd import ScrapydNode
from govcheck.masking import masked
from govcheck.names import BadName, check_host, check_round
from tests.farm.process import FarmProcess
from tests.farm.truth import DEAD_HOSTS
from tests.helpers import REPO, environment, govcheck

Run = tuple[int, str, str]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["sjj.suizhou.gov.cn", "SJJ.Suizhou.gov.cn.", "随州.政务", "xn--fiqs8s.gov.cn"]
)
def test_hosts_the_registry_accepts(value: str) -> None:
    assert check_host(value) == value.lower().rstrip(".")


@pytest.mark.parametrize(
    "value",
    ["../../../../x", "..", "x.gov.cn';DROP TABLE sites;--", "127.0.0.1", "x.gov.cn/../y", "a b.gov.cn", ""],
)
def test_hosts_that_cannot_be_a_path_or_a_key(value: str) -> None:
    with pytest.raises(BadName, match="expected a domain name"):
        check_host(value)


@pytest.mark.parametrize("value", ["2024-Q1", "2024年Q1", "R1", "2024-02-28", "q1.v2+fix"])
def test_round_names(value: str) -> None:
    assert check_round(value) == value


@pytest.mark.parametrize(
    "value", ["../../../../tmp/x", "..", ".hidden", "-x", "a/b", "a\\b", "bad name", "x:y", "R1\n", "r" * 101]
)
def test_round_names_refused(value: str) -> None:
    with pytest.raises(BadName, match="round: expected a name without spaces"):
        check_round(value)


def test_traversing_names_are_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    database = f"GOVCHECK_DATABASE_URL=sqlite:///{tmp_path / 'var' / 'g.db'}"
    code, _, err = run(capsys, "--set", database, "crawl", "--site", "../../../../x")
    assert code == 2 and "govcheck: --site: 首页地址 '../../../../x' is not a host name or URL" in err
    code, _, err = run(
        capsys, "--set", database, "crawl", "--site", "x.gov.cn", "--round", "../../../../tmp/x"
    )
    assert code == 2 and "govcheck: --round: round: expected a name without spaces" in err
    for command in (["enqueue", "--all"], ["status"], ["schedule"], ["evaluate", "--as-of", "2024-02-28"]):
        code, _, err = run(capsys, "--set", database, command[0], "--round", "../x", *command[1:])
        assert code == 2 and "govcheck: --round: round: expected a name" in err
    code, _, err = run(capsys, "--set", database, "recheck", "--previous", "..", "--current", "R1")
    assert code == 2 and "govcheck: --previous: round: expected a name" in err
    assert list(tmp_path.iterdir()) == []  # no database, no log directory


# -- secrets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "postgresql+psycopg2://gov:DB-PASS@10.0.0.10/govcheck",
            "postgresql+psycopg2://gov:***@10.0.0.10/govcheck",
        ),
        ("redis://:REDIS-PASS@10.0.0.10:6379/0", "redis://:***@10.0.0.10:6379/0"),
        ("redis://10.0.0.10:6379/0?password=REDIS-PASS&db=1", "redis://10.0.0.10:6379/0?password=***&db=1"),
        (
            "http://govcheck:p,1@10.0.0.11:6800/?slots=2,http://govcheck:p@2@10.0.0.12:6800/",
            "http://govcheck:***@10.0.0.11:6800/?slots=2,http://govcheck:***@10.0.0.12:6800/",
        ),
        (
            "cannot open 'postgresql+psycopg2://u:a:b@h:5432/db': refused",
            "cannot open 'postgresql+psycopg2://u:***@h:5432/db': refused",
        ),
        ("sqlite:///./var/govcheck.db", "sqlite:///./var/govcheck.db"),
        ("http://user@host/", "http://user@host/"),
    ],
)
def test_masked(text: str, shown: str) -> None:
    assert masked(text) == shown


def test_settings_and_errors_never_print_a_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://:REDIS-SECRET@127.0.0.1:1/0")
    monkeypatch.setenv("GOVCHECK_SCRAPYD_NODES", "http://govcheck:NODE-SECRET@127.0.0.1:1/?slots=2")
    database = "GOVCHECK_DATABASE_URL=postgresql+psycopg2://govcheck:DB-SECRET@127.0.0.1:1/govcheck"
    code, out, err = run(capsys, "--set", database, "settings")
    assert code == 0 and "SECRET" not in out + err
    assert "GOVCHECK_DATABASE_URL=postgresql+psycopg2://govcheck:***@127.0.0.1:1/govcheck" in out
    assert "REDIS_URL=redis://:***@127.0.0.1:1/0" in out
    assert "GOVCHECK_SCRAPYD_NODES=http://govcheck:***@127.0.0.1:1/?slots=2" in out
    # The database, Redis and the nodes out of reach: each message names the URL, never the password.
    for command in (
        ["sites", "list"],
        ["enqueue", "--round", "R1", "--site", "x.gov.cn"],
        ["status", "--round", "R1"],
    ):
        code, out, err = run(capsys, "--set", database, *command)
        assert code in (3, 4) and "SECRET" not in out + err, err
    code, _, err = run(capsys, "--set", "REDIS_URL=http://:REDIS-SECRET@h/", "settings")
    assert code == 2 and "REDIS_URL: expected redis://" in err and "SECRET" not in err


# -- settings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (
            "GOVCHECK_HOMEPAGE_ATEMPTS=3",
            "GOVCHECK_HOMEPAGE_ATEMPTS: unknown setting; did you mean GOVCHECK_HOMEPAGE_ATTEMPTS?",
        ),
        ("ROBOTSTXT_OBEYY=false", "ROBOTSTXT_OBEYY: unknown setting; did you mean ROBOTSTXT_OBEY?"),
        ("ROBOTSTXT_OBEY=maybe", "ROBOTSTXT_OBEY: expected true/false, got 'maybe'"),
        ("DOWNLOAD_TIMEOUT=soon", "DOWNLOAD_TIMEOUT: expected a number, got 'soon'"),
        ("NO_SUCH_THING=1", "NO_SUCH_THING: unknown setting (neither a GOVCHECK_* nor a Scrapy setting)"),
    ],
)
def test_misspelled_settings_get_did_you_mean(
    pair: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--set", pair, "settings")
    assert code == 2 and err.strip() == f"govcheck: {message}"


def test_a_misspelled_environment_key_gets_did_you_mean() -> None:
    with pytest.raises(config.ConfigError, match="did you mean GOVCHECK_LINK_CHECK"):
        config.load(environ={"GOVCHECK_LINK_CHEK": "false"})


def test_scrapy_settings_go_to_the_crawls_and_are_refused_elsewhere(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert config.scrapy_overrides(
        ["ROBOTSTXT_OBEY=false", "GOVCHECK_LINK_CHECK=false", "REDIS_URL=redis://h"]
    ) == {"ROBOTSTXT_OBEY": "false"}
    command = crawl_command(
        "sjj.suizhou.gov.cn",
        as_of=dt.date(2024, 2, 28),
        links="homepage",
        round_name="2024-Q1",
        log_file=Path("var/logs/2024-Q1/sjj.suizhou.gov.cn.log"),
        scrapy_settings={"ROBOTSTXT_OBEY": "false"},
    )
    assert command[-4:] == ["-a", "round=2024-Q1", "-s", "ROBOTSTXT_OBEY=false"]
    code, _, err = run(capsys, "--set", "ROBOTSTXT_OBEY=false", "report", "--as-of", "2024-02-28")
    assert (
        code == 2
        and "--set ROBOTSTXT_OBEY: Scrapy settings are given to crawls, and only crawl and schedule" in err
    )


def test_robotstxt_obey_false_reaches_the_crawl(farm: FarmProcess, tmp_path: Path) -> None:
    env = environment(farm, f"sqlite:///{tmp_path / 'g.db'}", GOVCHECK_HOMEPAGE_ATTEMPTS="1")
    host = next(iter(DEAD_HOSTS))
    logs = tmp_path / "logs"
    for obey, log_dir in (("true", logs / "obey"), ("false", logs / "ignore")):
        result = govcheck(
            "--set",
            f"ROBOTSTXT_OBEY={obey}",
            "crawl",
            "--site",
            host,
            "--log-dir",
            str(log_dir),
            env=env,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
    obeyed = next(logs.glob("obey/*/*.log")).read_text(encoding="utf-8")
    ignored = next(logs.glob("ignore/*/*.log")).read_text(encoding="utf-8")
    assert "RobotsTxtMiddleware" in obeyed and "'ROBOTSTXT_OBEY': 'true'" in obeyed
    assert "RobotsTxtMiddleware" not in ignored and "'ROBOTSTXT_OBEY': 'false'" in ignored


# -- spider arguments and Redis at start -----------------------------------------------------------


def scrapy(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    environ.update({"SCRAPY_SETTINGS_MODULE": "govcheck.settings", "PYTHONPATH": str(REPO), **env})
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "portal", *args],
        cwd=cwd, env=environ, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "env", "code", "message"),
    [
        (
            ["-a", "site=x.gov.cn", "-a", "as_of=2024-13-01"],
            {},
            2,
            "as_of: expected YYYY-MM-DD, got '2024-13-01'",
        ),
        (
            ["-a", "site=x.gov.cn", "-s", "GOVCHECK_LINK_CHEK=false"],
            {},
            2,
            "did you mean GOVCHECK_LINK_CHECK?",
        ),
        (
            ["-a", "round=R1"],
            {"REDIS_URL": "redis://:REDIS-SECRET@127.0.0.1:1/0"},
            4,
            "Redis is out of reach at start (Error 111 connecting to 127.0.0.1:1. Connection refused.)",
        ),
    ],
)
def test_start_failures_are_one_line(
    tmp_path: Path, args: list[str], env: dict[str, str], code: int, message: str
) -> None:
    result = scrapy(*args, "--logfile", str(tmp_path / "crawl.log"), cwd=tmp_path,
                    GOVCHECK_DATABASE_URL=f"sqlite:///{tmp_path / 'g.db'}", **env)  # fmt: skip
    assert result.returncode == code, result.stderr
    assert result.stderr.strip().startswith("scrapy crawl: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert "Traceback" not in log and "SECRET" not in log + result.stderr


# -- version and sites remove ----------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"govcheck {__version__}"


def test_sites_remove_keeps_the_crawls_unless_purged(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry_csv = tmp_path / "sites.csv"
    registry_csv.write_text(
        "网站标识码,网站名称,首页地址\n4213000045,随州市审计局,sjj.suizhou.gov.cn\n4213000039,随州市司法局,sfj.suizhou.gov.cn\n",
        encoding="utf-8",
    )
    settings = ["--set", f"GOVCHECK_DATABASE_URL={database_url}"]
    assert run(capsys, *settings, "sites", "import", str(registry_csv))[0] == 0
    engine = open_database(database_url)
    with session_factory(engine).begin() as session:
        typo = Site(host="sjjj.suizhou.gov.cn", homepage="sjjj.suizhou.gov.cn", in_registry=False)
        session.add(typo)
        session.flush()
        for site in session.scalars(select(Site)):
            session.add(
                Crawl(
                    round="R1",
                    site_id=site.id,
                    as_of=dt.date(2024, 2, 28),
                    reference_at=dt.datetime(2024, 2, 28),
                )
            )

    code, _, err = run(capsys, *settings, "sites", "remove", "sjj.suizhou.gov.cn", "nosuch.suizhou.gov.cn")
    assert code == 2 and "no site 'nosuch.suizhou.gov.cn' in the database" in err and "nothing removed" in err
    code, _, err = run(capsys, *settings, "sites", "remove", "4213000045")
    assert code == 0 and "sjj.suizhou.gov.cn (4213000045): removed from the registry" in err
    assert run(capsys, *settings, "sites", "list")[1].split() == [
        "4213000039",
        "sfj.suizhou.gov.cn",
        "随州市司法局",
    ]
    code, _, err = run(capsys, *settings, "sites", "remove", "--purge", "sjjj.suizhou.gov.cn")
    assert code == 0 and "sjjj.suizhou.gov.cn (no 网站标识码): deleted with its crawls" in err
    with session_factory(engine)() as session:
        assert sorted(session.scalars(select(Site.host))) == ["sfj.suizhou.gov.cn", "sjj.suizhou.gov.cn"]
        assert (
            session.scalar(select(func.count()).select_from(Crawl)) == 2
        )  # the removed site's crawl is kept
    engine.dispose()
    code, _, err = run(capsys, *settings, "sites", "remove", "sjjj.suizhou.gov.cn")
    assert code == 2 and "did you mean sjj.suizhou.gov.cn?" in err


def test_schedule_hands_scrapy_settings_to_scrapyd_jobs() -> None:
    received: list[list[tuple[str, str]]] = []

    class Scrapyd(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append(urllib.parse.parse_qsl(body))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"status": "ok", "jobid": "R1.0000abcd"}')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Scrapyd)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        node = ScrapydNode.from_url(f"http://u:pw@127.0.0.1:{server.server_port}/")
        node.schedule(
            "govcheck", "portal", {"round": "R1"}, jobid="R1.0000abcd", settings={"ROBOTSTXT_OBEY": "false"}
        )
    finally:
        server.shutdown()
        server.server_close()
    assert received == [
        [("project", "govcheck"), ("spider", "portal"), ("jobid", "R1.0000abcd"), ("round", "R1"),
         ("setting", "ROBOTSTXT_OBEY=false")]
    ]  # fmt: skip
