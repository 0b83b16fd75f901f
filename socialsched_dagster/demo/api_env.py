"""What `socialsched api serve` needs to connect accounts in the demo's sandbox: the platforms'
endpoints there (the pipeline's sandbox environment), an app for each platform's OAuth (the
sandbox takes any client id and secret and binds its codes to them), and the loopback network
allowed for the servers users name (the sandbox is the Mastodon instance and the Bluesky PDS).

The demo writes it to SOCIALSCHED_HOME/sandbox.env while it runs (settings.DEMO_SANDBOX_ENV);
the API started with the same SOCIALSCHED_HOME reads it under its own environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..settings import DEMO_SANDBOX_ENV

SANDBOX_CLIENT_ID = "socialsched-sandbox"
SANDBOX_CLIENT_SECRET = "socialsched-sandbox-secret"  # the sandbox's; no real app's


def api_env(base_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    from ..cli.demo_cmd import sandbox_env
    from ..platforms.oauth_provider import OAuthConnect
    from ..platforms.registry import specs

    env = dict(sandbox_env(base_url))
    for s in specs():
        connector = s.connect() if s.connect else None
        if isinstance(connector, OAuthConnect) and connector.register_client is None:
            env.setdefault(f"SOCIALSCHED_{s.platform.name}_CLIENT_ID", SANDBOX_CLIENT_ID)
            env.setdefault(f"SOCIALSCHED_{s.platform.name}_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
    env["SOCIALSCHED_OAUTH_PRIVATE_NETWORKS"] = "127.0.0.0/8,::1/128"
    # A webhook receiver on this machine is how a demo user sees the events.
    env["SOCIALSCHED_WEBHOOK_PRIVATE_NETWORKS"] = "127.0.0.0/8,::1/128"
    env.update(extra or {})
    return env


def write_api_env(home: Path, base_url: str, extra: dict[str, str] | None = None) -> Path:
    """The file, readable by its owner only (it names app credentials, if only the sandbox's)."""
    path = home / DEMO_SANDBOX_ENV
    home.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Written by `socialsched demo` while it runs; `socialsched api serve` reads it.",
        *(f"{name}={value}" for name, value in sorted(api_env(base_url, extra).items())),
    ]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def adopt_api_env(home: Path) -> Path | None:
    """For `socialsched api serve`: the demo's settings (its sandbox, its Redis, its stand-in
    media hosts) as defaults under this process's environment, which wins."""
    from ..settings import _env_lines

    path = home / DEMO_SANDBOX_ENV
    if not path.is_file():
        return None
    for name, value in _env_lines(path.read_text()):
        os.environ.setdefault(name, value)
    return path


def remove_api_env(home: Path) -> None:
    (home / DEMO_SANDBOX_ENV).unlink(missing_ok=True)
