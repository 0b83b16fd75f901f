"""A post's images as blobs on the account's PDS (`com.atproto.repo.uploadBlob`).

Bluesky does not fetch media by URL: the bytes are downloaded here (through the media fetcher:
public addresses only, every redirect checked) and uploaded; the PDS answers a blob ref (CID,
MIME type it sniffed, size) that the post's `app.bsky.embed.images` embed then names. The embed
takes at most 2,000,000 bytes per image (the lexicon's maxSize; formerly 1 MB), so a larger
image is refused here rather than after the upload. Where the config says the media are not
fetched (the sandbox, the demo, stand-in hosts), a small PNG generated from the URL stands in:
the same URL always gives the same bytes, hence the same blob.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

import httpx

from ...domain.errors import ErrorKind, PublishError
from ...domain.web_urls import display_url
from ...security.public_urls import UnsafeUrl
from ..base import PublishJob
from ..config import PlatformConfig
from ..media_fetcher import media_fetcher
from .record_handle import BlobRef
from .xrpc import Xrpc

MAX_IMAGE_BYTES = 2_000_000


def upload_images(xrpc: Xrpc, config: PlatformConfig, job: PublishJob) -> tuple[BlobRef, ...]:
    return tuple(upload(xrpc, job, *image_bytes(config, m.url)) for m in job.content.media)


def upload(xrpc: Xrpc, job: PublishJob, data: bytes, content_type: str) -> BlobRef:
    body = xrpc.request(
        job, "com.atproto.repo.uploadBlob", procedure=True, content=data,
        content_type=content_type, effectful=True, expect=("blob",),
    )  # fmt: skip
    blob = body["blob"]
    try:
        ref = BlobRef(str(blob["ref"]["$link"]), str(blob["mimeType"]), int(blob["size"]))
    except (KeyError, TypeError, ValueError):
        raise PublishError(
            ErrorKind.UNKNOWN, f"bluesky uploadBlob: unreadable blob ref {str(blob)[:120]!r}"
        ) from None
    if not ref.mime_type.startswith("image/"):
        raise PublishError(
            ErrorKind.VALIDATION,
            f"the PDS reads the uploaded image as {ref.mime_type}, not an image",
        )
    return ref


def image_bytes(config: PlatformConfig, url: str) -> tuple[bytes, str]:
    """(bytes, content type) of the image at `url`."""
    if config.synthetic_video_bytes or config.media_policy.is_stand_in(url):
        return synthetic_png(url), "image/png"
    shown = display_url(url)
    chunks: list[bytes] = []
    size = 0
    try:
        with media_fetcher(config).stream("GET", url) as response:
            status = response.status_code
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
            if status < 400:
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > MAX_IMAGE_BYTES:
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
    if size > MAX_IMAGE_BYTES:
        raise PublishError(
            ErrorKind.VALIDATION,
            f"image {shown} is over {MAX_IMAGE_BYTES:,} bytes: Bluesky takes at most 2 MB per "
            "image, so make it smaller",
        )
    if size == 0:
        raise PublishError(ErrorKind.VALIDATION, f"image {shown} is empty")
    return b"".join(chunks), content_type if content_type.startswith("image/") else "image/*"


def synthetic_png(url: str, side: int = 4) -> bytes:
    """A valid `side` x `side` RGB PNG whose pixels come from a hash of `url`."""
    seed = hashlib.sha512(url.encode()).digest()
    row_bytes = side * 3
    pixels = (seed * (side * row_bytes // len(seed) + 1))[: side * row_bytes]
    raw = b"".join(b"\x00" + pixels[r * row_bytes : (r + 1) * row_bytes] for r in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
