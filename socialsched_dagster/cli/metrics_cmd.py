"""`socialsched metrics serve`: the Prometheus exporter, in the foreground until stopped."""

from __future__ import annotations

import signal
import threading

import click


@click.group("metrics")
def metrics_group() -> None:
    """Prometheus metrics of publishing (targets, outcomes, lateness, breakers, limits)."""


@metrics_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=9464, show_default=True, type=int)
@click.option(
    "--cache-namespace", default="socialsched:cache", show_default=True, help="Redis key prefix"
)
def serve_cmd(host: str, port: int, cache_namespace: str) -> None:
    """Serve /metrics; every scrape reads the app database and Redis afresh."""
    from ..metrics.exporter import ExporterConfig, build_collector, start_exporter

    collector = build_collector(ExporterConfig.from_env(cache_namespace=cache_namespace))
    try:
        server, _thread = start_exporter(collector, host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from None
    stop = threading.Event()
    # SIGTERM (docker stop, systemd, Kubernetes) ends the process as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"serving Prometheus metrics on http://{host}:{server.server_port}/metrics")
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
