"""Initial schema: accounts, oauth_tokens, posts, post_targets, publish_attempts.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 09:50:05.298363
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import socialsched_dagster.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("handle", sa.String(length=128), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("publishing_quota", sa.Integer(), nullable=True),
        sa.Column("created_at", socialsched_dagster.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", socialsched_dagster.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint(
            "platform", "external_id", name=op.f("uq_accounts_platform_external_id")
        ),
        sa.UniqueConstraint("platform", "handle", name=op.f("uq_accounts_platform_handle")),
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=False),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("scheduled_at", socialsched_dagster.store.types.UTCDateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("external_ref", sa.String(length=255), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", socialsched_dagster.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", socialsched_dagster.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.UniqueConstraint("external_ref", name=op.f("uq_posts_external_ref")),
    )
    op.create_table(
        "oauth_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("access_token_enc", sa.Text(), nullable=False),
        sa.Column("refresh_token_enc", sa.Text(), nullable=True),
        sa.Column("expires_at", socialsched_dagster.store.types.UTCDateTime(), nullable=True),
        sa.Column("issued_at", socialsched_dagster.store.types.UTCDateTime(), nullable=False),
        sa.Column("refreshed_at", socialsched_dagster.store.types.UTCDateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", socialsched_dagster.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_oauth_tokens_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_tokens")),
        sa.UniqueConstraint("account_id", name=op.f("uq_oauth_tokens_account_id")),
    )
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_tokens_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "post_targets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("due_at", socialsched_dagster.store.types.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", socialsched_dagster.store.types.UTCDateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", socialsched_dagster.store.types.UTCDateTime(), nullable=True),
        sa.Column("container_id", sa.String(length=255), nullable=True),
        sa.Column("external_post_id", sa.String(length=255), nullable=True),
        sa.Column("error_kind", sa.String(length=32), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("published_at", socialsched_dagster.store.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", socialsched_dagster.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", socialsched_dagster.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_post_targets_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_post_targets_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_targets")),
        sa.UniqueConstraint(
            "post_id", "account_id", name=op.f("uq_post_targets_post_id_account_id")
        ),
    )
    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_post_targets_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index("ix_post_targets_due", ["status", "platform", "due_at"], unique=False)
        batch_op.create_index("ix_post_targets_lease", ["status", "lease_until"], unique=False)
        batch_op.create_index("ix_post_targets_due_at_id", ["due_at", "id"], unique=False)

    op.create_table(
        "publish_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "target_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", socialsched_dagster.store.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", socialsched_dagster.store.types.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("error_kind", sa.String(length=32), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["post_targets.id"],
            name=op.f("fk_publish_attempts_target_id_post_targets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publish_attempts")),
    )
    with op.batch_alter_table("publish_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publish_attempts_finished_at"), ["finished_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_publish_attempts_target_id"), ["target_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("publish_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publish_attempts_target_id"))
        batch_op.drop_index(batch_op.f("ix_publish_attempts_finished_at"))

    op.drop_table("publish_attempts")
    with op.batch_alter_table("post_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_post_targets_due_at_id")
        batch_op.drop_index("ix_post_targets_lease")
        batch_op.drop_index("ix_post_targets_due")
        batch_op.drop_index(batch_op.f("ix_post_targets_account_id"))

    op.drop_table("post_targets")
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_tokens_expires_at"))

    op.drop_table("oauth_tokens")
    op.drop_table("posts")
    op.drop_table("accounts")
