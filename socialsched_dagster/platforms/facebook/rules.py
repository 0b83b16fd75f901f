"""Facebook Page posts' content rules, checked at intake."""

from __future__ import annotations

from ...domain.content import MediaKind, PostContent
from ...domain.platforms import Platform
from ...domain.validation import ContentError, format_errors

LIMITS = {
    # Facebook's long-standing cap on a post's text (widely documented; Graph refuses longer).
    "facebook_message_chars": 63206,
    # Page photos: JPEG, BMP, PNG, GIF and TIFF.
    "facebook_photo_formats": (".jpg", ".jpeg", ".bmp", ".png", ".gif", ".tif", ".tiff"),
}


def content_rules(c: PostContent) -> list[ContentError]:
    p, errs = Platform.FACEBOOK, []
    if not c.text.strip() and not c.media and not c.link:
        errs.append(ContentError(p, "text", "a Facebook post needs text, a link or media"))
    if len(c.media) > 1:
        errs.append(
            ContentError(p, "media", f"one photo or video per Facebook post, got {len(c.media)}")
        )
    errs.extend(format_errors(p, c, {MediaKind.IMAGE: LIMITS["facebook_photo_formats"]}))
    limit = LIMITS["facebook_message_chars"]
    if len(c.text) > limit:
        errs.append(
            ContentError(p, "text", f"text is {len(c.text):,} characters, at most {limit:,}")
        )
    return errs
