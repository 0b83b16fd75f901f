"""Workspaces: every account and post belongs to one; API keys, approvals, the audit log,
idempotent API answers, event webhooks and OAuth authorizations in flight.

Everything that existed before belongs to the workspace `default` (id 1), which the CLI keeps
working on unless told otherwise.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from socialsched_dagster.store.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _id() -> sa.Column:
    return sa.Column("id", BigId, primary_key=True)


def _workspace(nullable: bool = False, **kw) -> sa.Column:
    return sa.Column(
        "workspace_id",
        BigId,
        sa.ForeignKey("workspaces.id", name=kw.pop("fk_name")),
        nullable=nullable,
        **kw,
    )


def upgrade() -> None:
    op.create_table(
        "workspaces",
        _id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("require_approval", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspaces"),
        sa.UniqueConstraint("name", name="uq_workspaces_name"),
    )
    op.execute(
        sa.text(
            "INSERT INTO workspaces (id, name, require_approval, created_at) "
            "VALUES (1, 'default', false, CURRENT_TIMESTAMP)"
        )
    )
    if op.get_bind().dialect.name == "postgresql":
        # The row above was given its id by hand: the sequence must not hand out 1 again.
        op.execute(sa.text("SELECT setval(pg_get_serial_sequence('workspaces', 'id'), 1)"))

    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            _workspace(server_default="1", fk_name="fk_accounts_workspace_id_workspaces")
        )
        batch.drop_constraint("uq_accounts_platform_handle_key", type_="unique")
        batch.create_unique_constraint(
            "uq_accounts_workspace_id_platform_handle_key",
            ["workspace_id", "platform", "handle_key"],
        )
    op.create_index("ix_accounts_workspace_id", "accounts", ["workspace_id"])

    with op.batch_alter_table("posts") as batch:
        batch.add_column(_workspace(server_default="1", fk_name="fk_posts_workspace_id_workspaces"))
        batch.add_column(sa.Column("created_by", sa.String(128), nullable=True))
        batch.add_column(sa.Column("approval", sa.String(16), nullable=True))
        batch.add_column(sa.Column("approval_comment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.String(128), nullable=True))
        batch.add_column(sa.Column("decided_at", UTCDateTime(), nullable=True))
        batch.drop_constraint("uq_posts_external_ref", type_="unique")
        batch.create_unique_constraint(
            "uq_posts_workspace_id_external_ref", ["workspace_id", "external_ref"]
        )
    op.create_index(
        "ix_posts_workspace_id_scheduled_at_id", "posts", ["workspace_id", "scheduled_at", "id"]
    )
    op.create_index("ix_post_targets_updated_at", "post_targets", ["updated_at"])

    op.create_table(
        "api_keys",
        _id(),
        _workspace(fk_name="fk_api_keys_workspace_id_workspaces"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("signing_secret_enc", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),
    )
    op.create_index("ix_api_keys_workspace_id", "api_keys", ["workspace_id"])

    op.create_table(
        "audit_log",
        _id(),
        _workspace(fk_name="fk_audit_log_workspace_id_workspaces"),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_workspace_id_id", "audit_log", ["workspace_id", "id"])

    op.create_table(
        "idempotent_responses",
        _id(),
        _workspace(fk_name="fk_idempotent_responses_workspace_id_workspaces"),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_idempotent_responses"),
        sa.UniqueConstraint("workspace_id", "key", name="uq_idempotent_responses_workspace_id_key"),
    )

    op.create_table(
        "webhooks",
        _id(),
        _workspace(fk_name="fk_webhooks_workspace_id_workspaces"),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks"),
    )
    op.create_index("ix_webhooks_workspace_id", "webhooks", ["workspace_id"])

    op.create_table(
        "webhook_events",
        _id(),
        _workspace(fk_name="fk_webhook_events_workspace_id_workspaces"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("dedupe_key", sa.String(128), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=True),
        sa.Column("target_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_events"),
        sa.UniqueConstraint("dedupe_key", name="uq_webhook_events_dedupe_key"),
    )
    op.create_index("ix_webhook_events_workspace_id_id", "webhook_events", ["workspace_id", "id"])

    op.create_table(
        "webhook_deliveries",
        _id(),
        sa.Column(
            "webhook_id",
            BigId,
            sa.ForeignKey(
                "webhooks.id", name="fk_webhook_deliveries_webhook_id_webhooks", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column(
            "event_id",
            BigId,
            sa.ForeignKey(
                "webhook_events.id",
                name="fk_webhook_deliveries_event_id_webhook_events",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("replay_of", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("attempt_log", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
    )
    op.create_index(
        "uq_webhook_deliveries_webhook_id_event_id",
        "webhook_deliveries",
        ["webhook_id", "event_id"],
        unique=True,
        postgresql_where=sa.text("replay_of IS NULL"),
        sqlite_where=sa.text("replay_of IS NULL"),
    )
    op.create_index(
        "ix_webhook_deliveries_status_next_attempt_at",
        "webhook_deliveries",
        ["status", "next_attempt_at"],
    )
    op.create_index(
        "ix_webhook_deliveries_webhook_id_id", "webhook_deliveries", ["webhook_id", "id"]
    )

    op.create_table(
        "oauth_states",
        sa.Column("state_hash", sa.String(64), nullable=False),
        _workspace(fk_name="fk_oauth_states_workspace_id_workspaces"),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("session_hash", sa.String(64), nullable=False),
        sa.Column("verifier_enc", sa.Text(), nullable=True),
        sa.Column("handle", sa.String(128), nullable=True),
        sa.Column("server_url", sa.String(2048), nullable=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("state_hash", name="pk_oauth_states"),
    )
    op.create_table(
        "oauth_clients",
        _id(),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("server_url", sa.String(2048), nullable=False),
        sa.Column("redirect_uri", sa.String(2048), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("client_secret_enc", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oauth_clients"),
        sa.UniqueConstraint(
            "platform",
            "server_url",
            "redirect_uri",
            name="uq_oauth_clients_platform_server_url_redirect_uri",
        ),
    )


def downgrade() -> None:
    for table in (
        "oauth_clients",
        "oauth_states",
        "webhook_deliveries",
        "webhook_events",
        "webhooks",
        "idempotent_responses",
        "audit_log",
        "api_keys",
    ):
        op.drop_table(table)
    op.drop_index("ix_post_targets_updated_at", "post_targets")
    op.drop_index("ix_posts_workspace_id_scheduled_at_id", "posts")
    with op.batch_alter_table("posts") as batch:
        batch.drop_constraint("uq_posts_workspace_id_external_ref", type_="unique")
        batch.create_unique_constraint("uq_posts_external_ref", ["external_ref"])
        batch.drop_constraint("fk_posts_workspace_id_workspaces", type_="foreignkey")
        for column in (
            "decided_at",
            "decided_by",
            "approval_comment",
            "approval",
            "created_by",
            "workspace_id",
        ):
            batch.drop_column(column)
    op.drop_index("ix_accounts_workspace_id", "accounts")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("uq_accounts_workspace_id_platform_handle_key", type_="unique")
        batch.create_unique_constraint(
            "uq_accounts_platform_handle_key", ["platform", "handle_key"]
        )
        batch.drop_constraint("fk_accounts_workspace_id_workspaces", type_="foreignkey")
        batch.drop_column("workspace_id")
    op.drop_table("workspaces")
