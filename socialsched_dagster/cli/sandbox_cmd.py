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


_URL = click.option(
    "--url", default="http://127.0.0.1:8787", show_default=True, help="The sandbox's base URL."
)


def _control(url: str):
    from socialsched_dagster.sandbox.control import SandboxControl

    control = SandboxControl(url)
    if not control.health():
        raise click.ClickException(f"no sandbox answers at {url} (is the demo running?)")
    return control


@sandbox_group.command("down")
@_URL
def down_cmd(url: str) -> None:
    """Take every platform offline (connections fail) until `socialsched sandbox up`."""
    with _control(url) as control:
        control.set_faults(down=True)
    click.echo("sandbox platforms are down: publishing calls now fail")


@sandbox_group.command("up")
@_URL
def up_cmd(url: str) -> None:
    """Bring the platforms back (clears every fault)."""
    with _control(url) as control:
        control.clear_faults()
    click.echo("sandbox platforms are up")


@sandbox_group.command("alerts")
@_URL
def alerts_cmd(url: str) -> None:
    """The alerts the demo's alert inbox received, oldest first."""
    import datetime as dt

    with _control(url) as control:
        alerts = control.alerts()
    if not alerts:
        click.echo("no alerts received")
    for alert in alerts:
        at = dt.datetime.fromtimestamp(alert["received_at"], dt.timezone.utc)
        head, _, rest = alert["body"].get("text", "").partition("\n")
        click.echo(f"{at:%H:%M:%S}  {head}\n          {rest.splitlines()[0] if rest else ''}")
