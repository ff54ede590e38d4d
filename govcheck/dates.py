"""Publication dates as printed on Chinese government pages, turned into ``datetime.date``.

A regex fast path reads the absolute formats CMSs print (``2024-02-28``, ``2024/2/28``,
``2024.02.28``, ``2024年2月28日``, with or without a time, full-width digits, labels and
brackets around them) and year-less ``02-28``/``2月28日``. ``dateparser`` is only asked about what
the fast path cannot read (``3天前``, ``昨天``, ``2 hours ago``): it is slow and, since 1.5, stricter
about surrounding text (see docs/style.md). This module never imports scrapy.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")

__all__ = [
    "SHANGHAI",
    "DateNormalizer",
    "EntryDate",
    "NormalizedDate",
    "date_from_url",
    "entry_date",
    "find_date_text",
    "is_date_text",
    "year_month_from_url",
]

MIN_YEAR = 1949  # nothing on a government site predates the PRC; older "years" are ids or noise
MAX_YEAR = 2099

# One character in, one character out, so match offsets in the folded text are valid in the original.
_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},  # ０-９
        "／": "/",
        "－": "-",
        "—": "-",
        "–": "-",
        "‐": "-",
        "．": ".",
        "：": ":",
        "∶": ":",  # U+2236 RATIO, seen in www.shanghai.gov.cn PubDate metas
        "（": "(",
        "）": ")",
        "【": "[",
        "】": "]",
        "［": "[",
        "］": "]",
        "\u3000": " ",
        "\xa0": " ",
    }
)

_TIME = r"(?:\s*T?\s*\d{1,2}\s*[:时点]\s*\d{1,2}(?:\s*[:分]\s*\d{1,2}(?:\.\d+)?\s*秒?|\s*分)?)?"
# Year-month-day with one repeated separator, or 年/月/日; digits must not continue on either side.
_YMD = re.compile(
    r"(?<![\d.])(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"|\s*年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]?)(?![\d])" + _TIME
)
# Year-less month-day: "02-28", "2/28", "2月28日". A "." separator is left out: "1.809" is a number.
_MD = re.compile(
    r"(?<![\d./-])(?P<m>\d{1,2})(?:(?P<sep>[-/])(?P<d>\d{1,2})(?![\d./:-])"
    r"|\s*月\s*(?P<d2>\d{1,2})\s*[日号]?(?!\d))" + _TIME
)
# What may stand around a date that is "the whole text": labels, brackets, whitespace, punctuation.
_LABEL = re.compile(
    r"(?:发布|更新|成文|印发|生成|修改|创建|上传|公开|发文)?(?:时间|日期)|时间|日期|发布于|更新于|Date|date"
)
_FILLER = re.compile(r"[\s\[\](){}<>《》〔〕|:：,，;；·•\-—]+")

# Only texts that look relative (or English) are worth a dateparser call; digits alone are not.
_DATEPARSER_HINT = re.compile(
    r"前|昨|今天|明天|后天|刚刚|上周|本周|上个?月|本月|去年|今年|[A-Za-z]{3}",
)
_RELATIVE_HINT = re.compile(
    r"前|昨|今天|明天|后天|刚刚|上周|本周|上个?月|本月|去年|今年|ago|yesterday|today|now", re.I
)
_DATEPARSER_MAX_LEN = 40

# Dates encoded in URLs by the common CMSs.
_URL_FULL = (
    re.compile(r"/t(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})_\d+"),  # TRS t20240228_123.html
    re.compile(r"/art/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),  # Hanweb /art/2024/2/28/
    re.compile(r"/(?P<y>\d{4})/(?P<m>\d{2})-(?P<d>\d{2})/"),  # Henan /2022/08-11/
    re.compile(r"/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?=[/_-])"),  # /2020/9/15/, /2020/7/2-<id>
    re.compile(r"/(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?=/)"),  # upload dirs /2020-7-2/
    re.compile(r"/(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?=/)"),  # /main/a/20200709/
)
_URL_MONTH = (
    re.compile(r"/(?P<y>\d{4})(?P<m>\d{2})(?=/)"),  # TRS/UCAP month folders /202402/
    re.compile(r"/t(?P<y>\d{4})(?P<m>\d{2})\d{2}_\d+"),
    re.compile(r"/(?P<y>\d{4})-(?P<m>\d{2})(?=/)"),
)


@dataclass(frozen=True, slots=True)
class NormalizedDate:
    value: dt.date | None
    method: str  # "fast" | "dateparser" | "url" | "none"
    error: str | None  # "future", "impossible", "unparsed", "missing"; set only when value is None


_UNPARSED = NormalizedDate(None, "none", "unparsed")
_MISSING = NormalizedDate(None, "none", "missing")


def _fold(text: str) -> str:
    return text.translate(_FOLD)


def _valid_year(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _url_path(url: str) -> str:
    # Query strings carry ids and timestamps that look like dates; only the path is trusted.
    return url.split("?", 1)[0].split("#", 1)[0]


def date_from_url(url: str) -> dt.date | None:
    """The full date a URL encodes (``t20240228_1.html``, ``/art/2024/2/28/``, ``/2022/08-11/``).

    A month folder alone (``/202402/``) is not a date: None.
    """
    path = _url_path(url)
    for pattern in _URL_FULL:
        for match in pattern.finditer(path):
            year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
            if _valid_year(year):
                found = _make_date(year, month, day)
                if found is not None:
                    return found
    return None


def year_month_from_url(url: str) -> tuple[int, int] | None:
    """Year and month a URL encodes (``/202402/``, ``t20240228``, or any full URL date)."""
    path = _url_path(url)
    for pattern in _URL_MONTH:
        for match in pattern.finditer(path):
            year, month = int(match["y"]), int(match["m"])
            if _valid_year(year) and 1 <= month <= 12:
                return year, month
    full = date_from_url(url)
    return (full.year, full.month) if full is not None else None


def _search(text: str) -> re.Match[str] | None:
    return _YMD.search(text) or _MD.search(text)


def find_date_text(text: str) -> str | None:
    """Cut the date token out of labelled or bracketed text.

    ``"发布时间：2024-02-28 10:00 来源：…"`` → ``"2024-02-28 10:00"``; ``"[02-28]"`` → ``"02-28"``.
    The token is returned as printed (full-width digits stay full-width).
    """
    if not text:
        return None
    match = _search(_fold(text))
    if match is None:
        return None
    return text[match.start() : match.end()].strip()


def _is_whole(text: str, match: re.Match[str]) -> bool:
    """True if nothing but labels, brackets and punctuation surrounds the match."""
    rest = text[: match.start()] + " " + text[match.end() :]
    rest = _LABEL.sub(" ", rest)
    return not _FILLER.sub("", rest)


def _reference_date(reference: dt.datetime) -> dt.date:
    return reference.astimezone(SHANGHAI).date()


@lru_cache(maxsize=8)
def _dateparser_for(relative_base: dt.datetime) -> DateDataParser:
    """One DateDataParser per reference time and process: building it per call is slow."""
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["zh", "en"],
        settings={
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": relative_base,
            "TIMEZONE": "Asia/Shanghai",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )


class DateNormalizer:
    """Normalizes date texts against one reference time (the crawl's "now", an aware datetime)."""

    def __init__(self, reference: dt.datetime) -> None:
        if reference.tzinfo is None:
            # A naive reference is taken as Shanghai wall time, the zone every page is written in.
            reference = reference.replace(tzinfo=SHANGHAI)
        self.reference = reference
        self.today = _reference_date(reference)
        self._relative_base = reference.astimezone(SHANGHAI).replace(tzinfo=None)

    def normalize(
        self, text: str | None, *, url: str | None = None, context_year: int | None = None
    ) -> NormalizedDate:
        """The date in ``text``; ``url`` and ``context_year`` give the year of year-less dates.

        With no text at all, the date encoded in ``url`` is used (method "url").
        Dates after the reference day are rejected ("future"), as are impossible ones.
        """
        if text is None or not text.strip():
            if url:
                from_url = date_from_url(url)
                if from_url is not None:
                    return self._checked(from_url, "url")
            return _MISSING
        folded = _fold(text).strip()
        match = _YMD.search(folded)
        if match is not None:
            year = int(match["y"])
            month = int(match["m"] or match["m2"])
            day = int(match["d"] or match["d2"])
            if not _valid_year(year):
                return NormalizedDate(None, "fast", "impossible")
            found = _make_date(year, month, day)
            if found is None:
                return NormalizedDate(None, "fast", "impossible")
            return self._checked(found, "fast")
        match = _MD.search(folded)
        if match is not None and _is_whole(folded, match):
            month = int(match["m"])
            day = int(match["d"] or match["d2"])
            return self._yearless(month, day, url=url, context_year=context_year)
        if len(folded) <= _DATEPARSER_MAX_LEN and _DATEPARSER_HINT.search(folded):
            return self._dateparser(folded)
        return _UNPARSED

    def _checked(self, value: dt.date, method: str) -> NormalizedDate:
        if value > self.today:
            return NormalizedDate(None, method, "future")
        return NormalizedDate(value, method, None)

    def _yearless(self, month: int, day: int, *, url: str | None, context_year: int | None) -> NormalizedDate:
        # 2024 is a leap year, so this only rejects days no year has (02-30, 04-31).
        if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2024, month)[1]:
            return NormalizedDate(None, "fast", "impossible")
        bound = self.today
        start = self.today.year
        from_url = year_month_from_url(url) if url else None
        if from_url is not None:
            # The URL's folder is the month the document was filed; its displayed date is not later.
            year, url_month = from_url
            start = year
            bound = min(bound, dt.date(year, url_month, calendar.monthrange(year, url_month)[1]))
        elif context_year is not None:
            start = context_year
        # The most recent year that makes the date real and not after the bound (29 Feb needs a leap year).
        for year in range(start, start - 9, -1):
            candidate = _make_date(year, month, day)
            if candidate is not None and candidate <= bound:
                return NormalizedDate(candidate, "fast", None)
        return NormalizedDate(None, "fast", "impossible")

    def _dateparser(self, text: str) -> NormalizedDate:
        try:
            data = _dateparser_for(self._relative_base).get_date_data(text)
        except Exception:  # dateparser raises assorted errors on odd input; a date is never worth a crash
            logger.debug("dateparser failed on %r", text, exc_info=True)
            return _UNPARSED
        if data.date_obj is None:
            return _UNPARSED
        if not _RELATIVE_HINT.search(text) and data.period not in ("day", "time"):
            return _UNPARSED  # "March 2024" is a month, not a publication date
        return self._checked(data.date_obj.date(), "dateparser")


