"""The Threads sandbox's handlers, written from the publishing reference: what each endpoint
accepts, refuses (Graph envelope, HTTP 400, code 100 for bad input) and answers.

Threads documents no error codes of its own for threads_publish; its refusals here follow
Instagram's for the same situations (24 not ready, 9 over the cap), and a client that settles
them by reading the container (as ours does) does not depend on them.

A reply is a container with `reply_to_id`: the id of a published post (or reply) in a thread
whose root post the user owns, the one case that needs no further permission (replying to others
needs threads_keyword_search or threads_manage_mentions, which sandbox tokens never carry). It
counts against the 1,000 replies per 24 h, not the 250 posts, and its ledger entry names what it
answers (`in_reply_to`) and the thread's root post.
"""

from __future__ import annotations

from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.state import numeric_id
from .rules import text_length, unique_links
from .sandbox_calls import ThreadsCall
from .sandbox_state import ThreadsContainer

MEDIA_TYPES = ("TEXT", "IMAGE", "VIDEO", "CAROUSEL")
LISTED_TYPE = {
    "TEXT": "TEXT_POST",
    "IMAGE": "IMAGE",
    "VIDEO": "VIDEO",
    "CAROUSEL": "CAROUSEL_ALBUM",
}
invalid = errors.meta_invalid_param


def create_container(call: ThreadsCall, _node: str) -> Response:
    p, threads, now, limits = call.params, call.threads, call.state.now(), call.threads.limits
    media_type = p.get("media_type", "").upper()
    text, link = p.get("text", ""), p.get("link_attachment") or None
    item = p.get("is_carousel_item", "").lower() == "true"
    if media_type not in MEDIA_TYPES:
        return invalid("(#100) Param media_type must be one of {TEXT, IMAGE, VIDEO, CAROUSEL}")
    if link and media_type != "TEXT":
        return invalid("(#100) The parameter link_attachment is only available for text posts.")
    if item and media_type not in ("IMAGE", "VIDEO"):
        return invalid("(#100) A carousel item must be an IMAGE or a VIDEO.")
    url_param = {"IMAGE": "image_url", "VIDEO": "video_url"}.get(media_type)
    url = p.get(url_param) if url_param else None
    children: list[str] = []
    if media_type == "TEXT" and not text.strip():
        return invalid("(#100) The parameter text is required for text posts.")
    if url_param and not url:
        return invalid(f"(#100) The parameter {url_param} is required for {media_type}.")
    if media_type == "CAROUSEL":
        children = [c.strip() for c in p.get("children", "").split(",") if c.strip()]
        refused = _children_error(call, children)
        if refused:
            return refused
    if text_length(text) > limits.text_max_chars:
        return invalid(
            f"(#100) Param text must be at most {limits.text_max_chars} characters long.",
            user_title="Text too long",
            user_msg="Emojis count as their UTF-8 bytes toward the limit.",
        )
    if len(unique_links(text, link or "")) > limits.links_max:
        return invalid(
            "(#100) The post contains more than 5 links (THREADS_API__LINK_LIMIT_EXCEEDED).",
            user_title="Link limit exceeded",
        )
    reply_to = p.get("reply_to_id") or None
    if reply_to:
        refused = _reply_error(call, reply_to)
        if refused:
            return refused
    delay = call.state.faults.video_processing_seconds if media_type == "VIDEO" else 0.0
    container = ThreadsContainer(
        id=numeric_id("178"),
        account=call.account,
        media_type=media_type,
        created_at=now,
        ready_at=now + delay,
        text=text,
        media_url=url,
        link=link,
        children=children,
        carousel_item=item,
        reply_to=reply_to,
    )
    threads.add_container(container)
    return errors.json_response({"id": container.id})


def _children_error(call: ThreadsCall, children: list[str]) -> Response | None:
    limits = call.threads.limits
    if not limits.carousel_min <= len(children) <= limits.carousel_max:
        return invalid(
            f"(#100) A carousel must have between {limits.carousel_min} and "
            f"{limits.carousel_max} children."
        )
    for cid in children:
        child = call.threads.containers.get(cid)
        if not child or child.account != call.account or not child.carousel_item:
            return invalid(f"(#100) Invalid carousel child: {cid}")
    return None


