"""Re-inspection (复查): did the sites fix what the previous round found?

A previous finding *remains* when the current round has a finding with the same code and the same
subject, as its rule in the rule table names it: the column URL (else the normalized column name),
the target URL or the scope of a link finding, the footer item, or nothing more for site-level
findings. Each previous site is then 已完成整改 (nothing remains), 未整改到位 (some remain — listed), or
无法复查 (the current round could not judge the site, or did not evaluate it, or could not make the
check of a problem not found again: IPv6 from a proxied runner is no proof of a fix).

The previous round is either a round in the database or a published 附件 table (``--previous-file``,
xlsx or csv with 网站标识码, 网站名称, 首页地址, 存在的突出问题), whose 存在的突出问题 cells are read back
sentence by sentence through the rules' own templates (whatever period a sentence names, so a table
published under other thresholds still reads).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from govcheck.db.models import Evaluation, Finding, Site
from govcheck.db.session import session_factory
from govcheck.document import Document, Figure, Table
from govcheck.evaluator.rules import RULES, RULES_BY_CODE
from govcheck.evaluator.wording import Subject, normalize_name
from govcheck.report import ANNEX_TITLE, finding_label

FIXED, NOT_FIXED, UNCHECKABLE = "已完成整改", "未整改到位", "无法复查"
RESULT_ORDER = {NOT_FIXED: 0, UNCHECKABLE: 1, FIXED: 2}  # the annex lists what remains first


class RecheckError(ValueError):
    """The previous round cannot be found or read."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One previous or current finding, reduced to what matching needs."""

    code: str
    message: str
    column_url: str | None = None
    column_name: str | None = None
    url: str | None = None  # the target of a link finding
    item: str | None = None
    scope: str | None = None  # a link finding's 'homepage' / 'page'
    threshold_days: int | None = None

    def key(self) -> tuple[str, str, str]:
        """How this previous finding is looked up among the current ones."""
        if self.column_url:
            return (self.code, "column_url", self.column_url)
        if self.column_name:
            return (self.code, "column_name", normalize_name(self.column_name))
        if self.url:
            return (self.code, "url", self.url)
        if self.item:
            return (self.code, "item", self.item)
        if self.scope:
            return (self.code, "scope", self.scope)
        return (self.code, "site", "")

    def match_keys(self) -> set[tuple[str, str, str]]:
        """Every way a previous finding may name this current one; a previous one naming nothing but
        its code (a published sentence naming no column) is named by any current one of that code."""
        found = {(self.code, "site", "")}
        if self.column_url:
            found.add((self.code, "column_url", self.column_url))
        if self.column_name:
            found.add((self.code, "column_name", normalize_name(self.column_name)))
        if self.url:
            found.add((self.code, "url", self.url))
        if self.item:
            found.add((self.code, "item", self.item))
        if self.scope:
            found.add((self.code, "scope", self.scope))
        return found


@dataclass(slots=True)
class PreviousSite:
    site_code: str | None
    name: str | None
    homepage: str | None
    summary: str
    problems: list[Problem] = field(default_factory=list)
    as_of: dt.date | None = None


def _problem(f: Finding) -> Problem:
    rule = RULES_BY_CODE.get(f.code)
    return Problem(f.code, f.message, **(rule.subject if rule else Subject()).of(f))


def _round_evaluations(session: Session, round_name: str) -> list[tuple[Evaluation, Site]]:
    """Per site the newest evaluation of the round; a round named by its date also finds unnamed ones."""
    query = select(Evaluation, Site).join(Site, Site.id == Evaluation.site_id)
    rows = session.execute(query.where(Evaluation.round == round_name)).all()
    if not rows:
        try:
            day = dt.date.fromisoformat(round_name)
        except ValueError:
            return []
        rows = session.execute(query.where(Evaluation.round == "", Evaluation.as_of == day)).all()
    newest: dict[int, tuple[Evaluation, Site]] = {}
    for evaluation, site in rows:
        if site.id not in newest or evaluation.as_of > newest[site.id][0].as_of:
            newest[site.id] = (evaluation, site)
    return sorted(newest.values(), key=lambda r: (r[1].site_code is None, r[1].site_code or "", r[1].host))


def _findings(session: Session, evaluation_id: int) -> list[Finding]:
    return list(
        session.scalars(
            select(Finding)
            .where(Finding.evaluation_id == evaluation_id)
            .order_by(Finding.position, Finding.id)
        )
    )


# ------------------------------------------------------------------------------- published tables


