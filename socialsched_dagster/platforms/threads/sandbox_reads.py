"""The Threads sandbox's reads: the user's posts (`GET /{user}/threads`) and apart from them its
replies (`GET /{user}/replies`), newest first, with `since`/`until` and cursor paging; one post
(`GET /{media}`) and the user (`GET /me`), each with the fields asked for, as the retrieval and
reply management references list them (a reply's `is_reply`, `replied_to` and `root_post`)."""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.clock import graph_time
from ...sandbox.paging import page
from .sandbox_calls import ThreadsCall

LISTED_TYPE = {
    "TEXT": "TEXT_POST",
    "IMAGE": "IMAGE",
    "VIDEO": "VIDEO",
    "CAROUSEL": "CAROUSEL_ALBUM",
}
invalid = errors.meta_invalid_param


def list_threads(call: ThreadsCall, _node: str) -> Response:
    return _list(call, replies=False)


def list_replies(call: ThreadsCall, _node: str) -> Response:
    return _list(call, replies=True)


def _list(call: ThreadsCall, replies: bool) -> Response:
    try:
        since = float(call.params.get("since", "-inf"))
        until = float(call.params.get("until", "inf"))
    except ValueError:
        return invalid("(#100) Params since and until must be Unix timestamps.")
    items = [
        e
        for e in call.state.ledger.items("threads", call.account)
        if since <= e["ts"] <= until and bool(e.get("in_reply_to")) is replies
    ]
    fields = call.fields(("id",))
    body = page(call.request, call.params, items, lambda e: _render(call, e, fields))
    if body is None:
        return invalid("(#100) Invalid cursor")
    return errors.json_response(body)


def read_media(call: ThreadsCall, node: str) -> Response:
    entry = call.state.ledger.by_external_id[node]
    if entry["account"] != call.account:
        return errors.meta_unsupported("GET", node)
    return errors.json_response(_render(call, entry, call.fields(("id",))))


def read_node(call: ThreadsCall, node: str) -> Response:
    if call.request.method != "GET" or node not in ("me", call.account):
        return errors.meta_unsupported(call.request.method, node)
    values = {"id": call.account, "username": f"sandbox_{call.account}", "name": "Sandbox"}
    fields = ["id", *call.fields(("id",))]
    return errors.json_response({f: values[f] for f in fields if f in values})


def _render(call: ThreadsCall, e: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    username = f"sandbox_{e['account']}"
    shortcode = hashlib.sha256(e["external_id"].encode()).hexdigest()[:11]
    values: dict[str, Any] = {
        "id": e["external_id"],
        "media_product_type": "THREADS",
        "media_type": LISTED_TYPE.get(e.get("_kind", "TEXT"), "TEXT_POST"),
        "permalink": f"https://www.threads.net/@{username}/post/{shortcode}",
        "owner": {"id": e["account"]},
        "username": username,
        "timestamp": graph_time(e["ts"]),
        "shortcode": shortcode,
        "is_quote_post": False,
        "has_replies": e["external_id"] in call.threads.answered,
        "is_reply": bool(e.get("in_reply_to")),
    }
    if e.get("in_reply_to"):
        values["replied_to"] = {"id": e["in_reply_to"]}
        values["root_post"] = {"id": e.get("_root_post") or e["in_reply_to"]}
        values["is_reply_owned_by_me"] = e["account"] == call.account
    if e.get("_text"):
        values["text"] = e["_text"]
    if e.get("_link"):
        values["link_attachment_url"] = e["_link"]
    return {f: values[f] for f in ["id", *fields] if f in values}
