"""Views for analysts (docs/sql.md): verdicts, findings with their history, stale columns, broken links,
availability.

Plain SQL that PostgreSQL and SQLite share, except date differences and host extraction, which
each dialect writes its own way. No table changes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:12:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VIEWS = (
    "v_site_verdicts",
    "v_findings_history",
    "v_stale_columns",
    "v_broken_links",
    "v_availability",
)


def _days(later: str, earlier: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _host(url: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"lower(split_part(split_part(split_part({url}, '//', 2), '/', 1), ':', 1))"
    rest = f"substr({url}, instr({url}, '//') + 2)"
    hostport = (
        f"CASE WHEN instr({rest}, '/') > 0 THEN substr({rest}, 1, instr({rest}, '/') - 1) ELSE {rest} END"
    )
    return f"lower(CASE WHEN instr({hostport}, ':') > 0 THEN substr({hostport}, 1, instr({hostport}, ':') - 1) ELSE {hostport} END)"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(
        """
        CREATE VIEW v_site_verdicts AS
        SELECT e.id AS evaluation_id, s.id AS site_id, s.site_code, s.name, s.host, s.region, s.is_portal,
               e.round, e.as_of, e.verdict, e.reason, e.score, e.summary, e.rulebook,
               (SELECT COUNT(*) FROM findings f WHERE f.evaluation_id = e.id) AS finding_count,
               (SELECT COUNT(*) FROM findings f WHERE f.evaluation_id = e.id AND f.veto) AS veto_count
        FROM evaluations e JOIN sites s ON s.id = e.site_id
        """
    )
    # One row per finding; subject = what the finding is about (column URL, target URL, footer item);
    # first_seen / last_seen span every evaluation of the site with the same code and subject.
    op.execute(
        """
        CREATE VIEW v_findings_history AS
        SELECT x.*,
               MIN(x.as_of) OVER (PARTITION BY x.site_id, x.code, x.subject) AS first_seen,
               MAX(x.as_of) OVER (PARTITION BY x.site_id, x.code, x.subject) AS last_seen,
               COUNT(*) OVER (PARTITION BY x.site_id, x.code, x.subject) AS times_seen
        FROM (
            SELECT f.id AS finding_id, e.id AS evaluation_id, s.id AS site_id, s.site_code, s.name, s.host,
                   s.region, e.round, e.as_of, e.verdict, f.code, f.veto, f.column_name, f.column_url, f.url,
                   f.item, f.scope, f.threshold_days, f.newest, f.message,
                   COALESCE(f.column_url, f.column_name, f.item, f.url, '') AS subject
            FROM findings f
            JOIN evaluations e ON e.id = f.evaluation_id
            JOIN sites s ON s.id = e.site_id
        ) x
        """
    )
    op.execute(
        f"""
        CREATE VIEW v_stale_columns AS
        SELECT e.round, e.as_of, s.site_code, s.name, s.host, s.region, f.column_name, f.column_url,
               f.threshold_days, f.newest, {_days("e.as_of", "f.newest", dialect)} AS days_since_newest
        FROM findings f
        JOIN evaluations e ON e.id = f.evaluation_id
        JOIN sites s ON s.id = e.site_id
        WHERE f.code = 'column_stale'
        """
    )
    op.execute(
        f"""
        CREATE VIEW v_broken_links AS
        SELECT c.round, c.as_of, s.site_code, s.name, s.host, l.source_url, l.target_url,
               {_host("l.target_url", dialect)} AS target_host, l.tag, l.on_homepage, l.external,
               k.status, k.error, k.method
        FROM links l
        JOIN link_checks k ON k.crawl_id = l.crawl_id AND k.url = l.target_url
        JOIN crawls c ON c.id = l.crawl_id
        JOIN sites s ON s.id = c.site_id
        WHERE k.outcome = 'broken'
        """
    )
    # Days are Asia/Shanghai days, as the official one-week monitoring counts them.
    if dialect == "postgresql":
        day = "CAST(p.probed_at AT TIME ZONE 'Asia/Shanghai' AS DATE)"
    else:
        day = "date(p.probed_at, '+8 hours')"
    op.execute(
        f"""
        CREATE VIEW v_availability AS
        SELECT s.site_code, s.name, s.host, {day} AS day, COUNT(*) AS probes,
               SUM(CASE WHEN p.ok THEN 0 ELSE 1 END) AS failed
        FROM probes p JOIN sites s ON s.id = p.site_id
        GROUP BY s.site_code, s.name, s.host, {day}
        """
    )


def downgrade() -> None:
    for view in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {view}")
