"""Serve the sandbox with uvicorn: one process, uvloop + httptools, no access log.

The access log is off because Graph calls carry tokens in query strings; nothing here logs a
URL or a token.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

import uvicorn
import uvloop

from .app import create_app
from .settings import SandboxSettings

# A lost-after-commit response closes the connection mid-body on purpose; uvicorn reports that
# as an error on every drill. It is the fault working, not a bug, so it is filtered out.
_EXPECTED = "ASGI callable returned without completing response."


class _DropExpected(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _EXPECTED


def build_server(host: str, port: int, settings: SandboxSettings) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="off",
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,  # platform answers carry the sandbox clock's Date (pipeline.py)
        backlog=4096,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=1,  # held (lost) responses must not delay a stop
    )
    logging.getLogger("uvicorn.error").addFilter(_DropExpected())
    return uvicorn.Server(config)


async def _exit_with_parent(server: uvicorn.Server, parent: int) -> None:
    """Stop when the process that started us is gone, so a crashed test leaks no server."""
    while not server.should_exit:
        if os.getppid() != parent:
            server.should_exit = True
        await asyncio.sleep(1.0)


def serve(
    host: str = "127.0.0.1",
    port: int = 8787,
    settings: SandboxSettings | None = None,
    *,
    exit_with_parent: bool = False,
) -> None:
    server = build_server(host, port, settings or SandboxSettings())
    parent = os.getppid()

    async def main() -> None:
        if exit_with_parent:
            watchdog = asyncio.ensure_future(_exit_with_parent(server, parent))
        await server.serve()
        if exit_with_parent:
            watchdog.cancel()

    print(f"sandbox serving on http://{host}:{port}", file=sys.stderr, flush=True)
    uvloop.run(main())
