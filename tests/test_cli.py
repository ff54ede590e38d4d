"""govcheck/cli.py's inputs: names that would become paths refused before anything is written, secrets
kept out of output, settings passed to crawls, sites leaving the registry, --version. (The name rules
themselves: test_names.py; masking: test_masking.py; `scrapy crawl` start failures: test_commands_crawl.py.)"""

from __future__ import annotations

import datetime as dt
import http.server
import threading
import urllib.parse
from pathlib import Path

import pytest
from sqlalchemy import func, select

from govcheck import __version__, config
from govcheck.cli import main
from govcheck.db.models import Crawl, Site
from govcheck.db.session import open_database, session_factory
from govcheck.fleet.scrapyd import ScrapydNode
from govcheck.local_crawl import crawl_command
from tests.farm.process import FarmProcess
from tests.farm.truth import DEAD_HOSTS
from tests.helpers import environment, govcheck

Run = tuple[int, str, str]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


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
        Path("var/logs/2024-Q1/queue-x"),
        job="crawl-1",
        round_name="2024-Q1",
        log_file=Path("var/logs/2024-Q1/crawl-1.log"),
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
