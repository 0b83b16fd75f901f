"""The ASGI app: `/api/v1` routes, `/healthz`, `/readyz`, errors in one shape, the guards.

`create_app()` reads the settings (settings.py) and opens the database and Redis once per
process; uvicorn runs one app per worker process.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from ..settings import Settings, load_settings
from ..store.database import Database, get_database
from ..store.engine import EngineOptions
from . import errors, security, timing
from .context import AppState
from .routes import accounts, health, oauth, posts, webhooks, workspace

API_PREFIX = "/api/v1"
VERSION = "1.0.0"
# Requests wait for a connection instead of failing: uvicorn's thread pool (40) bounds them.
# No ping before each checkout: it is a round trip per transaction (two a request), and a
# connection that died meanwhile fails its first statement, which Database.transaction retries
# on a fresh one.
ENGINE = EngineOptions(pool_size=20, max_overflow=20, pool_pre_ping=False)


def create_app(
    settings: Settings | None = None, *, db: Database | None = None, redis=None
) -> FastAPI:
    settings = settings or load_settings()
    db = db or get_database(settings.database_url, ENGINE)
    if redis is None and settings.redis_url:
        # Rate limits and signed requests' replay checks (security.py); connects on first use.
        from ..store.redis_connection import connect

        redis = connect(settings.redis_url)
    app = FastAPI(
        title="socialsched API",
        version=VERSION,
        description=(
            "Schedule posts for a workspace's accounts and follow them until they are "
            "published. `/api/v1` is stable: a change that would break a client goes to "
            '`/api/v2`. Errors are `{"error": {"code", "message", "details"}}` with a '
            "stable `code`."
        ),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.socialsched = AppState(settings=settings, db=db, redis=redis)
    errors.install(app)
    for module in (posts, accounts, workspace, webhooks, oauth):
        app.include_router(
            module.router,
            prefix=API_PREFIX,
            responses=errors.RESPONSES,
            dependencies=[Depends(security.protect)],  # key, rate limit, signature
        )
    app.include_router(health.router)
    security.install(app, settings.api)
    timing.install(app, db.engine, settings.api.server_timing)  # outermost: installed last
    return app
