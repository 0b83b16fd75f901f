"""YouTube's content rules (title, description, one video), checked at intake."""

from __future__ import annotations

from ...domain.content import MediaKind, PostContent
from ...domain.platforms import Platform
from ...domain.validation import ContentError

LIMITS = {
    "youtube_title_chars": 100,
    "youtube_description_bytes": 5000,
}


def content_rules(c: PostContent) -> list[ContentError]:
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
