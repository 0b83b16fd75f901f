"""After a lost answer: did the target's status go out?

Within the Idempotency-Key's window (the handle is younger than it, so every POST made with
the handle is too) the question is asked by POSTing the very same status again, with the same
key. That is safe to do from reconcile:
- it can never make a second status: Mastodon looks the key up (per account, under a lock, so a
  replay racing the original waits for it, or answers 503) before it validates or creates
  anything, and answers the status the key already holds;
- if the key holds none, the original never created one, and this request posts the status
  that the target's earlier attempt sent: what the retry would send next anyway, under the same
  fence (only the run that owns the target sends it), and its answer names the status;
- a refusal (422) is definite: a key with a status would have been answered with it.
Past the window the key is forgotten, and a replay could post a second status, so the account's
own statuses are read instead and ours recognised (match.py). An instance that cannot be asked
leaves the answer UNKNOWN: the publisher asks again later, and never sends blind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ...domain.errors import ErrorKind, PublishError
from ..base import PublishJob, Reconciled, Reconciliation
from ..timestamps import iso_time
from .handle import Prepared
from .match import is_ours
from .text_length import status_text

if TYPE_CHECKING:
    from .client import MastodonClient

# The status POST found its key's status deleted (client.py raises it with this code).
STATUS_DELETED = "status_deleted"
PER_PAGE = 40  # the most Mastodon serves a page
DEFINITE = (ErrorKind.VALIDATION, ErrorKind.MEDIA_PROCESSING, ErrorKind.ACCOUNT_BLOCKED)


def reconcile(client: MastodonClient, job: PublishJob, container_id: str | None) -> Reconciliation:
    if not container_id:
        return Reconciliation(Reconciled.NOT_PUBLISHED, detail="nothing was prepared or sent")
    try:
        prepared = Prepared.decode(container_id)
    except PublishError:
        # Cannot tell what was sent with it: look for the text over the whole look-back.
        since = time.time() - client.config.reconcile_lookback_s
        return _search(client, job, Prepared((), since), container_usable=False)
    if time.time() - prepared.prepared_at < client.settings.idempotency_window_s:
        return _replay(client, job, prepared)
    return _search(client, job, prepared)


def _replay(client: MastodonClient, job: PublishJob, prepared: Prepared) -> Reconciliation:
    try:
        status = client.post_status(job, prepared)
    except PublishError as exc:
        if exc.code == STATUS_DELETED:
            return Reconciliation(Reconciled.PUBLISHED, None, exc.message)
        if exc.kind in DEFINITE:
            return Reconciliation(
                Reconciled.NOT_PUBLISHED,
                detail=f"the Idempotency-Key holds no status (the replay was refused: {exc})",
                container_usable=not exc.replace_container,
            )
        return Reconciliation(Reconciled.UNKNOWN, detail=f"Idempotency-Key replay: {exc}")
    return Reconciliation(
        Reconciled.PUBLISHED,
        str(status["id"]),
        f"the Idempotency-Key answered with status {status['id']}",
    )


def _search(
    client: MastodonClient, job: PublishJob, prepared: Prepared, container_usable: bool = True
) -> Reconciliation:
    text = status_text(job.content.text, job.content.link)
    since = prepared.prepared_at - client.settings.search_slack_s
    try:
        for status in recent_statuses(client, job, since):
            if is_ours(status, text, prepared.media_ids, job.reply_to) and status.get("id"):
                how = "its media" if prepared.media_ids else "its text"
                return Reconciliation(
                    Reconciled.PUBLISHED, str(status["id"]), f"found on the account by {how}"
                )
    except PublishError as exc:
        return Reconciliation(Reconciled.UNKNOWN, detail=f"account statuses: {exc}")
    return Reconciliation(
        Reconciled.NOT_PUBLISHED,
        detail="no status of the account since the upload is ours",
        container_usable=container_usable,
    )


def recent_statuses(
    client: MastodonClient, job: PublishJob, since: float
) -> Iterator[dict[str, Any]]:
    """The account's own statuses (boosts left out), newest first, back to `since`."""
    params: dict[str, Any] = {"limit": PER_PAGE, "exclude_reblogs": "true"}
    path = f"/api/v1/accounts/{job.account_external_id}/statuses"
    for _ in range(client.settings.search_pages):
        page = client.api.request(job, "GET", path, "account statuses", params=params).list()
        for status in page:
            at = iso_time(status.get("created_at"))
            if at is not None and at < since:
                return  # newest first: the rest is older still
            yield status
        if len(page) < PER_PAGE or not page[-1].get("id"):
            return
        params = {**params, "max_id": page[-1]["id"]}
