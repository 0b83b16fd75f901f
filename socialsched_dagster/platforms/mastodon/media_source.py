"""The bytes of a post's media, for `POST /api/v2/media` (Mastodon takes files, not URLs).

Downloaded through the media fetcher (public addresses only, every redirect hop checked) into a
spooled temporary file, and refused once it grows past what the instance accepts, so a huge
file is neither kept nor sent. Media on hosts the media policy names as stand-ins (sandbox,
demo, tests), and videos when the config asks for synthetic video bytes, are replaced by small
generated files of the right kind: a real PNG, an MP4-shaped video, the same for the same URL.
"""

from __future__ import annotations

import hashlib
import mimetypes
import struct
import tempfile
import zlib
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

import httpx

from ...domain.content import Media, MediaKind
from ...domain.errors import ErrorKind, PublishError
from ...domain.web_urls import display_url
from ...security.media_fetch import MediaFetcher
from ...security.public_urls import UnsafeUrl
from ..config import PlatformConfig

_SPOOL_MEMORY = 4 * 1024 * 1024


@dataclass
class MediaFile:
    name: str
    content_type: str
    file: IO[bytes]
    size: int

    def close(self) -> None:
        self.file.close()


def open_media(
    config: PlatformConfig, fetcher: MediaFetcher, media: Media, max_bytes: int
) -> MediaFile:
    stand_in = config.media_policy.is_stand_in(media.url)
    if stand_in or (config.synthetic_video_bytes and media.kind is MediaKind.VIDEO):
        return synthetic(media, config.synthetic_video_size)
    return download(fetcher, media, max_bytes)


def synthetic(media: Media, video_size: int) -> MediaFile:
    seed = hashlib.sha256(media.url.encode()).digest()
    stem = (urlsplit(media.url).path.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "media")[:60]
    if media.kind is MediaKind.IMAGE:
        data, name, kind = _png(seed), f"{stem}.png", "image/png"
    else:
        data, name, kind = _mp4(seed, video_size), f"{stem}.mp4", "video/mp4"
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)  # noqa: SIM115 (caller closes)
    spool.write(data)
    spool.seek(0)
    return MediaFile(name, kind, spool, len(data))


def _png(seed: bytes) -> bytes:
    """An 8x8 PNG of one colour taken from the seed."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + seed[:3] * 8 for _ in range(8))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _mp4(seed: bytes, size: int) -> bytes:
    """An `ftyp` box (what identifies an MP4) followed by deterministic filler."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 512) + b"isomiso2"
    filler = hashlib.sha256(seed).digest() * (max(0, size - len(ftyp)) // 32 + 1)
    return (ftyp + filler)[: max(size, len(ftyp))]


def download(fetcher: MediaFetcher, media: Media, max_bytes: int) -> MediaFile:
    url, shown = media.url, display_url(media.url)
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)  # noqa: SIM115 (caller closes)
    try:
        status, type_header, size = _fetch(fetcher, url, spool, max_bytes)
    except BaseException:
        spool.close()
        raise
    if status >= 400:
        spool.close()
        kind = ErrorKind.NETWORK if status >= 500 else ErrorKind.VALIDATION
        raise PublishError(kind, f"media {shown} could not be downloaded: HTTP {status}")
    if size > max_bytes:
        spool.close()
        raise PublishError(
            ErrorKind.VALIDATION,
            f"{media.kind.value} {shown} is larger than the instance accepts "
            f"({max_bytes // (1024 * 1024)} MiB)",
            "media_too_large",
        )
    if size == 0:
        spool.close()
        raise PublishError(ErrorKind.VALIDATION, f"media {shown} is empty")
    spool.seek(0)
    name = urlsplit(url).path.rsplit("/", 1)[-1][:100] or "media"
    return MediaFile(name, _content_type(type_header, url, media.kind), spool, size)


def _fetch(fetcher: MediaFetcher, url: str, spool: IO[bytes], max_bytes: int):
    shown = display_url(url)
    try:
        with fetcher.stream("GET", url) as response:
            size = 0
            if response.status_code < 400:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        break  # stop reading: the instance would refuse it anyway
                    spool.write(chunk)
            return response.status_code, response.headers.get("content-type", ""), size
    except UnsafeUrl as exc:  # no retry can make an internal address public
        raise PublishError(
            ErrorKind.VALIDATION, f"media {shown} was not downloaded: {exc}"
        ) from None
    except httpx.TransportError as exc:
        raise PublishError(
            ErrorKind.NETWORK, f"media {shown} could not be downloaded ({type(exc).__name__})"
        ) from exc


def _content_type(header: str, url: str, kind: MediaKind) -> str:
    declared = header.split(";")[0].strip().lower()
    if declared.startswith(f"{kind.value}/"):
        return declared
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    if guessed and guessed.startswith(f"{kind.value}/"):
        return guessed
    return "application/octet-stream"  # the instance identifies the file by its content
