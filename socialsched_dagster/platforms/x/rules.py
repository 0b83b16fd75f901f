"""X's content rules, checked at intake for every post of a thread (each is its own post).

From X's documentation: 280 weighted characters (text.py says how they are counted), up to 4
images, or 1 animated GIF, or 1 video, never mixed; images JPG, PNG, GIF or WEBP, videos MP4 or
MOV. File sizes (5 MB an image, 15 MB a GIF, 512 MB a video) are checked when the media is
fetched, since only then are they known.
"""

from __future__ import annotations

from ...domain.content import MediaKind, PostContent
from ...domain.platforms import Platform
from ...domain.validation import ContentError, format_errors, media_extension
from .text import MAX_WEIGHTED_LENGTH, has_invalid_characters, post_text, weighted_length

P = Platform.X
MAX_IMAGES = 4
IMAGE_FORMATS = (".jpg", ".jpeg", ".png", ".gif", ".webp")
VIDEO_FORMATS = (".mp4", ".mov", ".m4v")


def content_rules(c: PostContent) -> list[ContentError]:
    segments = c.segments
    errs: list[ContentError] = []
    for n, segment in enumerate(segments):
        where = f"post {n + 1} of the thread: " if len(segments) > 1 else ""
        errs.extend(ContentError(P, e.field, where + e.reason) for e in segment_rules(segment))
    return errs


def segment_rules(c: PostContent) -> list[ContentError]:
    errs = []
    text = post_text(c.text, c.link)
    if not text and not c.media:
        errs.append(ContentError(P, "text", "an X post needs text, a link or media"))
    length = weighted_length(text)
    if length > MAX_WEIGHTED_LENGTH:
        errs.append(
            ContentError(
                P,
                "text",
                f"text is {length} characters as X counts them (a link counts 23, CJK "
                f"characters and emoji 2), at most {MAX_WEIGHTED_LENGTH}: shorten it",
            )
        )
    if has_invalid_characters(text):
        errs.append(ContentError(P, "text", "text contains U+FFFE, U+FEFF or U+FFFF"))
    errs.extend(_media_rules(c))
    errs.extend(
        format_errors(P, c, {MediaKind.IMAGE: IMAGE_FORMATS, MediaKind.VIDEO: VIDEO_FORMATS})
    )
    return errs


def is_gif(media) -> bool:
    return media.kind is MediaKind.IMAGE and media_extension(media) == ".gif"


def _media_rules(c: PostContent) -> list[ContentError]:
    videos = [m for m in c.media if m.kind is MediaKind.VIDEO]
    gifs = [m for m in c.media if is_gif(m)]
    if (videos or gifs) and len(c.media) > 1:
        return [
            ContentError(P, "media", "a video or an animated GIF must be an X post's only media")
        ]
    if len(c.media) > MAX_IMAGES:
        return [
            ContentError(P, "media", f"at most {MAX_IMAGES} images per X post, got {len(c.media)}")
        ]
    return []
