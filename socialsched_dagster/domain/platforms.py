"""The platforms we publish to. Adding one starts here."""

from __future__ import annotations

from enum import Enum


class Platform(str, Enum):
    INSTAGRAM = "instagram"
    FACEBOOK = "facebook"
    YOUTUBE = "youtube"
    MASTODON = "mastodon"
    THREADS = "threads"
    BLUESKY = "bluesky"
    LINKEDIN = "linkedin"
    X = "x"

    @classmethod
    def parse(cls, value: str) -> Platform:
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(p.value for p in cls)
            raise ValueError(f"unknown platform {value!r}; expected one of: {names}") from None
