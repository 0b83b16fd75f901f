"""Never twice, never stuck: the durable "may have been sent" marker, crash counts, token
versions that change only with the token, and publishing-run heartbeats.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import socialsched_dagster.store.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = socialsched_dagster.store.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("post_targets") as batch:
        batch.add_column(sa.Column("maybe_sent_at", UTC(), nullable=True))
        batch.add_column(sa.Column("crash_count", sa.Integer(), nullable=False, server_default="0"))
    # Targets already waiting on a reconcile keep that fact in the new column.
    op.execute(
        "UPDATE post_targets SET maybe_sent_at = updated_at WHERE error_kind = 'unknown_outcome'"
    )
    with op.batch_alter_table("oauth_tokens") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "publishing_runs",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("window_start", UTC(), nullable=False),
        sa.Column("started_at", UTC(), nullable=False),
        sa.Column("alive_until", UTC(), nullable=False),
        sa.Column("finished_at", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_publishing_runs")),
    )
    op.create_index(
        op.f("ix_publishing_runs_platform_window_start_alive_until"),
        "publishing_runs",
        ["platform", "window_start", "alive_until"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_publishing_runs_platform_window_start_alive_until"), table_name="publishing_runs"
    )
    op.drop_table("publishing_runs")
    with op.batch_alter_table("oauth_tokens") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("post_targets") as batch:
        batch.drop_column("crash_count")
        batch.drop_column("maybe_sent_at")
