"""What a post says on X and how long X counts it.

The length is twitter-text's weighted length (configuration v3, the one X's own clients and
API use): most Latin, Greek, Cyrillic and punctuation count 1, everything else (CJK, most
symbols) 2, an emoji sequence 2 however many code points it has, and every URL 23 whatever its
length, text normalised to NFC first. The twitter-text-parser package is the Python port that
passes twitter-text's conformance suite, so nothing here re-derives those tables.
"""

from __future__ import annotations

from functools import cache

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23


def post_text(text: str, link: str = "") -> str:
    """What we send as the post's text: the text, and the link after it when the text lacks
    it (X shows a link card for it, and counts it 23 like any URL)."""
    text, link = text.strip(), link.strip()
    if link and link not in text:
        return f"{text}\n\n{link}" if text else link
    return text


def weighted_length(text: str) -> int:
    return _twitter_text().parse_tweet(text).weightedLength


def urls(text: str) -> list[tuple[str, int, int]]:
    """The URLs X will link in `text` (also those written without a scheme, `example.com`),
    with their start and end offsets in code points."""
    return [
        (u["url"], u["indices"][0], u["indices"][1])
        for u in _twitter_text().extract_urls_with_indices(text)
    ]


def has_url(text: str) -> bool:
    return bool(_twitter_text().extract_urls(text))


def has_invalid_characters(text: str) -> bool:
    """U+FFFE, U+FEFF and U+FFFF, which X refuses in a post."""
    from twitter_text.has_invalid_characters import has_invalid_characters as invalid

    return invalid(text)


@cache
def _twitter_text():
    # Imported on first use: its regular expressions take a few hundred ms to build, and only
    # X's rules, client and sandbox need them.
    import twitter_text

    return twitter_text
