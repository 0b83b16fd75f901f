"""A post as X's API returns it, not as it was sent.

- `text`: every URL (X links `example.com` too) replaced by a t.co link, `&`, `<` and `>`
  HTML-escaped, and a post with media ending in its media's own t.co link;
- `entities.urls`: for each t.co link its start and end (in the returned text), the t.co
  `url`, the `expanded_url` (as written, `http://` added when it had no scheme) and a
  `display_url`; the media's link has `media_key` and a pic.x.com `display_url`;
- only the fields asked for in `tweet.fields`, besides `id`, `text` and
  `edit_history_tweet_ids`, and each only when the post has it (no `attachments` without
  media, no `referenced_tweets` on a post that replies to nothing).
"""

from __future__ import annotations

import hashlib
import html
import string
import unicodedata
from typing import Any

from ...sandbox.clock import rfc3339
from .text import urls

_ALPHABET = string.ascii_letters + string.digits
DEFAULT_FIELDS = ("id", "text", "edit_history_tweet_ids")


def tco(seed: str) -> str:
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    letters = []
    for _ in range(10):
        digest, n = divmod(digest, len(_ALPHABET))
        letters.append(_ALPHABET[n])
    return "https://t.co/" + "".join(letters)


def username(account: str) -> str:
    return f"sbx_{account[-8:]}"


def rendered(post: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """(text, entities.urls) of a stored post."""
    text = unicodedata.normalize("NFC", str(post.get("_text") or "")).strip()
    out, entities, at = "", [], 0
    for url, start, end in urls(text):
        out += html.escape(text[at:start], quote=False)
        link = tco(f"{post['external_id']}:{start}:{url}")
        entities.append(_entity(len(out), link, url))
        out += link
        at = end
    out += html.escape(text[at:], quote=False)
    keys = post.get("_media_keys") or []
    if keys:
        link = tco(f"{post['external_id']}:media")
        kind = "video" if str(keys[0]).startswith(("7_", "13_")) else "photo"
        expanded = f"https://x.com/{username(post['account'])}/status/{post['external_id']}"
        start = len(out) + (1 if out else 0)
        out = f"{out} {link}" if out else link
        entities.append(
            {
                "start": start,
                "end": start + len(link),
                "url": link,
                "expanded_url": f"{expanded}/{kind}/1",
                "display_url": f"pic.x.com/{link.rsplit('/', 1)[1]}",
                "media_key": str(keys[0]),
            }
        )
    return out, entities


def _entity(start: int, link: str, url: str) -> dict[str, Any]:
    expanded = url if "://" in url else f"http://{url}"
    shown = expanded.split("://", 1)[1]
    if len(shown) > 26:
        shown = shown[:25] + "\u2026"
    return {
        "start": start,
        "end": start + len(link),
        "url": link,
        "expanded_url": expanded,
        "display_url": shown,
    }


def post(sb, entry: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    text, entities = rendered(entry)
    pid = entry["external_id"]
    out: dict[str, Any] = {"id": pid, "text": text, "edit_history_tweet_ids": [pid]}
    reply_to = entry.get("in_reply_to")
    extra: dict[str, Any] = {
        "created_at": rfc3339(entry["ts"]),
        "author_id": entry["account"],
        "conversation_id": sb.root_of(entry),
    }
    if reply_to:
        extra["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
        replied = sb.posts.get(reply_to)
        if replied is not None:
            extra["in_reply_to_user_id"] = replied["account"]
    if entry.get("_media_keys"):
        extra["attachments"] = {"media_keys": list(entry["_media_keys"])}
    if entities:
        extra["entities"] = {"urls": entities}
    out.update({k: v for k, v in extra.items() if k in fields})
    return out
