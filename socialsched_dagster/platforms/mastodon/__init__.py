"""Mastodon: any instance (the account stores its server), statuses with uploaded media.

Exactly once: every POST of a target's status carries the same Idempotency-Key, which Mastodon
answers with the status already created (for an hour); past that, reconciliation finds the
status among the account's own by its media ids or its text (and, for a thread's segment, the
status it replies to).
"""

from __future__ import annotations

from ...domain.content import Media, MediaKind, PostContent
from ...domain.platforms import Platform
from ..spec import PlatformSpec, Samples
from .client import MastodonClient
from .rules import content_rules


def _client(config, guard, http, cache):
    return MastodonClient(config, guard, http, cache=cache)


def _budget():
    from ...resilience.limits_config import PlatformBudget

    # Mastodon allows 300 requests per token per 5 minutes, on each instance apart; ours stays
    # a little under so that a burst never meets the 429. No instance limits the app as a whole:
    # the app budget only stops a runaway loop over many accounts.
    return PlatformBudget(app_calls=30_000, account_calls=280, window_s=300)


def _routes():
    from .sandbox import ROUTES

    return ROUTES


def _sandbox_state(state):
    from .sandbox_state import MastodonSandbox

    return MastodonSandbox(state)


def _connect():
    from .oauth import connector

    return connector()


SPEC = PlatformSpec(
    platform=Platform.MASTODON,
    connect=_connect,
    title="Mastodon",
    account_id_help="the account id on its instance (GET /api/v1/accounts/verify_credentials)",
    build_client=_client,
    content_rules=content_rules,
    rate_budget=_budget,
    # Mastodon tokens do not expire; a revoked one answers 401 and the account is held.
    refresh_horizon=None,
    refresh_token=None,
    needs_server=True,
    # Each segment is a status with in_reply_to_id, under an Idempotency-Key of its own.
    supports_threads=True,
    samples=Samples(
        external_id="109300000000000077",
        handle="demo_toots",
        content=lambda n, host: PostContent(
            text=f"Demo toot {n} from socialsched #demo",
            media=(Media(f"https://{host}/demo/{n}.png", MediaKind.IMAGE),),
        ),
        token_lifetime_s=None,  # Mastodon tokens do not expire
    ),
    sandbox_routes=_routes,
    sandbox_endpoints=(
        "mastodon_statuses",
        "mastodon_status_delete",
        "mastodon_media_upload",
        "mastodon_media",
        "mastodon_account_statuses",
        "mastodon_instance",
        "mastodon_verify_credentials",
        "mastodon_apps",
        "mastodon_oauth_authorize",
        "mastodon_oauth_token",
    ),
    sandbox_state=_sandbox_state,
)

__all__ = ["SPEC", "MastodonClient"]
