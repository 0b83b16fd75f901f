"""Threads (Meta's Threads API on graph.threads.net): container, status, threads_publish.

Exactly once: the container id is stored before `threads_publish`; a lost answer is settled by
the container's own status (PUBLISHED or not), never by publishing again. The 250 posts per
rolling 24 h are read live before each publish; a full window waits for its next free slot. A
thread's segments after the head are replies (`reply_to_id`), one container each, under the
1,000 replies per rolling 24 h, honoured the same way.
"""

from __future__ import annotations

from datetime import timedelta

from ...domain.content import Media, MediaKind, PostContent
from ...domain.platforms import Platform
from ..spec import PlatformSpec, Samples
from .api import DEFAULT_BASE_URL
from .client import ThreadsClient
from .rules import content_rules

SANDBOX_PREFIX = "/threads"


def _client(config, guard, http, cache):
    return ThreadsClient(config, guard, http, cache=cache)


def _budget():
    from ...resilience.limits_config import PlatformBudget

    # Threads allows 4,800 calls x impressions (at least 10) per app-user pair per rolling
    # 24 h: 48,000 a day, 2,000 an hour, for the smallest account. There is no app-wide cap;
    # ours is a safety net against a runaway loop.
    return PlatformBudget(app_calls=20_000, account_calls=2_000, window_s=3600)


def _refresh(config, http, access_token, _refresh_token):
    from .tokens import refresh_threads

    return refresh_threads(config, http, access_token)


def _sample(n: int, host: str) -> PostContent:
    if n % 2:
        return PostContent(text=f"Demo thread {n}: what we shipped this week #socialsched")
    image = Media(f"https://{host}/demo/{n}.jpg", MediaKind.IMAGE)
    return PostContent(text=f"Demo thread {n} with a picture", media=(image,))


def _sandbox_routes():
    from .sandbox import routes

    return routes()


def _sandbox_state(state):
    from .sandbox_state import ThreadsSandbox

    return ThreadsSandbox(state)


def _connect():
    from .oauth import connector

    return connector()


SPEC = PlatformSpec(
    platform=Platform.THREADS,
    connect=_connect,
    title="Threads",
    account_id_help="the Threads user id",
    build_client=_client,
    content_rules=content_rules,
    rate_budget=_budget,
    # 60-day tokens, renewed a week ahead: a week of retries before anything fails.
    refresh_horizon=timedelta(days=7),
    refresh_token=_refresh,
    supports_threads=True,
    samples=Samples(
        external_id="27000000000000001",
        handle="demo_threads",
        content=_sample,
        token_lifetime_s=50 * 86400,
    ),
    default_base_url=DEFAULT_BASE_URL,
    sandbox_prefix=SANDBOX_PREFIX,
    sandbox_routes=_sandbox_routes,
    sandbox_endpoints=(
        "threads_create_container",
        "threads_container_status",
        "threads_publish",
        "threads_publishing_limit",
        "threads_list",
        "threads_replies",
        "threads_media",
        "threads_node",
        "threads_token_refresh",
        "threads_oauth_authorize",
        "threads_oauth_token",
        "threads_token_exchange",
    ),
    sandbox_state=_sandbox_state,
)

__all__ = ["SPEC", "ThreadsClient"]
