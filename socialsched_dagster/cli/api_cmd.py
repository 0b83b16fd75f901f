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
    import os

    import uvicorn

    # The app is built in each worker from the environment (factory=True): options given here
    # must reach it there, so that the default public URL (OAuth redirects) is where we listen.
    if host:
        os.environ["SOCIALSCHED_API_HOST"] = host
    if port:
        os.environ["SOCIALSCHED_API_PORT"] = str(port)
    from ..demo.api_env import adopt_api_env

    demo_file = adopt_api_env(settings().home)
    if demo_file is not None:
        click.echo(f"api: beside the demo: accounts connect in its sandbox ({demo_file})")
    database()  # the schema must be at head: say so now, not on the first request
    api = settings().api
    uvicorn.run(
        "socialsched_dagster.api.app:create_app",
        factory=True,
        host=api.host,
        port=api.port,
        workers=workers or api.workers,
        timeout_keep_alive=api.keep_alive_s,
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
