"""`socialsched demo`: the embedded default end to end, for a first look."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

from .context import cipher, database, settings

REPO_ROOT = Path(__file__).resolve().parents[2]


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=3000, show_default=True, type=int)
@click.option("--seed-only", is_flag=True, help="migrate and seed, do not start Dagster")
def demo_cmd(host: str, port: int, seed_only: bool) -> None:
    """Migrate the embedded database, seed demo accounts and posts, start the Dagster UI."""
    from ..demo.seed import seed_demo
    from ..store import migrate

    s = settings()
    db = database(require_schema=False)
    migrate.upgrade(db.engine)
    counts = seed_demo(db, cipher())
    click.echo(
        f"app database ready; demo: {counts['accounts']} accounts, {counts['posts']} new posts"
    )
    if seed_only:
        return
    home = s.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "SOCIALSCHED_DATABASE_URL": s.database_url}
    click.echo(f"Dagster UI on http://{host}:{port} (Ctrl-C stops everything)")
    command = [
        sys.executable, "-m", "dagster", "dev",
        "-w", str(REPO_ROOT / "workspace.yaml"), "-h", host, "-p", str(port),
    ]  # fmt: skip
    # The UI and the daemon run in the foreground until interrupted.
    raise SystemExit(subprocess.call(command, env=env, cwd=REPO_ROOT))
