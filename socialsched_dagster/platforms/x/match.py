"""Recognising our post among the account's own, as GET /2/users/:id/tweets returns them.

X has no idempotency key, so this is the evidence, all of it required:
- the reply: a thread's segment replies to the segment before (`referenced_tweets` replied_to
  that id); a post that is not a segment replies to nothing;
- the media: the post carries exactly our uploads' media keys (`attachments.media_keys`);
- the text, as X returns it. X does not give back what we sent: every URL is replaced by a
  t.co link (its `entities.urls` give the original as `expanded_url`), a post with media gets
  its media's own t.co link at the end, `&`, `<` and `>` come HTML-escaped, and the text is
  NFC-normalised and trimmed. Both sides are reduced to the same form: text pieces with their
  whitespace collapsed, and each URL compared by host and path (X adds `http://` to a URL
  written without a scheme). A link X sends without an `expanded_url` matches any URL in its
  place, never a word.
Retweets show someone else's post and are never ours.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

from .text import urls

_TCO = re.compile(r"(https://t\.co/[A-Za-z0-9]+)")
Token = tuple[str, str | None]  # ("t", words) or ("u", normalised URL, None: any URL)


def is_ours(tweet: dict[str, Any], text: str, media_keys: list[str], reply_to: str | None) -> bool:
    refs = [r for r in tweet.get("referenced_tweets") or [] if isinstance(r, dict)]
    if any(r.get("type") == "retweeted" for r in refs):
        return False
    replied = [str(r.get("id")) for r in refs if r.get("type") == "replied_to"]
    if replied != ([reply_to] if reply_to else []):
        return False
    attached = (tweet.get("attachments") or {}).get("media_keys") or []
    if sorted(str(k) for k in attached) != sorted(media_keys):
        return False
    return _same(their_tokens(tweet), our_tokens(text))


def our_tokens(text: str) -> list[Token]:
    text = unicodedata.normalize("NFC", text)
    tokens: list[Token] = []
    at = 0
    for url, start, end in urls(text):
        tokens += [("t", text[at:start]), ("u", normal_url(url))]
        at = end
    tokens.append(("t", text[at:]))
    return _collapse(tokens)


def their_tokens(tweet: dict[str, Any]) -> list[Token]:
    text = str(tweet.get("text") or "")
    entities = (tweet.get("entities") or {}).get("urls") or []
    links = {str(e.get("url")): e for e in entities if isinstance(e, dict) and e.get("url")}
    tokens: list[Token] = []
    for n, piece in enumerate(_TCO.split(text)):
        if n % 2 == 0:
            tokens.append(("t", unicodedata.normalize("NFC", html.unescape(piece))))
            continue
        entity = links.get(piece, {})
        if entity.get("media_key") or _is_media_link(entity):
            continue  # the link X adds to a post's media: not part of what we wrote
        expanded = entity.get("expanded_url")
        tokens.append(("u", normal_url(str(expanded)) if expanded else None))
    return _collapse(tokens)


def normal_url(url: str) -> str:
    """`HTTPS://Example.com/a/` and `example.com/a` alike: host lower-cased, no scheme, no
    trailing slash."""
    rest = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", url.strip())
    host, slash, path = rest.partition("/")
    return (host.lower() + slash + path).rstrip("/")


def _is_media_link(entity: dict[str, Any]) -> bool:
    shown = str(entity.get("display_url") or "")
    return shown.startswith(("pic.x.com/", "pic.twitter.com/"))


def _collapse(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for kind, value in tokens:
        if kind == "t":
            words = " ".join((value or "").split())
            if not words:
                continue
            if out and out[-1][0] == "t":
                out[-1] = ("t", f"{out[-1][1]} {words}")
                continue
            out.append(("t", words))
        else:
            out.append((kind, value))
    return out


def _same(theirs: list[Token], ours: list[Token]) -> bool:
    if len(theirs) != len(ours):
        return False
    for (kind_a, a), (kind_b, b) in zip(theirs, ours, strict=True):
        if kind_a != kind_b:
            return False
        if kind_a == "t" and a != b:
            return False
        if kind_a == "u" and a is not None and b is not None and a != b:
            return False
    return True
