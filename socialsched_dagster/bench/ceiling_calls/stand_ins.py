"""The files the clients upload for media on a stand-in host (the bench's media host serves
nothing): the clients' own generator, so the ceiling sends what the pipeline sends."""

from __future__ import annotations

from ...domain.content import Media
from ...platforms.media_download import stand_in_file as _generated


def stand_in_file(media: Media, video_size: int) -> tuple[str, bytes, str]:
    """(file name, bytes, content type) of the file Mastodon's and X's uploads send."""
    file = _generated(media, video_size)
    try:
        return file.name, file.file.read(), file.content_type
    finally:
        file.close()
