"""What every command needs: settings, the database, the token cipher, and error reporting."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from ..settings import Settings, load_settings


class CliError(click.ClickException):
    """An error the user can act on: printed as one clear line, exit code 1."""


def settings() -> Settings:
    try:
        return load_settings()
    except ValueError as exc:  # a malformed setting: one line naming it, not a traceback
        raise CliError(str(exc)) from None


def database(*, require_schema: bool = True):
    """The app database. Only `db upgrade` (require_schema=False) may create one: any other
    command that finds none says which one it looked for, instead of creating an empty
    database wherever it happens to run."""
    from sqlalchemy.engine import make_url

    from ..store import migrate
    from ..store.database import get_database

    url = settings().database_url
    where = make_url(url).render_as_string(hide_password=True)
    if require_schema and _missing_sqlite_file(url):
        raise CliError(
            f"no app database at {where}: run `socialsched db upgrade` to create it there, "
            "or point SOCIALSCHED_DATABASE_URL (or SOCIALSCHED_HOME) at the one you use"
        )
    db = get_database(url)
    if require_schema:
        current, head = migrate.current_revision(db.engine), migrate.head_revision()
        if current != head:
            raise CliError(
                f"the app database {where} is at schema {current or 'none'}, the code needs "
                f"{head}: run `socialsched db upgrade`"
            )
    return db


def _missing_sqlite_file(url: str) -> bool:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return False
    return not Path(parsed.database).exists()


def workspace_name() -> str:
    """`socialsched --workspace NAME ...`, else SOCIALSCHED_WORKSPACE, else `default`."""
    ctx = click.get_current_context(silent=True)
    chosen = ctx.find_root().params.get("workspace") if ctx else None
    return (chosen or settings().workspace).strip().lower()


def workspace_id(session) -> int:
    """The id of the workspace the command works on; a name that is none is an error, never
    a silent fallback to another workspace."""
    from ..teams.workspaces import WorkspaceError, get_workspace

    try:
        return get_workspace(session, workspace_name()).id
    except WorkspaceError as exc:
        raise CliError(str(exc)) from None


def cipher():
    from ..security.token_cipher import TokenCipher

    s = settings()
    return TokenCipher.from_config(s.token_key, s.token_key_file)


def user_errors(fn: Callable) -> Callable:
    """Turn the domain's ValueErrors into clean CLI errors instead of tracebacks.

    A database refusal that validation should have caught first still gets one line, not
    the driver's text (which quotes the SQL and the row)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from sqlalchemy.exc import DataError, IntegrityError

        from ..security.token_cipher import TokenKeyError

        try:
            return fn(*args, **kwargs)
        except (ValueError, TokenKeyError) as exc:
            raise CliError(str(exc)) from None
        except IntegrityError:
            raise CliError(
                "the database refused the change because it conflicts with data written at the "
                "same time; nothing was written: run the command again"
            ) from None
        except DataError:
            raise CliError(
                "the database refused a value (too long, or a character it cannot store); "
                "nothing was written"
            ) from None

    return wrapper


def transaction_seeing_rivals(db, work: Callable, *, name: str):
    """`db.transaction(work)`, run once more if another command committed a conflicting row
    (the same ref, the same handle) between our checks and our insert: `work` then sees that
    row and answers as if it had been there all along ("already imported", "already exists"),
    instead of the loser of a race printing an IntegrityError."""
    from sqlalchemy.exc import IntegrityError

    try:
        return db.transaction(work, name=name)
    except IntegrityError:
        return db.transaction(work, name=name)


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=_json_default)
    sys.stdout.write("\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def parse_when(text: str | None, label: str) -> datetime | None:
    """An absolute time for filters: ISO 8601 with offset, or UTC if none is given."""
    if not text:
        return None
    from ..domain.scheduling import UTC

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CliError(
            f"{label}: cannot read {text!r}; use ISO 8601, e.g. 2026-12-01T09:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
