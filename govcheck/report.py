"""Reports of stored evaluations: the JSON contract and the bulletin's 附件 table in Markdown."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from govcheck.db.models import Crawl, Evaluation, Finding, Site
from govcheck.db.session import session_factory

VERDICT_WORDS = {"pass": "合格", "fail": "不合格", "unknown": "无法判定"}


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
        return _build(session, as_of, round_name, host)


def _build(session: Session, as_of: dt.date, round_name: str, host: str | None) -> dict[str, Any]:
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
                "findings": [_finding(f) for f in findings],
            }
        )
    return {"as_of": as_of.isoformat(), "round": round_name or None, "sites": sites}


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def to_markdown(report: dict[str, Any]) -> str:
    """The bulletin's 附件 table (网站标识码 | 网站名称 | 首页地址 | 存在的突出问题) plus govcheck's 结果."""
    sites = report["sites"]
    failed = sum(1 for s in sites if s["verdict"] == "fail")
    with_problems = sum(1 for s in sites if s["summary"])
    lines = [
        f"# 政府网站检查情况（监测时间点 {report['as_of']}）",
        "",
        f"检查网站 {len(sites)} 家，发现问题网站 {with_problems} 家，不合格 {failed} 家。",
        "",
        "| 网站标识码 | 网站名称 | 首页地址 | 存在的突出问题 | 结果 |",
        "|---|---|---|---|---|",
    ]
    for site in sites:
        verdict = VERDICT_WORDS[site["verdict"]] + (f"（{site['reason']}）" if site["reason"] else "")
        lines.append(
            f"| {_cell(site['site_code'])} | {_cell(site['name'])} | {_cell(site['host'])} | {_cell(site['summary']) or '无'} | {verdict} |"
        )
    return "\n".join(lines) + "\n"
