"""govcheck/profile.py: a bad site profile is named; in a real crawl, a column a profile ignores is not
crawled as a column, yet a page's link to it is still checked (a profile narrows the inspection of
columns, never of links)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from govcheck.profile import ProfileError, load_profile
from tests.farm.process import FarmProcess
from tests.farm.sites_depth import GBK, XXGK
from tests.farm.truth import AS_OF
from tests.helpers import REPO, environment, scrapy_crawl

# The crawl subprocess reads profiles as package data of the source tree (PYTHONPATH=REPO).
PROFILES = REPO / "govcheck" / "profiles"
IGNORED = f"http://{XXGK}/rsxx/"  # 人事信息: a sub-column of the 信息公开 tree, in every xxgk page's menu
SIBLING = f"http://{XXGK}/zcwj/"  # 政策文件: the same menu, not ignored


@pytest.fixture
def ignoring_profile() -> Iterator[Path]:
    """A profile for the farm-only host gbk.depthfarm.gov.cn that ignores one xxgk sub-column; the
    file exists for this test only (the farm_crawl reference must not see it)."""
    path = PROFILES / f"{GBK}.json"
    assert not path.exists(), f"{path} is left over from an interrupted run: delete it"
    path.write_text(json.dumps({"crawl": {"ignore_columns": [IGNORED]}}), encoding="utf-8")
    try:
        yield path
    finally:
        path.unlink()


def test_an_ignored_sub_column_linked_from_a_page_is_still_link_checked(
    farm: FarmProcess, tmp_path: Path, ignoring_profile: Path
) -> None:
    database = tmp_path / "govcheck.db"
    crawl = scrapy_crawl(GBK, environment(farm, f"sqlite:///{database}"), tmp_path, f"as_of={AS_OF}")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    db = sqlite3.connect(database)
    columns = {url for (url,) in db.execute("SELECT url FROM columns")}
    assert SIBLING in columns and IGNORED not in columns  # discovery ran; the profile took the one out
    checks = {url: (outcome, status) for url, outcome, status in db.execute(
        "SELECT url, outcome, status FROM link_checks"
    )}  # fmt: skip
    assert checks.get(IGNORED) == ("ok", 200), "the xxgk menu's link to the ignored column went unchecked"
    (source,) = db.execute("SELECT source_url FROM links WHERE target_url = ? LIMIT 1", (IGNORED,)).fetchone()
    assert source.startswith(f"http://{XXGK}/")


def test_bad_profile_is_named(profiles: Path) -> None:
    (profiles / "bad.example.gov.cn.json").write_text('{"crawl": {"list": {"date": "em"}}}', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"bad\.example\.gov\.cn"):
        load_profile("bad.example.gov.cn")
