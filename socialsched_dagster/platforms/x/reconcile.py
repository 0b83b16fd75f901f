"""After a lost answer: did the target's post go out?

X has no idempotency key, and its duplicate check (a repeat of a recent post's text is refused
with 403 "duplicate content") is no answer to the question: it names no post, and a post with
the same text but other media or another reply is not ours. So the account's own posts are
read (GET /2/users/:id/tweets, newest first, only those created since just before `prepare`)
and ours is recognised by its text, its media and what it replies to (match.py).

Not finding it means NOT_PUBLISHED: the retry then sends it, and if X had stored it after all
but not listed it yet, X refuses that retry as a duplicate, which the publisher settles by
asking here again. An account that cannot be read leaves the answer UNKNOWN: the publisher
asks again later and never sends blind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ...domain.errors import PublishError
from ..base import PublishJob, Reconciled, Reconciliation
from ..timestamps import iso_time
from .handle import Prepared
from .match import is_ours
from .text import post_text

if TYPE_CHECKING:
    from .client import XClient

PER_PAGE = 100  # the most X serves a page
FIELDS = "created_at,attachments,referenced_tweets,entities,author_id"


def reconcile(client: XClient, job: PublishJob, container_id: str | None) -> Reconciliation:
    if not container_id:
        return Reconciliation(Reconciled.NOT_PUBLISHED, detail="nothing was prepared or sent")
    try:
        prepared = Prepared.decode(container_id)
    except PublishError:
        # Cannot tell what was uploaded with it: the text and reply over the whole look-back.
        since = time.time() - client.config.reconcile_lookback_s
        return _search(client, job, Prepared((), since), with_media=False)
    return _search(client, job, prepared, with_media=True)


def find(client: XClient, job: PublishJob, prepared: Prepared, with_media: bool = True):
    """The id of our post among the account's, or None."""
    text = post_text(job.content.text, job.content.link)
    since = prepared.prepared_at - client.settings.search_slack_s
    for tweet in recent_posts(client, job, since):
        keys = prepared.media_keys
        if not with_media:
            keys = [str(k) for k in (tweet.get("attachments") or {}).get("media_keys") or []]
        if tweet.get("id") and is_ours(tweet, text, keys, job.reply_to):
            return str(tweet["id"])
    return None


def _search(
    client: XClient, job: PublishJob, prepared: Prepared, *, with_media: bool
) -> Reconciliation:
    try:
        found = find(client, job, prepared, with_media)
    except PublishError as exc:
        return Reconciliation(Reconciled.UNKNOWN, detail=f"account posts: {exc}")
    if found is not None:
        return Reconciliation(Reconciled.PUBLISHED, found, "found among the account's posts")
    return Reconciliation(
        Reconciled.NOT_PUBLISHED,
        detail="no post of the account since the upload is ours",
        container_usable=with_media,
    )


def recent_posts(client: XClient, job: PublishJob, since: float) -> Iterator[dict[str, Any]]:
    """The account's posts created since `since`, newest first (X filters by start_time)."""
    params: dict[str, Any] = {
        "max_results": PER_PAGE,
        "start_time": _x_time(since),
        "tweet.fields": FIELDS,
    }
    path = f"/2/users/{job.account_external_id}/tweets"
    for _ in range(client.settings.search_pages):
        body = client.api.request(job, "GET", path, "user posts", params=params).body()
        for tweet in body.get("data") or []:
            if not isinstance(tweet, dict):
                continue
            at = iso_time(tweet.get("created_at"))
            if at is not None and at < since:
                return  # newest first: the rest is older still
            yield tweet
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        token = meta.get("next_token")
        if not token:
            return
        params = {**params, "pagination_token": token}


def _x_time(ts: float) -> str:
    """YYYY-MM-DDTHH:mm:ssZ, as X's start_time takes it (whole seconds, rounded down)."""
    return datetime.fromtimestamp(int(ts), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
