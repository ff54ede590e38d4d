"""govcheck.extract.page's facts called directly: the year of a page's 页面生成时间, the 网站标识码 (one
pattern, shared with the footer reader through govcheck.vocabulary) and the home words
that start a breadcrumb."""

from __future__ import annotations

import pytest

from govcheck.extract import generation_year, page_facts
from govcheck.extract.footer import footer_facts
from govcheck.vocabulary import HOME_WORDS, SITE_CODE, SITE_CODE_PARAM, SITE_CODE_TEXT

URL = "http://www.example.gov.cn/zwgk/"


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2023-12-30 10:00:00", 2023),
        ("页面生成时间 1999年1月2日", 1999),
        ("", None),
        (None, None),
        ("3021", None),
    ],
)
def test_generation_year(text: str | None, year: int | None) -> None:
    assert generation_year(text) == year


def test_generation_year_of_a_page() -> None:
    html = '<html><head><meta name="others" content="页面生成时间 2023-12-30 10:00:00"></head><body></body></html>'
    assert generation_year(page_facts(html, URL).generated_text) == 2023


@pytest.mark.parametrize(
    ("footer", "code"),
    [
        ("网站标识码：4290000012", "4290000012"),
        ("政府网站标识码 bm17000001", "bm17000001"),
        ("标识码:4290000012", "4290000012"),
        ("网站标识码：42900000123", None),  # eleven digits: not a code
        ('<a href="https://bszs.conac.cn/sitename?method=show&amp;site_code=4290000012">x</a>', "4290000012"),
    ],
)
def test_site_code_is_read_alike_by_page_facts_and_the_footer(footer: str, code: str | None) -> None:
    html = f"<html><head><title>某市</title></head><body><div class='footer'>{footer}</div></body></html>"
    assert page_facts(html, URL).site_code == code
    assert footer_facts(html, URL).get("site_code") == code


def test_site_code_shapes() -> None:
    assert SITE_CODE.match("bm17000001") and SITE_CODE.match("4290000012")
    assert not SITE_CODE.match("429000001") and not SITE_CODE.match("bm1700000")
    assert SITE_CODE_TEXT.search("标识码：bm17000001").group(1) == "bm17000001"  # type: ignore[union-attr]
    assert SITE_CODE_PARAM.search("?siteCode=4290000012").group(1) == "4290000012"  # type: ignore[union-attr]


def test_a_home_link_followed_by_a_separator_starts_the_breadcrumb() -> None:
    assert {"首页", "网站首页", "返回首页", "Home"} <= HOME_WORDS
    html = """<html><body><div class="position"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a>
    &gt; <a href="/zwgk/tzgg/">通知公告</a></div><ul><li><a href="/a.html">一</a></li></ul></body></html>"""
    assert page_facts(html, URL + "tzgg/").breadcrumb == ["首页", "政务公开", "通知公告"]
