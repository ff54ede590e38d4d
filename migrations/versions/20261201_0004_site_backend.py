"""The registry's backend group of a site (sites sharing one 集约化 platform or server).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 17:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("backend", sa.String(length=100), nullable=True))


def downgrade() -> None:
    # Not batch mode: rebuilding `sites` on SQLite fails on the analyst views that read it, and
    # SQLite ≥ 3.35 drops a column in place.
    op.drop_column("sites", "backend")
