"""``entries.date_evidence``: how an entry's date was read when not from a page downloaded now (a page
the site's XML sitemap called unchanged, read from the page cache's store: when that page was stored,
and the sitemap's lastmod); findings built on the entry carry it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("date_evidence", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_column("date_evidence")
