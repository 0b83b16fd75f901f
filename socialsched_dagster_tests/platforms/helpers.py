"""Accounts, jobs and guards shared by the platform client tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import PublishJob, Unguarded, Usage
from socialsched_dagster.sandbox.control import SandboxControl
from socialsched_dagster.sandbox.process import SandboxProcess

T = TypeVar("T")

IG, PAGE, CHANNEL = "17841400000000001", "100000000000001", "UCsandboxchannel0001"
APP_ID, APP_SECRET = "123456789", "sandbox-app-secret"
GOOGLE_ID, GOOGLE_SECRET = "gid", "gsecret"
ACCOUNTS = {Platform.INSTAGRAM: IG, Platform.FACEBOOK: PAGE, Platform.YOUTUBE: CHANNEL}
IMAGE = Media.parse("https://cdn.example.com/a.jpg")
IMAGE_2 = Media.parse("https://cdn.example.com/b.jpg")
VIDEO = Media.parse("https://samples.socialsched.dev/clip.mp4")


def job(
    sb: SandboxProcess,
    platform: Platform,
    content: PostContent,
    *,
    target_id: int = 1,
    token: str | None = None,
    container_id: str | None = None,
    **mint: Any,
) -> PublishJob:
    account = ACCOUNTS[platform]
    if token is None:
        token = sb.control.mint_token(platform.value, account, **mint)["access_token"]
    return PublishJob(target_id, platform, account, token, content, container_id)


def video_content(title: str = "Launch video") -> PostContent:
    return PostContent(title=title, description="All about it.", media=(VIDEO,))


class Recording(Unguarded):
    """A guard that only calls, and remembers what it saw."""

    def __init__(self) -> None:
        self.calls: list[tuple[Platform, str]] = []
        self.usage: list[tuple[Platform, str, Usage]] = []

    def call(self, platform: Platform, account: str, fn: Callable[[], T], **_where) -> T:
        self.calls.append((platform, account))
        return fn()

    def observe_usage(self, platform: Platform, account: str, usage: Usage) -> None:
        self.usage.append((platform, account, usage))


class FaultAtCall(Unguarded):
    """Sets sandbox faults just before the n-th request (1-based): a failure mid-sequence."""

    def __init__(self, control: SandboxControl, n: int, **faults: Any) -> None:
        self.control, self.n, self.faults, self.count = control, n, faults, 0

    def call(self, platform: Platform, account: str, fn: Callable[[], T], **_where) -> T:
        self.count += 1
        if self.count == self.n:
            self.control.set_faults(**self.faults)
        return fn()


class BeforeCall(Unguarded):
    """Runs `action` just before the n-th request (1-based), e.g. to move the sandbox clock."""

    def __init__(self, n: int, action: Callable[[], Any]) -> None:
        self.n, self.action, self.count = n, action, 0

    def call(self, platform: Platform, account: str, fn: Callable[[], T], **_where) -> T:
        self.count += 1
        if self.count == self.n:
            self.action()
        return fn()


def ledger_targets(sb: SandboxProcess) -> list[str | None]:
    return [e["target"] for e in sb.control.ledger()]
