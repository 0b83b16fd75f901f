"""The ASGI app: `/api/v1` routes, `/healthz`, `/readyz`, errors in one shape, the guards.

`create_app()` reads the settings (settings.py) and opens the database and Redis once per
process; uvicorn runs one app per worker process.
"""

from __future__ import annotations

from fastapi import FastAPI

from ..settings import Settings, load_settings
from ..store.database import Database, get_database
from ..store.engine import EngineOptions
from . import errors, security
from .context import AppState
from .routes import accounts, health, posts, workspace

API_PREFIX = "/api/v1"
VERSION = "1.0.0"
# Requests wait for a connection instead of failing: uvicorn's thread pool (40) bounds them.
ENGINE = EngineOptions(pool_size=20, max_overflow=20)


def create_app(
    settings: Settings | None = None, *, db: Database | None = None, redis=None
) -> FastAPI:
    settings = settings or load_settings()
    db = db or get_database(settings.database_url, ENGINE)
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
    for module in (posts, accounts, workspace):
        app.include_router(module.router, prefix=API_PREFIX, responses=errors.RESPONSES)
    app.include_router(health.router)
    security.install(app, settings.api)
    return app
