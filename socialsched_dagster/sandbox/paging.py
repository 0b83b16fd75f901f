"""Graph cursor paging over an append-only list, newest first.

A cursor is the position of an item in the oldest-first list, so it stays valid while new items
are published (they are appended, never inserted).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from starlette.requests import Request


def _enc(index: int) -> str:
    return base64.urlsafe_b64encode(f"pos:{index}".encode()).decode().rstrip("=")


def _dec(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return int(text.removeprefix("pos:")) if text.startswith("pos:") else None
    except ValueError:
        return None


def page(
    request: Request,
    params: dict[str, str],
    items: list[dict[str, Any]],
    render: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any] | None:
    """One page of `items` (oldest first) newest first; None if the cursor is unreadable."""
    try:
        limit = min(max(int(params.get("limit", 25)), 1), 100)
    except ValueError:
        limit = 25
    end = len(items)
    if params.get("after"):
        end = _dec(params["after"])
        if end is None:
            return None
        end = min(end, len(items))
    start = max(0, end - limit)
    data = [render(e) for e in reversed(items[start:end])]
    out: dict[str, Any] = {"data": data}
    if data:
        out["paging"] = {"cursors": {"before": _enc(end), "after": _enc(start)}}
        if start > 0:
            out["paging"]["next"] = str(request.url.include_query_params(after=_enc(start)))
    return out
