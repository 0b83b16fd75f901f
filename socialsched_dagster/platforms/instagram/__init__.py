"""Instagram (Graph API, Instagram Login or Facebook Login): container, status, media_publish.

Exactly once: the container id is stored before `media_publish`; a lost answer is settled by
the container's own status (PUBLISHED or not), never by publishing again.
"""

from __future__ import annotations

from datetime import timedelta

from ...domain.content import Media, MediaKind, PostContent
from ...domain.platforms import Platform
from ..spec import PlatformSpec, Samples
from .client import InstagramClient
from .rules import content_rules


def _client(config, guard, http, cache):
    return InstagramClient(config, guard, http, cache=cache)


def _budget():
    from ...resilience.limits_config import PlatformBudget

    # 200 calls per account per rolling hour (as the sandbox enforces by default); the app's
    # real limit is 200 x active accounts, so ours is a safety net against a runaway loop.
    return PlatformBudget(app_calls=4800, account_calls=200, window_s=3600)


def _refresh(config, http, access_token, _refresh_token):
    from ..token_refresh import refresh_instagram

    return refresh_instagram(config, http, access_token)


def _sandbox_routes():
    from .sandbox_oauth import routes

    return routes()


def _connect():
    from .oauth import connector

    return connector()


SPEC = PlatformSpec(
    platform=Platform.INSTAGRAM,
    connect=_connect,
    title="Instagram",
    account_id_help="the ig-user-id",
    build_client=_client,
    content_rules=content_rules,
    rate_budget=_budget,
    # 60-day tokens, renewed a week ahead: a week of retries before anything fails.
    refresh_horizon=timedelta(days=7),
    refresh_token=_refresh,
    samples=Samples(
        external_id="17841400000000001",
        handle="demo_shop",
        content=lambda n, host: PostContent(
            text=f"Demo post {n} #socialsched #demo",
            media=(Media(f"https://{host}/demo/{n}.jpg", MediaKind.IMAGE),),
        ),
        token_lifetime_s=50 * 86400,
    ),
    # Served by the sandbox's shared Graph catch-all (sandbox/meta_routes.py), which dispatches
    # to the handlers in sandbox.py; its containers are the SandboxState's own.
    sandbox_endpoints=(
        "ig_create_container",
        "ig_container_status",
        "ig_publish",
        "ig_publishing_limit",
        "ig_media_list",
        "ig_oauth_authorize",
        "ig_oauth_token",
        "ig_token_exchange",
    ),
    # Business Login for Instagram (sandbox_oauth.py).
    sandbox_routes=_sandbox_routes,
)

__all__ = ["SPEC", "InstagramClient"]
