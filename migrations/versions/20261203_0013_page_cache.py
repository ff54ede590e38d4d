"""Each page's newest full answer with its validators (``page_cache``): the next round sends them
(If-None-Match, If-Modified-Since) and a 304 hands the crawl the stored body (govcheck/pagecache_middleware.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("etag", sa.String(length=200), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("round", sa.String(length=100), nullable=False),
        sa.Column("fetched_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_cache")),
        sa.UniqueConstraint("url", name=op.f("uq_page_cache_url")),
    )


def downgrade() -> None:
    op.drop_table("page_cache")
