"""How the sandbox reads a commentary in little format: escaped characters are text, mentions
`@[Name](urn)` show their name, `{hashtag|#|tag}` and `#tag` are hashtags. An unescaped reserved
character anywhere else ends the text: developers report LinkedIn cutting the post there (the
docs say only that reserved characters "must be escaped to be treated as plaintext"), so a
client that forgets to escape sees its posts arrive truncated."""

from __future__ import annotations

import re

from .little_text import RESERVED

_MENTION = re.compile(r"@\[([^\]\\]*)\]\((urn:li:(?:person|organization):[^)\s]+)\)")
_TEMPLATE = re.compile(r"\{hashtag\|[#\uff03]\|([^|{}]+)\}")
_HASHTAG = re.compile(r"#(?=[^\W_])")


def read(commentary: str) -> tuple[str, str]:
    """(the commentary LinkedIn keeps, its text as shown)."""
    shown: list[str] = []
    i, n = 0, len(commentary)
    while i < n:
        ch = commentary[i]
        if ch == "\\" and i + 1 < n and commentary[i + 1] in RESERVED:
            shown.append(commentary[i + 1])
            i += 2
            continue
        if ch not in RESERVED:
            shown.append(ch)
            i += 1
            continue
        element = _element(commentary, i)
        if element is None:
            return commentary[:i], "".join(shown)
        text, i = element
        shown.append(text)
    return commentary, "".join(shown)


def _element(commentary: str, i: int) -> tuple[str, int] | None:
    """(what a little element at `i` shows, where it ends), or None if none starts there."""
    for pattern, show in (
        (_MENTION, lambda m: m.group(1)),
        (_TEMPLATE, lambda m: f"#{m.group(1)}"),
        (_HASHTAG, lambda m: "#"),
    ):
        found = pattern.match(commentary, i)
        if found:
            return show(found), found.end()
    return None
