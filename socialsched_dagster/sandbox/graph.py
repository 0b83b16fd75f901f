"""What every Graph call shares: parameters, the token, appsecret_proof, the account check,
the call budgets and the usage headers that ride on every answer.
"""

from __future__ import annotations

import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from . import errors
from .state import SandboxState
from .tokens import Claims, appsecret_proof

TARGET_HEADER = "x-socialsched-target"


@dataclass
class GraphCall:
    request: Request
    state: SandboxState
    endpoint: str
    params: dict[str, str]
    claims: Claims
    account: str
    usage_headers: dict[str, str] = field(default_factory=dict)

    @property
    def target(self) -> str | None:
        return self.request.headers.get(TARGET_HEADER)

    def fields(self, default: tuple[str, ...]) -> list[str]:
        raw = self.params.get("fields")
        return [f.strip() for f in raw.split(",") if f.strip()] if raw else list(default)


def _text(value: Any) -> str:
    if isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)
    ):
        return json.dumps(value)  # structured values (attached_media) stay JSON for Graph
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def read_params(request: Request) -> dict[str, str]:
    """Graph takes parameters in the query string, a form body or a JSON body alike."""
    params = dict(request.query_params)
    if request.method in ("POST", "PUT"):
        body = await request.body()
        if body:
            if "json" in request.headers.get("content-type", ""):
                try:
                    data = json.loads(body)
                except ValueError:
                    data = {}
                if isinstance(data, dict):
                    params.update({k: _text(v) for k, v in data.items() if v is not None})
            else:
                params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def access_token(request: Request, params: dict[str, str]) -> str | None:
    token = params.get("access_token")
    if token:
        return token
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() in ("bearer", "oauth") and value else None


def _graph_clock(ts: float) -> str:
    return time.strftime("%A, %d-%b-%y %H:%M:%S UTC", time.gmtime(ts))


def token_error(problem: str, claims: Claims | None = None, now: float | None = None) -> Response:
    if problem == "missing":
        return errors.meta_error(104, "An access token is required to request this resource.")
    if problem == "expired":
        when = ""
        if claims is not None and claims.exp is not None and now is not None:
            when = f" on {_graph_clock(claims.exp)}. The current time is {_graph_clock(now)}"
        return errors.meta_error(
            190, f"Error validating access token: Session has expired{when}.", subcode=463
        )
    if problem == "revoked":
        return errors.meta_error(
            190,
            "Error validating access token: The session has been invalidated because the user "
            "changed their password or Facebook has changed the session for security reasons.",
            subcode=460,
        )
    return errors.meta_error(
        190, "Invalid OAuth access token - Cannot parse access token", subcode=467
    )


def permission_error() -> Response:
    return errors.meta_error(10, "(#10) Application does not have permission for this action")


async def open_call(
    request: Request, endpoint: str, platforms: tuple[str, ...], account: str | None
) -> GraphCall | Response:
    """Authenticate and meter a Graph call; a Response means it was refused.

    `account` is the node the call acts on (None: the token's own account, e.g. /me).
    """
    state: SandboxState = request.app.state.sandbox
    params = await read_params(request)
    claims = _authorize(state, request, params, platforms, account)
    if isinstance(claims, Response):
        # Refused calls still carry the app-wide usage, as every Graph answer does.
        claims.headers.update(state.graph_usage.headers(None, "pages", state.now()))
        return claims
    account = claims.account
    ig = endpoint.startswith("ig_") or (endpoint == "graph_node" and claims.platform == "instagram")
    buc = "instagram" if ig else "pages"
    now = state.now()
    usage = state.graph_usage
    over = usage.over_limit(account, now)
    if over:
        state.stats.rate_limit_violations += 1
        state.stats.throttled[endpoint] += 1
        return _throttled(over, buc, usage.headers(account, buc, now))
    usage.record(account, now)
    return GraphCall(
        request, state, endpoint, params, claims, account, usage.headers(account, buc, now)
    )


def _authorize(
    state: SandboxState,
    request: Request,
    params: dict[str, str],
    platforms: tuple[str, ...],
    account: str | None,
) -> Claims | Response:
    token = access_token(request, params)
    if not token:
        return token_error("missing")
    claims, problem = state.check_token(token, ("instagram", "facebook"))
    if problem:
        return token_error(problem, claims, state.now())
    refused = _check_proof(state, token, params.get("appsecret_proof"))
    if refused:
        return refused
    if claims.platform not in platforms or (account is not None and account != claims.account):
        return permission_error()
    return claims


def _check_proof(state: SandboxState, token: str, proof: str | None) -> Response | None:
    secret = state.settings.meta_app_secret
    if not secret:
        return None
    if proof is None:
        if not state.settings.require_appsecret_proof:
            return None
        return errors.meta_invalid_param(
            "API calls from the server require an appsecret_proof argument"
        )
    if not hmac.compare_digest(proof, appsecret_proof(secret, token)):
        return errors.meta_invalid_param("Invalid appsecret_proof provided in the API argument")
    return None


def _throttled(over: str, buc: str, headers: dict[str, str]) -> Response:
    return errors.meta_throttle("app" if over == "app" else buc, headers)


def finish(call: GraphCall, response: Response) -> Response:
    response.headers.update(call.usage_headers)
    return response
