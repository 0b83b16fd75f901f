"""The benchmarks' accounts: so many per platform, for every platform in the registry, each with
a token the sandbox minted for it.

Account ids take the shape of the platform's sample account (a DID, an author URN, a numeric
user id...), numbered from it, because the clients check that shape. How many accounts a
scenario needs follows from its posts: a burst must not be refused by design, and the tightest
per-account allowance among the platforms the sandbox imitates is Mastodon's 30 media uploads
per 30 minutes (Instagram allows 50 posts a day, X 100 posts per 15 minutes, LinkedIn 150
requests a day per author, Threads 250 posts a day, Bluesky 30 logins per 5 minutes, one per
account here). At most POSTS_PER_ACCOUNT posts per account leaves every one of them room.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.platforms import Platform
from ..platforms.registry import specs
from ..platforms.spec import PlatformSpec
from ..sandbox.process import SandboxProcess
from ..store.models import utcnow

POSTS_PER_ACCOUNT = 10
_TRAILING_DIGITS = re.compile(r"^(.*?)(\d*)$")


@dataclass(frozen=True)
class BenchAccount:
    platform: Platform
    external_id: str
    handle: str
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    server_url: str | None  # the sandbox, for platforms whose accounts live on a server


def accounts_per_platform(posts: int, per_account: int = POSTS_PER_ACCOUNT) -> int:
    """Enough accounts on each platform that none gets more than `per_account` of `posts`
    spread evenly over every platform."""
    return max(1, math.ceil(posts / (len(Platform) * per_account)))


def external_id(spec: PlatformSpec, i: int) -> str:
    """The i-th bench account's id: the sample's id with its trailing number moved on by i."""
    if spec.samples is None:
        raise RuntimeError(f"{spec.title}'s spec has no samples for the benchmarks")
    head, digits = _TRAILING_DIGITS.match(spec.samples.external_id).groups()
    if not digits:
        return f"{head}{i}"
    return f"{head}{int(digits) + i:0{len(digits)}d}"


def bench_accounts(sandbox: SandboxProcess, per_platform: int) -> list[BenchAccount]:
    """`per_platform` accounts on every platform, platform after platform in registry order."""
    out = []
    for spec in specs():
        for i in range(per_platform):
            ident = external_id(spec, i)
            # As the demo mints them: a refresh token where the platform renews with one.
            issued = sandbox.control.mint_token(
                spec.platform.value, ident, refresh_token=spec.samples.refresh_token or None
            )
            expires_in = issued.get("expires_in")
            out.append(
                BenchAccount(
                    platform=spec.platform,
                    external_id=ident,
                    handle=f"bench_{spec.platform.value}_{i}",
                    access_token=issued["access_token"],
                    refresh_token=issued.get("refresh_token"),
                    expires_at=utcnow() + timedelta(seconds=expires_in) if expires_in else None,
                    server_url=sandbox.base_url if spec.needs_server else None,
                )
            )
    return out
