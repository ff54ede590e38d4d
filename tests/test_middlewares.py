"""govcheck/middlewares.py: Retry-After honoured or given up, and wrong charsets re-decoded."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse

from govcheck.middlewares import EncodingMiddleware, RetryAfterMiddleware, best_encoding
from tests.helpers import portal_spider, project_crawler


def test_retry_after_delays_the_retry_and_gives_up_when_too_long() -> None:
    middleware = RetryAfterMiddleware.from_crawler(portal_spider(GOVCHECK_RETRY_AFTER_MAX=5.0).crawler)
    request = Request("http://busy.gov.cn/")
    busy = Response(request.url, status=429, headers={"Retry-After": "2"}, request=request)
    retry = middleware.process_response(request, busy)
    assert isinstance(retry, Request) and retry.meta["govcheck_delay"] == 2.0
    too_long = Response(request.url, status=503, headers={"Retry-After": "120"}, request=request)
    assert middleware.process_response(request, too_long) is too_long
    plain = Response(request.url, status=503, request=request)
    assert isinstance(middleware.process_response(request, plain), Request)  # Scrapy's own retry


PAGE = "<html><head><title>通知公告</title></head><body>关于开展2024年安全生产大检查工作的通知</body></html>"


@pytest.mark.parametrize(
    ("body", "declared", "expected"),
    [
        (PAGE.encode("gbk"), "utf-8", "gb18030"),  # GBK bytes, header says UTF-8
        (PAGE.encode("utf-8"), "gb2312", "utf-8"),  # UTF-8 bytes, meta says GB2312
        (PAGE.encode("utf-8"), "utf-8", "utf-8"),
        (PAGE.encode("gbk"), "gbk", "gbk"),
        ("通知一".encode("gbk"), "utf-8", "gb18030"),  # short GBK that happens to be valid UTF-8
        (b"\xef\xbb\xbf" + PAGE.encode("utf-8"), "gbk", "utf-8"),  # a BOM wins
    ],
)
def test_best_encoding(body: bytes, declared: str, expected: str) -> None:
    assert best_encoding(body, declared) == expected


def test_encoding_middleware_redecodes_mojibake() -> None:
    crawler = project_crawler()
    middleware = EncodingMiddleware.from_crawler(crawler)
    request = Request("http://gbk.gov.cn/")
    wrong = HtmlResponse(
        request.url,
        body=PAGE.encode("gbk"),
        headers={"Content-Type": "text/html; charset=utf-8"},
        request=request,
    )
    fixed = middleware.process_response(request, wrong)
    assert isinstance(fixed, TextResponse) and fixed.encoding == "gb18030"
    assert "通知公告" in fixed.text
    assert crawler.stats.get_value("govcheck/encoding/corrected/utf-8->gb18030") == 1


# -- the detector's decisions on the real-page corpus and on the characters it scores (scoring works on
# whole strings with codec and regex operations; these cases pin the per-character version's decisions)

CORPUS = Path(__file__).parent / "corpus" / "real"
PAGES = sorted(CORPUS.glob("*.html"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name[:40])
def test_corpus_page_in_every_labelling(page: Path) -> None:
    text = page.read_bytes().decode("utf-8", errors="replace")
    assert best_encoding(text.encode("utf-8"), "utf-8") == "utf-8"
    assert best_encoding(text.encode("utf-8"), "gb2312") == "utf-8"
    try:
        gbk = text.encode("gbk")
    except UnicodeEncodeError:
        return  # holds characters GBK lacks: served as UTF-8 only
    assert best_encoding(gbk, "utf-8") == "gb18030"
    assert best_encoding(gbk, "gbk") == "gbk"


@pytest.mark.parametrize(
    ("text", "declared", "expected"),
    [
        # Level-2 hanzi and GBK-only characters are not everyday Chinese: a declared GBK stands.
        ("鬲鬯鬻麂麇麈麋麒鏖鏊" * 20, "gbk", "gbk"),
        # Characters GBK lacks (emoji, Korean) in GB18030 bytes: GBK cannot decode them.
        ("😀한국어" * 30 + "通知公告", "gbk", "gb18030"),
        # Latin-1 read of UTF-8 bytes is mojibake: UTF-8 wins.
        ("关于开展安全生产大检查工作的通知" * 5, "latin-1", "utf-8"),
    ],
)
def test_decisions_on_rare_and_foreign_characters(text: str, declared: str, expected: str) -> None:
    body = text.encode("gb18030" if declared == "gbk" else "utf-8")
    assert best_encoding(body, declared) == expected


def test_only_the_first_sample_of_wide_characters_counts() -> None:
    # 4,000 GBK-only characters first, then everyday Chinese: the sample ends before the latter.
    text = "鬲" * 4000 + "通知公告" * 2000
    assert best_encoding(text.encode("gb18030"), "gbk") == "gbk"
