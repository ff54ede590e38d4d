"""The round-wide link-check cache without Redis (table ``link_cache``), the evidence of a link check
taken from it (``link_checks.checked_by`` and ``checked_at``: the site whose crawl fetched it, and when),
and each site's newest own check of a target with its validators (``link_validators``: ETag,
Last-Modified), which the next round's check sends as a conditional request.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=True),
        sa.Column("checked_by", sa.String(length=255), nullable=False),
        sa.Column("checked_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_cache")),
        sa.UniqueConstraint("round", "url", name=op.f("uq_link_cache_round_url")),
    )
    op.create_table(
        "link_validators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("etag", sa.String(length=200), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=True),
        sa.Column("round", sa.String(length=100), nullable=False),
        sa.Column("checked_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_validators")),
        sa.UniqueConstraint("host", "url", name=op.f("uq_link_validators_host_url")),
    )
    # Plain ADD COLUMN (no table rebuild): the analyst views reading link_checks stay as they are.
    op.add_column("link_checks", sa.Column("checked_by", sa.String(length=255), nullable=True))
    op.add_column("link_checks", sa.Column("checked_at", sa.TIMESTAMP(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("link_checks", "checked_at")
    op.drop_column("link_checks", "checked_by")
    op.drop_table("link_validators")
    op.drop_table("link_cache")
