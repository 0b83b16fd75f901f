"""`socialsched posts backfill`: re-publish missed posts of a platform over a time range."""

from __future__ import annotations

import click

from .choices import PLATFORM_NAMES
from .context import CliError, parse_when, user_errors


@click.command("backfill")
@click.option("--platform", required=True, type=PLATFORM_NAMES)
@click.option("--from", "start", required=True, help="first due time (ISO 8601, UTC default)")
@click.option("--to", "end", required=True, help="end of the range (exclusive)")
@click.option("--ui-url", default="http://127.0.0.1:3000", show_default=True,
              envvar="SOCIALSCHED_UI_BASE_URL", help="the Dagster webserver")  # fmt: skip
@click.option("--wait/--no-wait", default=False, help="wait until the backfill has finished")
@user_errors
def backfill_cmd(platform, start, end, ui_url, wait):
    """Launch a Dagster backfill of PLATFORM's hourly windows between --from and --to.

    One run publishes the windows' missed and still-scheduled posts, once each; published posts
    are left alone. Follow it in the UI at the printed link."""
    from ..operations.backfill import BackfillError, launch
    from ..operations.backfill import wait as wait_for

    try:
        backfill = launch(ui_url, platform, parse_when(start, "--from"), parse_when(end, "--to"))
        click.echo(
            f"backfill {backfill.backfill_id}: {platform}_posts over {len(backfill.partitions)} "
            f"window(s) {backfill.partitions[0]} .. {backfill.partitions[-1]}\n  {backfill.url}"
        )
        if wait:
            click.echo(f"finished: {wait_for(ui_url, backfill.backfill_id)}")
    except BackfillError as exc:
        raise CliError(str(exc)) from None
