"""LinkedIn (the versioned Posts and Images APIs on api.linkedin.com/rest): posts by a member
(urn:li:person:..) or a company page (urn:li:organization:..), the account's external id being
that author URN; text, images and article links.

Exactly once without an idempotency key: the time and image URNs of `prepare` are stored before
the post is sent, and a lost answer is settled by finding the post among the author's own
(reconcile.py). Where those cannot be read (a member without r_member_social) the outcome stays
unknown for a person to settle, and nothing is sent again.
"""

from __future__ import annotations

from datetime import timedelta

from ...domain.content import Media, MediaKind, PostContent
from ...domain.platforms import Platform
from ..spec import PlatformSpec, Samples
from .api import DEFAULT_BASE_URL
from .client import LinkedInClient
from .rules import content_rules
from .urns import ACCOUNT_HELP

SANDBOX_PREFIX = "/linkedin"


def _client(config, guard, http, cache):
    return LinkedInClient(config, guard, http, cache=cache)


def _version_status(today):
    from .versions import configured_status

    return configured_status(today)


def _budget():
    from ...resilience.limits_config import PlatformBudget

    # LinkedIn counts per UTC day: Share on LinkedIn allows 150 requests per member and
    # 100,000 per app (the Community Management development tier less). A rolling 24 h under
    # both keeps every UTC day under them; an image post costs about four calls.
    return PlatformBudget(app_calls=95_000, account_calls=140, window_s=86_400)


def _refresh(config, http, access_token, refresh_token):
    from .tokens import refresh_linkedin

    return refresh_linkedin(config, http, access_token, refresh_token)


def _sample(n: int, host: str) -> PostContent:
    if n % 3 == 0:
        image = Media(f"https://{host}/demo/{n}.png", MediaKind.IMAGE)
        return PostContent(text=f"Demo update {n}: behind the scenes #socialsched", media=(image,))
    if n % 3 == 1:
        return PostContent(
            text=f"Demo update {n}: read the story",
            link=f"https://{host}/blog/{n}",
            title=f"What we shipped, part {n}",
        )
    return PostContent(text=f"Demo update {n} from the company page (scheduled) #demo")


def _sandbox_routes():
    from .sandbox import routes

    return routes()


def _sandbox_state(state):
    from .sandbox_state import LinkedInSandbox

    return LinkedInSandbox(state)


def _connect():
    from .oauth import connector

    return connector()


SPEC = PlatformSpec(
    platform=Platform.LINKEDIN,
    connect=_connect,
    title="LinkedIn",
    account_id_help=ACCOUNT_HELP,
    build_client=_client,
    content_rules=content_rules,
    rate_budget=_budget,
    # 60-day tokens, renewed a week ahead where a refresh token exists (partner apps); without
    # one the token sweep holds the account a week before expiry.
    refresh_horizon=timedelta(days=7),
    refresh_token=_refresh,
    api_version_status=_version_status,
    samples=Samples(
        external_id="urn:li:organization:90000001",
        handle="demo-company",
        content=_sample,
        token_lifetime_s=50 * 86400,
        refresh_token=True,  # as a partner app's are; without one the account is held
    ),
    default_base_url=DEFAULT_BASE_URL,
    sandbox_prefix=SANDBOX_PREFIX,
    sandbox_routes=_sandbox_routes,
    sandbox_endpoints=(
        "linkedin_posts_create",
        "linkedin_post_get",
        "linkedin_posts_list",
        "linkedin_images_init",
        "linkedin_image_upload",
        "linkedin_image_get",
        "linkedin_token",
        "linkedin_oauth_authorize",
        "linkedin_userinfo",
    ),
    sandbox_state=_sandbox_state,
)

__all__ = ["SANDBOX_PREFIX", "SPEC", "LinkedInClient"]
