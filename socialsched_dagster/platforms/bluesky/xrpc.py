"""One XRPC request, the way every Bluesky call needs it: through the guard (rate budget and
breaker), through `http.send` (fence, lost answers), with the answer's rate-limit headers handed
to the guard and its error mapped by errors.py.

`XrpcTransport` knows no session: it sends the bearer it is given (none, an access JWT or, for
refreshSession, the refresh JWT). `Xrpc` adds the account's session (sessions.py) and renews it
once when the PDS says it has expired; a call refused for its token did nothing, so sending it
again (even createRecord, under the same record key) cannot post twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from ...domain.errors import ErrorKind, PublishError
from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob
from ..http import TARGET_HEADER, Call, json_object, send, target_tag
from .errors import SESSION_ERRORS, parse_usage, xrpc_error

if TYPE_CHECKING:
    from .sessions import SessionStore

DEFAULT_PDS = "https://bsky.social"  # the PDS of most accounts; any PDS may be given instead


def pds_url(job: PublishJob) -> str:
    return (job.server_url or DEFAULT_PDS).rstrip("/")


class XrpcTransport:
    def __init__(self, platform: Platform, guard: CallGuard, http: httpx.Client) -> None:
        self.platform, self.guard, self.http = platform, guard, http

    def request(
        self,
        job: PublishJob,
        nsid: str,
        *,
        procedure: bool,
        bearer: str | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        effectful: bool = False,
        publishes: bool = False,
        expect: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """`effectful`: the call creates something (a blob, a record); `publishes`: it can
        make the post public (createRecord), so an answer lost after sending is unknown."""
        secrets = tuple(s for s in (job.access_token, bearer) if s)
        call = Call(
            f"bluesky {nsid.rsplit('.', 1)[-1]}", effectful, secrets,
            publishes=publishes, fence=job.fence,
        )  # fmt: skip
        headers = {TARGET_HEADER: target_tag(job)}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        if content_type:
            headers["Content-Type"] = content_type
        url = f"{pds_url(job)}/xrpc/{nsid}"
        kw: dict[str, Any] = {"headers": headers, "params": params}
        if json is not None:
            kw["json"] = json
        elif content is not None:
            kw["content"] = content

        def once() -> dict[str, Any]:
            response = send(self.http, call, "POST" if procedure else "GET", url, **kw)
            usage = parse_usage(response.headers)
            if usage is not None:
                self.guard.observe_usage(self.platform, job.account_external_id, usage)
            error = xrpc_error(call, response)
            if error is not None:
                raise error
            return json_object(call, response, *expect)

        return self.guard.call(self.platform, job.account_external_id, once)


class Xrpc:
    """Calls made as the account: its session's access JWT, renewed once if refused."""

    def __init__(self, transport: XrpcTransport, sessions: SessionStore) -> None:
        self.transport, self.sessions = transport, sessions

    def request(self, job: PublishJob, nsid: str, **kw: Any) -> dict[str, Any]:
        token = self.sessions.access_jwt(job)
        try:
            return self.transport.request(job, nsid, bearer=token, **kw)
        except PublishError as exc:
            if not _session_refused(exc):
                raise
        token = self.sessions.renew(job, refused=token)
        return self.transport.request(job, nsid, bearer=token, **kw)

    def query(self, job: PublishJob, nsid: str, params: dict[str, Any], **kw: Any) -> dict:
        """A public read: no session needed (getRecord, resolveHandle), so a dead app
        password never stops a reconciliation."""
        return self.transport.request(job, nsid, procedure=False, params=params, **kw)


def _session_refused(exc: PublishError) -> bool:
    return exc.kind is ErrorKind.AUTH_EXPIRED and (
        exc.code in SESSION_ERRORS or exc.http_status == 401
    )
