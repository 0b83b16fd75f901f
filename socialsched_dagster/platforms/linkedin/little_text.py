"""LinkedIn's "little" text format, which a post's `commentary` is written in.

Its elements are mentions `@[Name](urn:li:person:..)`, hashtags `#tag` and templates
`{hashtag|#|tag}`; every other use of a reserved character must be escaped with a backslash
"even if those characters are not used in one of the supported elements". An unescaped one
breaks the text (LinkedIn is reported to cut the post at it). Our posts carry no mentions, so
everything reserved is escaped, except a `#` that starts a word: that is a hashtag, and stays one.
"""

from __future__ import annotations

import re

RESERVED = frozenset("|{}@[]()<>#\\*_~")
# A hashtag as people write one: '#' at a word's start, then letters or digits.
_HASHTAG_START = re.compile(r"(?<![\w&#])#(?=[^\W_])")


def escape(text: str) -> str:
    hashtags = {m.start() for m in _HASHTAG_START.finditer(text)}
    return "".join(
        f"\\{ch}" if ch in RESERVED and i not in hashtags else ch for i, ch in enumerate(text)
    )


def utf16_length(text: str) -> int:
    """Length as LinkedIn's (Java) services count a string: UTF-16 code units, so an emoji
    outside the BMP counts two. The docs give 3,000 "characters" without saying which."""
    return len(text.encode("utf-16-le")) // 2
