"""Runs the `socialsched` console script as a user would: a real process, real environment."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "socialsched"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def all(self) -> str:
        return self.out + self.err


@dataclass
class Cli:
    env: dict[str, str]

    def __call__(self, *args: str, stdin: str | None = None, env: dict | None = None) -> Result:
        proc = subprocess.run(
            [str(SCRIPT), *args],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            timeout=120,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str, **kwargs) -> Result:
        result = self(*args, **kwargs)
        assert result.code == 0, f"socialsched {' '.join(args)} failed:\n{result.all}"
        return result


@pytest.fixture
def cli(db_url, tmp_path, token_key) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOCIALSCHED_", "DAGSTER_"))}
    env.update(
        SOCIALSCHED_HOME=str(tmp_path / "home"),
        SOCIALSCHED_DATABASE_URL=db_url,
        SOCIALSCHED_TOKEN_KEY=token_key,
        # The suite's stand-in media hosts (set by the top conftest), given back explicitly.
        SOCIALSCHED_MEDIA_STAND_IN_HOSTS=os.environ["SOCIALSCHED_MEDIA_STAND_IN_HOSTS"],
    )
    return Cli(env)


@pytest.fixture
def accounts(cli, db_url, cipher) -> Cli:
    """The CLI with one account per platform connected (directly through the store: `accounts
    add` itself is tested through the CLI in test_accounts_cli.py)."""
    from datetime import timedelta

    from socialsched_dagster.domain.platforms import Platform
    from socialsched_dagster.store.accounts import add_account
    from socialsched_dagster.store.database import Database
    from socialsched_dagster.store.models import utcnow

    db = Database(db_url)

    def work(s):
        for platform, external_id, handle in [
            (Platform.INSTAGRAM, "1784100001", "shop"),
            (Platform.FACEBOOK, "1000001", "page"),
            (Platform.YOUTUBE, "UC0001", "channel"),
        ]:
            add_account(
                s, cipher, platform=platform, external_id=external_id, handle=handle,
                access_token=f"SECRET-ACCESS-{platform.value}",
                refresh_token=f"SECRET-REFRESH-{platform.value}",
                expires_at=utcnow() + timedelta(seconds=86400),
            )  # fmt: skip

    db.transaction(work)
    db.dispose()
    return cli


@pytest.fixture
def api_settings_for(tmp_path, token_key):
    """An API server on a database the CLI wrote to: `with api_settings_for(url) as base:`."""
    import contextlib

    from socialsched_dagster.api.app import create_app
    from socialsched_dagster.settings import load_settings
    from socialsched_dagster.store.database import Database

    from ..api.server import ApiServer

    @contextlib.contextmanager
    def serve(db_url):
        settings = load_settings(
            {"SOCIALSCHED_HOME": str(tmp_path / "home"), "SOCIALSCHED_DATABASE_URL": db_url,
             "SOCIALSCHED_TOKEN_KEY": token_key}
        )  # fmt: skip
        db = Database(db_url)
        try:
            with ApiServer(create_app(settings, db=db)) as server:
                yield server.url
        finally:
            db.dispose()

    return serve
