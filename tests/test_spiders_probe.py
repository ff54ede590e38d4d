"""The ``probe`` spider: one homepage fetch per host, stored in ``probes`` (success, latency, error)."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from govcheck.config import ConfigError
from govcheck.spiders.probe import read_targets
from tests.farm.process import FarmProcess
from tests.helpers import environment, run


def test_targets_from_argument_and_files(tmp_path: Path) -> None:
    listed = tmp_path / "sites.json"  # what `govcheck sites list --format json` prints
    listed.write_text(
        json.dumps(
            [{"host": "a.gov.cn", "homepage": "http://a.gov.cn/"}, {"host": "b.gov.cn", "homepage": None}]
        ),
        encoding="utf-8",
    )
    plain = tmp_path / "sites.txt"
    plain.write_text("# hosts\nc.gov.cn\nhttps://d.gov.cn/index.html\n", encoding="utf-8")
    assert read_targets("a.gov.cn, e.gov.cn", str(listed)) == [
        "http://a.gov.cn/",
        "http://e.gov.cn/",
        "http://b.gov.cn/",
    ]
    assert read_targets(None, str(plain)) == ["http://c.gov.cn/", "https://d.gov.cn/index.html"]
    with pytest.raises(ConfigError, match="sites"):
        read_targets(None, None)
    with pytest.raises(ConfigError, match="sites"):
        read_targets("localhost", None)


def test_probe_spider_stores_one_probe_per_host(farm: FarmProcess, tmp_path: Path) -> None:
    db = tmp_path / "govcheck.db"
    env = environment(farm, f"sqlite:///{db}")
    hosts = "sjj.suizhou.gov.cn,www.dead-refused.gov.cn,waf403.suizhou.gov.cn,drop.suizhou.gov.cn"
    result = run([sys.executable, "-m", "scrapy", "crawl", "probe", "-a", f"sites={hosts}"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {
        host: (ok, status, error, latency)
        for host, ok, status, error, latency in sqlite3.connect(db).execute(
            "SELECT s.host, p.ok, p.status, p.error, p.latency_ms FROM probes p JOIN sites s ON s.id = p.site_id"
        )
    }
    assert rows["sjj.suizhou.gov.cn"][:3] == (1, 200, None) and rows["sjj.suizhou.gov.cn"][3] is not None
    assert rows["www.dead-refused.gov.cn"][:3] == (0, None, "connection_refused")
    assert rows["waf403.suizhou.gov.cn"][:3] == (0, 403, "blocked")
    assert rows["drop.suizhou.gov.cn"][0] == 0 and rows["drop.suizhou.gov.cn"][2] == "connection_dropped"
