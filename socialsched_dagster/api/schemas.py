"""The request and response bodies of `/api/v1`, as the OpenAPI document publishes them.

Requests carry the same fields as the CLI and the CSV import (one set of rules validates all
three, in intake/post_request.py); responses never carry a token or a secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TargetStatusName = Literal[
    "scheduled",
    "publishing",
    "published",
    "failed",
    "missed",
    "cancelled",
    "held",
    "pending_approval",
    "rejected",
]


class Strict(BaseModel):
    # An unknown field is refused, not ignored: a typo (`schedule_at`) must not silently drop
    # the user's intent.
    model_config = ConfigDict(extra="forbid")


class PostCreate(Strict):
    scheduled_at: str = Field(
        max_length=64,
        description="wall time in `timezone` (`2026-12-24 09:00`), ISO 8601 with offset, or `now`",
    )
    timezone: str = Field("UTC", max_length=64, description="IANA time zone")
    accounts: list[str] = Field(min_length=1, max_length=100, description="`platform:handle`")
    text: str = Field("", max_length=65_536)
    title: str = Field("", max_length=200)
    description: str = Field("", max_length=65_536)
    link: str = Field("", max_length=2048)
    media: list[str] = Field(default_factory=list, max_length=20)
    thread: list[str] = Field(
        default_factory=list,
        max_length=24,
        description="further posts of a thread, in order, each a reply to the one before",
    )
    owner: str = Field("", max_length=128)


class PostUpdate(Strict):
    scheduled_at: str | None = Field(None, max_length=64)
    timezone: str | None = Field(None, max_length=64)
    text: str | None = Field(None, max_length=65_536)
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=65_536)
    link: str | None = Field(None, max_length=2048)
    media: list[str] | None = Field(None, max_length=20)
    thread: list[str] | None = Field(None, max_length=24)
    owner: str | None = Field(None, max_length=128)


class AccountsScope(Strict):
    accounts: list[str] = Field(
        default_factory=list, max_length=100, description="only these accounts; empty: all"
    )


class Approve(Strict):
    scheduled_at: str | None = Field(
        None, max_length=64, description="a new time: required when the post's time has passed"
    )
    timezone: str | None = Field(None, max_length=64)


class Reject(Strict):
    comment: str = Field(min_length=1, max_length=2000)


class TargetError(BaseModel):
    kind: str | None
    code: str | None
    message: str | None


class Attempt(BaseModel):
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    http_status: int | None
    error_code: str | None
    message: str | None


class Target(BaseModel):
    id: int
    account: str
    account_id: int
    platform: str
    status: TargetStatusName
    due_at: datetime
    attempts: int
    published_at: datetime | None
    external_post_id: str | None
    segments_done: int
    error: TargetError | None
    attempt_log: list[Attempt] | None = None


class Approval(BaseModel):
    status: Literal["pending", "approved", "rejected"]
    comment: str | None
    decided_by: str | None
    decided_at: datetime | None


class Post(BaseModel):
    id: int
    status: str
    scheduled_at: datetime
    timezone: str
    text: str
    title: str
    description: str
    link: str
    media: list[str]
    thread: list[str]
    owner: str | None
    created_by: str | None
    created_at: datetime
    approval: Approval | None
    targets: list[Target]


class PostPage(BaseModel):
    items: list[Post]
    next_cursor: str | None


class CancelResult(BaseModel):
    cancelled: int
    left_alone: dict[str, int]
    post: Post


class RetryResult(BaseModel):
    retried: int
    maybe_sent: int = Field(description="of those, how many the platform is asked about first")
    left_alone: dict[str, int]
    post: Post


class Account(BaseModel):
    id: int
    account: str
    platform: str
    handle: str
    external_id: str
    owner: str | None
    status: str
    token_expires_at: datetime | None


class AccountList(BaseModel):
    items: list[Account]


class AccountChange(BaseModel):
    account: Account
    held: int = 0
    released: int = 0
    missed: int = 0


class Workspace(BaseModel):
    name: str
    require_approval: bool
    role: str = Field(description="the calling key's role")


class WorkspaceUpdate(Strict):
    require_approval: bool


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict | None


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None


class ErrorDetail(BaseModel):
    field: str
    reason: str


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail]


class ErrorBody(BaseModel):
    error: ErrorInfo


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)
