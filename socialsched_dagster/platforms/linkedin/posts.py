"""The body of `POST /rest/posts` for a post's content.

- commentary: the text in little format; a link goes after it unless it is the post's article.
- an article (`content.article`): when the post has a link and a title and no images. LinkedIn
  does not scrape a URL for the Posts API ("partners need to set article fields such as
  thumbnail, title and description"), so without a title the link stays in the text.
- one image is `content.media`, 2-20 are `content.multiImage` (no carousel for organic posts).
"""

from __future__ import annotations

from typing import Any

from ...domain.content import PostContent
from .little_text import escape


def is_article(content: PostContent) -> bool:
    return bool(content.link.strip() and content.title.strip() and not content.media)


def plain_text(content: PostContent) -> str:
    text, link = content.text.strip(), content.link.strip()
    if link and not is_article(content) and link not in text:
        return f"{text}\n\n{link}" if text else link
    return text


def commentary(content: PostContent) -> str:
    return escape(plain_text(content))


def content_field(content: PostContent, images: tuple[str, ...]) -> dict[str, Any] | None:
    if len(images) == 1:
        return {"media": {"id": images[0]}}
    if images:
        return {"multiImage": {"images": [{"id": urn} for urn in images]}}
    if is_article(content):
        article = {"source": content.link.strip(), "title": content.title.strip()}
        if content.description.strip():
            article["description"] = content.description.strip()
        return {"article": article}
    return None


def post_body(author: str, content: PostContent, images: tuple[str, ...]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "author": author,
        "commentary": commentary(content),
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    field = content_field(content, images)
    if field is not None:
        body["content"] = field
    return body
