"""What every LinkedIn sandbox /rest request passes first, in the gateway's order: the
`Linkedin-Version` (missing: 400 VERSION_MISSING; not an active version: 426
NONEXISTENT_VERSION), then the token (401 with LinkedIn's serviceErrorCode). And the error body
every refusal answers with: `{"status", "serviceErrorCode", "code", "message"}`.

A version is active from its month for the year LinkedIn supports it, on the sandbox's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox import errors
from .sandbox_state import PLATFORM, LinkedInSandbox
from .versions import earliest_sunset, released, valid_shape

TARGET_HEADER = "x-socialsched-target"
_TOKEN_PROBLEMS = {
    "missing": (65604, "EMPTY_ACCESS_TOKEN", "Empty oauth2_access_token"),
    "invalid": (65600, "INVALID_ACCESS_TOKEN", "Invalid access token"),
    "expired": (65602, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired"),
    "revoked": (
        65601,
        "REVOKED_ACCESS_TOKEN",
        "The token used in the request has been revoked by the user",
    ),
}


class Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def li_error(
    status: int,
    code: str,
    message: str,
    service_code: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"status": status}
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    body.update(code=code, message=message)
    return errors.json_response(body, status, headers)


def refuse(status: int, code: str, message: str, service_code: int | None = None) -> Refused:
    return Refused(li_error(status, code, message, service_code))


def li_of(request: Request) -> LinkedInSandbox:
    return request.app.state.sandbox.extensions[PLATFORM]


@dataclass
class LinkedInCall:
    request: Request
    li: LinkedInSandbox
    account: str
    version: str

    @property
    def state(self) -> Any:
        return self.request.app.state.sandbox

    @property
    def target(self) -> str | None:
        return self.request.headers.get(TARGET_HEADER)

    def denied(self, resource: str, method: str) -> Refused:
        """ACCESS_DENIED, named as LinkedIn names the resource and the version."""
        return refuse(
            403,
            "ACCESS_DENIED",
            f"Not enough permissions to access: {resource}.{method}.{self.version}01",
            100,
        )

    def may_write(self, author: str) -> bool:
        scope = (
            "w_member_social" if author.startswith("urn:li:person:") else "w_organization_social"
        )
        return author == self.account and scope in self.li.scopes_of(self.account)

    def may_read(self, author: str) -> bool:
        scope = (
            "r_member_social" if author.startswith("urn:li:person:") else "r_organization_social"
        )
        return author == self.account and scope in self.li.scopes_of(self.account)


def open_call(request: Request) -> LinkedInCall:
    state, li = request.app.state.sandbox, li_of(request)
    version = (request.headers.get("linkedin-version") or "").strip()
    if not version:
        raise refuse(
            400,
            "VERSION_MISSING",
            "A version must be present. Please specify a version by adding the "
            "LinkedIn-Version header.",
        )
    if not active(version, state.now()):
        shown = f"{version}01" if valid_shape(version) else version
        raise refuse(426, "NONEXISTENT_VERSION", f"Requested version {shown} is not active")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    claims, problem = None, "missing"
    if scheme.lower() == "bearer" and token.strip():
        claims, problem = state.check_token(token.strip(), (PLATFORM,))
    if problem is not None or claims is None:
        service_code, code, message = _TOKEN_PROBLEMS.get(problem or "", _TOKEN_PROBLEMS["invalid"])
        raise refuse(401, code, message, service_code)
    return LinkedInCall(request, li, claims.account, version)


def active(version: str, now: float) -> bool:
    if not valid_shape(version):
        return False
    today = datetime.fromtimestamp(now, timezone.utc).date()
    return released(version) <= today < earliest_sunset(version)
