"""Per-platform content rules, checked before a post is accepted rather than when it fails.

Limits are the platforms' documented ones (see PLATFORM_APIS.md); they live in one table so a
changed limit is a one-line edit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from .content import Media, MediaKind, PostContent
from .platforms import Platform

LIMITS = {
    "instagram_caption_chars": 2200,
    "instagram_hashtags": 30,
    "instagram_mentions": 20,
    "instagram_carousel_min": 2,
    "instagram_carousel_max": 10,
    # Facebook's long-standing cap on a post's text (widely documented; Graph refuses longer).
    "facebook_message_chars": 63206,
    # Instagram: "JPEG is the only image format supported"; reels and carousel videos MP4 or MOV.
    "instagram_image_formats": (".jpg", ".jpeg"),
    "instagram_video_formats": (".mp4", ".mov"),
    # Facebook Page photos: JPEG, BMP, PNG, GIF and TIFF.
    "facebook_photo_formats": (".jpg", ".jpeg", ".bmp", ".png", ".gif", ".tif", ".tiff"),
    "youtube_title_chars": 100,
    "youtube_description_bytes": 5000,
}

_HASHTAG = re.compile(r"(?<![\w&])#\w+")
_MENTION = re.compile(r"(?<![\w])@[\w.]+")


class ContentError(ValueError):
    """Content a platform would refuse. `field` names what to fix."""

    def __init__(self, platform: Platform, field: str, reason: str):
        super().__init__(f"{platform.value}: {field}: {reason}")
        self.platform = platform
        self.field = field
        self.reason = reason


def _extension(media: Media) -> str | None:
    """The file extension of the URL's path, or None when the URL has none (a CDN id given
    with an `image:`/`video:` prefix): then only the platform can judge the format."""
    name = urlsplit(media.url).path.rsplit("/", 1)[-1].lower()
    return f".{name.rsplit('.', 1)[1]}" if "." in name else None


def _formats(p: Platform, c: PostContent, allowed: dict[MediaKind, tuple[str, ...]]):
    errs = []
    for m in c.media:
        ext = _extension(m)
        formats = allowed.get(m.kind)
        if ext is not None and formats is not None and ext not in formats:
            names = ", ".join(f.lstrip(".").upper() for f in formats)
            errs.append(
                ContentError(p, "media", f"{m.kind.value} {ext} is not accepted, only {names}")
            )
    return errs


def _instagram(c: PostContent) -> list[ContentError]:
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
        _formats(
            p,
            c,
            {
                MediaKind.IMAGE: L["instagram_image_formats"],
                MediaKind.VIDEO: L["instagram_video_formats"],
            },
        )
    )
    tags = len(_HASHTAG.findall(c.text))
    if tags > L["instagram_hashtags"]:
        errs.append(ContentError(p, "text", f"caption has {tags} hashtags, at most 30 allowed"))
    mentions = len(_MENTION.findall(c.text))
    if mentions > L["instagram_mentions"]:
        errs.append(ContentError(p, "text", f"caption has {mentions} mentions, at most 20"))
    return errs


def _facebook(c: PostContent) -> list[ContentError]:
    p, errs = Platform.FACEBOOK, []
    if not c.text.strip() and not c.media and not c.link:
        errs.append(ContentError(p, "text", "a Facebook post needs text, a link or media"))
    if len(c.media) > 1:
        errs.append(
            ContentError(p, "media", f"one photo or video per Facebook post, got {len(c.media)}")
        )
    errs.extend(_formats(p, c, {MediaKind.IMAGE: LIMITS["facebook_photo_formats"]}))
    limit = LIMITS["facebook_message_chars"]
    if len(c.text) > limit:
        errs.append(
            ContentError(p, "text", f"text is {len(c.text):,} characters, at most {limit:,}")
        )
    return errs


def _youtube(c: PostContent) -> list[ContentError]:
    p, errs, L = Platform.YOUTUBE, [], LIMITS
    videos = [m for m in c.media if m.kind is MediaKind.VIDEO]
    if len(videos) != 1 or len(c.media) != 1:
        errs.append(ContentError(p, "media", "YouTube needs exactly one video"))
    title = c.title.strip()
    if not title:
        errs.append(ContentError(p, "title", "a YouTube video needs a title"))
    elif len(title) > L["youtube_title_chars"]:
        errs.append(
            ContentError(p, "title", f"title is {len(title)} characters, at most 100 allowed")
        )
    if "<" in c.title or ">" in c.title:
        errs.append(ContentError(p, "title", "YouTube titles may not contain '<' or '>'"))
    size = len(c.description.encode("utf-8"))
    if size > L["youtube_description_bytes"]:
        errs.append(
            ContentError(p, "description", f"description is {size} bytes, at most 5,000 allowed")
        )
    if "<" in c.description or ">" in c.description:
        errs.append(ContentError(p, "description", "may not contain '<' or '>'"))
    return errs


_RULES: dict[Platform, Callable[[PostContent], list[ContentError]]] = {
    Platform.INSTAGRAM: _instagram,
    Platform.FACEBOOK: _facebook,
    Platform.YOUTUBE: _youtube,
}


def content_errors(platform: Platform, content: PostContent) -> list[ContentError]:
    return _RULES[platform](content)


def validate_content(platform: Platform, content: PostContent) -> None:
    """Raise the first rule the content breaks (all of them are in the message)."""
    errs = content_errors(platform, content)
    if errs:
        if len(errs) == 1:
            raise errs[0]
        fields = ", ".join(dict.fromkeys(e.field for e in errs))
        raise ContentError(platform, fields, "; ".join(e.reason for e in errs))
