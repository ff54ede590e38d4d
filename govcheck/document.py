"""What every report format renders, and the rules that keep scraped text inert in each of them.

A :class:`Document` is a bulletin's 附件: a title, the opening figures (counts and rates as numbers)
and tables. Its cells hold scraped or registry text (page titles, column names, URLs) that a hacked
site controls, so every renderer passes text through :func:`plain` (no control characters, bidi
overrides made visible) and only ever links :func:`web_url` values.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# C0/C1 controls but tab, LF and CR; lone surrogates and the non-characters XML cannot hold.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Embeddings, overrides and isolates reorder what follows them: a title could show a reversed URL.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def plain(value: Any) -> str:
    """``value`` as text that displays as what it is: controls dropped, bidi controls shown as [U+202E]."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    return _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", _CONTROLS.sub("", text))


def web_url(value: Any) -> str | None:
    """``value`` if it is an http(s) URL a report may link to, else None."""
    if not isinstance(value, str):
        return None
    text = plain(value).strip()
    if not text or any(c.isspace() for c in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced [ in the host
        return None
    return text if parts.scheme.lower() in {"http", "https"} and parts.netloc else None


@dataclass(frozen=True, slots=True)
class Figure:
    """One of the numbers a bulletin opens with: a count of sites, or a rate (a fraction, None if 0/0)."""

    label: str
    value: int | float | None
    rate: bool = False

    @property
    def unit(self) -> str:
        return "" if self.rate else "家"

    def words(self) -> str:
        if self.value is None:
            return "—"
        return f"{self.value:.1%}" if self.rate else f"{self.value} {self.unit}"


@dataclass(slots=True)
class Table:
    name: str  # sheet name / section heading
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]  # str, int, dt.date or None per cell
    link_columns: frozenset[int] = frozenset()  # columns holding URLs (linked when http/https)
    result_column: int | None = None  # the verdict: never wrapped, marked good/bad


@dataclass(slots=True)
class Document:
    title: str  # 检查政府网站发现的问题清单（…）
    period: list[tuple[str, str | dt.date]]  # lines under the title: 监测时间点, 检查轮次
    figures: list[Figure]
    tables: list[Table] = field(default_factory=list)
    health: list[Figure] = field(default_factory=list)  # sites whose crawl failed each health monitor
    # Lines under the 附件 table, (label, text): the checks not made and why, counted in sites.
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Imprint:
    """Which 附件 of the bulletin this is, and who issues it when (GOVCHECK_ISSUER, GOVCHECK_ISSUE_DATE)."""

    annex: int = 1
    issuer: str = ""
    issued: dt.date | None = None

    @classmethod
    def from_settings(cls, settings: dict[str, Any], *, annex: int, today: dt.date) -> Imprint:
        issued = settings["GOVCHECK_ISSUE_DATE"]
        return cls(
            annex=annex,
            issuer=settings["GOVCHECK_ISSUER"],
            issued=dt.date.fromisoformat(issued) if issued else today,
        )


def chinese_date(day: dt.date | str | None) -> str:
    """2024年2月28日, as a bulletin is dated (text is returned as it is)."""
    if isinstance(day, dt.date):
        return f"{day.year}年{day.month}月{day.day}日"
    return plain(day)


BAD_WORDS = ("不合格", "未整改到位")
GOOD_WORDS = ("合格", "已完成整改")


def tone(result: Any) -> str:
    """'bad', 'good' or '' for a 结果/复查结果 cell, so every format marks verdicts alike."""
    text = plain(result)
    if text.startswith(BAD_WORDS):
        return "bad"
    return "good" if text.startswith(GOOD_WORDS) else ""
