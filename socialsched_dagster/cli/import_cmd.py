"""`socialsched posts import FILE`: validated, all-or-nothing CSV import."""

from __future__ import annotations

from pathlib import Path

import click

from .context import database, settings, transaction_seeing_rivals, user_errors, workspace_id


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="validate and report; write nothing")
@click.option("--progress/--no-progress", default=None, help="default: on for a terminal")
@user_errors
def import_cmd(file: Path, dry_run: bool, progress: bool | None):
    """Import posts from a CSV FILE (columns in the README). One bad row imports nothing."""
    import sys

    from rich.progress import Progress

    from ..intake.csv_import import plan_import, read_rows
    from ..intake.media_check import url_problems
    from ..security.public_urls import CachingResolver
    from ..store.models import utcnow
    from ..store.posts import existing_refs, insert_posts, known_accounts

    rows = read_rows(file)
    # One resolver for the file: a thousand rows on one CDN resolve its name once.
    policy, resolver = settings().media_policy, CachingResolver()
    show = sys.stderr.isatty() if progress is None else progress
    with Progress(disable=not show, transient=True) as bar:
        checking = bar.add_task("validating", total=len(rows))

        def work(s):
            ws = workspace_id(s)
            plan = plan_import(
                rows,
                known_accounts=known_accounts(s, ws),
                already_imported=lambda refs: existing_refs(s, refs, ws),
                now=utcnow(),
                check_urls=lambda content: url_problems(content, policy, resolver),
                progress=lambda n: bar.advance(checking, n),
            )
            if not dry_run:
                bar.add_task("writing", total=None)
                insert_posts(s, plan.new, workspace_id=ws, created_by="cli")
            return plan

        # One transaction: validation reads and the insert see the same database, and a
        # failure anywhere leaves nothing behind. If a concurrent import of the same rows wins
        # the race, the second pass reports its rows as already imported.
        plan = transaction_seeing_rivals(database(), work, name="posts import")
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{verb} {len(plan.new)} post(s) ({plan.targets} target(s)) from {plan.rows} row(s); "
        f"{len(plan.unchanged)} already imported"
    )
