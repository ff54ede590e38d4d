"""service_pages: the pages of service columns (办事/服务/指南) a crawl read, with their attachments and
online-system links and, for a 办事指南, the key element classes it shows or misses.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("column_url", sa.String(length=1000), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("elements", sa.JSON(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["crawl_id"], ["crawls.id"], name=op.f("fk_service_pages_crawl_id_crawls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_pages")),
        sa.UniqueConstraint("crawl_id", "url", name=op.f("uq_service_pages_crawl_id_url")),
    )
    with op.batch_alter_table("service_pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_pages_crawl_id"), ["crawl_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_pages_crawl_id"))
    op.drop_table("service_pages")
