"""What publishing a post costs on X's pay-per-use plan.

X charges per request that creates a post ("Content: Create"), more when the post carries a
URL; a thread is one create per post in it. Media uploads are not billed as posts, and the
reads a reconciliation makes (a few cents at most) are not a post's cost either.
"""

from __future__ import annotations

from collections.abc import Mapping

from ...domain.content import PostContent
from .settings import XSettings
from .text import has_url, post_text


def post_cost_usd(content: PostContent, env: Mapping[str, str] | None = None) -> float:
    """US dollars for every post of `content` (its thread included), at the configured prices
    (SOCIALSCHED_X_POST_COST_USD, SOCIALSCHED_X_URL_POST_COST_USD)."""
    prices = XSettings.from_env(env)
    total = 0.0
    for segment in content.segments:
        with_url = has_url(post_text(segment.text, segment.link))
        total += prices.url_post_cost_usd if with_url else prices.post_cost_usd
    return round(total, 6)
