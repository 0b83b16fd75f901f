"""A thread's segment as a Bluesky reply (app.bsky.feed.post#replyRef): the record's `reply`
names the post it answers (`parent`) and the thread's first post (`root`), each as a strong ref
(com.atproto.repo.strongRef: the AT URI and the CID of the record's version).

`publish` returns a post's AT URI, which carries no CID (and the URI is the post's id for the
rest of the system), so the refs come from one getRecord of the parent: its CID, and its own
`reply.root` when it is itself a reply, else the parent is the root. The PDS stores any
well-formed refs without looking them up; it is the AppView that leaves a reply whose refs do
not hold together out of the thread, so getting them right is the client's job.
"""

from __future__ import annotations

import re
from typing import Any

POST = "app.bsky.feed.post"
POST_URI = re.compile(r"^at://(?P<repo>[^/\s]+)/app\.bsky\.feed\.post/(?P<rkey>[^/\s]+)$")


def split_post_uri(uri: str) -> tuple[str, str]:
    """(repo, record key) of a post's AT URI; ValueError for anything else."""
    found = POST_URI.match(uri)
    if found is None:
        raise ValueError(f"{uri!r} is not the AT URI of an {POST} record")
    return found["repo"], found["rkey"]


def strong_ref(value: Any) -> dict[str, str] | None:
    """`{"uri", "cid"}` when `value` is a strong ref, else None."""
    if not isinstance(value, dict):
        return None
    uri, cid = value.get("uri"), value.get("cid")
    return {"uri": uri, "cid": cid} if isinstance(uri, str) and isinstance(cid, str) else None


def reply_ref(parent_uri: str, parent_cid: str, parent: dict[str, Any]) -> dict[str, Any]:
    """The `reply` of a post answering `parent` (its URI, CID and record value). ValueError
    when the parent says it is a reply but names no root a strong ref can point at."""
    here = {"uri": parent_uri, "cid": parent_cid}
    reply = parent.get("reply")
    if reply is None:
        return {"root": here, "parent": here}  # the parent starts the thread
    root = strong_ref(reply.get("root")) if isinstance(reply, dict) else None
    if root is None:
        raise ValueError(f"{parent_uri} is a reply without a readable reply.root")
    return {"root": root, "parent": here}


def parent_of(record: dict[str, Any]) -> str | None:
    """The AT URI of the post a record answers; None for a post that answers none."""
    reply = record.get("reply")
    parent = strong_ref(reply.get("parent")) if isinstance(reply, dict) else None
    return parent["uri"] if parent else None
