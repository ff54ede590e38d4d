"""v_availability leaves out probes taken while the inspector's own network was down (error
``inspector_network (…)``: no reference host answered that probe run), as the evaluator does.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 04:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _create(excluding_inspector_network: bool) -> None:
    # Days are Asia/Shanghai days, as the official one-week monitoring counts them.
    if op.get_bind().dialect.name == "postgresql":
        day = "CAST(p.probed_at AT TIME ZONE 'Asia/Shanghai' AS DATE)"
    else:
        day = "date(p.probed_at, '+8 hours')"
    where = (
        "WHERE p.error IS NULL OR p.error NOT LIKE 'inspector_network%'"
        if excluding_inspector_network
        else ""
    )
    op.execute("DROP VIEW IF EXISTS v_availability")
    op.execute(
        f"""
        CREATE VIEW v_availability AS
        SELECT s.site_code, s.name, s.host, {day} AS day, COUNT(*) AS probes,
               SUM(CASE WHEN p.ok THEN 0 ELSE 1 END) AS failed
        FROM probes p JOIN sites s ON s.id = p.site_id
        {where}
        GROUP BY s.site_code, s.name, s.host, {day}
        """
    )


def upgrade() -> None:
    _create(excluding_inspector_network=True)


def downgrade() -> None:
    _create(excluding_inspector_network=False)
