"""The bytes of a post's image: LinkedIn takes files, not URLs (the Images API hands out an
upload URL to PUT them to).

Downloaded through the media fetcher (public addresses only, every redirect hop checked), and
refused past our size bound. Where the config says media are not fetched (the sandbox, the demo,
stand-in hosts), a small PNG made from the URL stands in: the same URL gives the same bytes.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

import httpx

from ...domain.errors import ErrorKind, PublishError
from ...domain.web_urls import display_url
from ...security.public_urls import UnsafeUrl
from ..config import PlatformConfig
from ..media_fetcher import media_fetcher


def image_bytes(config: PlatformConfig, url: str, max_bytes: int) -> tuple[bytes, str]:
    """(bytes, content type) of the image at `url`."""
    if config.synthetic_video_bytes or config.media_policy.is_stand_in(url):
        return stand_in_png(url), "image/png"
    shown, chunks, size = display_url(url), [], 0
    try:
        with media_fetcher(config).stream("GET", url) as response:
            status = response.status_code
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
            if status < 400:
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > max_bytes:
                        break
    except UnsafeUrl as exc:  # no retry can make an internal address public
        raise PublishError(
            ErrorKind.VALIDATION, f"image {shown} was not downloaded: {exc}"
        ) from None
    except httpx.TransportError as exc:
        raise PublishError(
            ErrorKind.NETWORK, f"image {shown} could not be downloaded ({type(exc).__name__})"
        ) from exc
    if status >= 400:
        kind = ErrorKind.NETWORK if status >= 500 else ErrorKind.VALIDATION
        raise PublishError(
            kind, f"image {shown} could not be downloaded: HTTP {status}", http_status=status
        )
    if size > max_bytes:
        raise PublishError(ErrorKind.VALIDATION, f"image {shown} is over {max_bytes:,} bytes")
    if size == 0:
        raise PublishError(ErrorKind.VALIDATION, f"image {shown} is empty")
    return b"".join(chunks), content_type if content_type.startswith("image/") else "image/png"


def stand_in_png(url: str, side: int = 4) -> bytes:
    """A valid `side` x `side` RGB PNG whose pixels come from a hash of `url`."""
    seed = hashlib.sha256(url.encode()).digest() * 2
    rows = b"".join(b"\x00" + seed[r * side * 3 : (r + 1) * side * 3] for r in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
