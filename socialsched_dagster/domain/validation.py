"""What every platform's content rules share: the error they raise and the checks several of
them make. The rules themselves live with each platform (platforms/<name>/rules.py), beside the
client that would otherwise meet the refusal; platforms/registry.py dispatches to them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .content import Media, MediaKind, PostContent
from .platforms import Platform

HASHTAG = re.compile(r"(?<![\w&])#\w+")
MENTION = re.compile(r"(?<![\w])@[\w.]+")


class ContentError(ValueError):
    """Content a platform would refuse. `field` names what to fix."""

    def __init__(self, platform: Platform, field: str, reason: str):
        super().__init__(f"{platform.value}: {field}: {reason}")
        self.platform = platform
        self.field = field
        self.reason = reason


def media_extension(media: Media) -> str | None:
    """The file extension of the URL's path, or None when the URL has none (a CDN id given
    with an `image:`/`video:` prefix): then only the platform can judge the format."""
    name = urlsplit(media.url).path.rsplit("/", 1)[-1].lower()
    return f".{name.rsplit('.', 1)[1]}" if "." in name else None


def format_errors(
    p: Platform, c: PostContent, allowed: dict[MediaKind, tuple[str, ...]]
) -> list[ContentError]:
    errs = []
    for m in c.media:
        ext = media_extension(m)
        formats = allowed.get(m.kind)
        if ext is not None and formats is not None and ext not in formats:
            names = ", ".join(f.lstrip(".").upper() for f in formats)
            errs.append(
                ContentError(p, "media", f"{m.kind.value} {ext} is not accepted, only {names}")
            )
    return errs


def merged(platform: Platform, errs: list[ContentError]) -> ContentError:
    """One error carrying every rule broken (for callers that raise rather than list)."""
    if len(errs) == 1:
        return errs[0]
    fields = ", ".join(dict.fromkeys(e.field for e in errs))
    return ContentError(platform, fields, "; ".join(e.reason for e in errs))
