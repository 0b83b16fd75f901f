"""YouTube (Data API v3): resumable uploads.

Exactly once: the upload session is stored before the bytes go; an interrupted upload resumes
the same session (308 + Range) and a completed one answers 200/201, so no second upload starts.
"""

from __future__ import annotations

from datetime import timedelta

from ...domain.content import Media, MediaKind, PostContent
from ...domain.platforms import Platform
from ..spec import PlatformSpec, Samples
from .client import YouTubeClient
from .rules import content_rules


def _client(config, guard, http, _cache):
    return YouTubeClient(config, guard, http)


def _budget():
    from ...resilience.limits_config import PlatformBudget

    # YouTube meters units per day (QUOTA_EXHAUSTED comes from the platform), not call rate.
    # An upload is several calls (session + chunks), so this only guards bursts.
    return PlatformBudget(app_calls=600, account_calls=120, window_s=60)


def _refresh(config, http, _access_token, refresh_token):
    from ..token_refresh import TokenRefreshError, refresh_google

    if not refresh_token:
        raise TokenRefreshError(True, "no refresh token stored: connect the account again")
    return refresh_google(config, http, refresh_token)


def _sandbox_routes():
    from .sandbox import ROUTES
    from .sandbox_oauth import ROUTES as OAUTH_ROUTES

    return [*ROUTES, *OAUTH_ROUTES]


def _connect():
    from .oauth import connector

    return connector()


SPEC = PlatformSpec(
    platform=Platform.YOUTUBE,
    connect=_connect,
    title="YouTube",
    account_id_help="the channel id (UC...)",
    build_client=_client,
    content_rules=content_rules,
    rate_budget=_budget,
    # 1-hour access tokens, renewed in their last 10 minutes.
    refresh_horizon=timedelta(minutes=10),
    refresh_token=_refresh,
    samples=Samples(
        external_id="UCdemo0000000000000000001",
        handle="demo_channel",
        content=lambda n, host: PostContent(
            title=f"Demo video {n}",
            description="Published by the socialsched demo.",
            media=(Media(f"https://{host}/demo/{n}.mp4", MediaKind.VIDEO),),
        ),
        # Minted to expire in 11 minutes: within a minute it enters the 10-minute refresh
        # horizon, and the demo shows the sensor renewing it.
        token_lifetime_s=660,
    ),
    # Upload sessions and videos are the SandboxState's own (journal events "session").
    sandbox_routes=_sandbox_routes,
    sandbox_endpoints=(
        "yt_session",
        "yt_upload",
        "yt_videos_list",
        "yt_channels",
        "yt_playlist_items",
        "google_oauth_authorize",
    ),
)

__all__ = ["SPEC", "YouTubeClient"]
