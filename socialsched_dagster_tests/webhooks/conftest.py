"""A local webhook receiver, the policy that lets deliveries reach it, webhooks made the way
the API makes them, and the pipeline's world (sandbox, accounts) for outcomes of real runs."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from socialsched_dagster.store.models import DEFAULT_WORKSPACE_ID, utcnow
from socialsched_dagster.webhooks.delivery import DeliveryPolicy
from socialsched_dagster.webhooks.subscriptions import create_webhook
from socialsched_dagster_tests.pipeline.conftest import (  # noqa: F401 (fixtures)
    clean_sandbox,
    pipeline_env,
    sandbox,
    world,
)

from .receiver import Receiver

LOCAL = (ipaddress.ip_network("127.0.0.0/8"),)
ALL_EVENTS = (
    "post.published", "post.failed", "post.missed", "post.held", "post.approved", "post.rejected",
)  # fmt: skip


@dataclass(frozen=True)
class Hook:
    id: int
    secret: str
    url: str


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def policy() -> DeliveryPolicy:
    return DeliveryPolicy(private_networks=LOCAL, workers=4, timeout_s=2, connect_timeout_s=1)


def add_hook(db, cipher, url: str, events=ALL_EVENTS, workspace_id=DEFAULT_WORKSPACE_ID) -> Hook:
    made = db.transaction(
        lambda s: create_webhook(
            s, cipher, workspace_id, url=url, events=events, now=utcnow(),
            private_networks=LOCAL,
        )
    )  # fmt: skip
    return Hook(made.webhook.id, made.secret, url)
