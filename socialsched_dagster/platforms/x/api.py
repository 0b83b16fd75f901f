"""One X API request, the only way the client talks to api.x.com.

Every request carries the user's OAuth 2 token and the target header, runs through the guard
(rate budget + breaker) and, right before anything with an effect, the publisher's fence.

X limits each endpoint separately (100 post creates per user per 15 minutes, 900 timeline reads,
1,875 media initialisations, ...), and the guard keeps one budget per account. Only the post
endpoint's x-rate-limit-* headers are fed to it: they describe the limit that decides when the
account's posts can go out, while a read endpoint's large window would lift a slow-down the
post limit asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob
from ..config import PlatformConfig
from ..http import TARGET_HEADER, Call, json_object, malformed, send, target_tag
from .errors import usage, x_error

DEFAULT_BASE_URL = "https://api.x.com"
PLATFORM = Platform.X


def base_url(config: PlatformConfig) -> str:
    """SOCIALSCHED_X_BASE_URL, the sandbox's /x, or api.x.com."""
    return config.base_url(PLATFORM, DEFAULT_BASE_URL)


@dataclass(frozen=True)
class Answer:
    call: Call
    response: httpx.Response

    def data(self, *required: str) -> dict[str, Any]:
        """The answer's `data` object, with the fields the caller needs."""
        body = json_object(self.call, self.response, "data")
        data = body["data"]
        if not isinstance(data, dict):
            raise malformed(self.call, self.response, "data is not an object")
        missing = [k for k in required if data.get(k) in (None, "")]
        if missing:
            raise malformed(self.call, self.response, f"missing data.{', data.'.join(missing)}")
        return data

    def body(self) -> dict[str, Any]:
        return json_object(self.call, self.response)


class XApi:
    def __init__(self, config: PlatformConfig, guard: CallGuard, http: httpx.Client) -> None:
        self.config, self.guard, self.http = config, guard, http

    def request(
        self,
        job: PublishJob,
        method: str,
        path: str,
        endpoint: str,
        *,
        effectful: bool = False,
        publishes: bool = False,
        observe: bool = False,
        **kw: Any,
    ) -> Answer:
        """The answer when it is a success (2xx), else X's error as PublishError.
        `observe`: feed the answer's rate-limit headers to the guard (the post endpoint)."""
        url = f"{base_url(self.config)}{path}"
        call = Call(
            f"x {endpoint}", effectful, (job.access_token,), publishes=publishes, fence=job.fence
        )
        headers = {"Authorization": f"Bearer {job.access_token}", TARGET_HEADER: target_tag(job)}

        def once() -> Answer:
            response = send(self.http, call, method, url, headers=headers, **kw)
            seen = usage(response.headers) if observe else None
            if seen is not None:
                self.guard.observe_usage(PLATFORM, job.account_external_id, seen)
            error = x_error(call, response)
            if error is not None:
                raise error
            return Answer(call, response)

        return self.guard.call(PLATFORM, job.account_external_id, once)
