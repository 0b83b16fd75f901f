"""Facebook Page objects created unpublished: posts, photos and videos that are not public yet.

Published items live in the ledger (what the public sees, and what tests count); these are the
ones a Page holds back: a post created with `published=false` (a draft) until `POST /{post-id}`
with `is_published=true`, a photo uploaded with `published=false` to be attached to a post, a
video uploaded with `published=false`. Once one is published, the ledger entry that made it
public names it as its `source_id`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FbObject:
    id: str  # a post: "<page>_<n>"; a photo or a video: a bare number
    account: str  # the page
    kind: str  # "post", "photo" or "video"
    created_at: float
    message: str = ""  # a post's message, a photo's caption, a video's description
    title: str = ""  # a video's title
    link: str | None = None  # a post's link
    url: str | None = None  # a photo's image URL, a video's file_url
    photo_ids: list[str] = field(default_factory=list)  # a post's attached photos
    target: str | None = None  # X-Socialsched-Target of the request that created it
