"""`socialsched posts ...`: schedule, list, cancel and import posts."""

from __future__ import annotations

from datetime import timedelta

import click

from .backfill_cmd import backfill_cmd
from .choices import PLATFORM_NAMES
from .context import (
    CliError,
    database,
    emit_json,
    parse_when,
    settings,
    transaction_seeing_rivals,
    user_errors,
    workspace_id,
)
from .import_cmd import import_cmd

# A post id as the database can hold it: a larger number is refused by click, not the driver.
POST_ID = click.IntRange(1, 2**63 - 1)
STATUSES = click.Choice(
    ["scheduled", "publishing", "published", "failed", "missed", "cancelled", "held"]
)


@click.group("posts")
def posts_group() -> None:
    """Schedule, list, cancel and import posts."""


posts_group.add_command(import_cmd)
posts_group.add_command(backfill_cmd)


@posts_group.command("schedule")
@click.option("--at", "when", required=True, help="local time (ISO 8601) in --tz, or 'now'")
@click.option("--tz", "tz", default="UTC", show_default=True, help="IANA time zone")
@click.option("--account", "accounts", multiple=True, required=True, help="platform:handle")
@click.option("--text", default="", help="caption / message")
@click.option("--title", default="", help="YouTube title")
@click.option("--description", default="", help="YouTube description")
@click.option("--link", default="", help="Facebook link")
@click.option("--media", "media", multiple=True, help="media URL (image:/video: prefix optional)")
@click.option("--ref", "external_ref", default="", help="idempotency key: reuse never duplicates")
@click.option("--owner", default="")
@click.option(
    "--reply",
    "replies",
    multiple=True,
    help="a further post of a thread, in order, each a reply to the one before "
    "(X, Bluesky, Mastodon, Threads)",
)
@user_errors
def schedule(
    when, tz, accounts, text, title, description, link, media, external_ref, owner, replies
):
    """Schedule one post (or a thread of posts, with --reply) to one or more accounts."""
    from ..intake.media_check import url_problems
    from ..intake.post_request import THREAD_BREAK, InvalidPost, parse_post

    for n, reply in enumerate(replies, start=2):
        if not reply.strip():
            raise CliError(f"--reply {n - 1} is empty: give it text, or leave it out")
        if THREAD_BREAK.search(reply):
            # The CSV's segment separator: inside one --reply it would split it in two.
            raise CliError(f"--reply {n - 1}: a line of only --- is not allowed in a reply")
    from ..store.models import utcnow
    from ..store.posts import existing_refs, insert_posts, known_accounts

    policy = settings().media_policy

    fields = {
        "scheduled_at": when,
        "timezone": tz,
        "accounts": " ".join(accounts),
        "text": text,
        "title": title,
        "description": description,
        "link": link,
        "media": " ".join(media),
        "external_ref": external_ref,
        "owner": owner,
        "thread": "\n---\n".join(replies),
    }

    def work(s):
        ws = workspace_id(s)
        try:
            request = parse_post(
                fields,
                known_accounts=known_accounts(s, ws),
                now=utcnow(),
                check_urls=lambda content: url_problems(content, policy),
            )
        except InvalidPost as exc:
            raise CliError(
                "post not scheduled:\n" + "\n".join(f"  {e.field}: {e.reason}" for e in exc.errors)
            ) from None
        stored = existing_refs(s, [request.external_ref], ws).get(request.external_ref)
        if stored is None:
            return insert_posts(s, [request], workspace_id=ws, created_by="cli")[0], request
        digest, stored_at = stored
        moved = when.strip().lower() != "now" and stored_at != request.scheduled_at
        if digest != request.content.fingerprint() or moved:
            # The same key for another post: doing nothing silently would lose the user's
            # change, doing it would break the key's promise. Say so.
            raise CliError(
                f"conflict: ref {request.external_ref!r} was scheduled before with other "
                f"{'content' if not moved else 'time'}; nothing changed (use another --ref, "
                "or cancel the first post)"
            )
        return None, request

    post_id, request = transaction_seeing_rivals(database(), work, name="posts schedule")
    if post_id is None:
        click.echo(f"already scheduled (ref {request.external_ref}); nothing changed")
        return
    local = request.scheduled_at.astimezone(_zone(request.timezone))
    click.echo(
        f"post {post_id} scheduled for {local:%Y-%m-%d %H:%M %Z} "
        f"({request.scheduled_at:%H:%M} UTC) to {len(request.account_ids)} account(s)"
    )


def _zone(name):
    from ..domain.scheduling import zone

    return zone(name)


