"""The form fields of `POST /{threads-user-id}/threads` for each kind of post.

TEXT carries the text and, on text posts only, the link as `link_attachment`; IMAGE and VIDEO
carry the media URL (Threads fetches it itself); a carousel is one item container per medium
(`is_carousel_item=true`, no text) and then a CAROUSEL container naming them in `children`.
A thread's segment after the head is a reply: its container (the CAROUSEL one for a carousel)
names the segment before in `reply_to_id`.
"""

from __future__ import annotations

from ...domain.content import Media, MediaKind, PostContent
from ...domain.errors import ErrorKind, PublishError


def text_fields(content: PostContent) -> dict[str, str]:
    fields = {"media_type": "TEXT", "text": content.text}
    if content.link:
        fields["link_attachment"] = content.link
    return fields


def media_fields(media: Media, carousel_item: bool = False) -> dict[str, str]:
    if media.kind is MediaKind.VIDEO:
        fields = {"media_type": "VIDEO", "video_url": media.url}
    else:
        fields = {"media_type": "IMAGE", "image_url": media.url}
    if carousel_item:
        fields["is_carousel_item"] = "true"
    return fields


def as_reply(fields: dict[str, str], reply_to: str | None) -> dict[str, str]:
    """The fields of the post's own container, a reply when the job answers a post."""
    return {**fields, "reply_to_id": reply_to} if reply_to else fields


def check_link(content: PostContent) -> None:
    """The intake rules refuse a link beside media; a post stored before they did still
    fails clearly, before any container is made."""
    if content.media and content.link:
        raise PublishError(
            ErrorKind.VALIDATION,
            "Threads attaches a link only to a text post: drop the media or put the URL in "
            "the text",
        )


def single_fields(content: PostContent) -> dict[str, str]:
    """A post of at most one medium."""
    if not content.media:
        return text_fields(content)
    fields = media_fields(content.media[0])
    if content.text:
        fields["text"] = content.text
    return fields


def carousel_fields(content: PostContent, children: list[str]) -> dict[str, str]:
    fields = {"media_type": "CAROUSEL", "children": ",".join(children)}
    if content.text:
        fields["text"] = content.text
    return fields
