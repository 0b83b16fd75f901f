"""The `socialsched` command. Sub-commands import their heavy dependencies lazily so that
`socialsched --help` and quick commands start fast."""

from __future__ import annotations

import logging

import click

from .accounts_cmd import accounts_group
from .api_cmd import api_group
from .bench_cmd import bench_group
from .db_cmd import db_group
from .demo_cmd import demo_cmd
from .metrics_cmd import metrics_group
from .posts_cmd import posts_group
from .sandbox_cmd import sandbox_group
from .teams_cmd import keys_group, workspaces_group


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="log at INFO (default WARNING)")
@click.option(
    "--workspace",
    default=None,
    metavar="NAME",
    help="the workspace to work on (default: SOCIALSCHED_WORKSPACE, else `default`)",
)
def cli(verbose: bool, workspace: str | None) -> None:
    """Publish scheduled social-media posts with Dagster."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


cli.add_command(db_group)
cli.add_command(accounts_group)
cli.add_command(posts_group)
cli.add_command(demo_cmd)
cli.add_command(sandbox_group)
cli.add_command(bench_group)
cli.add_command(metrics_group)
cli.add_command(workspaces_group)
cli.add_command(keys_group)
cli.add_command(api_group)
