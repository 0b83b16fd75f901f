"""A synchronous client for the sandbox control API, so nobody hand-writes `/_sandbox/` URLs."""

from __future__ import annotations

from typing import Any

import httpx

_DEFAULT = object()


class SandboxControl:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=f"{self.base_url}/_sandbox", timeout=timeout)

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        response = self._http.request(method, path, **kw)
        response.raise_for_status()
        return response.json()

    def health(self) -> bool:
        try:
            return self._http.get("/health").status_code == 200
        except httpx.TransportError:
            return False

    def mint_token(
        self,
        platform: str,
        account: str,
        *,
        expires_in: float | object | None = _DEFAULT,
        issued_ago: float = 0,
        refresh_token: bool | None = None,
    ) -> dict[str, Any]:
        """{"access_token", "refresh_token", "expires_in"}.

        `expires_in` omitted: the platform's usual lifetime; None: never expires.
        `refresh_token` omitted: one for YouTube only (Google's grant gives one).
        """
        body: dict[str, Any] = {"platform": platform, "account": account, "issued_ago": issued_ago}
        if expires_in is not _DEFAULT:
            body["expires_in"] = expires_in
        if refresh_token is not None:
            body["refresh_token"] = refresh_token
        return self._call("POST", "/tokens", json=body)

    def revoke(self, account: str, platform: str | None = None) -> dict[str, Any]:
        return self._call("POST", "/revoke", json={"account": account, "platform": platform})

    def set_faults(self, faults: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """Merge into the current faults, e.g. `set_faults(down=True)`; returns the new config."""
        return self._call("POST", "/faults", json={**(faults or {}), **kw})

    def clear_faults(self) -> dict[str, Any]:
        return self._call("DELETE", "/faults")

    def faults(self) -> dict[str, Any]:
        return self._call("GET", "/faults")

    def ledger(self, since: int = 0, platform: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"since": since}
        if platform:
            params["platform"] = platform
        return self._call("GET", "/ledger", params=params)["entries"]

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def reset(self) -> None:
        self._call("POST", "/reset")

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        return self._call("POST", "/clock", json={"advance": seconds})

    def alerts(self) -> list[dict[str, Any]]:
        """What the alert inbox received, oldest first: {received_at, alert_id, body}."""
        return self._call("GET", "/alerts")["alerts"]

    def settings(self) -> dict[str, Any]:
        return self._call("GET", "/settings")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SandboxControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
