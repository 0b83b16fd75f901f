"""What `prepare` hands the publisher to store before the post is created: the record key.

The record key (a TID) is chosen once, before the first createRecord, and every later attempt
writes under the same key: a second create of that key cannot make a second post, and "did it go
out?" is one getRecord of that key. The uploaded images' blob refs ride along when they fit the
stored column (`post_targets.container_id`, 255 characters: one or two images); the PDS drops
blobs no record references within minutes anyway, so a later attempt may have to upload them
again in any case (the same bytes give the same refs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .tid import is_tid

MAX_STORED = 255  # the length of post_targets.container_id


@dataclass(frozen=True)
class BlobRef:
    cid: str
    mime_type: str
    size: int

    def record(self) -> dict[str, Any]:
        """As a record embeds it (the lexicon's `blob` type)."""
        return {
            "$type": "blob",
            "ref": {"$link": self.cid},
            "mimeType": self.mime_type,
            "size": self.size,
        }


@dataclass(frozen=True)
class RecordHandle:
    rkey: str
    blobs: tuple[BlobRef, ...] | None = None  # None: not stored, upload them when publishing

    def dumps(self) -> str:
        text = _dump({"rkey": self.rkey})
        if self.blobs:
            with_blobs = _dump(
                {"rkey": self.rkey, "blobs": [[b.cid, b.mime_type, b.size] for b in self.blobs]}
            )
            if len(with_blobs) <= MAX_STORED:
                text = with_blobs
        return text

    @classmethod
    def loads(cls, text: str) -> RecordHandle:
        """ValueError when `text` is not a handle this module wrote."""
        try:
            data = json.loads(text)
            rkey = data["rkey"]
            blobs = data.get("blobs")
            refs = (
                None
                if blobs is None
                else tuple(BlobRef(str(c), str(m), int(s)) for c, m, s in blobs)
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not a Bluesky record handle: {text[:60]!r}") from exc
        if not isinstance(rkey, str) or not is_tid(rkey):
            raise ValueError(f"not a record key: {rkey!r}")
        return cls(rkey, refs)


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))
