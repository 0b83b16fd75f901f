"""One Threads sandbox request: its token checked, its call counted against the account's
budget (4,800 x impressions per rolling 24 h, at least 48,000), and the `x-app-usage` header
every answer carries."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox import errors
from ...sandbox.graph import TARGET_HEADER, access_token, read_params, token_error
from ...sandbox.tokens import Claims
from .sandbox_state import ThreadsSandbox


@dataclass
class ThreadsCall:
    request: Request
    state: Any  # SandboxState
    threads: ThreadsSandbox
    endpoint: str
    params: dict[str, str]
    claims: Claims
    account: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def target(self) -> str | None:
        return self.request.headers.get(TARGET_HEADER)

    def fields(self, default: tuple[str, ...]) -> list[str]:
        raw = self.params.get("fields")
        return [f.strip() for f in raw.split(",") if f.strip()] if raw else list(default)


Handler = Callable[[ThreadsCall, str], Response]


def threads_state(request: Request) -> ThreadsSandbox:
    return request.app.state.sandbox.extensions["threads"]


def usage_headers(percent: int) -> dict[str, str]:
    usage = {"call_count": percent, "total_cputime": percent // 2, "total_time": percent // 2}
    return {"x-app-usage": json.dumps(usage, separators=(",", ":"))}


async def open_call(request: Request, endpoint: str, user: str | None) -> ThreadsCall | Response:
    """Authenticate and meter a call; a Response means it was refused. `user`: the user node
    the path names (`me` or an id), None for a node checked by its handler."""
    state, threads = request.app.state.sandbox, threads_state(request)
    params = await read_params(request)
    token = access_token(request, params)
    if not token:
        return token_error("missing")
    claims, problem = state.check_token(token, ("threads",))
    if problem:
        return token_error(problem, claims, state.now())
    account, now = claims.account, state.now()
    if user is not None and user not in ("me", account):
        return errors.meta_unsupported(request.method, user)
    if threads.over_budget(account, now):
        state.stats.rate_limit_violations += 1
        state.stats.throttled[endpoint] += 1
        return errors.meta_throttle("app", usage_headers(100))
    threads.count_call(account, now)
    headers = usage_headers(threads.call_share(account, now))
    return ThreadsCall(request, state, threads, endpoint, params, claims, account, headers)
