"""The `api` fixture's world with settings of the test's choosing (a low rate limit, a short
timeout, CORS origins, an unreachable Redis): seeded the same way, served over real HTTP."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .conftest import ApiWorld, seed, with_api
from .server import ApiServer


@contextlib.contextmanager
def served(db, cipher, settings, *, redis_url: str | None = None, **api_changes) -> Iterator:
    """An ApiWorld on `db` with `settings.api` changed by `api_changes`; Redis at `redis_url`
    (default: the settings' Redis, flushed first)."""
    from socialsched_dagster.api.app import create_app
    from socialsched_dagster.store.redis_connection import connect

    keys, ids = seed(db, cipher)
    redis = connect(redis_url or settings.redis_url, timeout_s=0.5)
    if redis_url is None:
        redis.flushdb()
    app = create_app(with_api(settings, **api_changes), db=db, redis=redis)
    try:
        with ApiServer(app) as server:
            world = ApiWorld(server.url, db, keys, ids)
            try:
                yield world
            finally:
                for client in world.clients:
                    client.close()
    finally:
        redis.close()
