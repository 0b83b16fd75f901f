"""`socialsched db ...`: schema migrations of the app database."""

from __future__ import annotations

import click

from .context import database


@click.group("db")
def db_group() -> None:
    """Create and migrate the app database."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Create the app database or bring it to the latest schema."""
    from ..store import migrate

    db = database(require_schema=False)
    migrate.upgrade(db.engine, revision)
    click.echo(f"app database at schema {migrate.current_revision(db.engine)}")


@db_group.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Step the schema back to REVISION ('base' drops everything)."""
    from ..store import migrate

    db = database(require_schema=False)
    migrate.downgrade(db.engine, revision)
    click.echo(f"app database at schema {migrate.current_revision(db.engine) or 'base'}")


@db_group.command("current")
def current() -> None:
    """Print the schema revision of the app database."""
    from ..store import migrate

    db = database(require_schema=False)
    click.echo(f"{migrate.current_revision(db.engine) or 'base'} (code: {migrate.head_revision()})")