@posts_group.command("list")
@click.option("--status", "statuses", multiple=True, type=STATUSES)
@click.option("--platform", "platforms", multiple=True, type=PLATFORM_NAMES)
@click.option("--account", "accounts", multiple=True, help="platform:handle")
@click.option("--from", "due_from", default=None, help="due at or after (ISO 8601, UTC default)")
@click.option("--to", "due_to", default=None, help="due before (ISO 8601)")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--cursor", default=None, help="the cursor a previous page printed")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def list_(statuses, platforms, accounts, due_from, due_to, limit, cursor, as_json):
    """List post targets (one per post and account) in due order, a page at a time."""
    from ..store.accounts import AccountRef, get_account
    from ..store.posts import TargetFilter, list_targets

    with database().session() as s:
        ws = workspace_id(s)
        account_ids = tuple(get_account(s, AccountRef.parse(a), ws).id for a in accounts)
        filters = TargetFilter(
            workspace_id=ws,
            statuses=statuses,
            platforms=platforms,
            account_ids=account_ids,
            due_from=parse_when(due_from, "--from"),
            due_to=parse_when(due_to, "--to"),
        )
        rows, next_cursor = list_targets(s, filters, limit=limit, cursor=cursor)
    if as_json:
        emit_json({"items": [r.__dict__ for r in rows], "next_cursor": next_cursor})
        return
    if not rows:
        click.echo("no posts match")
        return
    click.echo(f"{'POST':>6} {'TARGET':>7} {'DUE (UTC)':16} {'ACCOUNT':28} {'STATUS':10} DETAIL")
    for r in rows:
        detail = r.error_message or r.title or r.text
        if r.segments > 1:
            detail = f"[thread, {r.segments_out} of {r.segments} out] {detail}"
        detail = detail.replace("\n", " ")
        detail = detail if len(detail) <= 48 else detail[:47] + "…"
        click.echo(
            f"{r.post_id:>6} {r.target_id:>7} {r.due_at:%Y-%m-%d %H:%M} {r.account:28} "
            f"{r.status:10} {detail}"
        )
    if next_cursor:
        click.echo(f"more: --cursor {next_cursor}")


@posts_group.command("cancel")
@click.argument("post_id", type=POST_ID)
@click.option("--account", "accounts", multiple=True, help="only these accounts (platform:handle)")
@user_errors
def cancel(post_id, accounts):
    """Cancel a post (or some of its accounts) that has not started publishing."""
    from ..store.accounts import AccountRef, get_account
    from ..store.posts import cancel_post

    def work(s):
        ws = workspace_id(s)
        ids = [get_account(s, AccountRef.parse(a), ws).id for a in accounts]
        return cancel_post(s, post_id, ids, workspace_id=ws)

    result = database().transaction(work, name="posts cancel")
    if result.cancelled == 0 and not result.not_cancellable:
        # Nothing was left to cancel: the post is cancelled already, or has no such account.
        scope = f" on {', '.join(accounts)}" if accounts else ""
        click.echo(f"nothing to cancel: post {post_id} has no target{scope} left to cancel")
        raise SystemExit(3)
    click.echo(f"cancelled {result.cancelled} target(s) of post {post_id}")
    if result.not_cancellable:
        left = ", ".join(f"{n} {status}" for status, n in sorted(result.not_cancellable.items()))
        click.echo(f"left alone (already under way or done): {left}")
        if "publishing" in result.not_cancellable or result.cancelled == 0:
            raise SystemExit(3)


@posts_group.command("retry")
@click.argument("post_id", type=POST_ID)
@click.option("--account", "accounts", multiple=True, help="only these accounts (platform:handle)")
@click.option("--stale-after-s", default=7200.0, show_default=True, type=float,
              help="targets later than this are made due now (not missed again)")  # fmt: skip
@user_errors
def retry(post_id, accounts, stale_after_s):
    """Re-publish a post's failed or missed targets (or some of its accounts) now."""
    from ..store.accounts import AccountRef, get_account
    from ..store.posts import retry_post

    now = database().now()

    def work(s):
        ws = workspace_id(s)
        ids = [get_account(s, AccountRef.parse(a), ws).id for a in accounts]
        return retry_post(
            s, post_id, ids, now=now, stale_before=now - timedelta(seconds=stale_after_s),
            workspace_id=ws,
        )  # fmt: skip

    result = database().transaction(work, name="posts retry")
    left = ", ".join(f"{n} {status}" for status, n in sorted(result.not_retryable.items()))
    if not result.retried:
        click.echo(f"nothing to retry in post {post_id}: no failed or missed target ({left})")
        raise SystemExit(3)
    click.echo(
        f"retrying {result.retried} target(s) of post {post_id}: they go out within a minute"
    )
    if result.maybe_sent:
        click.echo(
            f"{result.maybe_sent} of them may already be on the platform: it is asked "
            "before anything is sent again"
        )
    if left:
        click.echo(f"left alone (not failed or missed): {left}")


@posts_group.command("settle")
@click.argument("post_id", type=POST_ID)
@click.option("--account", required=True, help="the account (platform:handle) of the target")
@click.option("--published", "published_as", default=None, metavar="ID",
              help="it is on the platform: its id there (a URN, a post id)")  # fmt: skip
@click.option("--not-published", is_flag=True, help="it is not on the platform: send it now")
@user_errors
def settle(post_id, account, published_as, not_published):
    """Say whether a post the platform cannot be asked about went out (after checking it)."""
    from ..store.accounts import AccountRef, get_account
    from ..store.posts import settle_target

    if (published_as is None) == (not not_published):
        raise CliError("say what you found: --published ID, or --not-published")
    if published_as is not None and not published_as.strip():
        raise CliError("--published needs the post's id on the platform")
    now = database().now()

    def work(s):
        ws = workspace_id(s)
        account_id = get_account(s, AccountRef.parse(account), ws).id
        return settle_target(
            s, post_id, account_id, published_as=published_as and published_as.strip(), now=now,
            workspace_id=ws,
        ).id  # fmt: skip

    target_id = database().transaction(work, name="posts settle")
    if published_as:
        click.echo(f"post {post_id} on {account} recorded as published ({published_as.strip()})")
    else:
        click.echo(f"post {post_id} on {account} goes out within a minute (target {target_id})")