@dataclass(frozen=True, slots=True)
class EntryDate:
    """An entry's publication date as stored: ``published`` (or why not, ``error``), where it came from
    (``source``: the text's source or url; None when undated), and the counters it adds to the stats."""

    published: dt.date | None
    source: str | None
    error: str | None
    counters: tuple[str, ...]


def entry_date(
    normalizer: DateNormalizer,
    date_text: str | None,
    url: str,
    *,
    context_year: int | None = None,
    text_source: str = "row",
) -> EntryDate:
    """An entry's date: its date text (from ``text_source``: its row, or its detail page), else the date
    in its URL if that is not after the reference day. Each entry is read once."""
    error = None
    counters: list[str] = []
    if date_text:
        result = normalizer.normalize(date_text, url=url, context_year=context_year)
        if result.value is not None:
            return EntryDate(result.value, text_source, None, (f"govcheck/dates/{result.method}",))
        error = result.error
        counters.append(f"govcheck/dates/rejected/{result.error}")
    from_url = date_from_url(url)
    if from_url is not None and from_url <= normalizer.today:
        return EntryDate(from_url, "url", error, (*counters, "govcheck/dates/url"))
    return EntryDate(None, None, error, (*counters, "govcheck/dates/undated"))


def is_date_text(text: str, *, max_extra: int = 8) -> bool:
    """True if ``text`` is essentially one printed date, as a list row's date cell is.

    Labels (发布时间：), brackets and punctuation may surround it; besides those, a full date may come
    with at most ``max_extra`` other characters ("2024-03-05 点击：12"), a year-less one with none.
    """
    if not text or len(text) > 60:
        return False
    folded = _fold(text).strip()
    match = _YMD.search(folded)
    if match is not None:
        if not _valid_year(int(match["y"])):
            return False
        rest = folded[: match.start()] + folded[match.end() :]
        rest = _FILLER.sub("", _LABEL.sub("", rest))
        return len(rest) <= max_extra
    match = _MD.search(folded)
    if match is None or not _is_whole(folded, match):
        return False
    if match["sep"] == "/" and not (len(match["m"]) == 2 and len(match["d"]) == 2):
        return False  # "2/31" in a pager is page 2 of 31; list dates are printed "02/28"
    month, day = int(match["m"]), int(match["d"] or match["d2"])
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2024, month)[1]
