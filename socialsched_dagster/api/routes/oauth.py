"""`/api/v1/oauth`: connect an account through its platform's authorization.

    POST /oauth/{platform}/start          (admin key) -> {"connect_url"}: a link for a browser
    GET  /oauth/begin?ticket=...          (browser) session cookie, 302 to the platform
    GET  /oauth/callback?code&state       (browser, from the platform) the account, connected
    POST /oauth/{platform}/app-password   (admin key) Bluesky: an app password instead

The flow itself is in socialsched_dagster/oauth/flow.py; this is its HTTP side only.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field

from ...domain.platforms import Platform
from ...oauth.errors import ConnectFailed
from ...oauth.flow import Flow, begin, connect_password, finish, start
from ...store.accounts import list_accounts
from ...teams.api_keys import Identity
from .. import schemas, views
from ..context import admin, state
from ..errors import ApiError
from ..oauth_pages import connected_page, error_page
from ..security import request_cipher

router = APIRouter(prefix="/oauth", tags=["oauth"])


class StartBody(schemas.Strict):
    server: str | None = Field(
        None,
        max_length=2048,
        description="the account's server, for platforms where the user chooses one (the "
        "Mastodon instance, https://mastodon.social); a public address",
    )


class StartAnswer(schemas.Strict):
    platform: str
    connect_url: str = Field(
        description="open it in a browser, once, within `expires_at`: it leads to the "
        "platform's consent page and back"
    )
    expires_at: datetime


class PasswordBody(schemas.Strict):
    server: str = Field(max_length=2048, description="the PDS, e.g. https://bsky.social")
    identifier: str = Field(min_length=1, max_length=253, description="handle or DID")
    password: str = Field(min_length=1, max_length=256, description="an app password")


class ConnectedAnswer(schemas.Strict):
    account: schemas.Account
    reconnected: bool


def _flow(request: Request) -> Flow:
    holder = request.app.state
    flow = getattr(holder, "socialsched_oauth", None)
    if flow is None:
        app = state(request)
        flow = Flow(
            app.db, request_cipher(request), app.settings.oauth, app.settings.api.public_url
        )
        holder.socialsched_oauth = flow
    return flow


def _platform(name: str) -> Platform:
    try:
        return Platform.parse(name)
    except ValueError as exc:
        raise ApiError(404, "not_found", str(exc)) from None


def _api_error(exc: ConnectFailed) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message)


@router.post(
    "/{platform}/start",
    response_model=StartAnswer,
    status_code=201,
    summary="Start connecting an account: a one-time link for a browser",
)
def start_(
    platform: str, request: Request, body: StartBody | None = None, who: Identity = Depends(admin)
):
    chosen = _platform(platform)
    try:
        started = start(
            _flow(request), workspace_id=who.workspace_id, actor=who.actor, platform=chosen,
            server_url=body.server if body else None,
        )  # fmt: skip
    except ConnectFailed as exc:
        raise _api_error(exc) from None
    return StartAnswer(
        platform=chosen.value, connect_url=started.connect_url, expires_at=started.expires_at
    )


@router.post(
    "/{platform}/app-password",
    response_model=ConnectedAnswer,
    status_code=201,
    summary="Connect an account with an app password (Bluesky's alternative to OAuth)",
)
def app_password(
    platform: str, body: PasswordBody, request: Request, who: Identity = Depends(admin)
):
    chosen = _platform(platform)
    flow = _flow(request)
    try:
        done = connect_password(
            flow, workspace_id=who.workspace_id, actor=who.actor, platform=chosen,
            server_url=body.server, identifier=body.identifier.strip(), password=body.password,
        )  # fmt: skip
    except ConnectFailed as exc:
        raise _api_error(exc) from None
    return ConnectedAnswer(
        account=_view(flow, who.workspace_id, done.account_id), reconnected=done.reconnected
    )


def _view(flow: Flow, workspace_id: int, account_id: int) -> schemas.Account:
    rows = flow.db.transaction(
        lambda s: list_accounts(s, None, workspace_id), name="api accounts", read_only=True
    )
    return views.account(next(v for v in rows if v.id == account_id))


@router.get(
    "/begin",
    response_class=RedirectResponse,
    status_code=302,
    summary="In a browser: open a connect link (sets a session cookie, goes to the platform)",
    responses={302: {"description": "to the platform's consent page"}},
)
async def begin_(request: Request, ticket: str | None = None):
    flow = _flow(request)
    try:
        begun = await run_in_threadpool(begin, flow, ticket)
    except ConnectFailed as exc:
        return error_page(exc.status, exc.code, exc.message)
    response = RedirectResponse(begun.authorize_url, status_code=302)
    response.set_cookie(
        begun.cookie_name,
        begun.cookie_value,
        max_age=begun.max_age,
        path="/api/v1/oauth/callback",
        httponly=True,
        samesite="lax",  # sent on the platform's top-level redirect back, not on embeds
        secure=flow.public_url.startswith("https://"),
    )
    return response


@router.get(
    "/callback",
    response_class=HTMLResponse,
    summary="In a browser, from the platform: finish connecting; a page says how it went",
)
async def callback(
    request: Request,
    state: str | None = None,
    code: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
):
    flow = _flow(request)
    try:
        done = await run_in_threadpool(
            lambda: finish(
                flow, state=state, code=code, error=error, error_description=error_description,
                cookies=request.cookies,
            )
        )  # fmt: skip
    except ConnectFailed as exc:
        return error_page(exc.status, exc.code, exc.message)
    return connected_page(done.platform.value, done.handle, done.workspace, done.reconnected)
