"""The Mastodon sandbox's statuses: POST /api/v1/statuses (Idempotency-Key, validation in
PostStatusService's order), DELETE /api/v1/statuses/:id, GET /api/v1/accounts/:id/statuses."""

from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from . import sandbox_render as render
from .sandbox_http import TARGET_HEADER, answer, base_of, error, open_call, sb_of
from .sandbox_state import PLATFORM


async def _form(request: Request) -> dict[str, list[str]]:
    raw = await request.body()
    if "json" in request.headers.get("content-type", ""):
        data = json.loads(raw or b"{}")
        if not isinstance(data, dict):
            return {}
        return {
            k: [str(x) for x in v] if isinstance(v, list) else [str(v)]
            for k, v in data.items()
            if v is not None
        }
    out: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        out.setdefault(key.removesuffix("[]"), []).append(value)
    return out


def _countable(text: str, per_url: int) -> int:
    text = re.sub(r"https?://\S+", "x" * per_url, text)
    text = re.sub(r"(@\w+)@[\w.-]+\w", r"\1", text)
    return len(unicodedata.normalize("NFC", text))


async def create_status(request: Request) -> Response:
    sb, state = sb_of(request), request.app.state.sandbox
    try:
        form = await _form(request)  # read first: no await between the key's check and use
    except ValueError:
        form = None
    account, headers = open_call(request)
    parent_id = ((form or {}).get("in_reply_to_id") or [""])[0]
    parent = sb.status(parent_id) if parent_id else None
    if parent_id and parent is None:
        # StatusesController#set_thread, a before_action: ahead of the Idempotency-Key.
        message = "The post you are trying to reply to does not appear to exist."
        return error(message, 404, headers)
    held = sb.key_holds(account, request.headers.get("idempotency-key"))
    if held is not None:  # PostStatusService: the key first, before any validation
        found = sb.status(held)
        if found is None:  # statuses.find on a deleted status: RecordNotFound
            return error("Record not found", 404, headers)
        return answer(render.status(sb, found, base_of(request)), headers)
    if form is None:
        return error("Invalid JSON", 400, headers)
    text, c = (form.get("status") or [""])[0], sb.config
    ids = form.get("media_ids") or []
    visibility = (form.get("visibility") or ["public"])[0]
    if form.get("scheduled_at"):
        return error("The sandbox does not schedule statuses", 422, headers)
    if len(ids) > c.max_media_attachments:
        return error(f"Cannot attach more than {c.max_media_attachments} files", 422, headers)
    attached = [sb.unattached(i, account) for i in ids]
    missing = [i for i, m in zip(ids, attached, strict=True) if m is None]
    if missing:
        ids_text = ", ".join(missing)
        return error(
            f"Media {ids_text} not found or already attached to another post", 422, headers
        )
    if len(attached) > 1 and any(m.type == "video" for m in attached):
        return error("Cannot attach a video to a post that already contains images", 422, headers)
    if any(state.now() < m.ready_at for m in attached):
        return error(
            "Cannot attach files that have not finished processing. Try again in a moment!",
            422,
            headers,
        )
    if visibility not in ("public", "unlisted", "private", "direct"):
        return error("Validation failed: Visibility is not included in the list", 422, headers)
    if not text.strip() and not ids:
        return error("Validation failed: Text can't be blank", 422, headers)
    if _countable(text, c.characters_reserved_per_url) > c.max_characters:
        return error(
            f"Validation failed: Text character limit of {c.max_characters} exceeded", 422, headers
        )
    entry = state.ledger.new_entry(
        platform=PLATFORM,
        account=account,
        external_id=sb.new_id(),
        endpoint="mastodon_statuses",
        ts=state.now(),
        text=text,
        source_id=None,
        target=request.headers.get(TARGET_HEADER),
        media_ids=ids,
        visibility=visibility,
        key=request.headers.get("idempotency-key"),
        in_reply_to=parent["external_id"] if parent else None,
        in_reply_to_account=parent["account"] if parent else None,
    )
    state.record(entry)  # on_ledger: the key, the attachments
    return answer(render.status(sb, entry, base_of(request)), headers)


async def delete_status(request: Request) -> Response:
    sb = sb_of(request)
    account, headers = open_call(request)
    found = sb.status(request.path_params["id"])
    if found is None or found["account"] != account:
        return error("Record not found", 404, headers)
    sb.delete(found["external_id"])
    return answer(render.status(sb, found, base_of(request)), headers)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


async def account_statuses(request: Request) -> Response:
    sb = sb_of(request)
    _account, headers = open_call(request, auth=False)  # public, but a token given is checked
    if request.headers.get("authorization") and _account is None:
        return error("The access token is invalid", 401, headers)
    q, who = request.query_params, request.path_params["id"]
    limit = min(_int(q.get("limit")) or 20, 40)
    items = [] if q.get("pinned") == "true" else sb.of_account(who)
    max_id, since_id, min_id = _int(q.get("max_id")), _int(q.get("since_id")), _int(q.get("min_id"))
    if q.get("only_media") == "true":
        items = [s for s in items if s.get("_media_ids")]
    items = [s for s in items if max_id is None or int(s["external_id"]) < max_id]
    items = [s for s in items if since_id is None or int(s["external_id"]) > since_id]
    if min_id is not None:  # the statuses right after min_id, still newest first
        items = [s for s in items if int(s["external_id"]) > min_id][-limit:]
    page = items[:limit]
    if page:
        path = f"{base_of(request)}/api/v1/accounts/{who}/statuses"
        headers["Link"] = (
            f'<{path}?max_id={page[-1]["external_id"]}>; rel="next", '
            f'<{path}?min_id={page[0]["external_id"]}>; rel="prev"'
        )
    return answer([render.status(sb, s, base_of(request)) for s in page], headers)
