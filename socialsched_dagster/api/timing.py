"""`Server-Timing` on every response, when SOCIALSCHED_API_SERVER_TIMING=1 (off by default: it
tells a caller how long our queries take). The load benchmark (bench/api_bench.py) reads it to
say where a request's time goes:

    app      time inside the app: from the request reaching the ASGI app to its response start
             (waiting for a worker thread, the handler, the database, serialization)
    db       time in SQL statements (driver round trips), its `desc` the statement count
    inflight requests in this worker process at arrival (a count, not a duration)
    threadq  requests waiting for a worker thread at arrival (a count): the thread pool full

The client's latency minus `app` is what happened outside the app: the worker's event loop
accepting and parsing the request, the wire, and the client itself.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import event
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class _Timing:
    db_s: float = 0.0
    statements: int = 0


# Set per request by the middleware; the handler's worker thread runs in a copy of the
# request's context, so the same _Timing object collects its statements.
_current: ContextVar[_Timing | None] = ContextVar("socialsched_api_timing", default=None)
_STARTED = "socialsched_timing_started"


def _before(conn, cursor, statement, parameters, context, executemany) -> None:
    if context is not None and _current.get() is not None:
        setattr(context, _STARTED, time.perf_counter())


def _after(conn, cursor, statement, parameters, context, executemany) -> None:
    # The start is kept on the statement's own execution context: a statement that fails
    # leaves nothing behind.
    timing = _current.get()
    started = getattr(context, _STARTED, None)
    if timing is not None and started is not None:
        timing.db_s += time.perf_counter() - started
        timing.statements += 1


def _waiting_for_threads() -> int:
    from anyio import to_thread

    return to_thread.current_default_thread_limiter().statistics().tasks_waiting


class ServerTiming:
    def __init__(self, app: ASGIApp):
        self.app = app
        self.inflight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        inflight, queued = self.inflight, _waiting_for_threads()
        timing = _Timing()
        token = _current.set(timing)
        self.inflight += 1

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                app_ms = (time.perf_counter() - started) * 1000
                value = (
                    f'app;dur={app_ms:.1f}, db;dur={timing.db_s * 1000:.1f};desc="'
                    f'{timing.statements}", inflight;dur={inflight}, threadq;dur={queued}'
                )
                headers = [*message.get("headers", []), (b"server-timing", value.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_timing)
        finally:
            self.inflight -= 1
            _current.reset(token)


def install(app, engine, enabled: bool) -> None:
    """Outermost middleware (install it last), and statement timing on the app's engine."""
    if not enabled:
        return
    if not event.contains(engine, "before_cursor_execute", _before):
        event.listen(engine, "before_cursor_execute", _before)
        event.listen(engine, "after_cursor_execute", _after)
    app.add_middleware(ServerTiming)
