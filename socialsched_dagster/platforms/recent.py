"""Reading an account's newest items (Instagram media, Page feed) for reconciliation.

Neither platform has an idempotency key, so after an ambiguous outcome the only evidence is what
the account now shows. Only a few recent pages are read: the post we are looking for, if it
exists, was made moments ago, and reading the whole history would cost rate-limit budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from .base import PublishJob
from .graph_api import GraphApi


def graph_time(text: Any) -> float | None:
    """`2024-05-01T12:00:00+0000` -> epoch seconds (None when unreadable)."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return None


def recent_items(
    graph: GraphApi,
    job: PublishJob,
    path: str,
    endpoint: str,
    fields: str,
    time_field: str,
    lookback_s: float,
    pages: int = 2,
    per_page: int = 25,
    since: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Items newest first, stopping at the first one older than `lookback_s`. `since` (Unix
    time) asks Graph to leave older items out on its side, on edges that support it."""
    oldest = time.time() - lookback_s
    params: dict[str, Any] = {"fields": fields, "limit": per_page}
    if since is not None:
        params["since"] = since
    for _ in range(pages):
        body = graph.get(job, path, endpoint, params=params)
        data = body.get("data")
        for item in data if isinstance(data, list) else []:
            if not isinstance(item, dict):
                continue
            ts = graph_time(item.get(time_field))
            if ts is not None and ts < oldest:
                return  # newest first: everything after this is older still
            yield item
        paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
        cursors = paging.get("cursors")
        after = cursors.get("after") if isinstance(cursors, dict) else None
        if not paging.get("next") or not after:
            return
        params = {**params, "after": after}
