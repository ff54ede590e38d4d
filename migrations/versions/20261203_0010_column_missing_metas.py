"""The 网页设计规范 metas (ColumnName, ColumnType, …) a column page lacked at a crawl (meta_tags_missing).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("column_checks", sa.Column("missing_metas", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Not batch mode, as 0004: SQLite ≥ 3.35 drops a column in place.
    op.drop_column("column_checks", "missing_metas")
