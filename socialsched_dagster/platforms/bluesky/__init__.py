"""Bluesky (AT Protocol): an account is a DID on a PDS of its choosing, logged in with an app
password; a post is an app.bsky.feed.post record.

Exactly once by construction: the record key is chosen (and stored) before the first
createRecord, so every attempt writes under the same key, and whether it went out is one
getRecord of that key. A thread is one post per segment, each under its own key and each after
the head a reply to the one before (record `reply`, with strong refs to the parent and root).
"""

from __future__ import annotations

from ...domain.content import Media, MediaKind, PostContent
from ...domain.platforms import Platform
from ..spec import PlatformSpec, Samples
from .client import BlueskyClient
from .rules import content_rules


def _client(config, guard, http, cache):
    return BlueskyClient(config, guard, http, cache=cache)


def _budget():
    from ...resilience.limits_config import PlatformBudget

    # The PDS allows 3,000 requests per 5 minutes per IP: 2,400 leaves room for the other
    # tools on the host. An account's writes are counted in points (5,000 an hour, a post
    # costs 3), which 400 calls per 5 minutes (at most one a post) stays well under.
    return PlatformBudget(app_calls=2400, account_calls=400, window_s=300)


def _sandbox_routes():
    from .sandbox import routes

    return routes()


def _sandbox_state(state):
    from .sandbox_state import BlueskySandbox

    return BlueskySandbox(state)


def _connect():
    from .oauth import connector

    return connector()


SPEC = PlatformSpec(
    platform=Platform.BLUESKY,
    connect=_connect,
    title="Bluesky",
    account_id_help="the account's DID (did:plc:...), as com.atproto.identity.resolveHandle "
    "gives it; the token is an app password",
    build_client=_client,
    content_rules=content_rules,
    rate_budget=_budget,
    # App passwords do not expire; the short-lived session JWTs are the client's business.
    refresh_horizon=None,
    refresh_token=None,
    needs_server=True,
    supports_threads=True,
    samples=Samples(
        external_id="did:plc:demo22222222222222222222",
        handle="demo.bsky.social",
        content=lambda n, host: PostContent(
            text=f"Demo post {n} from socialsched #demo",
            media=(Media(f"https://{host}/demo/{n}.png", MediaKind.IMAGE),),
        ),
        token_lifetime_s=None,
    ),
    sandbox_routes=_sandbox_routes,
    sandbox_endpoints=(
        "bluesky_create_session",
        "bluesky_refresh_session",
        "bluesky_upload_blob",
        "bluesky_create_record",
        "bluesky_get_record",
        "bluesky_list_records",
        "bluesky_resolve_handle",
    ),
    sandbox_state=_sandbox_state,
)

__all__ = ["SPEC", "BlueskyClient"]
