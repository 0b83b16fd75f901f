"""`create_app(settings)`: one Starlette app serving every imitated platform from one origin."""

from __future__ import annotations

from starlette.applications import Starlette

from . import (
    alert_inbox,
    control_routes,
    insights_routes,
    meta_routes,
    token_routes,
)
from .settings import SandboxSettings
from .state import SandboxState


def _platform_routes() -> list:
    """Routes of platforms whose sandbox lives in their own folder (platforms/<name>/)."""
    from ..platforms.registry import specs

    return [route for s in specs() if s.sandbox_routes for route in s.sandbox_routes()]


def create_app(settings: SandboxSettings | None = None) -> Starlette:
    settings = settings or SandboxSettings()
    # Order matters: fixed paths first, the Graph catch-all `/{version}/{node}[/{edge}]` last.
    routes = [
        *control_routes.ROUTES,
        *alert_inbox.ROUTES,
        *token_routes.ROUTES,
        # Engagement reads go before the routes they share paths with (and defer to): YouTube's
        # `videos.list` with statistics before YouTube's own routes, the Graph reads before
        # the Graph catch-all.
        *insights_routes.YOUTUBE_ROUTES,
        # Platforms in their own folders serve their own paths (prefixes such as /threads,
        # /xrpc, /api/v1, /youtube/v3): before the Graph routes, whose patterns would swallow
        # them.
        *_platform_routes(),
        *insights_routes.ROUTES,
        # Instagram and Facebook share the Graph catch-all; it dispatches to their handlers.
        *meta_routes.ROUTES,
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = SandboxState(settings)
    return app
