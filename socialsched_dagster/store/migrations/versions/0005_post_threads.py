"""Threads of posts: a post's further segments, and each target's progress through them; the
estimated cost of a target on a platform that charges per post.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("thread", sa.JSON(), nullable=True))
    with op.batch_alter_table("post_targets") as batch:
        batch.add_column(sa.Column("segment_ids", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("segments_done", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("cost_usd", sa.Float(), nullable=True))
    op.create_index(
        "ix_post_targets_spend", "post_targets", ["status", "published_at", "account_id"],
        postgresql_where=sa.text("cost_usd IS NOT NULL"),
        sqlite_where=sa.text("cost_usd IS NOT NULL"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_post_targets_spend", "post_targets")
    with op.batch_alter_table("post_targets") as batch:
        batch.drop_column("cost_usd")
        batch.drop_column("segments_done")
        batch.drop_column("segment_ids")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("thread")
