"""LinkedIn's content rules, from the Posts and Images API documentation: checked at intake,
so a post is refused when it is scheduled rather than when LinkedIn refuses it hours later.

- commentary: required (LinkedIn refuses a blank one), at most 3,000 characters as sent, that
  is in little format, where each reserved character travels escaped and counts two.
- images: JPG, PNG or GIF; one image, or a multi-image post. LinkedIn takes 2-20; we take at
  most 9, because the uploads' ids are stored before the post (255 characters).
- videos: not published (LinkedIn's Videos API uploads in parts and finalizes them).
- no threads of posts on LinkedIn.
"""

from __future__ import annotations

from ...domain.content import MediaKind, PostContent
from ...domain.platforms import Platform
from ...domain.validation import ContentError, format_errors
from .little_text import utf16_length
from .posts import commentary, is_article

LIMITS = {
    "linkedin_commentary_chars": 3000,
    "linkedin_images_max": 9,
    "linkedin_image_formats": (".jpg", ".jpeg", ".png", ".gif"),
}


def content_rules(c: PostContent) -> list[ContentError]:
    p, errs, L = Platform.LINKEDIN, [], LIMITS
    videos = [m for m in c.media if m.kind is MediaKind.VIDEO]
    images = [m for m in c.media if m.kind is MediaKind.IMAGE]
    sent = commentary(c)
    if not sent.strip():
        why = "the text of an article post" if is_article(c) else "text"
        message = f"a LinkedIn post needs {why}: LinkedIn refuses a post without commentary"
        errs.append(ContentError(p, "text", message))
    if videos:
        errs.append(
            ContentError(
                p,
                "media",
                "socialsched does not publish videos to LinkedIn: post the video on LinkedIn "
                "itself, or schedule images instead",
            )
        )
    if len(images) > L["linkedin_images_max"]:
        errs.append(
            ContentError(
                p,
                "media",
                f"{len(images)} images, socialsched publishes at most "
                f"{L['linkedin_images_max']} to one LinkedIn post",
            )
        )
    length, limit = utf16_length(sent), L["linkedin_commentary_chars"]
    if length > limit:
        errs.append(
            ContentError(
                p,
                "text",
                f"text is {length:,} characters as LinkedIn receives it, at most {limit:,}: "
                "each of | { } @ [ ] ( ) < > \\ * _ ~ counts two (LinkedIn needs them "
                "escaped), an emoji may count two, and a link not sent as an article counts",
            )
        )
    if c.thread:
        errs.append(
            ContentError(p, "thread", "LinkedIn has no threads of posts: schedule them apart")
        )
    errs.extend(format_errors(p, c, {MediaKind.IMAGE: L["linkedin_image_formats"]}))
    return errs
