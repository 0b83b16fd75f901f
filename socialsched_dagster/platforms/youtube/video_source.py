"""Where the bytes of a YouTube upload come from.

A post names its video by URL. A real deployment downloads it (media_download.py: streamed into
a spooled temporary file, memory up to a few MiB, then disk) through the media fetcher, which
connects to public addresses only and checks every redirect hop (security/media_fetch.py). When
the config says `synthetic_video_bytes` (the sandbox, the demo), or the URL is on a host the
media policy names as a stand-in, deterministic bytes of `synthetic_video_size` stand in: the
same URL always gives the same bytes, so a resumed upload continues the very same stream.

The size must be known before the upload session is opened (X-Upload-Content-Length), so
`prepare` opens the source once for its size and `publish` opens it again for the bytes; for a
downloaded video that is two downloads, the price of keeping nothing between the two steps.
"""

from __future__ import annotations

import hashlib
import mimetypes
from typing import Protocol
from urllib.parse import urlsplit

from ...security.media_fetch import MediaFetcher
from ..config import PlatformConfig
from ..media_download import is_stand_in, spooled_download

_PATTERN_SIZE = 64 * 1024
_SPOOL_MEMORY = 8 * 1024 * 1024


class VideoSource(Protocol):
    size: int
    content_type: str

    def read(self, offset: int, length: int) -> bytes: ...

    def close(self) -> None: ...


def open_video(config: PlatformConfig, fetcher: MediaFetcher, url: str) -> VideoSource:
    if is_stand_in(config, url):
        return SyntheticVideo(url, config.synthetic_video_size)
    return DownloadedVideo(fetcher, url)


def content_type_of(url: str) -> str:
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed if guessed and guessed.startswith("video/") else "video/*"


class SyntheticVideo:
    def __init__(self, url: str, size: int) -> None:
        self.size = size
        self.content_type = content_type_of(url)
        seed = hashlib.sha256(url.encode()).digest()
        # 1 KiB of hashes tiled to 64 KiB: bytes that differ per URL, for a few microseconds
        # (hashing all 64 KiB was a tenth of a publishing run's CPU in the burst benchmark).
        block = b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(32))
        self._pattern = block * (_PATTERN_SIZE // len(block))

    def read(self, offset: int, length: int) -> bytes:
        end = min(offset + length, self.size)
        if offset >= end:
            return b""
        start = offset % _PATTERN_SIZE
        repeats = (start + end - offset) // _PATTERN_SIZE + 1
        return (self._pattern * repeats)[start : start + end - offset]

    def close(self) -> None:
        return None


class DownloadedVideo:
    def __init__(self, fetcher: MediaFetcher, url: str) -> None:
        # Lives as long as this source (closed by `close`).
        self._file, got = spooled_download(fetcher, url, what="video", memory=_SPOOL_MEMORY)
        self.size = got.size
        declared = got.declared_type
        self.content_type = declared if declared.startswith("video/") else content_type_of(url)

    def read(self, offset: int, length: int) -> bytes:
        self._file.seek(offset)
        return self._file.read(length)

    def close(self) -> None:
        self._file.close()
