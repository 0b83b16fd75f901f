"""Facebook Pages (Graph API): feed, photo and video posts.

Exactly once: feed and photo posts are created unpublished, their id stored, then made public
by id, so a lost answer is settled by reading that id; videos, and posts without a stored id,
by a tolerant match on the page's recent posts (match.py).
"""

from __future__ import annotations

from datetime import timedelta

from ...domain.content import PostContent
from ...domain.platforms import Platform
from ..spec import PlatformSpec, Samples
from .client import FacebookClient
from .rules import content_rules


def _client(config, guard, http, _cache):
    return FacebookClient(config, guard, http)


def _budget():
    from ...resilience.limits_config import PlatformBudget

    return PlatformBudget(app_calls=4800, account_calls=200, window_s=3600)


def _refresh(config, http, access_token, _refresh_token):
    from ..token_refresh import exchange_facebook

    return exchange_facebook(config, http, access_token)


def _sandbox_routes():
    from .sandbox_oauth import routes

    return routes()


def _sandbox_state(state):
    from .sandbox_login import FacebookLogin

    return FacebookLogin(state)


def _connect():
    from .oauth import connector

    return connector()


SPEC = PlatformSpec(
    platform=Platform.FACEBOOK,
    connect=_connect,
    title="Facebook",
    account_id_help="the page id",
    build_client=_client,
    content_rules=content_rules,
    rate_budget=_budget,
    # Long-lived user tokens (about 60 days) are re-exchanged a week ahead; page tokens from
    # them carry no expiry and are never due.
    refresh_horizon=timedelta(days=7),
    refresh_token=_refresh,
    samples=Samples(
        external_id="100000000000001",
        handle="demo_page",
        content=lambda n, host: PostContent(
            text=f"Demo page update {n}", link=f"https://{host}/news/{n}"
        ),
        token_lifetime_s=None,  # page tokens do not expire
    ),
    # Served by the sandbox's shared Graph catch-all (sandbox/meta_routes.py), which dispatches
    # to the handlers in sandbox.py and sandbox_reads.py; its unpublished objects are the
    # SandboxState's own (journal events "fb_object").
    sandbox_endpoints=(
        "fb_feed",
        "fb_photos",
        "fb_videos",
        "fb_feed_list",  # GET /{page}/feed and /{page}/posts
        "fb_publish",  # POST /{post-id} is_published=true, POST /{video-id} published=true
        "fb_post_read",  # GET /{post-id}, /{video-id}, /{photo-id}
        "fb_videos_list",
        "fb_oauth_dialog",
        "fb_oauth_token",
        "fb_me_accounts",
    ),
    # Facebook Login (sandbox_oauth.py): the dialog, the code exchange, /me/accounts; who
    # granted which Page is journalled (sandbox_login.py).
    sandbox_routes=_sandbox_routes,
    sandbox_state=_sandbox_state,
)

__all__ = ["SPEC", "FacebookClient"]
