"""Downloader middlewares of govcheck."""

from __future__ import annotations

import asyncio
import codecs
import datetime as dt
import email.utils
import logging
import re
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import TextResponse
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class RequestDelayMiddleware:
    """Hold a request back for ``request.meta["govcheck_delay"]`` seconds.

    Spreads out the homepage attempts (the official probe does not retry in the same second)
    without blocking the reactor.
    """

    async def process_request(self, request: Request) -> None:
        delay = request.meta.get("govcheck_delay")
        if delay:
            await asyncio.sleep(float(delay))


_MOJIBAKE = re.compile(
    r"[\ufffd\u0080-\u024f\u0370-\u058f]"
)  # replacement chars, Latin-1/Greek/Armenian junk
_ASCII = re.compile(r"[\x00-\x7f]+")
# GB2312 lead bytes of its symbols and level-1 hanzi: the characters of everyday Chinese. Bytes
# decoded with the wrong codec land mostly in rare characters (level 2, GBK extensions) or in
# non-Chinese scripts.
_COMMON_LEADS = bytes(range(0xA1, 0xD8))
_CANDIDATES = ("utf-8", "gb18030")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
SAMPLE_CHARS = 4000  # non-ASCII characters scored per decoding


def _common(wide: str) -> int:
    """How many characters of ``wide`` (no ASCII in it) are everyday Chinese, in codec operations:
    in GB2312 every non-ASCII character is two bytes (both 0xA1 or above) and one it lacks becomes a
    single ``?``; without those, every other byte is a lead byte."""
    leads = wide.encode("gb2312", errors="replace").replace(b"?", b"")[::2]
    return len(leads) - len(leads.translate(None, _COMMON_LEADS))


def _score(text: str) -> int:
    wide = _ASCII.sub("", text)[:SAMPLE_CHARS]
    return _common(wide) - 2 * len(_MOJIBAKE.findall(wide))


def _name(encoding: str) -> str | None:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def best_encoding(body: bytes, declared: str) -> str:
    """The encoding that turns ``body`` into Chinese rather than mojibake.

    A byte-order mark wins; otherwise the declared encoding (header, then meta, then Scrapy's guess)
    stands unless the bytes do not decode with it, or another candidate (UTF-8, GB18030 — a superset
    of GBK and GB2312) decodes them strictly into clearly more everyday Chinese.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    sample = body[:200_000]
    try:
        best_score: int | None = _score(sample.decode(declared))
    except (UnicodeDecodeError, LookupError):
        best_score = None
    best = declared
    for name in _CANDIDATES:
        if _name(name) == _name(declared):
            continue
        try:
            score = _score(sample.decode(name))
        except UnicodeDecodeError:
            continue
        if best_score is None or score > best_score + 2:
            best, best_score = name, score
    return best


class EncodingMiddleware:
    """Re-decode a text response whose declared or guessed charset is wrong (both ways: GBK bytes
    labelled UTF-8, UTF-8 bytes labelled GB2312; short pages Scrapy 2.19 guesses wrong), so titles
    and column names come out as Chinese, never mojibake. The encoding used is ``response.encoding``;
    corrections are counted in ``govcheck/encoding/corrected/<from>-><to>``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or not response.body:
            return response
        declared = response.encoding
        chosen = best_encoding(response.body, declared)
        if _name(chosen) == _name(declared):
            return response
        self.crawler.stats.inc_value(f"govcheck/encoding/corrected/{declared}->{chosen}")
        logger.info("%s: declared %s, decoded as %s", response.url, declared, chosen)
        return response.replace(encoding=chosen)


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, but a 429/503 with ``Retry-After`` waits that long (non-blocking) before its
    retry; a wait beyond ``GOVCHECK_RETRY_AFTER_MAX`` gives the retry up instead of hammering."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("GOVCHECK_RETRY_AFTER_MAX")

    def process_response(self, request: Request, response: Response) -> Request | Response:
        wait = retry_after_seconds(response) if response.status in (429, 503) else None
        if wait is None or request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return super().process_response(request, response)
        if wait > self.retry_after_max:
            self.crawler.stats.inc_value("govcheck/retry_after/too_long")
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        retry.meta["govcheck_delay"] = wait
        self.crawler.stats.inc_value("govcheck/retry_after/honoured")
        return retry


def retry_after_seconds(response: Response) -> float | None:
    value = response.headers.get("Retry-After", b"").decode("latin-1").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)
