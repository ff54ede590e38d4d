"""Date normalization: formats seen on government pages, year-less dates, rejections, relative dates, URLs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from govcheck.dates import (
    SHANGHAI,
    DateNormalizer,
    EntryDate,
    NormalizedDate,
    date_from_url,
    entry_date,
    find_date_text,
    is_date_text,
    year_month_from_url,
)

REFERENCE = dt.datetime(2026, 9, 10, 23, 59, 59, tzinfo=SHANGHAI)
D = dt.date


@pytest.fixture(scope="module")
def normalizer() -> DateNormalizer:
    return DateNormalizer(REFERENCE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-02-28", D(2024, 2, 28)),
        ("2024/2/28", D(2024, 2, 28)),
        ("2026/06/25", D(2026, 6, 25)),
        ("2024.02.28", D(2024, 2, 28)),
        ("2024年2月28日", D(2024, 2, 28)),
        ("2007年6月29日", D(2007, 6, 29)),
        ("2024 年 02 月 28 日", D(2024, 2, 28)),
        ("2024-02-28 10:08", D(2024, 2, 28)),
        ("2022-10-14 10:16:14", D(2022, 10, 14)),
        ("2023-11-30  14:52", D(2023, 11, 30)),  # double space (jw.beijing)
        ("2023-08-19 10∶08", D(2023, 8, 19)),  # U+2236 RATIO (shanghai.gov.cn)
        ("2020年09月15日 09时32分", D(2020, 9, 15)),
        ("2020年09月15日09时32分", D(2020, 9, 15)),
        ("２０２４－０２－２８", D(2024, 2, 28)),  # full-width digits and hyphen
        ("２０２４年２月２８日", D(2024, 2, 28)),
        ("\n      2024-02-28\n   ", D(2024, 2, 28)),
        ("[2024-02-28]", D(2024, 2, 28)),
        ("(2020-08-16 22:26:38)", D(2020, 8, 16)),  # 163: datetime in parentheses
        ("（2024/2/28）", D(2024, 2, 28)),
        ("【2024-02-28】", D(2024, 2, 28)),
        ("2020-07-09 ", D(2020, 7, 9)),  # rtfund: trailing space
        ("发布时间：2024-02-28 10:00 来源：市政府办公室", D(2024, 2, 28)),
        ("发布日期：2023-06-11 16:20:01\xa0\xa0\xa0文章来源：", D(2023, 6, 11)),
        ("日期: 2024-10-21", D(2024, 10, 21)),
        ("2024-03-05 点击：123", D(2024, 3, 5)),  # dateparser 1.5 returns None for this
        ("2007-08-20-23:59:59", D(2007, 8, 20)),  # gov.cn firstpublishedtime meta
    ],
)
def test_fast_path_formats(normalizer: DateNormalizer, text: str, expected: dt.date) -> None:
    assert normalizer.normalize(text) == NormalizedDate(expected, "fast", None)


@pytest.mark.parametrize(
    ("text", "url", "context_year", "expected"),
    [
        # The URL's month folder gives the year (开普云 MM-dd lists: /202310/).
        ("10-11", "http://www.yichun.gov.cn/ycsrmzf/zwyw/202310/34e1.shtml", None, D(2023, 10, 11)),
        ("[02-28]", "http://x.gov.cn/col/202402/t20240228_1.html", None, D(2024, 2, 28)),
        ("(02-28)", "http://x.gov.cn/a/202402/", 2019, D(2024, 2, 28)),  # the URL outranks context_year
        ("05-17", "http://x.gov.cn/zwgk/201705/t20170517_376590.html", None, D(2017, 5, 17)),  # 樟树 TRS
        # A displayed date is not later than the month it was filed in: December goes to the year before.
        ("12-30", "http://x.gov.cn/a/202301/t20230105_1.html", None, D(2022, 12, 30)),
        ("2月28日", None, 2021, D(2021, 2, 28)),
        ("02-28", None, None, D(2026, 2, 28)),  # reference year
        ("09-10", None, None, D(2026, 9, 10)),  # the reference day itself is not the future
        ("09-11", None, None, D(2025, 9, 11)),  # after the reference day: the year before
        ("12-31", None, 2026, D(2025, 12, 31)),  # context year, but never after the reference
        ("02-29", None, None, D(2024, 2, 29)),  # the most recent leap year
        ("发布时间：02-28", None, 2020, D(2020, 2, 28)),
        ("\n   10-11\n ", "http://www.yichun.gov.cn/ycsrmzf/zwyw/202310/x.shtml", None, D(2023, 10, 11)),
        ("02-28 10:08", None, 2024, D(2024, 2, 28)),
    ],
)
def test_yearless_dates(
    normalizer: DateNormalizer, text: str, url: str | None, context_year: int | None, expected: dt.date
) -> None:
    assert normalizer.normalize(text, url=url, context_year=context_year) == NormalizedDate(
        expected, "fast", None
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("2026-09-11", "future"),
        ("2027-01-01 08:00", "future"),
        ("2030年1月1日", "future"),
        ("2024-02-30", "impossible"),
        ("2023-02-29", "impossible"),
        ("2024-13-01", "impossible"),
        ("2024-00-10", "impossible"),
        ("02-30", "impossible"),
        ("04-31", "impossible"),
        ("1900-01-01", "impossible"),  # before any government site: a number, not a date
    ],
)
def test_rejected_dates(normalizer: DateNormalizer, text: str, error: str) -> None:
    result = normalizer.normalize(text)
    assert (result.value, result.error) == (None, error)
    assert result.method == "fast"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3天前", D(2026, 9, 7)),
        ("3 天前", D(2026, 9, 7)),
        ("昨天", D(2026, 9, 9)),
        ("前天", D(2026, 9, 8)),
        ("今天", D(2026, 9, 10)),
        ("1小时前", D(2026, 9, 10)),
        ("10分钟前", D(2026, 9, 10)),
        ("刚刚", D(2026, 9, 10)),
        ("2 hours ago", D(2026, 9, 10)),
        ("3 days ago", D(2026, 9, 7)),
        ("yesterday", D(2026, 9, 9)),
        ("1年前", D(2025, 9, 10)),
        ("March 5, 2024", D(2024, 3, 5)),
    ],
)
def test_relative_dates_use_dateparser(normalizer: DateNormalizer, text: str, expected: dt.date) -> None:
    assert normalizer.normalize(text) == NormalizedDate(expected, "dateparser", None)


def test_relative_dates_follow_the_reference_in_shanghai_time() -> None:
    # 2026-09-10 17:00 UTC is already 2026-09-11 01:00 in Shanghai.
    utc = DateNormalizer(dt.datetime(2026, 9, 10, 17, 0, tzinfo=dt.UTC))
    assert utc.normalize("昨天").value == D(2026, 9, 10)
    assert utc.normalize("2026-09-11").value == D(2026, 9, 11)  # not future in Shanghai
    naive = DateNormalizer(dt.datetime(2026, 9, 10, 12, 0))  # naive: taken as Shanghai wall time
    assert naive.normalize("2026-09-11").error == "future"


def test_relative_future_is_rejected(normalizer: DateNormalizer) -> None:
    assert normalizer.normalize("明天") == NormalizedDate(None, "dateparser", "future")


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "点击：123",
        "暂无",
        "第3期",
        "10:08",
        "2024年",
        "2024年2月",
        "1.809%",
        "2078-6.19",
        "恒生前海基金",
        "12345678",
    ],
)
def test_garbage_is_unparsed(normalizer: DateNormalizer, text: str) -> None:
    assert normalizer.normalize(text) == NormalizedDate(None, "none", "unparsed")


def test_missing_text_falls_back_to_the_url(normalizer: DateNormalizer) -> None:
    assert normalizer.normalize(None) == NormalizedDate(None, "none", "missing")
    assert normalizer.normalize("  ") == NormalizedDate(None, "none", "missing")
    url = "https://www.pingtan.gov.cn/zwgk/yw/tpxw/202604/t20260416_106253.htm"
    assert normalizer.normalize(None, url=url) == NormalizedDate(D(2026, 4, 16), "url", None)
    assert normalizer.normalize("", url="http://x.gov.cn/202604/") == NormalizedDate(None, "none", "missing")
    assert normalizer.normalize(None, url="http://x.gov.cn/t20270101_1.html").error == "future"


def test_the_dateparser_is_built_once_per_reference() -> None:
    from govcheck.dates import _dateparser_for

    first, second = DateNormalizer(REFERENCE), DateNormalizer(REFERENCE)
    first.normalize("3天前")
    second.normalize("昨天")
    info = _dateparser_for.cache_info()
    assert _dateparser_for(first._relative_base) is _dateparser_for(second._relative_base)
    assert info.currsize >= 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.pingtan.gov.cn/zwgk/ghxx/gzjzqk/202503/t20250321_97999.htm", D(2025, 3, 21)),
        ("http://sw.wuhan.gov.cn/xwdt/gzdt/202306/t20230611_2214470.shtml", D(2023, 6, 11)),
        ("http://jyt.zj.gov.cn/art/2024/10/21/art_1543973_58942886.html", D(2024, 10, 21)),
        ("http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html", D(2016, 11, 22)),
        ("/art/2024/2/28/art_1_2.html", D(2024, 2, 28)),
        ("https://www.henan.gov.cn/2022/08-11/2559082.html", D(2022, 8, 11)),
        (
            "http://www.sc.gov.cn/10462/10464/10465/10595/2020/9/15/e651244f5f89400a95c651e2f53de7fe.shtml",
            D(2020, 9, 15),
        ),
        (
            "https://www.dfa66.com/dfaets/contents/2020/7/2-b51327b18dff4d8aa163774fcd9240e6.html",
            D(2020, 7, 2),
        ),
        ("http://www.rtfund.com/main/a/20200709/12323944.shtml", D(2020, 7, 9)),
        ("https://x.gov.cn/zwgk/202402/", None),  # a month folder is not a date
        ("http://www.yichun.gov.cn/ycsrmzf/zwyw/202310/34e1d41233c34c52a652e278c5529a33.shtml", None),
        ("http://www.fcgs.gov.cn/zxzx/zdxm/t18993630.shtml", None),  # Guangxi TRS id, no date
        ("https://www.gz.gov.cn/ysgz/xwdt/ysdt/content/post_9360641.html", None),
        ("https://www.miit.gov.cn/xwdt/gxdt/dfgz/art/2020/art_14730801a8ae49e99b132c83575b7810.html", None),
        ("http://x.gov.cn/a/t20240230_1.html", None),  # impossible day
        ("http://x.gov.cn/list.jsp?date=20240228", None),  # query strings are not trusted
        ("https://news.163.com/20/0816/22/FK6F0U6D0001899O.html", None),
    ],
)
def test_date_from_url(url: str, expected: dt.date | None) -> None:
    assert date_from_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.gov.cn/zwgk/202402/", (2024, 2)),
        ("https://x.gov.cn/zwgk/202402/t20240228_123.html", (2024, 2)),
        ("https://x.gov.cn/zwgk/t20240228_123.html", (2024, 2)),
        ("http://www.yichun.gov.cn/ycsrmzf/zwyw/202310/34e1d41233c34c52a652e278c5529a33.shtml", (2023, 10)),
        ("http://jyt.zj.gov.cn/art/2024/10/21/art_1543973_58942886.html", (2024, 10)),
        ("https://x.gov.cn/zwgk/202413/", None),
        ("http://www.yichun.gov.cn/ycsrmzf/zxft/zxft_content.shtml?id=e4d6df488a5e", None),
    ],
)
def test_year_month_from_url(url: str, expected: tuple[int, int] | None) -> None:
    assert year_month_from_url(url) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布时间：2024-02-28 10:00 来源：市政府", "2024-02-28 10:00"),
        ("[02-28]", "02-28"),
        ("(2024/2/28)", "2024/2/28"),
        ("日期：<2021-07-13>", "2021-07-13"),
        ("成文日期：2024年2月22日", "2024年2月22日"),
        ("时间：２０２４－０２－２８", "２０２４－０２－２８"),  # returned as printed
        ("页面生成时间 2023-10-11 11:36:07", "2023-10-11 11:36:07"),
        ("no date here", None),
        ("", None),
    ],
)
def test_find_date_text(text: str, expected: str | None) -> None:
    assert find_date_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-11", True),
        ("(2020-08-16 22:26:38)", True),
        ("10-11", True),
        ("发布时间：2024-02-28", True),
        ("2/31", False),  # a pager's "page 2 of 31"
        ("02-30", False),
        ("关于2024年2月28日全市防汛工作会议的情况通报", False),
        ("[1.809%]", False),
    ],
)
def test_is_date_text(text: str, expected: bool) -> None:
    assert is_date_text(text) is expected


@pytest.mark.parametrize(
    ("text", "url", "kwargs", "expected"),
    [
        (
            "2026-09-01",
            "http://a.gov.cn/1.html",
            {},
            EntryDate(D(2026, 9, 1), "row", None, ("govcheck/dates/fast",)),
        ),
        (
            "2026-09-01",
            "http://a.gov.cn/1.html",
            {"text_source": "detail"},
            EntryDate(D(2026, 9, 1), "detail", None, ("govcheck/dates/fast",)),
        ),
        (
            "12-30",
            "http://a.gov.cn/1.html",
            {"context_year": 2025},
            EntryDate(D(2025, 12, 30), "row", None, ("govcheck/dates/fast",)),
        ),
        (
            "2027-01-01",
            "http://a.gov.cn/art/2026/8/3/art_1.html",
            {},
            EntryDate(
                D(2026, 8, 3), "url", "future", ("govcheck/dates/rejected/future", "govcheck/dates/url")
            ),
        ),
        (
            None,
            "http://a.gov.cn/art/2026/8/3/art_1.html",
            {},
            EntryDate(D(2026, 8, 3), "url", None, ("govcheck/dates/url",)),
        ),
        (
            None,
            "http://a.gov.cn/art/2026/12/3/art_1.html",
            {},
            EntryDate(None, None, None, ("govcheck/dates/undated",)),
        ),
        (
            "未知",
            "http://a.gov.cn/1.html",
            {},
            EntryDate(None, None, "unparsed", ("govcheck/dates/rejected/unparsed", "govcheck/dates/undated")),
        ),
    ],
)
def test_entry_date_reads_an_entry_once(
    normalizer: DateNormalizer, text: str | None, url: str, kwargs: dict[str, Any], expected: EntryDate
) -> None:
    """What the crawl stores for an entry: its text's date, else its URL's (never after the reference
    day), with the counters the crawl stats add."""
    assert entry_date(normalizer, text, url, **kwargs) == expected
