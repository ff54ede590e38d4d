"""Reports of stored evaluations in the forms bulletins publish: JSON (the contract), Markdown, XLSX, HTML.

Every format but JSON renders one :class:`~govcheck.document.Document`: the opening numbers (sites
checked, with problems, failed, pass rate), the 附件 table (网站标识码 | 网站名称 | 首页地址 |
存在的突出问题 | 结果; 不合格 first, then sites with problems) and the evidence behind each finding.
The 复查 report (recheck.py) is another Document with the same renderers.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from govcheck import bulletin, workbook
from govcheck.db.attempts import later_attempt
from govcheck.db.models import Crawl, Evaluation, Finding, Site
from govcheck.db.session import session_factory
from govcheck.document import Document, Figure, Imprint, Table, chinese_date, plain
from govcheck.evaluator.rules import RULES_BY_CODE
from govcheck.monitors import INCOMPLETE_LABEL, MONITORS, crawl_coverage, failed_monitors
from govcheck.vocabulary import UNKNOWN_REASON_WORDS

VERDICT_WORDS = {"pass": "合格", "fail": "不合格", "unknown": "无法判定"}
FORMATS = ("json", "markdown", "xlsx", "html")
ANNEX_TITLE = "检查政府网站发现的问题清单"
NOT_JUDGED_LABEL = "未判定项"  # a check a rule could not make (the rule table words why)
EVIDENCE_HEADERS = (
    "网站标识码",
    "网站名称",
    "问题类型",
    "单项否决",
    "栏目",
    "问题",
    "地址",
    "最新信息日期",
    "日期原文",
    "HTTP状态",
    "代码",
    "证据",
)


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "veto": finding.veto,
        "column": finding.column_name,
        "column_url": finding.column_url,
        "url": finding.url,
        "source_url": finding.source_url,
        "threshold_days": finding.threshold_days,
        "newest": finding.newest.isoformat() if finding.newest else None,
        "scope": finding.scope,
        "external": finding.external,
        "item": finding.item,
        "urls": finding.urls,
        "message": finding.message,
        "evidence": finding.evidence,
    }


def has_evaluations(engine: Engine, as_of: dt.date, round_name: str = "") -> bool:
    with session_factory(engine)() as session:
        query = (
            select(Evaluation.id).where(Evaluation.as_of == as_of, Evaluation.round == round_name).limit(1)
        )
        return session.scalar(query) is not None


def build(engine: Engine, as_of: dt.date, *, round_name: str = "", host: str | None = None) -> dict[str, Any]:
    """The JSON report: every site evaluated at ``as_of``, every key always present."""
    with session_factory(engine)() as session:
        return build_from(session, as_of, round_name=round_name, host=host)


def build_from(
    session: Session, as_of: dt.date, *, round_name: str = "", host: str | None = None
) -> dict[str, Any]:
    """:func:`build` within a session (one that also holds evaluations made on the fly)."""
    query = (
        select(Evaluation, Site, Crawl)
        .join(Site, Site.id == Evaluation.site_id)
        .outerjoin(Crawl, Crawl.id == Evaluation.crawl_id)
        .where(Evaluation.as_of == as_of, Evaluation.round == round_name)
        .order_by(Site.site_code.is_(None), Site.site_code, Site.host)
    )
    if host:
        query = query.where(Site.host == host.lower())
    sites = []
    for evaluation, site, crawl in session.execute(query).all():
        findings = session.scalars(
            select(Finding)
            .where(Finding.evaluation_id == evaluation.id)
            .order_by(Finding.position, Finding.id)
        ).all()
        sites.append(
            {
                "site_code": site.site_code,
                "name": site.name,
                "host": site.host,
                "homepage": (crawl.homepage_url if crawl else None) or site.homepage,
                "verdict": evaluation.verdict,
                "reason": evaluation.reason,
                "score": evaluation.score,
                "summary": evaluation.summary,
                "round": evaluation.round or None,
                "rulebook": evaluation.rulebook,
                "crawl_as_of": crawl.as_of.isoformat() if crawl else None,
                # The crawl's failed health monitors (govcheck/monitors.py); null when none ran.
                "monitors": failed_monitors(crawl.health) if crawl else None,
                # What the crawl's request budget left out, with the report's note; null when nothing.
                "coverage": crawl_coverage(crawl.health) if crawl else None,
                "crawl_attempt": crawl.attempt if crawl else None,
                # A re-crawl that has not finished (running, or interrupted): not part of this verdict.
                "later_attempt": later_attempt(session, crawl) if crawl else None,
                "findings": [_finding(f) for f in findings],
                # The checks the evaluation could not make, and why (code, reason, note, evidence);
                # not findings: the verdict stands without them.
                "unchecked": evaluation.unchecked or [],
            }
        )
    return {"as_of": as_of.isoformat(), "round": round_name or None, "sites": sites}


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def verdict_words(site: dict[str, Any]) -> str:
    reason = site["reason"]
    return VERDICT_WORDS[site["verdict"]] + (
        f"（{UNKNOWN_REASON_WORDS.get(reason, reason)}）" if reason else ""
    )


def finding_label(code: str) -> str:
    """A finding code as the bulletin names it (the rule's title), e.g. column_stale → 栏目不更新."""
    rule = RULES_BY_CODE.get(code)
    return rule.title if rule else code


def _standing(site: dict[str, Any]) -> int:
    """Annex order: 不合格, then sites with problems, then 无法判定, then the rest."""
    if site["verdict"] == "fail":
        return 0
    if site["summary"]:
        return 1
    return 2 if site["verdict"] == "unknown" else 3


def _date(value: str | None) -> dt.date | str:
    """An ISO date from the evidence as a date, or the text itself when it is not one."""
    try:
        return dt.date.fromisoformat(value) if value else ""
    except ValueError:
        return value or ""


def _date_text(proof: dict[str, Any]) -> str:
    """The newest date's text as seen and, when it was not read live (a page read from the store on
    its sitemap's word), how it was read."""
    parts = (proof.get("newest_text"), proof.get("newest_date_evidence"))
    return "；".join(str(part) for part in parts if part)


def _status(proof: dict[str, Any]) -> int | str:
    status = proof.get("http_status", proof.get("status"))
    return status if isinstance(status, int) and not isinstance(status, bool) else plain(status or "")


def document(report: dict[str, Any], *, problems_only: bool = False) -> Document:
    """The 附件 report as a Document; ``problems_only`` lists only 不合格 sites and sites with problems
    (the figures still count every site checked)."""
    sites = report["sites"]
    failed = sum(1 for s in sites if s["verdict"] == "fail")
    judged = sum(1 for s in sites if s["verdict"] != "unknown")
    with_problems = sum(1 for s in sites if s["summary"] or s["verdict"] == "fail")
    listed = sorted(sites, key=_standing)  # stable: registry order within each group
    if problems_only:
        listed = [s for s in listed if _standing(s) < 2]
    annex = Table(
        "附件",
        ("网站标识码", "网站名称", "首页地址", "存在的突出问题", "结果"),
        [
            (s["site_code"] or "", s["name"] or "", s["host"], s["summary"] or "无", verdict_words(s))
            for s in listed
        ],
        result_column=4,
    )
    evidence = Table("证据", EVIDENCE_HEADERS, [], frozenset({6}))
    for site in listed:
        for f in site["findings"]:
            proof = f["evidence"] if isinstance(f["evidence"], dict) else {}
            evidence.rows.append(
                (
                    site["site_code"] or "",
                    site["name"] or site["host"],
                    finding_label(f["code"]),
                    "是" if f["veto"] else "否",
                    f["column"] or "",
                    f["message"],
                    f["column_url"] or f["url"] or "",
                    _date(f["newest"]),
                    _date_text(proof),
                    _status(proof),
                    f["code"],
                    json.dumps(f["evidence"], ensure_ascii=False, sort_keys=True, default=str),
                )
            )
        for unjudged in site.get("unchecked") or []:
            evidence.rows.append(
                (
                    site["site_code"] or "",
                    site["name"] or site["host"],
                    NOT_JUDGED_LABEL,
                    "否",
                    "",
                    unjudged["note"],
                    site["homepage"] or "",
                    "",
                    "",
                    "",
                    unjudged["code"],
                    json.dumps(unjudged, ensure_ascii=False, sort_keys=True, default=str),
                )
            )
        if coverage := site.get("coverage"):
            # Not a finding: the verdict stands on what was checked, and the reader is told what was not.
            evidence.rows.append(
                (
                    site["site_code"] or "",
                    site["name"] or site["host"],
                    "检查未完成",
                    "否",
                    "",
                    coverage["note"],
                    site["homepage"] or "",
                    "",
                    "",
                    "",
                    "crawl_incomplete",
                    json.dumps(coverage, ensure_ascii=False, sort_keys=True),
                )
            )
    incomplete = sum(1 for s in sites if s.get("coverage"))
    # Every site checked counts, listed or not: 未判定项：19 家网站IPv6访问未判定（检查方经代理访问网站）.
    unjudged: dict[str, int] = {}
    for site in sites:
        for note in dict.fromkeys(u["note"] for u in site.get("unchecked") or []):
            unjudged[note] = unjudged.get(note, 0) + 1
    as_of = dt.date.fromisoformat(report["as_of"])
    period: list[tuple[str, str | dt.date]] = [("监测时间点", as_of)]
    if report["round"]:
        period.append(("检查轮次", report["round"]))
    return Document(
        f"{ANNEX_TITLE}（{report['round'] or chinese_date(as_of)}）",
        period,
        [
            Figure("检查网站", len(sites)),
            Figure("发现问题网站", with_problems),
            Figure("不合格", failed),
            Figure("无法判定", len(sites) - judged),
            Figure("合格率", (judged - failed) / judged if judged else None, rate=True),
        ],
        [annex, evidence],
        [
            *(
                Figure(monitor.label, sum(1 for s in sites if monitor.name in (s.get("monitors") or ())))
                for monitor in MONITORS
            ),
            *([Figure(INCOMPLETE_LABEL, incomplete)] if incomplete else []),
        ],
        [(NOT_JUDGED_LABEL, f"{count} 家网站{note}") for note, count in unjudged.items()],
    )


_MARKDOWN_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_[]|~"})


def markdown_text(value: Any) -> str:
    """One table cell or line of Markdown that renders as text: HTML escaped, no link or emphasis
    syntax, no line break or | that would end the row."""
    if isinstance(value, dt.date):
        value = value.isoformat()
    text = html.escape(plain(value), quote=False).translate(_MARKDOWN_ESCAPES)
    return " ".join(text.splitlines()).replace("\t", " ")


def render_markdown(doc: Document, imprint: Imprint | None = None) -> str:
    """The bulletin's 附件 table (网站标识码 | 网站名称 | 首页地址 | 存在的突出问题) plus govcheck's 结果;
    the evidence stays in the other formats."""
    annex = doc.tables[0]
    lines = [f"附件{imprint.annex}", ""] if imprint else []
    lines += [f"# {markdown_text(doc.title)}", ""]
    lines += ["，".join(f"{label} {markdown_text(chinese_date(v))}" for label, v in doc.period) + "。", ""]
    lines += ["，".join(f"{f.label} {f.words()}" for f in doc.figures) + "。", ""]
    lines.append("| " + " | ".join(markdown_text(h) for h in annex.headers) + " |")
    lines.append("|" + "---|" * len(annex.headers))
    lines += ["| " + " | ".join(markdown_text(v) for v in row) + " |" for row in annex.rows]
    lines.append("")
    lines += [line for label, text in doc.notes for line in (markdown_text(f"{label}：{text}"), "")]
    if imprint:
        lines += [line for line in (markdown_text(imprint.issuer), chinese_date(imprint.issued)) if line]
    return "\n".join(lines).rstrip("\n") + "\n"


def render(
    data: dict[str, Any],
    doc: Document,
    fmt: str,
    *,
    imprint: Imprint | None = None,
    template: Path | None = None,
    templates: Path | None = None,
) -> str | bytes:
    """``data`` as JSON, or its Document in another format; ``template``/``templates`` override the
    packaged html templates (a file, a folder searched first)."""
    if fmt == "json":
        return to_json(data) + "\n"
    if fmt == "markdown":
        return render_markdown(doc, imprint)
    if fmt == "xlsx":
        return workbook.render_xlsx(doc, imprint or Imprint())
    if fmt == "html":
        return bulletin.render_html(doc, imprint or Imprint(), template=template, templates=templates)
    raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
