"""Mastodon's content rules that hold on EVERY instance, checked at intake.

Everything else is the instance's to say (its character limit, attachment sizes) and is read
from it before publishing (client.py); intake cannot ask, since it does not know the server.
"""

from __future__ import annotations

from ...domain.content import MediaKind, PostContent
from ...domain.platforms import Platform
from ...domain.validation import ContentError, format_errors
from .text_length import countable_length, status_text

LIMITS = {
    # Status::MEDIA_ATTACHMENTS_LIMIT in Mastodon; the instance's own number is checked live.
    "mastodon_media_max": 4,
    # No instance we know takes more: Mastodon ships 500 characters, GoToSocial, Pleroma and
    # Akkoma 5,000. A longer text is a mistake (a pasted document) on any server, so it is
    # refused here, with the instance's real limit checked before sending.
    "mastodon_text_max": 10_000,
    # MediaAttachment's supported types, by extension (upstream Mastodon; not configurable).
    "mastodon_image_formats": (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".avif"),
    "mastodon_video_formats": (".mp4", ".m4v", ".mov", ".webm"),
}


def content_rules(c: PostContent) -> list[ContentError]:
    p, errs, L = Platform.MASTODON, [], LIMITS
    text = status_text(c.text, c.link)
    if not text and not c.media:
        errs.append(ContentError(p, "text", "a Mastodon post needs text, a link or media"))
    if len(c.media) > L["mastodon_media_max"]:
        errs.append(
            ContentError(p, "media", f"at most 4 attachments per Mastodon post, got {len(c.media)}")
        )
    if len(c.media) > 1 and any(m.kind is MediaKind.VIDEO for m in c.media):
        # "Cannot attach a video to a post that already contains images": a video goes alone.
        errs.append(ContentError(p, "media", "a video must be a Mastodon post's only attachment"))
    length = countable_length(text)
    if length > L["mastodon_text_max"]:
        errs.append(
            ContentError(
                p, "text", f"text is {length:,} characters, no Mastodon server takes over 10,000"
            )
        )
    errs.extend(
        format_errors(
            p,
            c,
            {
                MediaKind.IMAGE: L["mastodon_image_formats"],
                MediaKind.VIDEO: L["mastodon_video_formats"],
            },
        )
    )
    return errs
