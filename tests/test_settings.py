"""govcheck/settings.py as a crawl lives it: robots.txt obeyed for the pages a crawl reads, never for
the targets it only link-checks (the availability check of a link is not crawling it)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.farm.process import FarmProcess
from tests.farm.sites_depth import GBK, XXGK
from tests.farm.truth import AS_OF
from tests.helpers import environment, scrapy_crawl

# Hosts gbk.depthfarm.gov.cn's homepage only links to: checked, never crawled.
LINKED_ONLY = ("www.gov.cn", "waf403.suizhou.gov.cn", "busy429.suizhou.gov.cn")


def _farm(farm: FarmProcess, path: str, method: str = "GET") -> Any:
    request = urllib.request.Request(f"{farm.url}{path}", method=method)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def test_robots_txt_is_obeyed_for_crawled_pages_and_not_for_link_checks(
    farm: FarmProcess, tmp_path: Path
) -> None:
    _farm(farm, "/_farm/reset", "POST")
    crawl = scrapy_crawl(GBK, environment(farm, f"sqlite:///{tmp_path / 'g.db'}"), tmp_path, f"as_of={AS_OF}")
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    log = [(method, url) for method, url, _status in _farm(farm, "/_farm/stats")["log"]]
    robots = [urlsplit(url).hostname for method, url in log if urlsplit(url).path == "/robots.txt"]
    assert sorted(robots) == sorted([GBK, XXGK])  # once per crawled host, with no -s ROBOTSTXT_OBEY
    # The 信息公开 host is reached through its columns only: its robots.txt comes before any page of it.
    assert next(urlsplit(url) for _, url in log if urlsplit(url).hostname == XXGK).path == "/robots.txt"
    checked = {urlsplit(url).hostname for _, url in log}
    assert set(LINKED_ONLY) <= checked  # the links were checked, without asking their hosts' robots.txt
