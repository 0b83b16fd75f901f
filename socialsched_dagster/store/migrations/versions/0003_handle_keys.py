"""Handles are unique regardless of spelling: `Shop`, `shop` and `@shop` are one account.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from socialsched_dagster.domain.handles import handle_key

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("handle_key", sa.String(length=128), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, platform, handle FROM accounts")).all()
    spellings: dict[tuple[str, str], list[str]] = defaultdict(list)
    for account_id, platform, handle in rows:
        key = handle_key(handle)
        spellings[(platform, key)].append(handle)
        conn.execute(
            sa.text("UPDATE accounts SET handle_key = :key WHERE id = :id"),
            {"key": key, "id": account_id},
        )
    clashes = [
        f"{platform}: {', '.join(sorted(names))}"
        for (platform, _), names in spellings.items()
        if len(names) > 1
    ]
    if clashes:
        # Picking one silently would send the other's posts to it: a person decides.
        raise RuntimeError(
            "these accounts differ only in the case or spelling of their handle, so a post "
            f"could reach the wrong one: {'; '.join(clashes)}. Disable and rename one (SQL: "
            "UPDATE accounts SET handle = 'new_name' WHERE id = ...), then upgrade again"
        )
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column("handle_key", existing_type=sa.String(length=128), nullable=False)
        batch.drop_constraint("uq_accounts_platform_handle", type_="unique")
        batch.create_unique_constraint(
            "uq_accounts_platform_handle_key", ["platform", "handle_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("uq_accounts_platform_handle_key", type_="unique")
        batch.create_unique_constraint("uq_accounts_platform_handle", ["platform", "handle"])
        batch.drop_column("handle_key")
