"""How many characters Mastodon counts in a status, the way its StatusLengthValidator does:
grapheme clusters, every URL as `characters_reserved_per_url` (23) whatever its length, and a
remote mention `@user@example.social` as `@user` (the domain is free).

Python's standard library has no grapheme segmentation, so clusters are approximated: a
combining mark, a variation selector, an emoji modifier or tag, and whatever a zero-width joiner
glues on count with the character before them, and two regional indicators make one flag. That
covers accented letters, skin tones, ZWJ families and flags; the instance's own 422 remains the
final word on anything rarer.
"""

from __future__ import annotations

import re
import unicodedata

# Roughly twitter-text's URL extraction, which Mastodon uses: a scheme, then no whitespace;
# trailing punctuation is the sentence's, not the URL's.
URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]}'\u2019\u201d]", re.IGNORECASE)
REMOTE_MENTION = re.compile(r"(?<![\w@])(@\w+(?:\.\w+)*)@[\w.-]+\.\w+")
_ZWJ = "\u200d"


def status_text(text: str, link: str) -> str:
    """What we send as the status: the text, and the link after it when the text lacks it."""
    text, link = text.strip(), link.strip()
    if link and link not in text:
        return f"{text}\n\n{link}" if text else link
    return text


def countable_length(text: str, per_url: int = 23) -> int:
    rewritten = URL.sub("x" * per_url, text)
    rewritten = REMOTE_MENTION.sub(r"\1", rewritten)
    return grapheme_count(rewritten)


def grapheme_count(text: str) -> int:
    count, joined, flag_open = 0, False, False
    for ch in text:
        if joined or _extends(ch):
            joined = ch == _ZWJ
            continue
        if ch == _ZWJ:
            joined = True
            continue
        if "\U0001f1e6" <= ch <= "\U0001f1ff":  # regional indicators pair up into flags
            if flag_open:
                flag_open = False
                continue
            flag_open = True
        else:
            flag_open = False
        count += 1
    return count


def _extends(ch: str) -> bool:
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or "\ufe00" <= ch <= "\ufe0f"  # variation selectors
        or "\U0001f3fb" <= ch <= "\U0001f3ff"  # emoji skin-tone modifiers
        or "\U000e0020" <= ch <= "\U000e007f"  # emoji tag sequences (subdivision flags)
    )
