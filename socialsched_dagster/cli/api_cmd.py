"""`socialsched api serve`: the HTTP API for teams (uvicorn, one or more worker processes)."""

from __future__ import annotations

import click

from .context import database, settings, user_errors


@click.group("api")
def api_group() -> None:
    """The HTTP API (/api/v1) for teams and the apps around them."""


@api_group.command("serve")
@click.option("--host", default=None, help="default SOCIALSCHED_API_HOST or 127.0.0.1")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="default 8080")
@click.option("--workers", default=None, type=click.IntRange(1, 64), help="processes (default 1)")
@user_errors
def serve(host, port, workers):
    """Serve /api/v1, /healthz and /readyz until interrupted."""
    import uvicorn

    database()  # the schema must be at head: say so now, not on the first request
    api = settings().api
    uvicorn.run(
        "socialsched_dagster.api.app:create_app",
        factory=True,
        host=host or api.host,
        port=port or api.port,
        workers=workers or api.workers,
        log_level="warning",
        # The access log would print query strings; ours logs method, path and status only.
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )


@api_group.command("openapi")
def openapi_cmd():
    """Print the OpenAPI document of /api/v1 (what is checked in as openapi/v1.json)."""
    import json

    from ..api.openapi_doc import document

    click.echo(json.dumps(document(), indent=2, sort_keys=True))
