"""Where the bytes of a YouTube upload come from.

A post names its video by URL. A real deployment downloads it (streamed into a spooled temporary
file: memory up to a few MiB, then disk) through the media fetcher, which connects to public
addresses only and checks every redirect hop (security/media_fetch.py). When the config says
`synthetic_video_bytes` (the sandbox, the demo), or the URL is on a host the media policy names
as a stand-in, deterministic bytes of `synthetic_video_size` stand in: the same URL always gives
the same bytes, so a resumed upload continues the very same stream.

The size must be known before the upload session is opened (X-Upload-Content-Length), so
`prepare` opens the source once for its size and `publish` opens it again for the bytes; for a
downloaded video that is two downloads, the price of keeping nothing between the two steps.
"""

from __future__ import annotations

import hashlib
import mimetypes
import tempfile
from typing import IO, Protocol
from urllib.parse import urlsplit

import httpx

from ...domain.errors import ErrorKind, PublishError
from ...domain.web_urls import display_url
from ...security.media_fetch import MediaFetcher
from ...security.public_urls import UnsafeUrl
from ..config import PlatformConfig

_PATTERN_SIZE = 64 * 1024
_SPOOL_MEMORY = 8 * 1024 * 1024


class VideoSource(Protocol):
    size: int
    content_type: str

    def read(self, offset: int, length: int) -> bytes: ...

    def close(self) -> None: ...


def open_video(config: PlatformConfig, fetcher: MediaFetcher, url: str) -> VideoSource:
    if config.synthetic_video_bytes or config.media_policy.is_stand_in(url):
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
        self.content_type = content_type_of(url)
        # Lives as long as this source (closed by `close`), so no `with` block.
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)  # noqa: SIM115
        try:
            self.size = self._download(fetcher, url)
        except BaseException:
            self._file.close()
            raise

    def _download(self, fetcher: MediaFetcher, url: str) -> int:
        # Only the transfer happens inside the stream; errors are decided after it is closed.
        try:
            with fetcher.stream("GET", url) as response:
                status = response.status_code
                type_header = response.headers.get("content-type", "")
                if status < 400:
                    for chunk in response.iter_bytes():
                        self._file.write(chunk)
        except UnsafeUrl as exc:  # no retry can make an internal address public
            raise PublishError(
                ErrorKind.VALIDATION, f"video {display_url(url)} was not downloaded: {exc}"
            ) from None
        except httpx.TransportError as exc:
            raise PublishError(
                ErrorKind.NETWORK,
                f"video {display_url(url)} could not be downloaded ({type(exc).__name__})",
            ) from exc
        if status >= 400:
            kind = ErrorKind.NETWORK if status >= 500 else ErrorKind.VALIDATION
            raise PublishError(
                kind,
                f"video {display_url(url)} could not be downloaded: HTTP {status}",
                http_status=status,
            )
        if type_header.startswith("video/"):
            self.content_type = type_header.split(";")[0].strip()
        size = self._file.tell()
        if size == 0:
            raise PublishError(ErrorKind.VALIDATION, f"video {display_url(url)} is empty")
        return size

    def read(self, offset: int, length: int) -> bytes:
        self._file.seek(offset)
        return self._file.read(length)

    def close(self) -> None:
        self._file.close()