def _reply_error(call: ThreadsCall, reply_to: str) -> Response | None:
    """Why the user cannot reply to `reply_to`; None when it can."""
    parent = call.state.ledger.by_external_id.get(reply_to)
    if parent is None or parent.get("platform") != "threads":
        return invalid(
            f"(#100) Param reply_to_id must be the ID of a Threads post: {reply_to} is none.",
            user_title="Post not found",
        )
    root = call.state.ledger.by_external_id.get(root_of(parent)) or parent
    if root["account"] != call.account:
        return errors.meta_error(
            10,
            "(#10) Application does not have permission for this action",
            user_title="Cannot reply",
            user_msg="Replying to another user's thread needs the threads_manage_mentions or "
            "threads_keyword_search permission.",
        )
    return None


def root_of(entry: dict) -> str:
    """The root post of the thread a published post is in (itself when it is no reply)."""
    return entry.get("_root_post") or entry["external_id"]


def container_status(call: ThreadsCall, node: str) -> Response:
    c = call.threads.containers[node]
    if c.account != call.account:
        return errors.meta_unsupported("GET", node)
    status, message = call.threads.status(c, call.state.now())
    values = {"id": c.id, "status": status, "error_message": message}
    fields = ["id", *call.fields(("id",))]
    return errors.json_response({f: values[f] for f in fields if values.get(f) is not None})


def publish(call: ThreadsCall, _node: str) -> Response:
    threads, now = call.threads, call.state.now()
    cid = call.params.get("creation_id")
    if not cid:
        return invalid("(#100) The parameter creation_id is required.")
    c = threads.containers.get(cid)
    if c is None or c.account != call.account or c.carousel_item:
        return invalid(f"(#100) Param creation_id {cid} is not a media container of this user.")
    status, message = threads.status(c, now)
    if status == "PUBLISHED":  # Threads never publishes a container twice
        return invalid("(#100) The media container has already been published.")
    if status == "EXPIRED":
        return invalid("(#100) The media container expired: it was not published within 24 hours.")
    if status == "ERROR":
        return invalid(f"(#100) The media container failed: {message}")
    if status == "IN_PROGRESS":
        return errors.meta_error(
            24,
            "The media is not ready for publishing, please wait for a moment.",
            user_title="Media not ready",
        )
    if c.reply_to:  # replies have a cap of their own; the posts' is not touched
        used, cap, what = (
            threads.reply_window(call.account),
            threads.limits.reply_quota_total,
            "replies",
        )
    else:
        used, cap, what = threads.window(call.account), threads.limits.quota_total, "posts"
    if used.count(now) >= cap:
        return errors.meta_error(
            9,
            "Application request limit reached",
            user_title="Cannot publish",
            user_msg=f"You reached the maximum number of {what} allowed in 24 hours.",
        )
    parent = call.state.ledger.by_external_id.get(c.reply_to) if c.reply_to else None
    post_id = numeric_id("179")
    entry = call.state.ledger.new_entry(
        platform="threads",
        account=call.account,
        external_id=post_id,
        endpoint=call.endpoint,
        ts=now,
        text=c.text,
        source_id=c.id,
        target=call.target,
        in_reply_to=c.reply_to,
        kind=c.media_type,
        link=c.link,
        root_post=root_of(parent) if parent else None,
    )
    call.state.record(entry)
    return errors.json_response({"id": post_id})


def publishing_limit(call: ThreadsCall, _node: str) -> Response:
    limits, now = call.threads.limits, call.state.now()
    values = {
        "quota_usage": call.threads.window(call.account).count(now),
        "config": {"quota_total": limits.quota_total, "quota_duration": limits.quota_duration_s},
        "reply_quota_usage": call.threads.reply_window(call.account).count(now),
        "reply_config": {
            "quota_total": limits.reply_quota_total,
            "quota_duration": limits.quota_duration_s,
        },
    }
    fields = call.fields(("quota_usage", "config"))
    return errors.json_response({"data": [{f: values[f] for f in fields if f in values}]})


def unsupported(call: ThreadsCall, node: str) -> Response:
    return errors.meta_unsupported(call.request.method, node)
