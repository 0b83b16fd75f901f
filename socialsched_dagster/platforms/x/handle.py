"""What `prepare` hands the publisher to store before the post request: the uploaded media
(id, media key, whether X still had to process it) and when it was prepared.

The media ids are why a retry never uploads again; the media keys are how reconciliation
recognises the post among the account's (X lists a post's media by key); the time bounds that
search from below: the post request comes after `prepare`, so any post it made is younger.
The publisher stores at most 255 characters: a media key is "<type>_<media id>", so only its
type is written, and four media fit with room to spare.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from ...domain.errors import ErrorKind, PublishError

VERSION = 1
MAX_CHARS = 255
_KEY = re.compile(r"^(\d+)_(\d+)$")


@dataclass(frozen=True)
class UploadedMedia:
    id: str
    key: str  # "3_<id>" a photo, "7_<id>" a video, "16_<id>" an animated GIF
    pending: bool  # FINALIZE answered with processing_info: read its STATUS before posting


@dataclass(frozen=True)
class Prepared:
    media: tuple[UploadedMedia, ...]
    prepared_at: float  # Unix time

    @property
    def media_ids(self) -> list[str]:
        return [m.id for m in self.media]

    @property
    def media_keys(self) -> list[str]:
        return [m.key for m in self.media]

    def all_processed(self) -> Prepared:
        return replace(self, media=tuple(replace(m, pending=False) for m in self.media))

    def encode(self) -> str:
        media = [[m.id, _short_key(m), int(m.pending)] for m in self.media]
        text = json.dumps(
            {"v": VERSION, "at": round(self.prepared_at, 3), "m": media}, separators=(",", ":")
        )
        if len(text) > MAX_CHARS:  # cannot happen with X's ids; never store a truncated one
            raise PublishError(
                ErrorKind.UNKNOWN,
                f"the X upload record is {len(text)} characters, over {MAX_CHARS}",
            )
        return text

    @classmethod
    def decode(cls, text: str) -> Prepared:
        try:
            data = json.loads(text)
            if data.get("v") != VERSION:
                raise ValueError("unknown version")
            media = tuple(
                UploadedMedia(str(i), _full_key(str(i), str(k)), bool(p)) for i, k, p in data["m"]
            )
            return cls(media, float(data["at"]))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # Not ours (or from a version that no longer exists): prepare again from scratch.
            raise PublishError(
                ErrorKind.MEDIA_PROCESSING,
                f"stored X upload record is unreadable ({type(exc).__name__}); "
                "the media will be uploaded again",
                "unreadable_handle",
                replace_container=True,
            ) from None


def _short_key(m: UploadedMedia) -> str:
    found = _KEY.match(m.key)
    return found.group(1) if found and found.group(2) == m.id else m.key


def _full_key(media_id: str, stored: str) -> str:
    return f"{stored}_{media_id}" if stored.isdigit() else stored
