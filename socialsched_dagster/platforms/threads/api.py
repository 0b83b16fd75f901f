"""One Threads API request: graph.threads.net/v1.0, the Graph envelope, one `guard.call` each.

Not `graph_api.GraphApi`: Threads has its own host and version (v1.0, not the Graph version
the Instagram and Pages clients follow), and its app secret is the Threads app's, not the Meta
app's that GraphApi signs `appsecret_proof` with. The token travels in the Authorization header,
never in the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob, Usage
from ..config import PlatformConfig
from ..http import (
    TARGET_HEADER,
    Call,
    json_object,
    malformed,
    retry_after_seconds,
    send,
    target_tag,
)
from ..meta_errors import parse_usage
from ..timestamps import server_now
from .errors import threads_error

DEFAULT_BASE_URL = "https://graph.threads.net"
API_VERSION = "v1.0"


def base_url(config: PlatformConfig) -> str:
    """SOCIALSCHED_THREADS_BASE_URL, the sandbox's /threads, or graph.threads.net."""
    return config.base_url(Platform.THREADS, DEFAULT_BASE_URL)


class ThreadsApi:
    platform = Platform.THREADS

    def __init__(self, config: PlatformConfig, guard: CallGuard, http: httpx.Client) -> None:
        self.config, self.guard, self.http = config, guard, http

    def get(
        self,
        job: PublishJob,
        path: str,
        endpoint: str,
        params: dict[str, Any] | None = None,
        expect: tuple[str, ...] = (),
        parse: Callable[[dict[str, Any]], Any] | None = None,
    ) -> Any:
        """`parse` turns the body into what the caller wants; if it cannot, the answer is
        reported as malformed with an excerpt of the real body."""
        body, _ = self.request(job, "GET", path, endpoint, params=params, expect=expect)
        if parse is None:
            return body
        return self._parsed(endpoint, body, parse)

    def get_dated(
        self, job: PublishJob, path: str, endpoint: str, params: dict[str, Any]
    ) -> tuple[dict[str, Any], float]:
        """The body and the platform's clock (its Date header) when it answered."""
        return self.request(job, "GET", path, endpoint, params=params)

    def post(
        self,
        job: PublishJob,
        path: str,
        endpoint: str,
        data: dict[str, Any],
        publishes: bool = False,
    ) -> dict[str, Any]:
        """Every POST creates something; `publishes`: this one can make the post public, so
        a lost or transient answer to it is an unknown outcome."""
        body, _ = self.request(
            job, "POST", path, endpoint, data=data, expect=("id",), publishes=publishes
        )
        return body

    def request(
        self,
        job: PublishJob,
        method: str,
        path: str,
        endpoint: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        expect: tuple[str, ...] = (),
        publishes: bool = False,
    ) -> tuple[dict[str, Any], float]:
        url = f"{base_url(self.config)}/{API_VERSION}/{path}"
        call = Call(
            f"threads {endpoint}", method == "POST", (job.access_token,),
            publishes=publishes, fence=job.fence,
        )  # fmt: skip
        headers = {"Authorization": f"Bearer {job.access_token}", TARGET_HEADER: target_tag(job)}
        kw: dict[str, Any] = {"data": data or {}} if method == "POST" else {"params": params or {}}

        def once() -> tuple[dict[str, Any], float]:
            response = send(self.http, call, method, url, headers=headers, **kw)
            self._observe(job, response.headers)
            error = threads_error(call, response)
            if error is not None:
                raise error
            return json_object(call, response, *expect), server_now(response.headers)

        return self.guard.call(self.platform, job.account_external_id, once)

    def _observe(self, job: PublishJob, headers: httpx.Headers) -> None:
        usage = parse_usage(headers)
        if usage is None:
            return
        # A precise Retry-After beats the usage header's estimate in whole minutes.
        precise = retry_after_seconds(headers)
        if precise is not None and precise < usage.regain_after_s:
            usage = Usage(usage.percent, precise)
        self.guard.observe_usage(self.platform, job.account_external_id, usage)

    def _parsed(self, endpoint: str, body: dict[str, Any], parse: Callable[[dict], Any]) -> Any:
        try:
            return parse(body)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            # Rebuilt from the parsed body: the response object is gone by now.
            response = httpx.Response(200, json=body)
            raise malformed(
                Call(f"threads {endpoint}", False), response, "unexpected shape"
            ) from exc
