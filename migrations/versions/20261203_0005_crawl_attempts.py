"""Crawl attempts: a re-crawl of a (round, site) is a new crawls row numbered within it, so a killed
re-crawl leaves the finished attempt before it intact. Existing rows become attempt 1.

The analyst view v_broken_links reads the current attempt only (the newest finished one of its round
and site, the one evaluations use); v_crawl_attempts lists every attempt with its status.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The newest finished attempt of its (round, site): `c` is the attempt, `n` any other.
CURRENT = """c.status = 'finished' AND NOT EXISTS (
    SELECT 1 FROM crawls n
    WHERE n.round = c.round AND n.site_id = c.site_id AND n.status = 'finished' AND n.attempt > c.attempt
)"""


def _host(url: str, dialect: str) -> str:
    # As in revision 0003 (a migration keeps its own copy: later code must not change what it created).
    if dialect == "postgresql":
        return f"lower(split_part(split_part(split_part({url}, '//', 2), '/', 1), ':', 1))"
    rest = f"substr({url}, instr({url}, '//') + 2)"
    hostport = (
        f"CASE WHEN instr({rest}, '/') > 0 THEN substr({rest}, 1, instr({rest}, '/') - 1) ELSE {rest} END"
    )
    return f"lower(CASE WHEN instr({hostport}, ':') > 0 THEN substr({hostport}, 1, instr({hostport}, ':') - 1) ELSE {hostport} END)"


def _broken_links(dialect: str, *, current_only: bool) -> str:
    return f"""
        CREATE VIEW v_broken_links AS
        SELECT c.round, c.as_of, s.site_code, s.name, s.host, l.source_url, l.target_url,
               {_host("l.target_url", dialect)} AS target_host, l.tag, l.on_homepage, l.external,
               k.status, k.error, k.method
        FROM links l
        JOIN link_checks k ON k.crawl_id = l.crawl_id AND k.url = l.target_url
        JOIN crawls c ON c.id = l.crawl_id
        JOIN sites s ON s.id = c.site_id
        WHERE k.outcome = 'broken'{f" AND {CURRENT}" if current_only else ""}
        """


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # SQLite rebuilds `crawls` to change its constraints; a view reading it would block the rebuild.
    op.execute("DROP VIEW v_broken_links")
    with op.batch_alter_table("crawls") as batch:
        batch.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("attempt_key", sa.String(length=32), nullable=True))
    op.execute("UPDATE crawls SET attempt_key = 'legacy-' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table("crawls") as batch:
        batch.alter_column(
            "attempt", server_default=None, existing_type=sa.Integer(), existing_nullable=False
        )
        batch.alter_column("attempt_key", nullable=False, existing_type=sa.String(length=32))
        batch.drop_constraint("uq_crawls_round_site_id", type_="unique")
        batch.create_unique_constraint("uq_crawls_round_site_id_attempt", ["round", "site_id", "attempt"])
        batch.create_unique_constraint("uq_crawls_attempt_key", ["attempt_key"])
    op.execute(_broken_links(dialect, current_only=True))
    op.execute(
        f"""
        CREATE VIEW v_crawl_attempts AS
        SELECT c.id AS crawl_id, s.id AS site_id, s.site_code, s.name, s.host, c.round, c.attempt, c.as_of,
               c.status, c.started_at, c.finished_at, c.homepage_status,
               (SELECT COUNT(*) FROM pages p WHERE p.crawl_id = c.id) AS pages,
               CASE WHEN {CURRENT} THEN 1 ELSE 0 END AS is_current
        FROM crawls c JOIN sites s ON s.id = c.site_id
        """
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW v_crawl_attempts")
    op.execute("DROP VIEW v_broken_links")
    # One row per (round, site) again: keep the current attempt (else the newest) and drop the others.
    op.execute(
        f"""
        DELETE FROM crawls WHERE id NOT IN (
            SELECT COALESCE(
                (SELECT c.id FROM crawls c WHERE c.round = g.round AND c.site_id = g.site_id AND {CURRENT}),
                (SELECT MAX(c.id) FROM crawls c WHERE c.round = g.round AND c.site_id = g.site_id)
            )
            FROM (SELECT DISTINCT round, site_id FROM crawls) g
        )
        """
    )
    # SQLite migrates with foreign keys off: remove what the dropped attempts' cascades would have.
    for table in ("pages", "links", "link_checks", "column_checks"):
        op.execute(f"DELETE FROM {table} WHERE crawl_id NOT IN (SELECT id FROM crawls)")
    op.execute("UPDATE evaluations SET crawl_id = NULL WHERE crawl_id NOT IN (SELECT id FROM crawls)")
    with op.batch_alter_table("crawls") as batch:
        batch.drop_constraint("uq_crawls_attempt_key", type_="unique")
        batch.drop_constraint("uq_crawls_round_site_id_attempt", type_="unique")
        batch.create_unique_constraint("uq_crawls_round_site_id", ["round", "site_id"])
        batch.drop_column("attempt_key")
        batch.drop_column("attempt")
    op.execute(_broken_links(dialect, current_only=False))
