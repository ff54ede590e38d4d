"""XML sitemaps as read: robots.txt's Sitemap: lines, urlsets and sitemap indexes (relative, off-scheme
and hostile input), and <lastmod> read as the latest moment it may mean."""

from __future__ import annotations

import datetime as dt

import pytest

from govcheck.dates import SHANGHAI
from govcheck.extract.sitemap import SitemapFile, lastmod_time, read_sitemap, robots_sitemaps
from tests.farm.sites_sitemap import HOSTILE_SITEMAP

URL = "http://www.example.gov.cn/sitemap.xml"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def test_robots_sitemap_lines_in_any_case_made_absolute_each_once() -> None:
    robots = (
        "User-agent: *\nDisallow: /admin/\n"
        "Sitemap: http://www.example.gov.cn/sitemap_index.xml\n"
        "sitemap:/sitemaps/news.xml\n"
        "  SITEMAP :  http://www.example.gov.cn/sitemap_index.xml\n"
        "Sitemap: ftp://www.example.gov.cn/s.xml\n"
        "# Sitemap: http://www.example.gov.cn/commented.xml\n"
    )
    assert robots_sitemaps(robots, "http://www.example.gov.cn/robots.txt") == [
        "http://www.example.gov.cn/sitemap_index.xml",
        "http://www.example.gov.cn/sitemaps/news.xml",
    ]
    assert robots_sitemaps("", "http://www.example.gov.cn/robots.txt") == []


def test_a_urlset_lists_its_pages_with_their_lastmod_text() -> None:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>'
        "<url><loc> http://www.example.gov.cn/a/1.html </loc><lastmod>2024-02-20</lastmod></url>"
        "<url><loc>/a/2.html</loc></url>"
        "<url><lastmod>2024-02-20</lastmod></url>"  # no <loc>: nothing
        "<url><loc>javascript:alert(1)</loc></url>"
        "</urlset>"
    ).encode()
    assert read_sitemap(body, URL) == SitemapFile(
        "urlset",
        (("http://www.example.gov.cn/a/1.html", "2024-02-20"), ("http://www.example.gov.cn/a/2.html", None)),
    )


def test_a_sitemap_index_lists_its_files() -> None:
    body = (
        f"<sitemapindex {NS}><sitemap><loc>http://www.example.gov.cn/s1.xml.gz</loc>"
        "<lastmod>2024-02-01T08:00:00+08:00</lastmod></sitemap></sitemapindex>"
    ).encode()
    found = read_sitemap(body, URL)
    assert found is not None and found.kind == "sitemapindex"
    assert found.listed == (("http://www.example.gov.cn/s1.xml.gz", "2024-02-01T08:00:00+08:00"),)


def test_a_sitemap_without_its_namespace_is_read_too() -> None:
    found = read_sitemap(b"<urlset><url><loc>http://www.example.gov.cn/</loc></url></urlset>", URL)
    assert found is not None and found.listed == (("http://www.example.gov.cn/", None),)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<html><head><title>404</title></head><body>404 Not Found</body></html>",
        b"<rss><channel></channel></rss>",
        b"\x1f\x8b\x08\x00garbage",
    ],
)
def test_anything_else_is_not_a_sitemap(body: bytes) -> None:
    assert read_sitemap(body, URL) is None


def test_hostile_xml_is_inert() -> None:
    """An external entity is never read (no /etc/passwd in any URL), an entity bomb never expanded,
    broken markup recovered as far as it goes."""
    found = read_sitemap(HOSTILE_SITEMAP, "http://hostile.sitemapfarm.gov.cn/sitemap.xml")
    listed = found.listed if found is not None else ()
    assert all("root:" not in url and "lol" not in url for url, _lastmod in listed)
    assert all(len(url) < 200 for url, _lastmod in listed)


def test_a_billion_laughs_inside_text_is_never_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8))
        + b"]><urlset><url><loc>http://www.example.gov.cn/&i;</loc></url></urlset>"
    )
    found = read_sitemap(bomb, URL)
    assert found is None or all(len(url) < 200 for url, _lastmod in found.listed)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        # A date alone: the end of that day in China time.
        ("2024-02-20", dt.datetime(2024, 2, 20, 23, 59, 59, 999_999, tzinfo=SHANGHAI)),
        ("2024-02-20T10:15:30+08:00", dt.datetime(2024, 2, 20, 2, 15, 30, 999_999, tzinfo=dt.UTC)),
        ("2024-02-20T10:15:30.25Z", dt.datetime(2024, 2, 20, 10, 15, 30, 999_999, tzinfo=dt.UTC)),
        ("2024-02-20T10:15Z", dt.datetime(2024, 2, 20, 10, 15, 59, 999_999, tzinfo=dt.UTC)),
        # No zone: China time.
        ("2024-02-20 10:15:30", dt.datetime(2024, 2, 20, 10, 15, 30, 999_999, tzinfo=SHANGHAI)),
        ("2024-02-20T10:15:30-0500", dt.datetime(2024, 2, 20, 15, 15, 30, 999_999, tzinfo=dt.UTC)),
    ],
)
def test_lastmod_is_the_latest_moment_it_may_mean(text: str, moment: dt.datetime) -> None:
    assert lastmod_time(text) == moment


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "last week",
        "2024-02-30",
        "2024-13-01",
        "2024-02-20T25:00:00Z",
        "20240220",
        "2024-02-20T10:00+99:00",
    ],
)
def test_an_unreadable_lastmod_is_none(text: str | None) -> None:
    assert lastmod_time(text) is None
