"""article_checks: the article pages a crawl read for their 网页设计规范 metas (ArticleTitle, PubDate,
ContentSource, …), with the ones each lacked (meta_tags_missing, GOVCHECK_ARTICLE_META_CHECK).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("column_url", sa.String(length=1000), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("missing_metas", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["crawl_id"], ["crawls.id"], name=op.f("fk_article_checks_crawl_id_crawls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_checks")),
        sa.UniqueConstraint("crawl_id", "url", name=op.f("uq_article_checks_crawl_id_url")),
    )
    with op.batch_alter_table("article_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_checks_crawl_id"), ["crawl_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("article_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_checks_crawl_id"))
    op.drop_table("article_checks")
