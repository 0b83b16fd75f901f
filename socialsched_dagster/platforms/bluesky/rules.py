"""Bluesky's content rules, from the app.bsky.feed.post lexicon, checked at intake.

The text is counted as Bluesky counts it, in graphemes (graphemes.py), with the post's link
included (richtext.post_text adds it below the text); the lexicon also caps it at 3,000 UTF-8
bytes, which 300 long emoji can pass. Images: at most 4 in one `app.bsky.embed.images`, in the
formats the Bluesky app posts. Video (`app.bsky.embed.video`, uploaded through a separate video
service) is not supported yet.
"""

from __future__ import annotations

from ...domain.content import MediaKind, PostContent
from ...domain.platforms import Platform
from ...domain.validation import ContentError, format_errors
from .graphemes import grapheme_len, utf8_len
from .richtext import post_text

LIMITS = {
    "bluesky_text_graphemes": 300,
    "bluesky_text_bytes": 3000,
    "bluesky_images": 4,
    "bluesky_image_formats": (".jpg", ".jpeg", ".png", ".webp"),
}


def content_rules(c: PostContent) -> list[ContentError]:
    p, errs, L = Platform.BLUESKY, [], LIMITS
    text = post_text(c)
    if not text.strip() and not c.media:
        errs.append(ContentError(p, "text", "a Bluesky post needs text, a link or an image"))
    graphemes, limit = grapheme_len(text), L["bluesky_text_graphemes"]
    if graphemes > limit:
        what = "text with its link" if text != c.text else "text"
        errs.append(
            ContentError(
                p, "text", f"{what} is {graphemes:,} characters, at most {limit} on Bluesky"
            )
        )
    elif utf8_len(text) > L["bluesky_text_bytes"]:
        errs.append(
            ContentError(
                p,
                "text",
                f"text is {utf8_len(text):,} bytes in UTF-8, at most 3,000 (long emoji count "
                "several bytes each): shorten it",
            )
        )
    videos = sum(1 for m in c.media if m.kind is MediaKind.VIDEO)
    if videos:
        errs.append(
            ContentError(p, "media", "video is not supported for Bluesky yet: post images, "
                         "or a link to the video")
        )  # fmt: skip
    images = len(c.media) - videos
    if images > L["bluesky_images"]:
        errs.append(ContentError(p, "media", f"at most 4 images per Bluesky post, got {images}"))
    errs.extend(format_errors(p, c, {MediaKind.IMAGE: L["bluesky_image_formats"]}))
    return errs
