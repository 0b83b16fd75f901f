"""Builders of the platforms' real response and error bodies.

Clients classify failures by these bodies (PLATFORM_APIS.md), so the shapes and codes must match
the real ones; messages are the real wording where it is known.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.responses import Response

GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode()
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def fbtrace_id() -> str:
    return secrets.token_urlsafe(16)[:23]


def meta_error(
    code: int,
    message: str,
    *,
    subcode: int | None = None,
    error_type: str = "OAuthException",
    transient: bool = False,
    user_title: str | None = None,
    user_msg: str | None = None,
    status: int = 400,
    headers: dict[str, str] | None = None,
) -> Response:
    err: dict[str, Any] = {"message": message, "type": error_type, "code": code}
    if subcode is not None:
        err["error_subcode"] = subcode
    err["is_transient"] = transient
    if user_title:
        err["error_user_title"] = user_title
    if user_msg:
        err["error_user_msg"] = user_msg
    err["fbtrace_id"] = fbtrace_id()
    return json_response({"error": err}, status, headers)


def meta_invalid_param(message: str, subcode: int | None = None, **kw: Any) -> Response:
    return meta_error(100, message, subcode=subcode, **kw)


def meta_unsupported(method: str, node: str) -> Response:
    return meta_error(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{node}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation. Please read the "
        "Graph API documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33,
        error_type="GraphMethodException",
    )


def meta_transient(status: int = 500) -> Response:
    return meta_error(
        2,
        "An unexpected error has occurred. Please retry your request later.",
        transient=True,
        status=status,
    )


def meta_injected(status: int, envelope: dict[str, Any] | bool) -> Response:
    """An injected failure shaped as a fault asked (faults.py): a Graph envelope, or none."""
    if envelope is False:
        return bare_server_error(status)
    return meta_error(
        envelope["code"],
        envelope.get("message") or "An unknown error has occurred.",
        subcode=envelope.get("subcode"),
        error_type=envelope.get("type", "OAuthException"),
        transient=bool(envelope.get("transient", False)),
        status=status,
    )


def bare_server_error(status: int) -> Response:
    """What a proxy or load balancer in front of the platform answers: HTML, no error body."""
    body = f"<html><body><h1>{status} Server Error</h1></body></html>".encode()
    return Response(body, status_code=status, media_type="text/html")


THROTTLES = {
    "app": (4, "(#4) Application request limit reached"),
    "pages": (32, "(#32) Page request limit reached"),
    "instagram": (
        80002,
        "There have been too many calls to this Instagram account. Wait a bit and try again.",
    ),
}


def meta_throttle(kind: str, headers: dict[str, str]) -> Response:
    """Graph's throttling answer: HTTP 400 with code 4 (app), 32 (page) or 80002 (Instagram)."""
    code, message = THROTTLES[kind]
    return meta_error(code, message, transient=True, headers=headers)


def google_error(
    status: int,
    reason: str,
    message: str,
    *,
    domain: str = "global",
    headers: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
) -> Response:
    item = {"message": message, "domain": domain, "reason": reason, **(extra or {})}
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [item],
            "status": GOOGLE_STATUS.get(status, "UNKNOWN"),
        }
    }
    return json_response(body, status, headers)


def google_auth_error() -> Response:
    return google_error(
        401,
        "authError",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential.",
        extra={"location": "Authorization", "locationType": "header"},
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


def google_backend_error(status: int = 503) -> Response:
    return google_error(status, "backendError", "Backend Error")


def oauth_error(
    status: int, error: str, description: str, headers: dict[str, str] | None = None
) -> Response:
    """Google's OAuth token endpoint uses the flat RFC 6749 error shape."""
    return json_response({"error": error, "error_description": description}, status, headers)


def malformed(n: int) -> Response:
    """A 200 whose body is not the expected JSON: alternately truncated JSON and a proxy's HTML."""
    if n % 2:
        return Response(
            b"<!DOCTYPE html><html><head><title>Sorry, something went wrong.</title></head>"
            b"<body><h1>Sorry, something went wrong.</h1></body></html>",
            media_type="text/html",
        )
    return Response(b'{"id":"1789', media_type="application/json")
