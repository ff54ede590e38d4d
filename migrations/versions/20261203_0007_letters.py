"""Letters (网民留言) of consultation columns: posted, status, replied, whether a reply is seen.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("posted", sa.Date(), nullable=True),
        sa.Column("posted_text", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_text", sa.String(length=100), nullable=True),
        sa.Column("replied", sa.Date(), nullable=True),
        sa.Column("replied_text", sa.String(length=100), nullable=True),
        sa.Column("reply_present", sa.Boolean(), nullable=True),
        sa.Column("unit", sa.String(length=200), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("first_seen_crawl_id", sa.Integer(), nullable=True),
        sa.Column("last_seen_crawl_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["column_id"], ["columns.id"], name=op.f("fk_letters_column_id_columns"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["first_seen_crawl_id"],
            ["crawls.id"],
            name=op.f("fk_letters_first_seen_crawl_id_crawls"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["last_seen_crawl_id"],
            ["crawls.id"],
            name=op.f("fk_letters_last_seen_crawl_id_crawls"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
        sa.UniqueConstraint("column_id", "url", name=op.f("uq_letters_column_id_url")),
    )
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letters_column_id"), ["column_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letters_column_id"))
    op.drop_table("letters")
