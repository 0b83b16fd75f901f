"""What a post says and shows, independent of where it goes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from enum import Enum

from .web_urls import display_url, web_url_problem


class MediaKind(str, Enum):
    IMAGE = "image"
    VIDEO = "video"


_IMAGE_EXT = (".jpg", ".jpeg", ".png", ".webp", ".gif")
_VIDEO_EXT = (".mp4", ".mov", ".m4v", ".webm", ".avi", ".mkv")


@dataclass(frozen=True)
class Media:
    url: str
    kind: MediaKind

    @classmethod
    def parse(cls, text: str) -> Media:
        """`https://x/y.jpg`, or with an explicit kind for extension-less CDN URLs:
        `video:https://cdn/abc`."""
        text = text.strip()
        for kind in MediaKind:
            prefix = f"{kind.value}:"
            if text.lower().startswith(prefix):
                return cls(_check_url(text[len(prefix) :].strip()), kind)
        url = _check_url(text)
        path = url.split("?", 1)[0].lower()
        if path.endswith(_IMAGE_EXT):
            return cls(url, MediaKind.IMAGE)
        if path.endswith(_VIDEO_EXT):
            return cls(url, MediaKind.VIDEO)
        raise ValueError(
            f"cannot tell whether {url!r} is an image or a video: give it a file extension "
            "or prefix it with 'image:' or 'video:'"
        )

    def as_dict(self) -> dict[str, str]:
        return {"url": self.url, "kind": self.kind.value}


def _check_url(url: str) -> str:
    """Syntax only: whether the host is public is decided where DNS may be asked
    (security/public_urls.py), at intake and again when the media is fetched."""
    problem = web_url_problem(url)
    if problem:
        raise ValueError(f"media URL {display_url(url)!r} {problem}")
    return url


@dataclass(frozen=True)
class PostContent:
    text: str = ""  # caption (Instagram), message (Facebook)
    title: str = ""  # YouTube
    description: str = ""  # YouTube
    link: str = ""  # Facebook feed link
    media: tuple[Media, ...] = field(default_factory=tuple)
    # A thread of posts: the segments after this one, in order, each published as a reply to
    # the one before (X, Bluesky, Mastodon, Threads). Each segment is text and media only.
    thread: tuple[PostContent, ...] = field(default_factory=tuple)

    def fingerprint(self) -> str:
        """Stable hash of the content: import idempotency and duplicate checks compare it."""
        body = json.dumps(self._identity(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()

    def _identity(self) -> dict:
        body: dict = {
            "text": self.text,
            "title": self.title,
            "description": self.description,
            "link": self.link,
            "media": [m.as_dict() for m in self.media],
        }
        if self.thread:  # only then: the fingerprints of posts without a thread never change
            body["thread"] = [segment._identity() for segment in self.thread]
        return body

    @property
    def segments(self) -> tuple[PostContent, ...]:
        """The posts that go out, in order: this one (without its thread), then the thread."""
        if not self.thread:
            return (self,)
        return (replace(self, thread=()), *self.thread)
