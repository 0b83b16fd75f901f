"""Graph reads of engagement: Instagram media insights and Facebook post like/comment counts.

Both answer from the ledger (engagement.py), so what a test published is what it can read back.
An id the sandbox never published, or one that belongs to another account, gets Graph's own
"Unsupported get request ... does not exist" error (code 100, subcode 33), as the real API does.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from . import errors
from .clock import graph_time
from .engagement import Counts, entry_counts
from .graph import GraphCall

IG_METRICS = ("likes", "comments", "views", "shares", "saved", "reach", "total_interactions")
FB_ENGAGEMENT = frozenset({"likes", "comments", "shares"})


def ig_metric_values(c: Counts) -> dict[str, int]:
    saved = c.shares // 2
    return {
        "likes": c.likes,
        "comments": c.comments,
        "views": c.views,
        "shares": c.shares,
        "saved": saved,
        "reach": c.views * 4 // 5,
        "total_interactions": c.likes + c.comments + c.shares + saved,
    }


def ig_insights(call: GraphCall, media_id: str) -> Response:
    entry = call.state.ledger.by_external_id.get(media_id)
    if entry is None or entry["platform"] != "instagram" or entry["account"] != call.account:
        return errors.meta_unsupported("GET", media_id)
    raw = call.params.get("metric", "")
    metrics = [m.strip() for m in raw.split(",") if m.strip()]
    if not metrics:
        return errors.meta_invalid_param("(#100) The parameter metric is required.")
    for i, name in enumerate(metrics):
        if name not in IG_METRICS:
            return errors.meta_invalid_param(
                f"(#100) metric[{i}] must be one of the following values: {', '.join(IG_METRICS)}"
            )
    values = ig_metric_values(entry_counts(entry, call.state.now()))
    data = [
        {
            "name": name,
            "period": "lifetime",
            "values": [{"value": values[name]}],
            "title": name.replace("_", " ").capitalize(),
            "description": f"The number of {name.replace('_', ' ')} of this media.",
            "id": f"{media_id}/insights/{name}/lifetime",
        }
        for name in metrics
    ]
    return errors.json_response({"data": data})


def split_fields(raw: str) -> list[str]:
    """`likes.summary(true),comments{id,message}` -> top-level fields; commas inside `{}` or
    `()` belong to the field (Graph's field expansion syntax)."""
    fields, depth, current = [], 0, []
    for ch in raw:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            fields.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    fields.append("".join(current).strip())
    return [f for f in fields if f]


def field_name(field: str) -> str:
    for i, ch in enumerate(field):
        if ch in ".{(":
            return field[:i]
    return field


def wants_engagement(raw_fields: str | None) -> bool:
    return bool(raw_fields) and any(
        field_name(f) in FB_ENGAGEMENT for f in split_fields(raw_fields or "")
    )


def fb_engagement(call: GraphCall, node: str) -> Response:
    """`GET /{post-id}?fields=likes.summary(true),comments.summary(true),shares`: the node is
    a feed post id (`<page>_<post>`), a photo id or a video id of the token's page."""
    items = call.state.ledger.items("facebook", call.account)
    entry = next((e for e in items if node in (e["external_id"], e.get("post_id"))), None)
    if entry is None:
        return errors.meta_unsupported("GET", node)
    counts = entry_counts(entry, call.state.now())
    body: dict[str, Any] = {}
    for field in split_fields(call.params.get("fields", "")):
        name, summary = field_name(field), ".summary(true)" in field
        if name == "likes":
            body["likes"] = _edge(counts.likes, summary, {"can_like": True, "has_liked": False})
        elif name == "comments":
            extra = {"order": "ranked", "can_comment": True}
            body["comments"] = _edge(counts.comments, summary, extra)
        elif name == "shares":
            if counts.shares:  # Graph leaves `shares` out of a post nobody shared
                body["shares"] = {"count": counts.shares}
        elif name == "created_time":
            body["created_time"] = graph_time(entry["ts"])
        elif name == "permalink_url":
            body["permalink_url"] = f"https://www.facebook.com/{entry['post_id']}"
    body["id"] = node
    return errors.json_response(body)


def _edge(total: int, summary: bool, extra: dict[str, Any]) -> dict[str, Any]:
    # The sandbox knows counts, not who liked: the edge's data list is always empty.
    edge: dict[str, Any] = {"data": []}
    if summary:
        edge["summary"] = {"total_count": total, **extra}
    return edge
