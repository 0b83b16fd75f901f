"""The platforms' authorization servers, as the sandbox imitates them: one consent page and one
store of authorization codes, shared; each platform's `sandbox_oauth.py` says how its own
authorize endpoint is called and answers its token endpoint in its own words.

The authorize endpoint (RFC 6749 4.1.1) checks client_id and redirect_uri first: when either
is missing or unknown it shows an error page and does NOT redirect (the redirect URI cannot be
trusted). Otherwise a bad request is sent back to the redirect URI as `error=...`. The page
asks who signs in (the account id, a fresh one by default, so every connect is a new sandbox
user unless told otherwise) and offers Allow and Deny, each a form POST: Allow redirects with
`code` and `state`, Deny with `error=access_denied`.

Codes live in memory (the sandbox's process), are single use, expire, and remember the client,
the redirect URI and the PKCE challenge, which `redeem` checks (RFC 7636 4.6).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from . import errors
from .graph import read_params, token_error
from .pipeline import guarded
from .tokens import mint

# The OAuth parameters the consent form carries from the GET to its POST.
CARRIED = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "access_type",
    "prompt",
    "include_granted_scopes",
)


@dataclass(frozen=True)
class AuthorizationServer:
    platform: str
    title: str
    # What the sign-in field asks for, and a fresh value of it.
    account_label: str
    new_account: Callable[[], str]
    code_ttl_s: float = 600.0
    pkce_required: bool = False
    # (request, client_id, redirect_uri) -> why the client is refused (page), or None.
    check_client: Callable[[Request, str, str], str | None] | None = None
    # Where Deny sends the person: OAuth's access_denied unless the platform says otherwise.
    denied: tuple[str, str] = ("access_denied", "The user denied the request.")


@dataclass
class Code:
    platform: str
    client_id: str
    redirect_uri: str
    account: str
    scope: str
    challenge: str | None
    method: str | None
    expires_at: float
    used: bool = False


def codes(request: Request) -> dict[str, Code]:
    holder = request.app.state
    found = getattr(holder, "oauth_codes", None)
    if found is None:
        found = holder.oauth_codes = {}
    return found


def _redirect_with(redirect_uri: str, params: dict[str, str | None], status: int) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    joiner = "&" if urlsplit(redirect_uri).query else "?"
    return RedirectResponse(f"{redirect_uri}{joiner}{query}", status_code=status)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>body{{font-family:sans-serif;max-width:32rem;"
        "margin:3rem auto}button{font-size:1rem;margin-right:1rem;padding:.4rem 1.2rem}"
        f"label{{display:block;margin:1rem 0}}</style></head><body>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status)


def _error_page(server: AuthorizationServer, message: str) -> HTMLResponse:
    body = f"<h1>{escape(server.title)}: invalid request</h1><p>{escape(message)}</p>"
    return _page(f"{server.title} error", body, 400)


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        form = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        params.update(form)
    return params


async def authorize(request: Request, server: AuthorizationServer) -> Response:
    params = await _params(request)
    client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
    if not client_id:
        return _error_page(server, "The client_id parameter is missing.")
    scheme = urlsplit(redirect_uri).scheme if redirect_uri else ""
    if scheme not in ("http", "https"):
        return _error_page(server, "The redirect_uri parameter is missing or not a URL.")
    if server.check_client is not None:
        refused = server.check_client(request, client_id, redirect_uri)
        if refused:
            return _error_page(server, refused)
    state = params.get("state")

    def back(error: str, description: str) -> Response:
        status = 303 if request.method == "POST" else 302
        params_ = {"error": error, "error_description": description, "state": state}
        return _redirect_with(redirect_uri, params_, status)

    if params.get("response_type") != "code":
        return back("unsupported_response_type", "response_type must be code")
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if challenge and (method or "plain") not in ("S256", "plain"):
        return back("invalid_request", "code_challenge_method must be S256 or plain")
    if server.pkce_required and not challenge:
        return back("invalid_request", "code_challenge is required")
    if request.method == "GET":
        return _consent(server, params)
    if params.get("decision") != "allow":
        return back(*server.denied)
    account = (params.get("account") or "").strip()
    if not account or any(c.isspace() for c in account):
        return _error_page(server, f"Give the {server.account_label} to sign in as.")
    code = secrets.token_urlsafe(32)
    state_ = request.app.state.sandbox
    codes(request)[code] = Code(
        platform=server.platform,
        client_id=client_id,
        redirect_uri=redirect_uri,
        account=account,
        scope=params.get("scope", ""),
        challenge=challenge,
        method=(method or "plain") if challenge else None,
        expires_at=state_.now() + server.code_ttl_s,
    )
    return _redirect_with(redirect_uri, {"code": code, "state": state}, 303)


def _consent(server: AuthorizationServer, params: dict[str, str]) -> HTMLResponse:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(params[name])}">'
        for name in CARRIED
        if params.get(name) is not None
    )
    scopes = ", ".join(s for s in params.get("scope", "").replace(",", " ").split() if s)
    body = (
        f"<h1>{escape(server.title)} (sandbox)</h1>"
        f"<p>The app <b>{escape(params['client_id'])}</b> asks for: "
        f"{escape(scopes) or 'no particular permission'}.</p>"
        f'<form method="post">{hidden}'
        f"<label>Sign in as ({escape(server.account_label)}) "
        f'<input name="account" value="{escape(server.new_account())}"></label>'
        '<button type="submit" name="decision" value="allow" id="allow">Allow</button>'
        '<button type="submit" name="decision" value="deny" id="deny">Deny</button>'
        "</form>"
    )
    return _page(f"{server.title}: allow access?", body)


def redeem(
    request: Request,
    platform: str,
    *,
    code: str | None,
    client_id: str | None,
    redirect_uri: str | None,
    verifier: str | None,
) -> tuple[Code | None, str | None]:
    """(the code, None), or (None, the problem): "unknown", "used", "expired", "client",
    "redirect_uri", "verifier_missing" or "verifier". A code found is spent whatever the
    outcome: it is good for one attempt."""
    found = codes(request).get(code or "")
    if found is None or found.platform != platform:
        return None, "unknown"
    if found.used:
        return None, "used"
    found.used = True
    if request.app.state.sandbox.now() >= found.expires_at:
        return None, "expired"
    if client_id != found.client_id:
        return None, "client"
    if redirect_uri != found.redirect_uri:
        return None, "redirect_uri"
    if found.challenge is not None:
        if not verifier:
            return None, "verifier_missing"
        if not hmac.compare_digest(_challenge(verifier, found.method), found.challenge):
            return None, "verifier"
    return found, None


def _challenge(verifier: str, method: str | None) -> str:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return verifier


def digits(prefix: str, total: int) -> Callable[[], str]:
    """A fresh numeric id of `total` digits starting with `prefix` (Meta's, X's ids)."""
    return lambda: (
        prefix + str(secrets.randbelow(10 ** (total - len(prefix)))).zfill(total - len(prefix))
    )


def form_of(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


# -- pieces the platforms' sandbox_oauth.py share --------------------------------------------

# The Graph API's words for a redirect_uri other than the one the code was issued for.
REDIRECT_MISMATCH = (
    "Error validating verification code. Please make sure your redirect_uri is "
    "identical to the one you used in the OAuth dialog request"
)


def client_check(
    expected: Callable[[Request], str | None], message: str
) -> Callable[[Request, str, str], str | None]:
    """An AuthorizationServer.check_client refusing, with `message`, a client_id other than
    the configured one (any client when none is configured)."""

    def check(request: Request, client_id: str, _redirect_uri: str) -> str | None:
        want = expected(request)
        return message if want and client_id != want else None

    return check


def redeem_form(request: Request, platform: str, form: dict[str, str]):
    """`redeem` with the token request's own fields (code, client_id, redirect_uri,
    code_verifier)."""
    return redeem(
        request, platform, code=form.get("code"), client_id=form.get("client_id"),
        redirect_uri=form.get("redirect_uri"), verifier=form.get("code_verifier"),
    )  # fmt: skip


def mint_access(request: Request, platform: str, account: str, expires_in: int | None) -> str:
    """A new access token of `account`, from now."""
    state = request.app.state.sandbox
    return mint(
        state.settings.secret, platform=platform, account=account, kind="access",
        now=state.now(), expires_in=expires_in,
    )  # fmt: skip


def graph_code_refusal(problem: str | None) -> Response | None:
    """The Graph API's answer to a code of another app or another redirect_uri, else None."""
    if problem == "client":
        return errors.meta_error(101, "Error validating application. Invalid application ID.")
    if problem == "redirect_uri":
        return errors.meta_invalid_param(REDIRECT_MISMATCH, subcode=36008)
    return None


async def long_lived_exchange(
    request: Request, platform: str, grant_type: str, lifetime: Callable[[Request], int]
) -> Response:
    """`GET access_token?grant_type=<grant_type>`: a short-lived token for one of `lifetime`
    seconds, refused in the Graph error shape."""
    state, params = request.app.state.sandbox, await read_params(request)
    if params.get("grant_type") != grant_type:
        return errors.meta_invalid_param(f"Unsupported grant_type: expected {grant_type}")
    if not params.get("client_secret"):
        return errors.meta_error(101, "Missing client_secret parameter.")
    claims, problem = state.check_token(params.get("access_token"), (platform,))
    if problem:
        return token_error(problem, claims, state.now())
    seconds = lifetime(request)
    token = mint_access(request, platform, claims.account, seconds)
    return errors.json_response(
        {"access_token": token, "token_type": "bearer", "expires_in": seconds}
    )


def guarded_route(endpoint: str, family, handler):
    """`handler` behind the sandbox's pipeline (faults, usage) as `endpoint` of `family`."""

    async def route(request: Request) -> Response:
        return await guarded(request, endpoint, family, handler)

    return route
