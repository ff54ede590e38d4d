"""The Sitemap: lines of every robots.txt the crawl fetched, by host (govcheck/robots_sitemaps.py):
kept from the robots middleware's own download (a redirect followed to its end, under the host asked),
once per host and within the bound, for any site to read later; nothing from another request, and
nothing when sitemaps or robots.txt are off."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, TextResponse
from scrapy.http.request import NO_CALLBACK

from govcheck.politeness import AVAILABILITY_CHECK
from govcheck.robots_sitemaps import RobotsSitemaps
from tests.helpers import project_crawler

ROBOTS = "User-agent: *\nDisallow: /private/\nSitemap: /a.xml\nsitemap: https://www.example.gov.cn/b.xml\n"


def _robots_request(url: str, **meta: Any) -> Request:
    """A robots.txt request as Scrapy's RobotsTxtMiddleware makes it."""
    return Request(url, meta={"dont_obey_robotstxt": True, **meta}, callback=NO_CALLBACK)


def _answer(extension: RobotsSitemaps, request: Request, body: str, status: int = 200) -> None:
    response = TextResponse(request.url, status=status, body=body.encode(), encoding="utf-8", request=request)
    extension.response_received(response, request)


def _extension(**overrides: Any) -> RobotsSitemaps:
    known = project_crawler(**overrides).get_extension(RobotsSitemaps)
    assert known is not None
    return known


def test_the_lines_are_kept_by_host_for_any_site_that_asks_later() -> None:
    known = _extension(GOVCHECK_SITEMAP_MAX_FILES=3)
    assert known.of("www.example.gov.cn") is None  # not fetched yet
    _answer(known, _robots_request("https://www.example.gov.cn/robots.txt"), ROBOTS)
    assert known.of("www.example.gov.cn") == [
        "https://www.example.gov.cn/a.xml",
        "https://www.example.gov.cn/b.xml",
    ]
    assert known.of("example.gov.cn") is None and known.of("www.example.gov.cn:8080") is None
    # The middleware fetches a host's robots.txt once: a later answer (a retry's copy) changes nothing.
    _answer(known, _robots_request("https://www.example.gov.cn/robots.txt"), "Sitemap: /other.xml\n")
    assert known.of("www.example.gov.cn") == [
        "https://www.example.gov.cn/a.xml",
        "https://www.example.gov.cn/b.xml",
    ]


def test_a_redirected_robots_txt_counts_for_the_host_asked_and_a_bad_answer_names_none() -> None:
    known = _extension()
    hop = _robots_request(
        "https://cms.example.com/robots.txt", redirect_urls=["http://www.example.gov.cn/robots.txt"]
    )
    _answer(known, hop, "Sitemap: /s.xml\n")
    assert known.of("www.example.gov.cn") == ["https://cms.example.com/s.xml"]
    assert known.of("cms.example.com") is None
    _answer(known, _robots_request("http://gone.example.gov.cn/robots.txt"), "Sitemap: /s.xml\n", 404)
    assert known.of("gone.example.gov.cn") == []
    html = _robots_request("http://html.example.gov.cn/robots.txt")
    known.response_received(HtmlResponse(html.url, body=b"<html>Sitemap: /s.xml</html>", request=html), html)
    assert known.of("html.example.gov.cn") == []


def test_at_most_the_files_a_site_reads_are_kept() -> None:
    known = _extension(GOVCHECK_SITEMAP_MAX_FILES=2)
    lines = "".join(f"Sitemap: /s{i}.xml\n" for i in range(10_000))
    _answer(known, _robots_request("http://www.example.gov.cn/robots.txt"), lines)
    assert known.of("www.example.gov.cn") == [
        "http://www.example.gov.cn/s0.xml",
        "http://www.example.gov.cn/s1.xml",
    ]


def test_no_other_request_is_taken_for_the_middlewares_fetch() -> None:
    known = _extension()
    # A link check of a site's /robots.txt, a page of the site, a robots.txt with a query.
    link_check = Request("http://www.example.gov.cn/robots.txt", method="HEAD", meta=dict(AVAILABILITY_CHECK))
    _answer(known, link_check, "")
    page = Request("http://other.example.gov.cn/robots.txt")
    _answer(known, page, ROBOTS)
    _answer(known, _robots_request("http://third.example.gov.cn/robots.txt?x=1"), ROBOTS)
    assert known.named == {}


def test_the_crawl_runs_it_through_the_engines_signal() -> None:
    crawler = project_crawler()
    known = crawler.get_extension(RobotsSitemaps)
    assert known is not None
    request = _robots_request("http://www.example.gov.cn/robots.txt")
    response = TextResponse(request.url, body=ROBOTS.encode(), encoding="utf-8", request=request)
    crawler.signals.send_catch_log(signals.response_received, response=response, request=request, spider=None)
    assert known.of("www.example.gov.cn") == [
        "http://www.example.gov.cn/a.xml",
        "https://www.example.gov.cn/b.xml",
    ]


@pytest.mark.parametrize("off", [{"GOVCHECK_SITEMAP": False}, {"ROBOTSTXT_OBEY": False}])
def test_off_with_sitemaps_or_robots_txt(off: dict[str, Any]) -> None:
    crawler = project_crawler(**off)
    assert crawler.get_extension(RobotsSitemaps) is None
    with pytest.raises(NotConfigured):
        RobotsSitemaps.from_crawler(crawler)
