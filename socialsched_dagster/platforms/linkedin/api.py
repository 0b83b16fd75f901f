"""One LinkedIn request, the only way the client talks to LinkedIn.

Every /rest call carries the token, `Linkedin-Version` (the setting) and
`X-Restli-Protocol-Version: 2.0.0`, the target header, and runs through the guard under the
author's URN (LinkedIn counts its daily limits per member and per app). The image upload goes to
the URL LinkedIn hands out; it gets the token only when that URL is LinkedIn's own host (or the
configured API host), so a strange upload URL never receives it. LinkedIn sends no usage headers,
so nothing is reported to the guard but the calls themselves.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from ...domain.errors import ErrorKind, PublishError
from ...domain.platforms import Platform
from ..base import CallGuard, PublishJob
from ..config import PlatformConfig
from ..http import TARGET_HEADER, Call, send
from .errors import linkedin_error
from .settings import LinkedInSettings

DEFAULT_BASE_URL = "https://api.linkedin.com"
PLATFORM = Platform.LINKEDIN


def base_url(config: PlatformConfig) -> str:
    """SOCIALSCHED_LINKEDIN_BASE_URL, the sandbox's /linkedin, or api.linkedin.com."""
    return config.base_url(PLATFORM, DEFAULT_BASE_URL)


class LinkedInApi:
    def __init__(
        self,
        config: PlatformConfig,
        settings: LinkedInSettings,
        guard: CallGuard,
        http: httpx.Client,
    ) -> None:
        self.config, self.settings, self.guard, self.http = config, settings, guard, http

    def request(
        self,
        job: PublishJob,
        method: str,
        path: str,
        endpoint: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        effectful: bool = False,
        publishes: bool = False,
    ) -> httpx.Response:
        """The answer when it is a success (2xx), else LinkedIn's error as PublishError."""
        call = Call(
            f"linkedin {endpoint}", effectful or publishes, (job.access_token,),
            publishes=publishes, fence=job.fence,
        )  # fmt: skip
        sent = {
            "Authorization": f"Bearer {job.access_token}",
            "Linkedin-Version": self.settings.version,
            "X-Restli-Protocol-Version": "2.0.0",
            TARGET_HEADER: str(job.target_id),
            **(headers or {}),
        }
        url = f"{base_url(self.config)}{path}"
        return self._guarded(job, call, method, url, sent, params=params, json=json)

    def upload(self, job: PublishJob, url: str, data: bytes, content_type: str) -> None:
        """PUT the bytes to the upload URL initializeUpload answered (201 Created)."""
        call = Call("linkedin image upload", True, (job.access_token,), fence=job.fence)
        headers = {"Content-Type": content_type, TARGET_HEADER: str(job.target_id)}
        if _trusted(url, base_url(self.config)):
            headers["Authorization"] = f"Bearer {job.access_token}"
        self._guarded(job, call, "PUT", url, headers, content=data)

    def _guarded(
        self, job: PublishJob, call: Call, method: str, url: str, headers: dict, **kw: Any
    ) -> httpx.Response:
        kw = {k: v for k, v in kw.items() if v is not None}

        def once() -> httpx.Response:
            response = send(self.http, call, method, url, headers=headers, **kw)
            error = linkedin_error(call, response, self.settings.version)
            if error is not None:
                raise error
            return response

        return self.guard.call(PLATFORM, job.account_external_id, once)


def _trusted(url: str, api_base: str) -> bool:
    parts, api = urlsplit(url), urlsplit(api_base)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and (host == "linkedin.com" or host.endswith(".linkedin.com")):
        return True
    return (parts.scheme, parts.netloc) == (api.scheme, api.netloc)


def require_upload_url(url: object, api_base: str) -> str:
    """The upload URL initializeUpload answered, if it is a web URL at all."""
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise PublishError(
            ErrorKind.UNKNOWN, f"linkedin images initializeUpload: unusable uploadUrl {url!r}"
        )
    if not _trusted(url, api_base) and urlsplit(url).scheme != "https":
        raise PublishError(
            ErrorKind.UNKNOWN, "linkedin images initializeUpload: the uploadUrl is not https"
        )
    return url
