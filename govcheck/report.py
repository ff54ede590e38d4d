"""Reports of stored evaluations in the forms bulletins publish: JSON (the contract), Markdown, XLSX, HTML.

Every format renders one :class:`Document`: the opening numbers (sites checked, failed, pass rate),
the 附件 table (网站标识码 | 网站名称 | 首页地址 | 存在的突出问题 | 结果) and the evidence behind each
finding. The 复查 report (recheck.py) is another Document with the same renderers.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from govcheck.db.attempts import later_attempt
from govcheck.db.models import Crawl, Evaluation, Finding, Site
from govcheck.db.session import session_factory

VERDICT_WORDS = {"pass": "合格", "fail": "不合格", "unknown": "无法判定"}
FORMATS = ("json", "markdown", "xlsx", "html")
EVIDENCE_HEADERS = (
    "网站标识码",
    "网站名称",
    "代码",
    "单项否决",
    "栏目",
    "问题",
    "地址",
    "最新信息日期",
    "日期原文",
    "HTTP状态",
    "证据",
)


@dataclass(slots=True)
class Table:
    name: str  # sheet name / section heading
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    link_columns: frozenset[int] = frozenset()  # columns holding URLs (clickable in HTML)


@dataclass(slots=True)
class Document:
    title: str
    summary: list[tuple[str, str]]  # (label, value), the numbers a bulletin opens with
    tables: list[Table] = field(default_factory=list)


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
                "crawl_attempt": crawl.attempt if crawl else None,
                # A re-crawl that has not finished (running, or interrupted): not part of this verdict.
                "later_attempt": later_attempt(session, crawl) if crawl else None,
                "findings": [_finding(f) for f in findings],
            }
        )
    return {"as_of": as_of.isoformat(), "round": round_name or None, "sites": sites}


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def verdict_words(site: dict[str, Any]) -> str:
    return VERDICT_WORDS[site["verdict"]] + (f"（{site['reason']}）" if site["reason"] else "")


def document(report: dict[str, Any]) -> Document:
    """The 附件 report as a Document."""
    sites = report["sites"]
    failed = sum(1 for s in sites if s["verdict"] == "fail")
    judged = sum(1 for s in sites if s["verdict"] != "unknown")
    with_problems = sum(1 for s in sites if s["summary"])
    rate = f"{100.0 * (judged - failed) / judged:.1f}%" if judged else "—"
    round_words = f"，{report['round']}" if report["round"] else ""
    annex = Table(
        "附件",
        ("网站标识码", "网站名称", "首页地址", "存在的突出问题", "结果"),
        [
            (s["site_code"] or "", s["name"] or "", s["host"], s["summary"] or "无", verdict_words(s))
            for s in sites
        ],
    )
    evidence = Table("证据", EVIDENCE_HEADERS, [], frozenset({6}))
    for site in sites:
        for f in site["findings"]:
            proof = f["evidence"] or {}
            evidence.rows.append(
                (
                    site["site_code"] or "",
                    site["name"] or site["host"],
                    f["code"],
                    "是" if f["veto"] else "否",
                    f["column"] or "",
                    f["message"],
                    f["column_url"] or f["url"] or "",
                    f["newest"] or "",
                    proof.get("newest_text") or "",
                    proof.get("http_status", proof.get("status")) or "",
                    json.dumps(proof, ensure_ascii=False, sort_keys=True),
                )
            )
    return Document(
        f"政府网站检查情况（监测时间点 {report['as_of']}{round_words}）",
        [
            ("检查网站", f"{len(sites)} 家"),
            ("发现问题网站", f"{with_problems} 家"),
            ("不合格", f"{failed} 家"),
            ("无法判定", f"{len(sites) - judged} 家"),
            ("合格率", rate),
        ],
        [annex, evidence],
    )


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def to_markdown(report: dict[str, Any]) -> str:
    """The bulletin's 附件 table (网站标识码 | 网站名称 | 首页地址 | 存在的突出问题) plus govcheck's 结果."""
    return render_markdown(document(report), evidence=False)


def render_markdown(doc: Document, *, evidence: bool = False) -> str:
    lines = [f"# {doc.title}", "", "，".join(f"{label} {value}" for label, value in doc.summary) + "。", ""]
    for number, table in enumerate(doc.tables):
        if number and not evidence:
            break  # the first table is the annex; the others are evidence
        if number:
            lines += [f"## {table.name}", ""]
        lines.append("| " + " | ".join(table.headers) + " |")
        lines.append("|" + "---|" * len(table.headers))
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table.rows]
        lines.append("")
    return "\n".join(lines)


def render_xlsx(doc: Document) -> bytes:
    """A summary sheet, then one sheet per table (附件 first)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    summary.append([doc.title])
    summary["A1"].font = Font(bold=True, size=14)
    for label, value in doc.summary:
        summary.append([label, value])
    summary.column_dimensions["A"].width = 16
    summary.column_dimensions["B"].width = 16
    for table in doc.tables:
        sheet = book.create_sheet(table.name)
        sheet.append(list(table.headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([v if isinstance(v, int | float) else str(v) for v in row])
        for index, header in enumerate(table.headers):
            letter = sheet.cell(row=1, column=index + 1).column_letter
            longest = max([len(str(header)), *(len(str(r[index])) for r in table.rows)])
            sheet.column_dimensions[letter].width = min(60, max(10, longest * 1.6))
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HTML_STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
 margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.5rem;border-bottom:3px solid #b30000;padding-bottom:.4rem}
h2{font-size:1.15rem;margin-top:2rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:8rem;background:#fafafa}
.card b{display:block;font-size:1.4rem;color:#b30000}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#f0f0f0}
tr:nth-child(even) td{background:#fcfcfc}
td.bad{color:#b30000;font-weight:bold}
td.good{color:#1a7f37}
details summary{cursor:pointer;color:#555}
pre{white-space:pre-wrap;word-break:break-all;font-size:.8rem;margin:.3rem 0}
a{color:#0645ad;word-break:break-all}
""".strip()
BAD_WORDS = ("不合格", "未整改到位")
GOOD_WORDS = ("合格", "已完成整改")


def _html_cell(value: Any, header: str, is_link: bool) -> str:
    text = str(value if value is not None else "")
    if is_link and text.startswith(("http://", "https://")):
        return f'<td><a href="{html.escape(text)}">{html.escape(text)}</a></td>'
    if header == "证据" and text:
        return f"<td><details><summary>展开</summary><pre>{html.escape(text)}</pre></details></td>"
    css = ""
    if text.startswith(BAD_WORDS):
        css = ' class="bad"'
    elif text.startswith(GOOD_WORDS):
        css = ' class="good"'
    return f"<td{css}>{html.escape(text)}</td>"


def render_html(doc: Document) -> str:
    """One self-contained page: inline CSS, no scripts, no external resources."""
    cards = "".join(
        f'<div class="card">{html.escape(label)}<b>{html.escape(value)}</b></div>'
        for label, value in doc.summary
    )
    sections = []
    for table in doc.tables:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
        body = "".join(
            "<tr>"
            + "".join(_html_cell(v, table.headers[i], i in table.link_columns) for i, v in enumerate(row))
            + "</tr>"
            for row in table.rows
        )
        sections.append(
            f"<h2>{html.escape(table.name)}</h2>\n<table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(doc.title)}</title><style>{HTML_STYLE}</style></head>\n<body>\n"
        f'<h1>{html.escape(doc.title)}</h1>\n<div class="cards">{cards}</div>\n'
        + "\n".join(sections)
        + '\n<p style="color:#888;font-size:.8rem">govcheck</p>\n</body></html>\n'
    )


def render(data: dict[str, Any], doc: Document, fmt: str) -> str | bytes:
    """``data`` as JSON, or its Document in another format."""
    if fmt == "json":
        return to_json(data) + "\n"
    if fmt == "markdown":
        return render_markdown(doc)
    if fmt == "xlsx":
        return render_xlsx(doc)
    if fmt == "html":
        return render_html(doc)
    raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
