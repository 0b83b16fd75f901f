"""Where a post's URLs point, checked at intake: media must be on public hosts (we fetch them),
the link must be a web link (Facebook shows it; we never fetch it, so no DNS for it).

`parse_post(..., check_urls=...)` calls `url_problems`. A CSV import checks many rows naming
the same CDN: it passes one `CachingResolver` for the whole file, so each host is resolved once.
"""

from __future__ import annotations

from ..domain.content import PostContent
from ..domain.web_urls import display_url, web_url_problem
from ..security.public_urls import (
    CachingResolver,
    MediaPolicy,
    Resolve,
    UnsafeUrl,
    check_media_url,
)
from .post_request import FieldError


def url_problems(
    content: PostContent, policy: MediaPolicy, resolve: Resolve | None = None
) -> list[FieldError]:
    """One FieldError per media URL that is not on a public host (or a stand-in), and one for a
    link that is not an http(s) web link. Without `resolve`, each distinct host is resolved
    once for this call."""
    resolve = resolve or CachingResolver()
    errors: list[FieldError] = []
    for url in dict.fromkeys(m.url for m in content.media):
        try:
            check_media_url(url, policy, resolve)
        except UnsafeUrl as exc:
            errors.append(FieldError("media", str(exc)))
    if content.link:
        problem = web_url_problem(content.link)
        if problem:
            errors.append(FieldError("link", f"link {display_url(content.link)!r} {problem}"))
    return errors
