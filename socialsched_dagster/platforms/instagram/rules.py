"""Instagram's content rules, from its documentation: checked at intake, before a post is
accepted, rather than when the container is refused."""

from __future__ import annotations

from ...domain.content import MediaKind, PostContent
from ...domain.platforms import Platform
from ...domain.validation import HASHTAG, MENTION, ContentError, format_errors

LIMITS = {
    "instagram_caption_chars": 2200,
    "instagram_hashtags": 30,
    "instagram_mentions": 20,
    "instagram_carousel_min": 2,
    "instagram_carousel_max": 10,
    # "JPEG is the only image format supported"; reels and carousel videos MP4 or MOV.
    "instagram_image_formats": (".jpg", ".jpeg"),
    "instagram_video_formats": (".mp4", ".mov"),
}


def content_rules(c: PostContent) -> list[ContentError]:
    p, errs, L = Platform.INSTAGRAM, [], LIMITS
    if not c.media:
        errs.append(ContentError(p, "media", "Instagram needs at least one image or video"))
    elif len(c.media) > 1 and not (
        L["instagram_carousel_min"] <= len(c.media) <= L["instagram_carousel_max"]
    ):
        errs.append(
            ContentError(
                p,
                "media",
                f"a carousel takes {L['instagram_carousel_min']}-{L['instagram_carousel_max']} "
                f"items, got {len(c.media)}",
            )
        )
    if len(c.text) > L["instagram_caption_chars"]:
        errs.append(
            ContentError(
                p, "text", f"caption is {len(c.text)} characters, at most 2,200 are allowed"
            )
        )
    errs.extend(
        format_errors(
            p,
            c,
            {
                MediaKind.IMAGE: L["instagram_image_formats"],
                MediaKind.VIDEO: L["instagram_video_formats"],
            },
        )
    )
    tags = len(HASHTAG.findall(c.text))
    if tags > L["instagram_hashtags"]:
        errs.append(ContentError(p, "text", f"caption has {tags} hashtags, at most 30 allowed"))
    mentions = len(MENTION.findall(c.text))
    if mentions > L["instagram_mentions"]:
        errs.append(ContentError(p, "text", f"caption has {mentions} mentions, at most 20"))
    return errs
