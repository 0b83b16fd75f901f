"""Threads' content rules, from its publishing documentation: checked at intake, so a post is
refused when it is scheduled rather than when its container is refused hours later.

- Text: 500 characters, emoji counted as their UTF-8 bytes ("Emojis are counted as the number
  of UTF-8 bytes"); at most 5 unique links in all (the text's URLs plus the link attachment).
- Media: one image (JPEG, PNG) or video (MOV, MP4), or a carousel of 2-20 of them, mixed.
- A link attachment (`link_attachment`) exists only on text-only posts.
"""

from __future__ import annotations

import re

from ...domain.content import MediaKind, PostContent
from ...domain.platforms import Platform
from ...domain.validation import ContentError, format_errors

LIMITS = {
    "threads_text_chars": 500,
    "threads_links": 5,
    "threads_carousel_min": 2,
    "threads_carousel_max": 20,
    "threads_image_formats": (".jpg", ".jpeg", ".png"),
    "threads_video_formats": (".mp4", ".mov"),
}
# What Threads counts as a link: URLs with a scheme and bare `www.` hosts (its own examples).
LINK = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]{}\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?"


def _is_emoji(ch: str) -> bool:
    """The Unicode blocks emoji live in (pictographs, symbols, dingbats, flags, joiners)."""
    cp = ord(ch)
    return (
        cp >= 0x1F000
        or 0x2300 <= cp <= 0x23FF
        or 0x2600 <= cp <= 0x27BF
        or 0x2B00 <= cp <= 0x2BFF
        or 0xFE00 <= cp <= 0xFE0F
        or cp in (0x200D, 0x20E3)
    )


def text_length(text: str) -> int:
    """Length as Threads counts it against the 500: one per character, an emoji its bytes."""
    return sum(len(ch.encode("utf-8")) if _is_emoji(ch) else 1 for ch in text)


def unique_links(text: str, link: str = "") -> set[str]:
    found = {m.group(0).rstrip(_TRAILING) for m in LINK.finditer(text)}
    if link:
        found.add(link.rstrip(_TRAILING))
    return found


def content_rules(c: PostContent) -> list[ContentError]:
    p, errs, L = Platform.THREADS, [], LIMITS
    if not c.text.strip() and not c.media:
        errs.append(ContentError(p, "text", "a Threads post needs text or media"))
    if len(c.media) > L["threads_carousel_max"]:
        errs.append(
            ContentError(
                p,
                "media",
                f"a carousel takes {L['threads_carousel_min']}-{L['threads_carousel_max']} "
                f"items, got {len(c.media)}",
            )
        )
    length, limit = text_length(c.text), L["threads_text_chars"]
    if length > limit:
        errs.append(
            ContentError(
                p,
                "text",
                f"text counts {length} characters (an emoji counts as its UTF-8 bytes), "
                f"at most {limit} are allowed",
            )
        )
    if c.link and c.media:
        errs.append(
            ContentError(
                p,
                "link",
                "Threads attaches a link only to a text post: drop the media or put the URL "
                "in the text",
            )
        )
    links = len(unique_links(c.text, c.link))
    if links > L["threads_links"]:
        errs.append(
            ContentError(
                p, "text", f"the post has {links} different links, at most {L['threads_links']}"
            )
        )
    errs.extend(
        format_errors(
            p,
            c,
            {
                MediaKind.IMAGE: L["threads_image_formats"],
                MediaKind.VIDEO: L["threads_video_formats"],
            },
        )
    )
    return errs
