"""What `prepare` leaves for `publish` and `reconcile`, stored on the target before the post:
when it was prepared (reconciliation reads the author's posts back to then) and the URNs of the
images it uploaded (a retry posts the same ones; they are ours alone, so a post holding them is
ours). Encoded compactly: the publisher stores at most 255 characters.

    li1;t=<unix ms>;i=<image id>,<image id>
"""

from __future__ import annotations

from dataclasses import dataclass

from ...domain.errors import ErrorKind, PublishError
from .urns import IMAGE_PREFIX

MAX_CHARS = 255
_TAG = "li1"


@dataclass(frozen=True)
class Prepared:
    at_ms: int
    images: tuple[str, ...] = ()

    def encode(self) -> str:
        ids = ",".join(urn.removeprefix(IMAGE_PREFIX) for urn in self.images)
        text = f"{_TAG};t={self.at_ms};i={ids}"
        if len(text) > MAX_CHARS:
            raise PublishError(
                ErrorKind.VALIDATION,
                f"{len(self.images)} LinkedIn images are more than socialsched can record for "
                "one post: schedule fewer",
            )
        return text

    @classmethod
    def decode(cls, text: str) -> Prepared:
        try:
            tag, at, ids = text.split(";")
            if tag != _TAG or not at.startswith("t=") or not ids.startswith("i="):
                raise ValueError(text)
            images = tuple(f"{IMAGE_PREFIX}{i}" for i in ids[2:].split(",") if i)
            return cls(int(at[2:]), images)
        except ValueError:
            raise PublishError(
                ErrorKind.UNKNOWN, f"unreadable LinkedIn upload record {text[:80]!r}"
            ) from None
