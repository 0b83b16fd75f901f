"""`python -m socialsched_dagster.sandbox`: what SandboxProcess runs (no click needed here)."""

from __future__ import annotations

import argparse

from .server import serve
from .settings import SandboxSettings


def settings_from(
    config: str | None, state: str | None, latency_ms: float | None
) -> SandboxSettings:
    settings = SandboxSettings.from_json_file(config) if config else SandboxSettings()
    if state:
        settings = settings.replace(state_file=state)
    if latency_ms is not None:
        settings = settings.replace(faults={**settings.faults, "latency_ms": latency_ms})
    settings.validate()
    return settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m socialsched_dagster.sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--config", help="JSON file of SandboxSettings fields")
    parser.add_argument("--state", help="state file (JSON lines) kept across restarts")
    parser.add_argument("--latency-ms", type=float, default=None)
    parser.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    settings = settings_from(args.config, args.state, args.latency_ms)
    serve(args.host, args.port, settings, exit_with_parent=args.exit_with_parent)


if __name__ == "__main__":
    main()
