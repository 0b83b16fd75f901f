"""One Graph API request, the way Instagram and Pages clients both need it.

The token travels in the Authorization header (Graph accepts it there), never in the URL;
`appsecret_proof` rides along whenever an app secret is configured; every answer's usage headers
go to the guard; each request is one `guard.call`, so rate limits count every request.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import httpx

from ..domain.platforms import Platform
from .base import CallGuard, PublishJob, Usage
from .config import PlatformConfig
from .http import TARGET_HEADER, Call, json_object, malformed, retry_after_seconds, send, target_tag
from .meta_errors import graph_error, parse_usage


def appsecret_proof(app_secret: str, access_token: str) -> str:
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


class GraphApi:
    def __init__(
        self, platform: Platform, config: PlatformConfig, guard: CallGuard, http: httpx.Client
    ) -> None:
        self.platform, self.config, self.guard, self.http = platform, config, guard, http

    def get(
        self,
        job: PublishJob,
        path: str,
        endpoint: str,
        params: dict[str, Any] | None = None,
        expect: tuple[str, ...] = (),
        parse: Callable[[dict[str, Any]], Any] | None = None,
    ) -> Any:
        """`parse` turns the body into what the caller wants; if it cannot (KeyError, ...),
        the answer is reported as malformed with an excerpt of the real body."""
        return self.request(
            job, "GET", path, endpoint, False, params=params, expect=expect, parse=parse
        )

    def post(
        self,
        job: PublishJob,
        path: str,
        endpoint: str,
        data: dict[str, Any],
        expect: tuple[str, ...] = ("id",),
        base_url: str | None = None,
        publishes: bool = False,
    ) -> dict[str, Any]:
        """Every POST we make creates something, so each one counts as effectful;
        `publishes`: this one can make the post public (a Page draft's `is_published`, a
        video, media_publish). A transient error answering it is an unknown outcome."""
        return self.request(
            job, "POST", path, endpoint, True, data=data, expect=expect, base_url=base_url,
            publishes=publishes,
        )  # fmt: skip

    def request(
        self,
        job: PublishJob,
        method: str,
        path: str,
        endpoint: str,
        effectful: bool,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        expect: tuple[str, ...] = (),
        base_url: str | None = None,
        parse: Callable[[dict[str, Any]], Any] | None = None,
        publishes: bool = False,
    ) -> Any:
        base = (base_url or self.config.graph_base_url).rstrip("/")
        url = f"{base}/{self.config.graph_version}/{path}"
        call = Call(
            f"{self.platform.value} {endpoint}", effectful, (job.access_token,),
            publishes=publishes, fence=job.fence,
        )  # fmt: skip
        headers = {"Authorization": f"Bearer {job.access_token}", TARGET_HEADER: target_tag(job)}
        # Graph reads parameters from the form body of a POST and the query string of a GET.
        signed = dict((data if method == "POST" else params) or {})
        if self.config.meta_app_secret:
            signed["appsecret_proof"] = appsecret_proof(
                self.config.meta_app_secret, job.access_token
            )
        kw: dict[str, Any] = {"data": signed} if method == "POST" else {"params": signed}

        def once() -> Any:
            response = send(self.http, call, method, url, headers=headers, **kw)
            usage = parse_usage(response.headers)
            if usage is not None:
                # A precise Retry-After beats the usage header's estimate, which Graph rounds
                # up to whole minutes (the same rule as meta_errors.retry_after).
                precise = retry_after_seconds(response.headers)
                if precise is not None and precise < usage.regain_after_s:
                    usage = Usage(usage.percent, precise)
                self.guard.observe_usage(self.platform, job.account_external_id, usage)
            error = graph_error(call, response)
            if error is not None:
                raise error
            body = json_object(call, response, *expect)
            if parse is None:
                return body
            try:
                return parse(body)
            except (KeyError, IndexError, TypeError, ValueError) as exc:
                raise malformed(call, response, "unexpected shape") from exc

        return self.guard.call(self.platform, job.account_external_id, once)
