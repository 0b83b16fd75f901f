"""What `prepare` hands the publisher to store before the status is posted: the uploaded media
(their ids, and whether the instance had finished processing each) and when it was prepared.

The media ids are why a retry never uploads again: the next attempt polls and attaches the very
same attachments. The time bounds the Idempotency-Key's window from below: the status POST comes
after `prepare`, so when the handle is younger than the window, so is any POST made with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from ...domain.errors import ErrorKind, PublishError

VERSION = 1


@dataclass(frozen=True)
class UploadedMedia:
    id: str
    processed: bool  # the upload answered 200 (or a later poll did): no need to ask again


@dataclass(frozen=True)
class Prepared:
    media: tuple[UploadedMedia, ...]
    prepared_at: float  # Unix time

    @property
    def media_ids(self) -> list[str]:
        return [m.id for m in self.media]

    def all_processed(self) -> Prepared:
        return replace(self, media=tuple(replace(m, processed=True) for m in self.media))

    def encode(self) -> str:
        media = [{"id": m.id, "processed": m.processed} for m in self.media]
        return json.dumps(
            {"v": VERSION, "media": media, "at": round(self.prepared_at, 3)},
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, text: str) -> Prepared:
        try:
            data = json.loads(text)
            media = tuple(
                UploadedMedia(str(m["id"]), bool(m.get("processed"))) for m in data["media"]
            )
            return cls(media, float(data["at"]))
        except (ValueError, TypeError, KeyError) as exc:
            # Not ours (or from a version that no longer exists): prepare again from scratch.
            raise PublishError(
                ErrorKind.MEDIA_PROCESSING,
                f"stored Mastodon upload record is unreadable ({type(exc).__name__}); "
                "the media will be uploaded again",
                "unreadable_handle",
                replace_container=True,
            ) from None
