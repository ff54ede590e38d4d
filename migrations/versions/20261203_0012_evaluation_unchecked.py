"""evaluations.unchecked: the checks a rule could not make on the site, and why (IPv6 from a proxied
runner …); not findings, reported beside them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("evaluations", sa.Column("unchecked", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Not batch mode, as 0004: SQLite ≥ 3.35 drops a column in place.
    op.drop_column("evaluations", "unchecked")
