"""A validated request to publish: what intake (CLI, CSV, later the HTTP API) hands the store.

Here, below both, so that the store does not depend on the intake that fills it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .content import PostContent
from .platforms import Platform


@dataclass(frozen=True)
class KnownAccount:
    id: int
    platform: Platform
    status: str


@dataclass(frozen=True)
class PostRequest:
    content: PostContent
    scheduled_at: datetime
    timezone: str
    account_ids: tuple[int, ...]
    held_account_ids: frozenset[int]  # accounts awaiting re-authorisation: targets start held
    owner: str | None
    external_ref: str
