"""An index on ``page_cache.host``: a site's finished crawl prunes its rows it no longer fetched
(govcheck/pagecache_store.py ``PageStore.prune``), reading that site's rows only.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("page_cache", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_cache_host"), ["host"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("page_cache", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_cache_host"))
