"""Facebook Login's endpoints in the sandbox, as the manual login flow documents them:

  GET/POST /{version}/dialog/oauth           the Login dialog (consent page; sign in as a Page)
  GET      /{version}/oauth/access_token     with `code`: the code exchanged for a short-lived
                                             user token; without, the fb_exchange_token
                                             exchange (sandbox/token_routes.py)
  GET      /{version}/me/accounts            the user's Pages, each with its Page token

Refusals are Graph errors: a bad app id or secret code 101, a bad, used or expired code or a
redirect_uri other than the dialog's code 100 with Facebook's subcodes (36007 expired, 36008
redirect_uri, 36009 used).
"""

from __future__ import annotations

import re

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...sandbox import errors
from ...sandbox.graph import _check_proof, access_token, read_params, token_error
from ...sandbox.oauth_consent import (
    AuthorizationServer,
    authorize,
    digits,
    graph_code_refusal,
    mint_access,
    redeem_form,
)
from ...sandbox.pipeline import META, guarded
from ...sandbox.token_routes import fb_exchange
from ...sandbox.tokens import mint
from .sandbox_login import PLATFORM, FacebookLogin

SHORT_LIVED_S = 2 * 3600  # "a short-lived token ... lifetime of about an hour or two"
SERVER = AuthorizationServer(
    platform=PLATFORM,
    title="Facebook",
    account_label="the id of the Page you grant",
    new_account=digits("1000", 15),
)


class GraphVersion(Convertor):
    """`v21.0`: so these routes never take a path of another platform's prefix."""

    regex = r"v\d+\.\d+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("graph_version", GraphVersion())


def _login(request: Request) -> FacebookLogin:
    return request.app.state.sandbox.extensions[PLATFORM]


async def _dialog(request: Request) -> Response:
    return await authorize(request, SERVER)


async def _code(request: Request, params: dict[str, str]) -> Response:
    state = request.app.state.sandbox
    s = state.settings
    client_id, secret = params.get("client_id", ""), params.get("client_secret", "")
    if not client_id or (s.meta_app_id and client_id != s.meta_app_id):
        return errors.meta_error(101, "Error validating application. Invalid application ID.")
    if not secret:
        return errors.meta_error(101, "Missing client_secret parameter.")
    if s.meta_app_secret and secret != s.meta_app_secret:
        return errors.meta_error(1, "Error validating client secret.")
    grant, problem = redeem_form(request, PLATFORM, params)
    refused = graph_code_refusal(problem)
    if refused is not None:
        return refused
    if problem in ("used", "expired"):
        word = "has been used" if problem == "used" else "has expired"
        subcode = 36009 if problem == "used" else 36007
        return errors.meta_invalid_param(f"This authorization code {word}.", subcode=subcode)
    if problem or grant is None:
        return errors.meta_invalid_param("Invalid verification code format.")
    user = digits("1", 16)()
    _login(request).grant(user, [grant.account])
    token = mint_access(request, PLATFORM, user, SHORT_LIVED_S)
    return errors.json_response(
        {"access_token": token, "token_type": "bearer", "expires_in": SHORT_LIVED_S}
    )


async def _access_token(request: Request) -> Response:
    params = await read_params(request)
    if "code" not in params:
        return await fb_exchange(request)

    async def answer(req: Request) -> Response:
        return await _code(req, params)

    return await guarded(request, "fb_oauth_token", META, answer)


async def _me_accounts(request: Request) -> Response:
    state, params = request.app.state.sandbox, await read_params(request)
    token = access_token(request, params)
    if not token:
        return token_error("missing")
    claims, problem = state.check_token(token, (PLATFORM,))
    if problem:
        return token_error(problem, claims, state.now())
    refused = _check_proof(state, token, params.get("appsecret_proof"))
    if refused:
        return refused
    pages = _login(request).pages_of.get(claims.account)
    if pages is None:  # a Page token: a Page has no `accounts` edge
        return errors.meta_invalid_param(
            "(#100) Tried accessing nonexisting field (accounts) on node type (Page)"
        )
    # A Page token got with a long-lived user token does not expire; with a short-lived one
    # it lasts as long as that.
    lifetime = None if claims.exp is None or claims.exp - claims.iat > SHORT_LIVED_S else 3600
    fields = [f.strip() for f in params.get("fields", "id,name,access_token").split(",")]
    data = []
    for page in pages:
        values = {
            "id": page,
            "name": f"Sandbox Page {page[-6:]}",
            "category": "Brand",
            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
            "access_token": mint(
                state.settings.secret, platform=PLATFORM, account=page, kind="access",
                now=state.now(), expires_in=lifetime,
            ),
        }  # fmt: skip
        data.append({f: values[f] for f in ["id", *fields] if f in values})
    cursor = re.sub(r"[^A-Za-z0-9]", "", claims.account)[-12:]
    return errors.json_response(
        {"data": data, "paging": {"cursors": {"before": cursor, "after": cursor}}}
    )


async def _me_accounts_route(request: Request) -> Response:
    return await guarded(request, "fb_me_accounts", META, _me_accounts)


async def _dialog_route(request: Request) -> Response:
    return await guarded(request, "fb_oauth_dialog", META, _dialog)


def routes() -> list[Route]:
    return [
        Route("/{version:graph_version}/dialog/oauth", _dialog_route, methods=["GET", "POST"]),
        Route(
            "/{version:graph_version}/oauth/access_token", _access_token, methods=["GET", "POST"]
        ),
        Route("/{version:graph_version}/me/accounts", _me_accounts_route, methods=["GET"]),
    ]