def parse_problems(cell: str) -> list[Problem]:
    """A bulletin's 存在的突出问题 cell back into problems (one per column, footer item or sentence),
    each sentence read by the first rule of the table that wrote it; any other sentence is ``other``."""
    problems: list[Problem] = []
    for sentence in re.split(r"[；;]\s*|\n+", cell.strip()):
        sentence = sentence.strip().rstrip("。.")
        if not sentence or sentence == "无":
            continue
        for rule in RULES:
            if (facts := rule.read(sentence)) is not None:
                problems += [Problem(rule.code, sentence, **f) for f in facts]
                break
        else:
            problems.append(Problem("other", sentence))
    return problems


def _rows_from_file(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        for sheet in book.worksheets:
            values = [
                [("" if v is None else str(v)).strip() for v in row]
                for row in sheet.iter_rows(values_only=True)
            ]
            for index, row in enumerate(values):
                if "存在的突出问题" in row:  # the header row; bulletins put a title above it
                    return [dict(zip(row, r, strict=False)) for r in values[index + 1 :] if any(r)]
        raise RecheckError(f"{path}: no sheet has a 存在的突出问题 column")
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RecheckError(f"{path}: neither UTF-8 nor GB18030")
    rows = list(csv.reader(io.StringIO(text)))
    for index, row in enumerate(rows):
        cells = [c.strip() for c in row]
        if "存在的突出问题" in cells:
            return [dict(zip(cells, r, strict=False)) for r in rows[index + 1 :] if any(c.strip() for c in r)]
    raise RecheckError(f"{path}: no 存在的突出问题 column")


def previous_from_file(path: Path) -> list[PreviousSite]:
    sites = []
    for row in _rows_from_file(path):
        summary = (row.get("存在的突出问题") or "").strip()
        sites.append(
            PreviousSite(
                site_code=(row.get("网站标识码") or "").strip() or None,
                name=(row.get("网站名称") or "").strip() or None,
                homepage=(row.get("首页地址") or row.get("网址") or "").strip() or None,
                summary=summary,
                problems=parse_problems(summary),
            )
        )
    return sites


# ------------------------------------------------------------------------------------- the recheck


def _host(homepage: str | None) -> str | None:
    if not homepage:
        return None
    return (urlsplit(homepage if "//" in homepage else f"http://{homepage}").hostname or "").lower() or None


def _history(session: Session, site_id: int, until: dt.date) -> dict[tuple[str, str, str], list[dt.date]]:
    """For each finding key of the site, the as-of dates of the evaluations that had it."""
    seen: dict[tuple[str, str, str], list[dt.date]] = {}
    rows = session.execute(
        select(Evaluation.as_of, Finding)
        .join(Finding, Finding.evaluation_id == Evaluation.id)
        .where(Evaluation.site_id == site_id, Evaluation.as_of <= until)
    ).all()
    for as_of, finding in rows:
        for key in _problem(finding).match_keys():
            seen.setdefault(key, []).append(as_of)
    return seen


def recheck(
    engine: Engine,
    *,
    current: str,
    previous: str | None = None,
    previous_file: Path | None = None,
) -> dict[str, Any]:
    """The 复查 annex as a JSON-ready dict: one row per site of the previous round that had problems."""
    with session_factory(engine)() as session:
        now = _round_evaluations(session, current)
        if not now:
            raise RecheckError(f"no evaluations in round {current!r}")
        if previous_file is not None:
            before = previous_from_file(previous_file)
            previous_label = str(previous_file)
        else:
            assert previous is not None
            rows = _round_evaluations(session, previous)
            if not rows:
                raise RecheckError(f"no evaluations in round {previous!r}")
            before = [
                PreviousSite(
                    site.site_code,
                    site.name,
                    site.host,
                    evaluation.summary,
                    [_problem(f) for f in _findings(session, evaluation.id)],
                    evaluation.as_of,
                )
                for evaluation, site in rows
            ]
            previous_label = previous
        by_code = {site.site_code: (e, site) for e, site in now if site.site_code}
        by_host = {site.host: (e, site) for e, site in now}
        current_as_of = max(e.as_of for e, _ in now)
        results = []
        for prev in before:
            if not prev.problems:
                continue  # nothing to re-inspect
            match = by_code.get(prev.site_code) if prev.site_code else None
            match = match or by_host.get(_host(prev.homepage) or "")
            row: dict[str, Any] = {
                "site_code": prev.site_code,
                "name": prev.name,
                "homepage": prev.homepage,
                "previous_summary": prev.summary,
                "previous_as_of": prev.as_of.isoformat() if prev.as_of else None,
                "current_as_of": None,
                "current_verdict": None,
                "current_summary": None,
                "result": UNCHECKABLE,
                "remaining": [],
                "fixed": [],
                "unchecked": [],  # problems whose check the current round could not make, with its note
            }
            if match is None or match[0].verdict == "unknown":
                row["reason"] = "not evaluated in the current round" if match is None else match[0].reason
                seen = _history(session, match[1].id, match[0].as_of) if match else {}
                row["problems"] = [_problem_json(p, seen.get(p.key())) for p in prev.problems]
                results.append(row)
                continue
            evaluation, site = match
            current_keys: set[tuple[str, str, str]] = set()
            for finding in _findings(session, evaluation.id):
                current_keys |= _problem(finding).match_keys()
            history = _history(session, site.id, evaluation.as_of)
            # A check the current round could not make (IPv6 from a proxied runner) proves no fix.
            unjudged = {u["code"]: u["note"] for u in evaluation.unchecked or []}
            for problem in prev.problems:
                if problem.key() in current_keys:
                    bucket = "remaining"
                else:
                    bucket = "unchecked" if problem.code in unjudged else "fixed"
                found = _problem_json(problem, history.get(problem.key()))
                row[bucket].append(
                    {**found, "note": unjudged[problem.code]} if bucket == "unchecked" else found
                )
            row.update(
                site_code=row["site_code"] or site.site_code,
                name=row["name"] or site.name,
                current_as_of=evaluation.as_of.isoformat(),
                current_verdict=evaluation.verdict,
                current_summary=evaluation.summary,
                result=NOT_FIXED if row["remaining"] else UNCHECKABLE if row["unchecked"] else FIXED,
                reason="；".join(dict.fromkeys(p["note"] for p in row["unchecked"])) or None,
                problems=None,
            )
            results.append(row)
        return {
            "previous": previous_label,
            "current": current,
            "current_as_of": current_as_of.isoformat(),
            "sites": results,
        }


def _problem_json(problem: Problem, seen: list[dt.date] | None) -> dict[str, Any]:
    return {
        "code": problem.code,
        "message": problem.message,
        "column": problem.column_name,
        "column_url": problem.column_url,
        "url": problem.url,
        "item": problem.item,
        "first_seen": min(seen).isoformat() if seen else None,
        "last_seen": max(seen).isoformat() if seen else None,
    }


def _remaining_words(row: dict[str, Any]) -> str:
    if row["result"] != NOT_FIXED:
        return row["result"]
    names = [p["column"] or p["url"] or p["item"] or p["message"] for p in row["remaining"]]
    return f"{NOT_FIXED}（{'、'.join(dict.fromkeys(names))}）"


def _date(value: str | None) -> dt.date | str:
    return dt.date.fromisoformat(value) if value else ""


def _previous_words(label: str) -> str:
    """The previous round as a title names it: a published table by its file name, not its path."""
    return Path(label).stem if label.lower().endswith((".xlsx", ".xlsm", ".csv")) else label


def document(data: dict[str, Any], *, problems_only: bool = False) -> Document:
    """The 复查 annex: 未整改到位 first, then 无法复查, then 已完成整改 (left out with ``problems_only``)."""
    sites = data["sites"]
    count = {word: sum(1 for s in sites if s["result"] == word) for word in (FIXED, NOT_FIXED, UNCHECKABLE)}
    listed = sorted(sites, key=lambda s: RESULT_ORDER[s["result"]])
    if problems_only:
        listed = [s for s in listed if s["result"] != FIXED]
    annex = Table(
        "复查情况",
        ("网站标识码", "网站名称", "首页地址", "存在的突出问题", "复查结果"),
        [
            (
                s["site_code"] or "",
                s["name"] or "",
                s["homepage"] or "",
                s["previous_summary"],
                _remaining_words(s),
            )
            for s in listed
        ],
        result_column=4,
    )
    detail = Table(
        "复查明细",
        ("网站标识码", "网站名称", "问题类型", "问题", "栏目", "地址", "复查", "首次发现", "最近发现"),
        [],
        frozenset({5}),
    )
    for site in listed:
        for bucket, word in (
            ("remaining", "未整改"),
            ("fixed", "已整改"),
            ("unchecked", "无法复查"),
            ("problems", "无法复查"),
        ):
            for p in site.get(bucket) or []:
                detail.rows.append(
                    (
                        site["site_code"] or "",
                        site["name"] or "",
                        finding_label(p["code"]),
                        p["message"],
                        p["column"] or "",
                        p["column_url"] or p["url"] or "",
                        word,
                        _date(p["first_seen"]),
                        _date(p["last_seen"]),
                    )
                )
    checked = count[FIXED] + count[NOT_FIXED]
    return Document(
        f"{ANNEX_TITLE}（{_previous_words(data['previous'])}）复查情况",
        [
            ("复查轮次", data["current"]),
            ("复查时间点", dt.date.fromisoformat(data["current_as_of"])),
        ],
        [
            Figure("复查网站", len(sites)),
            Figure(FIXED, count[FIXED]),
            Figure(NOT_FIXED, count[NOT_FIXED]),
            Figure(UNCHECKABLE, count[UNCHECKABLE]),
            Figure("整改完成率", count[FIXED] / checked if checked else None, rate=True),
        ],
        [annex, detail],
    )
