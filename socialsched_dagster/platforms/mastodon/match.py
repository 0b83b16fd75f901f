"""Recognising our status among the account's own, once the Idempotency-Key has expired.

Evidence in order of strength:
- media: an attachment id is unique to our upload, and Mastodon attaches a media to one status
  only, so a status carrying one of our media ids IS ours (no text needed);
- text: a text-only status is recognised by what it says. The API returns `content` as HTML
  the instance rendered: paragraphs and line breaks, hashtags and mentions as links (a remote
  mention shown without its domain), and links shortened for display. So both sides are reduced
  to words: tags dropped, every link reduced to one placeholder, whitespace collapsed.
Only statuses created since just before `prepare` are considered; among those, the same words
posted twice are indistinguishable and the newer is taken (a missed post, never a double one).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from .text_length import REMOTE_MENTION, URL

LINK = "\x00link\x00"


def is_ours(
    status: dict[str, Any], text: str, media_ids: list[str], reply_to: str | None = None
) -> bool:
    if status.get("reblog"):
        return False  # a boost shows someone else's status
    if str(status.get("in_reply_to_id") or "") != (reply_to or ""):
        return False  # a thread's segment answers the one before it; anything else is not it
    if media_ids:
        attached = status.get("media_attachments") or []
        return any(isinstance(m, dict) and str(m.get("id")) in media_ids for m in attached)
    return words_of_html(str(status.get("content") or "")) == words_of_text(text)


def words_of_text(text: str) -> str:
    text = URL.sub(LINK, text)
    text = REMOTE_MENTION.sub(r"\1", text)
    return _collapse(text)


def words_of_html(content: str) -> str:
    parser = _Text()
    parser.feed(content)
    parser.close()
    return _collapse("".join(parser.parts))


def _collapse(text: str) -> str:
    return " ".join(re.sub(rf"\s*{LINK}\s*", f" {LINK} ", text).split())


class _Text(HTMLParser):
    """The words of Mastodon's status HTML; a non-mention, non-hashtag link becomes LINK."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._in_link = 0  # depth inside an <a> whose text is replaced

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            classes = (dict(attrs).get("class") or "").split()
            if self._in_link or not ({"mention", "hashtag"} & set(classes)):
                if not self._in_link:
                    self.parts.append(LINK)
                self._in_link += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.parts.append("\n\n")
        elif tag == "a" and self._in_link:
            self._in_link -= 1

    def handle_data(self, data: str) -> None:
        if not self._in_link:
            self.parts.append(data)
