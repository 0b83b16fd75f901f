"""The sandbox's check of an app.bsky.feed.post record, from the lexicons.

What the PDS's lexicon validation refuses (text over 300 graphemes or 3,000 bytes, a missing
createdAt, a `reply` whose root or parent is not a strong ref (an at-uri and a cid), more than
4 images, an image over 2,000,000 bytes or not image/*, a tag over 64 graphemes) and, stricter
than the PDS (which only asks facet offsets to be >= 0), a facet whose byte range is not within
the text or does not start and end on UTF-8 character boundaries: the app would underline half a
character, and it is exactly the mistake a client counting code points or UTF-16 units instead
of bytes makes. Each problem is one line, as the PDS words it: "Invalid app.bsky.feed.post
record: Record/<path> ...". Whether a reply's refs name real posts is not the PDS's business
(sandbox_thread.py).
"""

from __future__ import annotations

import re
from typing import Any

from .graphemes import grapheme_len
from .sandbox_auth import DID

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# The lexicon's `at-uri` and `cid` string formats, as far as a strong ref needs them.
AT_URI = re.compile(r"^at://[a-zA-Z0-9._:%-]+(/[a-zA-Z0-9.-]+(/[a-zA-Z0-9._~:@!$&'()*+,;=-]+)?)?$")
CID = re.compile(r"^(b[a-z2-7]{20,}|Qm[1-9A-HJ-NP-Za-km-z]{44})$")
FEATURES = {
    "app.bsky.richtext.facet#link": "uri",
    "app.bsky.richtext.facet#mention": "did",
    "app.bsky.richtext.facet#tag": "tag",
}
MAX_IMAGE = 2_000_000


def post_problem(record: dict[str, Any]) -> str | None:
    """Why the record is invalid (one line), or None."""
    problem = _problem(record)
    return None if problem is None else f"Invalid app.bsky.feed.post record: Record/{problem}"


def _problem(record: dict[str, Any]) -> str | None:
    text = record.get("text")
    if not isinstance(text, str):
        return "text must be a string" if "text" in record else 'must have the property "text"'
    if grapheme_len(text) > 300:
        return "text must not be longer than 300 graphemes"
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > 3000:
        return "text must not be longer than 3000 characters"
    created = record.get("createdAt")
    if not isinstance(created, str) or not DATETIME.match(created):
        return "createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)"
    if "reply" in record:
        problem = _reply(record["reply"])
        if problem:
            return problem
    for i, facet in enumerate(record.get("facets") or []):
        problem = _facet(facet, data)
        if problem:
            return f"facets/{i}/{problem}"
    embed = record.get("embed")
    if embed is not None:
        return _embed(embed)
    return None


def _facet(facet: Any, data: bytes) -> str | None:
    index = facet.get("index") if isinstance(facet, dict) else None
    start = index.get("byteStart") if isinstance(index, dict) else None
    end = index.get("byteEnd") if isinstance(index, dict) else None
    if not all(isinstance(v, int) and v >= 0 for v in (start, end)):
        return "index must have byteStart and byteEnd, integers >= 0"
    if not start <= end <= len(data):
        return f"index {start}-{end} is not within the text's {len(data)} bytes"
    if not (_boundary(data, start) and _boundary(data, end)):
        return f"index {start}-{end} does not fall on the text's UTF-8 character boundaries"
    features = facet.get("features")
    if not isinstance(features, list) or not features:
        return 'must have the property "features"'
    for feature in features:
        kind = feature.get("$type") if isinstance(feature, dict) else None
        field = FEATURES.get(kind)
        value = feature.get(field) if field else None
        if field is None or not isinstance(value, str) or not value:
            return f"features must be links, mentions or tags (got {kind!r})"
        if field == "did" and not DID.match(value):
            return "features/mention/did must be a valid did"
        if field == "uri" and not re.match(r"^[a-z][a-z0-9+.-]*:\S+$", value, re.I):
            return "features/link/uri must be a uri"
        if field == "tag" and (grapheme_len(value) > 64 or len(value.encode()) > 640):
            return "features/tag/tag must not be longer than 64 graphemes"
    return None


def _reply(reply: Any) -> str | None:
    """app.bsky.feed.post#replyRef: root and parent, both required, each a strongRef."""
    if not isinstance(reply, dict):
        return "reply must be an object"
    for key in ("root", "parent"):
        if key not in reply:
            return f'reply must have the property "{key}"'
    for key in ("root", "parent"):
        ref = reply[key]
        if not isinstance(ref, dict):
            return f"reply/{key} must be an object"
        for field in ("uri", "cid"):
            if field not in ref:
                return f'reply/{key} must have the property "{field}"'
        if not isinstance(ref["uri"], str) or not AT_URI.match(ref["uri"]):
            return f"reply/{key}/uri must be a valid at-uri"
        if not isinstance(ref["cid"], str) or not CID.match(ref["cid"]):
            return f"reply/{key}/cid must be a cid string"
    return None


def _boundary(data: bytes, offset: int) -> bool:
    return offset == len(data) or data[offset] & 0xC0 != 0x80


def _embed(embed: Any) -> str | None:
    kind = embed.get("$type") if isinstance(embed, dict) else None
    if kind == "app.bsky.embed.external":
        external = embed.get("external")
        if not isinstance(external, dict) or not all(
            isinstance(external.get(k), str) for k in ("uri", "title", "description")
        ):
            return "embed/external must have uri, title and description"
        return None
    if kind != "app.bsky.embed.images":
        return f"embed {kind!r} is not one the sandbox imitates (images, external)"
    images = embed.get("images")
    if not isinstance(images, list) or len(images) > 4:
        return "embed/images must be an array of at most 4 images"
    for i, image in enumerate(images):
        if not isinstance(image, dict) or not isinstance(image.get("alt"), str):
            return f'embed/images/{i} must have the property "alt"'
        blob = image.get("image")
        if not _blob_ref(blob):
            return f"embed/images/{i}/image should be a blob ref"
        if not blob["mimeType"].startswith("image/"):
            return f"embed/images/{i}/image mime type {blob['mimeType']} is not an image/*"
        if blob["size"] > MAX_IMAGE:
            return f"embed/images/{i}/image file is too large (maximum is {MAX_IMAGE} bytes)"
    return None


def _blob_ref(blob: Any) -> bool:
    return (
        isinstance(blob, dict)
        and blob.get("$type") == "blob"
        and isinstance(blob.get("ref"), dict)
        and isinstance(blob["ref"].get("$link"), str)
        and isinstance(blob.get("mimeType"), str)
        and isinstance(blob.get("size"), int)
    )
