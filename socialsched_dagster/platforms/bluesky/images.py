"""A post's images as blobs on the account's PDS (`com.atproto.repo.uploadBlob`).

Bluesky does not fetch media by URL: the bytes are downloaded (media_download.py, through the
media fetcher: public addresses only, every redirect checked) and uploaded; the PDS answers a
blob ref (CID, MIME type it sniffed, size) that the post's `app.bsky.embed.images` embed then
names. The embed takes at most 2,000,000 bytes per image (the lexicon's maxSize; formerly
1 MB), so a larger image is refused here rather than after the upload. Where the config says
the media are not fetched (the sandbox, the demo, stand-in hosts), a small PNG generated from
the URL stands in (stand_in_media.py): the same URL always gives the same bytes, hence the
same blob.
"""

from __future__ import annotations

from ...domain.errors import ErrorKind, PublishError
from .. import media_download
from ..base import PublishJob
from ..config import PlatformConfig
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
    return media_download.image_bytes(
        config, url, max_bytes=MAX_IMAGE_BYTES, too_large=_too_large, unnamed_type="image/*"
    )


def _too_large(shown: str) -> PublishError:
    return PublishError(
        ErrorKind.VALIDATION,
        f"image {shown} is over {MAX_IMAGE_BYTES:,} bytes: Bluesky takes at most 2 MB per image, "
        "so make it smaller",
    )
