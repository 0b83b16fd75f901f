"""The text of a Bluesky post and its facets: links, mentions and hashtags as UTF-8 byte ranges.

Bluesky renders no markup: a link, a mention or a hashtag is only clickable when a facet says
which bytes of the text it covers (`app.bsky.richtext.facet`, byteStart inclusive, byteEnd
exclusive, counted in the UTF-8 encoding, so "café #tag" puts the tag at bytes 6-10, not 5-9).
Detection follows the Bluesky app's own rules (@atproto/api rich-text/detection.ts): a mention is
an @handle after a space, "(" or the start, and needs the handle's DID (an unresolvable handle
stays plain text, as in the app); links are http(s) URLs with trailing punctuation left out;
a hashtag is # plus a run that is not only digits and punctuation, at most 64 graphemes. Bare
domains ("example.com") are not linked: the app decides those with a list of every TLD.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from ...domain.content import PostContent
from .graphemes import grapheme_len

FACET = "app.bsky.richtext.facet"
MENTION = re.compile(r"(?:^|(?<=[\s(]))@([a-zA-Z0-9.-]+)\b", re.ASCII)
HANDLE = re.compile(
    r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
)
URL = re.compile(r"(?:^|(?<=[\s(]))(https?://\S+)", re.IGNORECASE)
_NOT_IN_TAGS = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
TAG = re.compile(rf"(?:^|(?<=\s))[#\uff03]([^\s{_NOT_IN_TAGS}]*)")
MAX_TAG_GRAPHEMES = 64


def post_text(content: PostContent) -> str:
    """What the post says: its text, and its link below it unless the text already has it."""
    text, link = content.text, content.link.strip()
    if link and link not in text:
        return f"{text.rstrip()}\n\n{link}" if text.strip() else link
    return text


def facets(text: str, resolve: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """The facets of `text`; `resolve(handle)` gives a handle's DID, or None if it has none."""
    offsets = _byte_offsets(text)
    out: list[dict[str, Any]] = []

    def add(start: int, end: int, feature: dict[str, Any]) -> None:
        index = {"byteStart": offsets[start], "byteEnd": offsets[end]}
        out.append({"index": index, "features": [feature]})

    for m in MENTION.finditer(text):
        handle = m.group(1)
        if not HANDLE.match(handle) or handle.rsplit(".", 1)[-1].isdigit():
            continue  # not a handle (an e-mail-like word, an IP address)
        did = resolve(handle.lower())
        if did:
            add(m.start(), m.end(), {"$type": f"{FACET}#mention", "did": did})
    for m in URL.finditer(text):
        uri, end = m.group(1), m.end()
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            uri, end = uri[:-1], end - 1
        add(m.start(), end, {"$type": f"{FACET}#link", "uri": uri})
    for m in TAG.finditer(text):
        tag = _tag(m.group(1))
        if tag:
            add(m.start(), m.start() + 1 + len(tag), {"$type": f"{FACET}#tag", "tag": tag})
    return out


def _tag(run: str) -> str:
    if run.startswith("\ufe0f") or not any(c not in "0123456789" and not _punct(c) for c in run):
        return ""
    tag = run.strip()
    while tag and _punct(tag[-1]):
        tag = tag[:-1]
    return tag if 0 < grapheme_len(tag) <= MAX_TAG_GRAPHEMES else ""


def _punct(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def _byte_offsets(text: str) -> list[int]:
    """offsets[i]: the UTF-8 byte offset of character i (and of the end, at len(text))."""
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + len(ch.encode("utf-8", "surrogatepass")))
    return offsets
