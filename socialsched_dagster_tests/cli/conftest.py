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
    )
    return Cli(env)


@pytest.fixture
def accounts(cli) -> Cli:
    """The CLI with one account per platform connected."""
    for platform, external_id, handle in [
        ("instagram", "1784100001", "shop"),
        ("facebook", "1000001", "page"),
        ("youtube", "UC0001", "channel"),
    ]:
        cli.ok(
            "accounts", "add", "--platform", platform, "--external-id", external_id,
            "--handle", handle, "--expires-in", "86400",
            stdin=f"SECRET-ACCESS-{platform}\nSECRET-REFRESH-{platform}\n",
        )  # fmt: skip
    return cli
