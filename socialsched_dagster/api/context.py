"""What every route needs from the app: the database, the settings, and the caller."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from ..settings import Settings
from ..store.database import Database
from ..store.models import utcnow
from ..teams.api_keys import Identity, authenticate
from ..teams.roles import Role
from .errors import ApiError


@dataclass
class AppState:
    settings: Settings
    db: Database
    redis: object | None  # redis.Redis, when rate limiting is on


def state(request: Request) -> AppState:
    return request.app.state.socialsched


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


UNAUTHORIZED = ApiError(
    401,
    "unauthorized",
    "send an API key as `Authorization: Bearer ssk_...` (`socialsched keys create`)",
    headers={"WWW-Authenticate": "Bearer"},
)


async def identify(request: Request) -> Identity:
    """The key's identity, once per request (middleware may have found it already).

    Async, and the role check below too: FastAPI runs a plain `def` dependency in a worker
    thread, a hop through the thread pool per dependency per request; the identity is nearly
    always found already, and only the database lookup needs a thread."""
    found = getattr(request.state, "identity", None)
    if found is not None:
        return found
    return await run_in_threadpool(_authenticate, request)


def _authenticate(request: Request) -> Identity:
    key = _bearer(request)
    if key is None:
        raise UNAUTHORIZED
    app = state(request)
    now = utcnow()  # a stamp, not a comparison several processes must agree on
    identity = app.db.transaction(lambda s: authenticate(s, key, now=now), name="api auth")
    if identity is None:
        raise UNAUTHORIZED
    request.state.identity = identity
    return identity


def role(needed: Role):
    """A dependency: the caller, who must have at least `needed`."""

    async def check(who: Identity = Depends(identify)) -> Identity:
        if not who.role.allows(needed):
            raise ApiError(
                403,
                "forbidden",
                f"this needs the {needed.value} role; the key is {who.role.value}",
            )
        return who

    return check


viewer = role(Role.VIEWER)
editor = role(Role.EDITOR)
approver = role(Role.APPROVER)
admin = role(Role.ADMIN)
