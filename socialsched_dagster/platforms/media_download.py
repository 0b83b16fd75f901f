"""A post's media as bytes, for the platforms that take files rather than URLs (Bluesky,
LinkedIn, Mastodon, X, YouTube).

Downloaded through the media fetcher (media_fetcher.py: public addresses only, every redirect
hop checked), streamed, and cut off as soon as it grows past what the platform accepts, so a
huge file is neither kept nor sent. Media on the hosts the media policy names as stand-ins, and
wherever the config asks for synthetic bytes, are generated instead (stand_in_media.py).

Every platform fails a download the same way, each naming the media in its own words
(`what`: "image", "video", "media"): an address the policy refuses, an empty file, a 4xx or a
file over the limit is VALIDATION (no retry changes them); a lost connection or a 5xx is
NETWORK, for the host may answer later.
"""

from __future__ import annotations

import io
import mimetypes
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, NamedTuple
from urllib.parse import urlsplit

import httpx

from ..domain.content import Media, MediaKind
from ..domain.errors import ErrorKind, PublishError
from ..domain.web_urls import display_url
from ..security.media_fetch import MediaFetcher
from ..security.public_urls import UnsafeUrl
from .config import PlatformConfig
from .media_fetcher import media_fetcher
from .stand_in_media import stand_in_mp4, stand_in_png

# The error for a file over the limit, given the URL as messages show it.
TooLarge = Callable[[str], PublishError]

_SPOOL_MEMORY = 4 * 1024 * 1024


def is_stand_in(config: PlatformConfig, url: str, *, synthetic: bool = True) -> bool:
    """Whether the media at `url` is generated rather than downloaded: it is on a stand-in
    host, or `synthetic` (the config's synthetic-bytes switch covers this medium) and the
    config asks for synthetic bytes."""
    return config.media_policy.is_stand_in(url) or (synthetic and config.synthetic_video_bytes)


class Downloaded(NamedTuple):
    size: int
    declared_type: str  # the host's Content-Type without parameters, "" when it names none


def download(
    fetcher: MediaFetcher,
    url: str,
    sink: IO[bytes],
    *,
    what: str,
    max_bytes: int | None = None,
    too_large: TooLarge | None = None,
) -> Downloaded:
    """Streams the media at `url` into `sink`. `too_large` is the platform's words for a file
    over `max_bytes` (by default: over so many bytes)."""
    shown, size = display_url(url), 0
    # Only the transfer happens inside the stream; errors are decided once it is closed.
    try:
        with fetcher.stream("GET", url) as response:
            status = response.status_code
            declared = response.headers.get("content-type", "").split(";")[0].strip()
            if status < 400:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        break  # stop reading: the platform would refuse it anyway
                    sink.write(chunk)
    except UnsafeUrl as exc:  # no retry can make an internal address public
        raise PublishError(
            ErrorKind.VALIDATION, f"{what} {shown} was not downloaded: {exc}"
        ) from None
    except httpx.TransportError as exc:
        raise PublishError(
            ErrorKind.NETWORK, f"{what} {shown} could not be downloaded ({type(exc).__name__})"
        ) from exc
    if status >= 400:
        kind = ErrorKind.NETWORK if status >= 500 else ErrorKind.VALIDATION
        raise PublishError(
            kind, f"{what} {shown} could not be downloaded: HTTP {status}", http_status=status
        )
    if max_bytes is not None and size > max_bytes:
        if too_large is not None:
            raise too_large(shown)
        raise PublishError(ErrorKind.VALIDATION, f"{what} {shown} is over {max_bytes:,} bytes")
    if size == 0:
        raise PublishError(ErrorKind.VALIDATION, f"{what} {shown} is empty")
    return Downloaded(size, declared)


def spooled_download(
    fetcher: MediaFetcher,
    url: str,
    *,
    what: str,
    memory: int = _SPOOL_MEMORY,
    max_bytes: int | None = None,
    too_large: TooLarge | None = None,
) -> tuple[IO[bytes], Downloaded]:
    """The download in a spooled temporary file (memory up to `memory` bytes, then disk),
    rewound. The caller closes the file."""
    spool = tempfile.SpooledTemporaryFile(max_size=memory)  # noqa: SIM115 (caller closes)
    try:
        got = download(fetcher, url, spool, what=what, max_bytes=max_bytes, too_large=too_large)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, got


# -- an image in memory (Bluesky, LinkedIn) ---------------------------------------------------


def image_bytes(
    config: PlatformConfig,
    url: str,
    *,
    max_bytes: int,
    too_large: TooLarge | None = None,
    unnamed_type: str = "image/png",
) -> tuple[bytes, str]:
    """(bytes, content type) of the image at `url`; `unnamed_type` when the host does not
    name an image type."""
    if is_stand_in(config, url):
        return stand_in_png(url), "image/png"
    buffer = io.BytesIO()
    got = download(
        media_fetcher(config), url, buffer, what="image", max_bytes=max_bytes, too_large=too_large
    )
    declared = got.declared_type
    return buffer.getvalue(), declared if declared.startswith("image/") else unnamed_type


# -- a file to upload, of either kind (Mastodon, X) -------------------------------------------


@dataclass
class MediaFile:
    name: str
    content_type: str
    file: IO[bytes]
    size: int

    def close(self) -> None:
        self.file.close()


def open_media(
    config: PlatformConfig, media: Media, max_bytes: int, too_large: TooLarge
) -> MediaFile:
    """The post's image or video as a file. Images are downloaded even where the config asks
    for synthetic video bytes: only stand-in hosts replace them."""
    if is_stand_in(config, media.url, synthetic=media.kind is MediaKind.VIDEO):
        return stand_in_file(media, config.synthetic_video_size)
    url = media.url
    spool, got = spooled_download(
        media_fetcher(config), url, what="media", max_bytes=max_bytes, too_large=too_large
    )
    name = urlsplit(url).path.rsplit("/", 1)[-1][:100] or "media"
    return MediaFile(name, _content_type(got.declared_type, url, media.kind), spool, got.size)


def stand_in_file(media: Media, video_size: int) -> MediaFile:
    """A generated file of the media's kind: a PNG, or an MP4-shaped video of `video_size`."""
    stem = (urlsplit(media.url).path.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "media")[:60]
    if media.kind is MediaKind.IMAGE:
        data, name, kind = stand_in_png(media.url), f"{stem}.png", "image/png"
    else:
        data, name, kind = stand_in_mp4(media.url, video_size), f"{stem}.mp4", "video/mp4"
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)  # noqa: SIM115 (caller closes)
    spool.write(data)
    spool.seek(0)
    return MediaFile(name, kind, spool, len(data))


def _content_type(declared: str, url: str, kind: MediaKind) -> str:
    declared = declared.lower()
    if declared.startswith(f"{kind.value}/"):
        return declared
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    if guessed and guessed.startswith(f"{kind.value}/"):
        return guessed
    return "application/octet-stream"  # the platform identifies the file by its content
