"""What a platform is to the rest of the system: one `PlatformSpec`, exported as `SPEC` by the
platform's package (`platforms/<name>/__init__.py`).

Everything platform-specific that the layers around the clients need is here, so the Dagster
assets, checks, sensors, metrics, CLI, CSV import, token sweep and sandbox pick a platform up from
its spec instead of naming it: adding one is its folder plus its member of `domain.platforms.
Platform` (the registry), and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ..domain.content import PostContent
from ..domain.platforms import Platform
from ..domain.validation import ContentError

if TYPE_CHECKING:  # only for annotations: the spec module stays cheap to import
    import httpx

    from ..cache.redis_cache import RedisCache
    from ..resilience.limits_config import PlatformBudget
    from .base import CallGuard, PlatformClient
    from .config import PlatformConfig
    from .oauth_provider import Connector
    from .token_refresh import RefreshedToken

    BuildClient = Callable[
        [PlatformConfig, CallGuard, httpx.Client | None, RedisCache | None], PlatformClient
    ]
    # (config, http, access token, refresh token) -> the renewed token, or TokenRefreshError.
    RefreshToken = Callable[[PlatformConfig, httpx.Client, str, str | None], RefreshedToken]


@dataclass(frozen=True)
class Samples:
    """A typical account and post of the platform: the demo seeds them, the benchmarks publish
    them, so a new platform appears in both without an edit there."""

    external_id: str
    handle: str
    # (n, media host) -> a valid post, numbered so posts differ; media on the given host.
    content: Callable[[int, str], PostContent]
    # The lifetime of the token the demo mints in the sandbox (None: never expires).
    token_lifetime_s: int | None = 60 * 86400
    # The demo's account also gets a refresh token (platforms whose tokens are renewed with one).
    refresh_token: bool = False


@dataclass(frozen=True)
class PlatformSpec:
    platform: Platform
    title: str  # as people write it: "Instagram"
    account_id_help: str  # what `accounts add --external-id` is for this platform
    build_client: BuildClient
    content_rules: Callable[[PostContent], list[ContentError]]
    # Default call budget (resilience/limits_config.py; SOCIALSCHED_RATE_LIMITS overrides it).
    rate_budget: Callable[[], PlatformBudget]
    # How far ahead of its expiry a token is renewed; None with refresh_token None: tokens
    # that never expire, or that cannot be renewed (the account is then held before expiry).
    refresh_horizon: timedelta | None = None
    refresh_token: RefreshToken | None = None
    # The account lives on a server of the user's choosing (a Mastodon instance, a Bluesky
    # PDS): `accounts add --server URL` is required and every call goes there.
    needs_server: bool = False
    samples: Samples | None = None
    # Whether a post may be a thread (PostContent.thread): each segment a reply to the one
    # before, published through PublishJob.segment / reply_to / thread_root.
    supports_threads: bool = False
    # What one published post costs, in US dollars, where the platform charges per call (X's
    # pay-per-use): the estimated spend per account, and the optional monthly budget cap
    # (SOCIALSCHED_<PLATFORM>_MONTHLY_BUDGET_USD) that holds posts instead of overspending.
    post_cost_usd: Callable[[PostContent], float] | None = None
    # For a platform whose API version is a setting that the platform retires (LinkedIn): the
    # configured version's status on a day (platforms/graph_versions.VersionStatus), reported
    # by the `<platform>_api_version` asset check before the platform refuses it.
    api_version_status: Callable[[date], Any] | None = None
    # For platforms with one API host that PlatformConfig does not name: the production host,
    # overridden by SOCIALSCHED_<PLATFORM>_BASE_URL, and the path the sandbox serves it under
    # (PlatformConfig.for_sandbox points the platform at origin + prefix).
    default_base_url: str | None = None
    sandbox_prefix: str | None = None
    # What the sandbox serves for this platform when it lives in the platform's folder
    # (Instagram and Facebook share the sandbox's Graph routes, YouTube its Google ones):
    # Starlette routes (mounted before the Graph catch-all), the fault endpoint names they
    # answer to, and a factory for their state, given the SandboxState (journal, ledger,
    # clock, faults); the object may define `replay(event)` for its journal events (written
    # with "t": "ext", "platform": <name>) and `on_ledger(entry)` for published items.
    sandbox_routes: Callable[[], Iterable[Any]] | None = None
    sandbox_endpoints: tuple[str, ...] = ()
    sandbox_state: Callable[[Any], Any] | None = None
    # Settings the demo and the tests' pipeline processes need to talk to the sandbox (an OAuth
    # client id the sandbox's token endpoint asks for, say), merged into their environment.
    sandbox_env: tuple[tuple[str, str], ...] = ()
    # How an account is connected through the API (`/api/v1/oauth`): the platform's OAuth
    # authorization-code flow, or its app-password login (platforms/oauth_provider.py);
    # built on first use, so the spec stays cheap to import. None: tokens are pasted only.
    connect: Callable[[], Connector] | None = None
