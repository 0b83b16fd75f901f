"""HTTP for fetching media from the hosts posts name: every connection checked where it is made.

A check of the URL before the request is not enough: DNS may answer a public address to the
check and 127.0.0.1 to the connection a moment later (rebinding), and a public host may answer
with a redirect to an internal one. So the check sits in the network backend that httpcore
connects through (`GuardedBackend`): it resolves the host itself, refuses it unless every
address is allowed by the policy (security/public_urls.py), and connects to the very address it
checked; TLS still verifies the name in the URL (httpcore gives start_tls the URL's host for SNI
and the certificate). Redirects are followed here, one hop at a time (`MediaFetcher.stream`),
and each hop goes through the same backend, so each is checked at its own connection.

Only media fetches use this. Platform API calls go to the configured base URLs (the sandbox is
on 127.0.0.1) through platforms/http.py.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import httpcore
import httpx

from ..domain.web_urls import display_url, web_url_problem
from .public_urls import MediaPolicy, Resolve, UnsafeUrl, connectable_addresses, system_resolve

MAX_REDIRECTS = 5

# httpcore's errors as httpx's (the most specific first), so callers catch httpx.HTTPError.
_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for theirs, ours in _ERRORS:
            if isinstance(exc, theirs):
                raise ours(str(exc)) from exc
        raise


class GuardedBackend(httpcore.NetworkBackend):
    """Connects only to addresses the policy allows, and only to the addresses it checked."""

    def __init__(self, policy: MediaPolicy, resolve: Resolve = system_resolve) -> None:
        self.policy, self.resolve = policy, resolve
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = connectable_addresses(host, self.policy, self.resolve)
        except (OSError, UnicodeError) as exc:  # no such host: a connect error, as ever
            raise httpcore.ConnectError(f"{host} does not resolve ({exc})") from exc
        failure: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    def connect_unix_socket(self, path: str, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise UnsafeUrl("media are never fetched through a Unix socket")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool that connects through GuardedBackend."""

    def __init__(
        self,
        policy: MediaPolicy,
        *,
        resolve: Resolve = system_resolve,
        max_connections: int = 20,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            network_backend=GuardedBackend(policy, resolve),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = self._pool.handle_request(core)
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class MediaFetcher:
    """GET/HEAD of media URLs. Raises UnsafeUrl for a URL or redirect hop we may not fetch
    (the message says why, naming a redirect's target without its query string, and reads on
    from the caller's own "video ... was not downloaded:"), httpx.HTTPError for the rest."""

    def __init__(
        self,
        policy: MediaPolicy,
        *,
        timeout: httpx.Timeout | float = 30.0,
        headers: Mapping[str, str] | None = None,
        resolve: Resolve = system_resolve,
        max_connections: int = 20,
        max_redirects: int = MAX_REDIRECTS,
        ssl_context: ssl.SSLContext | None = None,  # default: the system's trusted CAs
    ) -> None:
        self.policy, self.max_redirects = policy, max_redirects
        transport = GuardedTransport(
            policy, resolve=resolve, max_connections=max_connections, ssl_context=ssl_context
        )
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            headers=headers,
            follow_redirects=False,  # followed in `stream`, each hop on its own checked connection
            trust_env=False,  # a proxy from the environment would connect in our stead, unchecked
        )

    @contextlib.contextmanager
    def stream(
        self, method: str, url: str, headers: Mapping[str, str] | None = None
    ) -> Iterator[httpx.Response]:
        """The response after following redirects, its body not yet read."""
        try:
            request = self._http.build_request(method, url, headers=headers)
        except httpx.InvalidURL as exc:
            raise UnsafeUrl(
                f"{display_url(url)!r} is not a URL that can be fetched ({exc})"
            ) from None
        for hop in range(self.max_redirects + 1):
            where = str(request.url)
            lead = f"redirected to {display_url(where)}" if hop else ""
            problem = web_url_problem(where)
            if problem:
                raise UnsafeUrl(f"{lead or display_url(url)}, which {problem}")
            try:
                response = self._http.send(request, stream=True)
            except UnsafeUrl as exc:
                raise UnsafeUrl(f"{lead}: {exc}" if lead else str(exc)) from None
            except httpx.InvalidURL as exc:  # raised reading a redirect's Location
                raise UnsafeUrl(f"redirected to an address that is not a web URL ({exc})") from None
            if response.next_request is None:
                try:
                    yield response
                finally:
                    response.close()
                return
            response.close()
            request = response.next_request
        raise UnsafeUrl(f"redirected more than {self.max_redirects} times")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MediaFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
