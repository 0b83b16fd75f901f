"""X (formerly Twitter), API v2: posts (POST /2/tweets) with media uploaded through the v2
chunked upload, threads as replies, OAuth 2 tokens that rotate on every refresh, and
pay-per-use prices per post.

Exactly once without an idempotency key: the uploads' ids are stored before the post request,
and a lost answer is settled by finding the post among the account's own (its text as X
rewrites it, its media keys, what it replies to), never by posting again.
"""

from __future__ import annotations

import time
from datetime import timedelta

from ...domain.content import Media, MediaKind, PostContent
from ...domain.platforms import Platform
from ..spec import PlatformSpec, Samples
from .api import DEFAULT_BASE_URL
from .client import XClient
from .cost import post_cost_usd
from .rules import content_rules

SANDBOX_PREFIX = "/x"


def _client(config, guard, http, cache):
    return XClient(config, guard, http, cache=cache)


def _budget():
    from ...resilience.limits_config import PlatformBudget

    # X limits each endpoint on its own: 100 post creates per user per 15 minutes (the one a
    # publisher meets), 900 timeline reads, 1,875 media initialisations; 10,000 creates per app
    # per 24 h. A post costs one create and, with media, 3 to 4 upload calls a file: 300 calls
    # per account per 15 minutes lets 100 posts with an image each through. The app-wide
    # budget is a net against a runaway loop; the daily cap is met as a 429 with its reset.
    return PlatformBudget(app_calls=3_000, account_calls=300, window_s=900)


def _refresh(config, http, _access_token, refresh_token):
    from .tokens import refresh_x

    return refresh_x(config, http, refresh_token)


def _sample(n: int, host: str) -> PostContent:
    # X refuses a repeat of a recent post's text: the time keeps demo runs apart.
    when = time.strftime("%H:%M:%S")
    if n % 2:
        return PostContent(text=f"Demo post {n} from socialsched at {when} #demo")
    image = Media(f"https://{host}/demo/{n}.png", MediaKind.IMAGE)
    return PostContent(text=f"Demo post {n} with a picture, {when} #demo", media=(image,))


def _sandbox_routes():
    from .sandbox import routes

    return routes()


def _sandbox_state(state):
    from .sandbox_state import XSandbox

    return XSandbox(state)


def _connect():
    from .oauth import connector

    return connector()


SPEC = PlatformSpec(
    platform=Platform.X,
    connect=_connect,
    title="X",
    account_id_help="the numeric X user id (GET /2/users/me); the token is an OAuth 2 user "
    "token with tweet.write, users.read, media.write and offline.access",
    build_client=_client,
    content_rules=content_rules,
    rate_budget=_budget,
    # 2-hour access tokens, renewed in their last 20 minutes: the sweep (every 30 s) has room
    # for a few retries of a refresh that failed for now.
    refresh_horizon=timedelta(minutes=20),
    refresh_token=_refresh,
    samples=Samples(
        external_id="1500000000000000077",
        handle="demo_x",
        content=_sample,
        token_lifetime_s=7200,
        refresh_token=True,  # offline.access: renewed with a rotating refresh token
    ),
    supports_threads=True,
    post_cost_usd=post_cost_usd,
    default_base_url=DEFAULT_BASE_URL,
    sandbox_prefix=SANDBOX_PREFIX,
    # The sandbox's token endpoint, like X's, refuses a refresh without the app's client id.
    sandbox_env=(("SOCIALSCHED_X_CLIENT_ID", "socialsched-sandbox"),),
    sandbox_routes=_sandbox_routes,
    sandbox_endpoints=(
        "x_create_post",
        "x_user_posts",
        "x_users_me",
        "x_media_initialize",
        "x_media_append",
        "x_media_finalize",
        "x_media_status",
        "x_token",
        "x_oauth_authorize",
    ),
    sandbox_state=_sandbox_state,
)

__all__ = ["SANDBOX_PREFIX", "SPEC", "XClient"]
