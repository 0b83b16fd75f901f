"""One Mastodon API request, the only way the client talks to an instance.

Every request goes to the account's own server (`job.server_url`), carries the target header,
runs through the guard (rate budget + breaker) and reports the X-RateLimit-* headers to it. The
guard's account key is the account id AT its instance: ids are only unique within one server,
and each server keeps its own budget.

Media uploads have a bucket of their own (30 per 30 minutes, against 300 per 5 minutes for
everything else), and their answers' headers describe it. Those headers are not fed to the
account's budget, and a 429 from that bucket is raised after the guard rather than inside it,
so that the guard does not pause the account's text posts for half an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from ...domain.errors import ErrorKind, PublishError
from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob
from ..http import TARGET_HEADER, Call, json_object, json_or_none, malformed, send, target_tag
from .errors import mastodon_error, usage

PLATFORM = Platform.MASTODON


def server_of(job: PublishJob) -> str:
    if not job.server_url:
        raise PublishError(
            ErrorKind.VALIDATION,
            "the Mastodon account has no server: add it again with --server https://<instance>",
            "no_server",
        )
    return job.server_url.rstrip("/")


def budget_key(job: PublishJob) -> str:
    return f"{job.account_external_id}@{urlsplit(server_of(job)).netloc.lower()}"


@dataclass(frozen=True)
class Answer:
    call: Call
    response: httpx.Response

    @property
    def status(self) -> int:
        return self.response.status_code

    def object(self, *required: str) -> dict[str, Any]:
        return json_object(self.call, self.response, *required)

    def list(self) -> list[dict[str, Any]]:
        body = json_or_none(self.response)
        if not isinstance(body, list):
            raise malformed(self.call, self.response, "not a JSON array")
        return [item for item in body if isinstance(item, dict)]


class MastodonApi:
    def __init__(self, guard: CallGuard, http: httpx.Client) -> None:
        self.guard, self.http = guard, http

    def request(
        self,
        job: PublishJob,
        method: str,
        path: str,
        endpoint: str,
        *,
        effectful: bool = False,
        publishes: bool = False,
        authenticated: bool = True,
        own_bucket: bool = False,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> Answer:
        """The answer when it is a success (2xx), else the instance's error as PublishError."""
        url = f"{server_of(job)}{path}"
        secrets = (job.access_token,)
        call = Call(
            f"mastodon {endpoint}", effectful, secrets, publishes=publishes, fence=job.fence
        )
        sent = {TARGET_HEADER: target_tag(job), **(headers or {})}
        if authenticated:
            sent["Authorization"] = f"Bearer {job.access_token}"
        key = budget_key(job)

        def once() -> Answer | PublishError:
            response = send(self.http, call, method, url, headers=sent, **kw)
            seen = usage(response.headers)
            if seen is not None and not own_bucket:
                self.guard.observe_usage(PLATFORM, key, seen)
            error = mastodon_error(call, response)
            if error is not None and own_bucket and error.kind is ErrorKind.RATE_LIMITED:
                return error  # the media bucket's: raised below, outside the guard
            if error is not None:
                raise error
            return Answer(call, response)

        answer = self.guard.call(PLATFORM, key, once, server=server_of(job))
        if isinstance(answer, PublishError):
            raise answer
        return answer
