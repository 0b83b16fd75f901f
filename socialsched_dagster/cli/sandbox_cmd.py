"""`socialsched sandbox serve`: run the platform sandbox server in the foreground."""

from __future__ import annotations

import click


@click.group("sandbox")
def sandbox_group() -> None:
    """The platform sandbox (imitates Instagram, Facebook Pages and YouTube)."""


@sandbox_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8787, show_default=True, type=int)
@click.option("--latency-ms", type=float, default=None, help="Base latency of every platform call.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="JSON file of sandbox settings (limits, quotas, app secrets, initial faults).",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False),
    help="State file (JSON lines): what was published survives a restart.",
)
def serve_cmd(
    host: str, port: int, latency_ms: float | None, config_file: str | None, state_file: str | None
) -> None:
    """Serve every platform from one origin, e.g. http://127.0.0.1:8787."""
    from socialsched_dagster.sandbox.__main__ import settings_from
    from socialsched_dagster.sandbox.server import serve

    try:
        settings = settings_from(config_file, state_file, latency_ms)
    except (ValueError, OSError) as exc:
        raise click.BadParameter(str(exc)) from exc
    serve(host, port, settings)
