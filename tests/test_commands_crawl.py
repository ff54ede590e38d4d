"""govcheck/commands/crawl.py: `scrapy crawl` start-up failures (a bad argument or setting, Redis out of
reach) end in one line and an exit status, never a traceback or a password."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO


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
