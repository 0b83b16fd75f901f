"""The app database: the source of truth for what is to be published and what happened.

Statuses are stored as plain strings (validated by the domain state machine) rather than DB
enums, so adding a status is a code change, not a migration on a live table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..domain.field_limits import (
    MAX_EXTERNAL_REF,
    MAX_OWNER,
    MAX_TIMEZONE,
    MAX_TITLE,
    MAX_URL,
)
from ..domain.handles import handle_key
from .clock import host_now
from .types import UTCDateTime

# Constraint names are fixed so that Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; BigInteger elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """This host's clock: for stamps (created_at...). Comparisons that several processes must
    agree on use `Database.now()`, the database's clock (store/clock.py)."""
    return host_now()


def _handle_key_of_row(context) -> str:
    return handle_key(context.get_current_parameters()["handle"])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Every row that existed before workspaces belongs to this one, and the CLI works on it unless
# told otherwise (migration 0006 creates it).
DEFAULT_WORKSPACE_ID = 1


def _workspace_fk(*, index: bool = True) -> Mapped[int]:
    return mapped_column(
        ForeignKey("workspaces.id"),
        index=index,
        default=DEFAULT_WORKSPACE_ID,
        server_default=str(DEFAULT_WORKSPACE_ID),
    )


class Workspace(Base):
    """A team: every account, post, API key and webhook belongs to exactly one."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # When set, an editor's post waits for an approver before it is scheduled.
    require_approval: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        # One platform account is connected once, whichever workspace: two rows for it would be
        # two publishers of the same post.
        UniqueConstraint("platform", "external_id"),
        # Not the spelling: `Shop` and `@shop` are one account (domain/handles.py). Handles are
        # names inside a workspace: another team may call its own account `shop` too.
        UniqueConstraint("workspace_id", "platform", "handle_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = _workspace_fk()
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    handle: Mapped[str] = mapped_column(String(128))
    # Every lookup by handle goes through this, so spellings of one handle cannot diverge.
    handle_key: Mapped[str] = mapped_column(String(128), default=_handle_key_of_row)
    owner: Mapped[str | None] = mapped_column(String(MAX_OWNER))
    # Where the account lives when its platform lets the user choose (a Mastodon instance, a
    # Bluesky PDS); None for platforms with one fixed API host.
    server_url: Mapped[str | None] = mapped_column(String(MAX_URL))
    status: Mapped[str] = mapped_column(String(32), default="active")
    # Posts per rolling 24 h the platform allows this account (None: read it from the platform).
    publishing_quota: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    token: Mapped[OAuthToken | None] = relationship(back_populates="account", uselist=False)


class OAuthToken(Base):
    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    # Fernet ciphertext; the plaintext never touches the database.
    access_token_enc: Mapped[str] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Changes only when the token itself changes (refresh, reconnect). A publish that met an
    # auth error names the version it used, so a worker can tell "someone refreshed since"
    # from "a refresh attempt failed" (updated_at moves on both).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    account: Mapped[Account] = relationship(back_populates="token")


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        # An idempotency key is the caller's: another workspace using the same one is another
        # post.
        UniqueConstraint("workspace_id", "external_ref"),
        # A workspace's posts in time order: the API's keyset pages.
        Index(None, "workspace_id", "scheduled_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = _workspace_fk(index=False)
    owner: Mapped[str | None] = mapped_column(String(MAX_OWNER))
    text: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(String(MAX_TITLE), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[list] = mapped_column(JSON, default=list)
    # A thread of posts: the segments after the first, [{"text": ..., "media": [...]}, ...].
    thread: Mapped[list | None] = mapped_column(JSON)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(MAX_TIMEZONE))
    # Idempotency key of an import or an API caller: the same key never makes a second post.
    external_ref: Mapped[str | None] = mapped_column(String(MAX_EXTERNAL_REF))
    content_hash: Mapped[str] = mapped_column(String(64))
    # Who asked for it (an API key's name, `cli`), and the approval it needs in a workspace that
    # requires one: pending, approved or rejected; None where no approval was needed.
    created_by: Mapped[str | None] = mapped_column(String(128))
    approval: Mapped[str | None] = mapped_column(String(16))
    approval_comment: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    targets: Mapped[list[PostTarget]] = relationship(back_populates="post")


class PostTarget(Base):
    __tablename__ = "post_targets"
    __table_args__ = (
        UniqueConstraint("post_id", "account_id"),
        # "Targets due before T, by platform": status and platform are equalities, due_at a range.
        Index("ix_post_targets_due", "status", "platform", "due_at"),
        # Expired leases of crashed runs are found without scanning.
        Index("ix_post_targets_lease", "status", "lease_until"),
        # Keyset pagination of `posts list` in time order.
        Index("ix_post_targets_due_at_id", "due_at", "id"),
        # What changed lately: where the webhook dispatcher finds outcomes to announce.
        Index("ix_post_targets_updated_at", "updated_at"),
        # The month's spend (store/spend.py): only targets with a cost are in it, so a scrape
        # reads this month's paid posts, never the whole history.
        Index(
            "ix_post_targets_spend",
            "status",
            "published_at",
            "account_id",
            postgresql_where=text("cost_usd IS NOT NULL"),
            sqlite_where=text("cost_usd IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    # Copies of the post's time and the account's platform: the hot query must not join.
    platform: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(32), default="scheduled")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Persisted before the final publish call, so an ambiguous outcome can be reconciled.
    container_id: Mapped[str | None] = mapped_column(String(255))
    external_post_id: Mapped[str | None] = mapped_column(String(255))
    error_kind: Mapped[str | None] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "May have been sent": set right before a call that can make the post public, cleared only
    # by a definite answer (the call's own, or a reconcile). While set, nothing is sent before
    # the platform has been asked. Only the publish path writes it: holding, disabling,
    # reconnecting, missing, backfilling and cancelling leave it alone.
    maybe_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A thread's progress: the platform ids of the segments that went out, in order. Each is
    # written (with the marker and container cleared) the moment its segment is confirmed, so
    # an attempt that stops halfway resumes with the next segment, never the first again.
    segment_ids: Mapped[list | None] = mapped_column(JSON)
    segments_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # On a platform that charges per post (X): what this target costs, in US dollars, set when
    # its account's monthly budget let it go ahead. Published this month, it is the spend.
    cost_usd: Mapped[float | None] = mapped_column(Float)
    # Unexpected exceptions (bugs) while processing this target: bounded, then `failed`.
    crash_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    post: Mapped[Post] = relationship(back_populates="targets")
    account: Mapped[Account] = relationship()


class PublishAttempt(Base):
    """Append-only: one row per call made for a target, whatever came of it."""

    __tablename__ = "publish_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    target_id: Mapped[int] = mapped_column(
        ForeignKey("post_targets.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str] = mapped_column(String(32))
    error_kind: Mapped[str | None] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(64))
    http_status: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)


class PublishingRun(Base):
    """A live publishing run's heartbeat. Whether a window is covered is read from here (a run
    that died stops renewing `alive_until`), not from Dagster's run status, which stays STARTED
    when the node running it dies with the daemon."""

    __tablename__ = "publishing_runs"
    __table_args__ = (Index(None, "platform", "window_start", "alive_until"),)

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    alive_until: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiKey(Base):
    """A bearer key of one workspace with one role. Only a hash of the secret is stored: the key
    is printed once, when it is created."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    # The key's public part, `ssk_<prefix>`: how a request finds its row without a scan.
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set for a key created with `--signing`: its requests must be signed (api/signing.py).
    # Encrypted like OAuth tokens (security/token_cipher.py): the server needs it in clear.
    signing_secret_enc: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    """Append-only: who changed what in a workspace, and when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "workspace_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict | None] = mapped_column(JSON)


class IdempotentResponse(Base):
    """The first answer to a request sent with an `Idempotency-Key`: the same key and body get
    it again, the same key with another body is a conflict."""

    __tablename__ = "idempotent_responses"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    key: Mapped[str] = mapped_column(String(MAX_EXTERNAL_REF))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL))
    # Fernet ciphertext of the signing secret, like the OAuth tokens.
    secret_enc: Mapped[str] = mapped_column(Text)
    events: Mapped[list] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookEvent(Base):
    """Something a workspace may be told about. `dedupe_key` makes noticing it twice (two
    dispatcher ticks, two API processes) one event."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index(None, "workspace_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    post_id: Mapped[int | None] = mapped_column(BigInteger)
    target_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One event to one webhook: the delivery log, retried with backoff, replayable."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "webhook_id", "id"),
        # An event goes to a webhook once (two processes fanning it out make one delivery);
        # only replays repeat it.
        Index(
            "uq_webhook_deliveries_webhook_id_event_id",
            "webhook_id",
            "event_id",
            unique=True,
            postgresql_where=text("replay_of IS NULL"),
            sqlite_where=text("replay_of IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    # A replay is a new delivery of the same event, pointing at the one it repeats.
    replay_of: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One entry per attempt, {n, at, status_code, error, duration_ms}: what the log shows.
    attempt_log: Mapped[list] = mapped_column(JSON, default=list)


class OAuthState(Base):
    """An OAuth authorization in flight: the `state` sent to the platform, bound to the browser
    session that started it, with the PKCE verifier (encrypted) to redeem the code."""

    __tablename__ = "oauth_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    platform: Mapped[str] = mapped_column(String(32))
    session_hash: Mapped[str] = mapped_column(String(64))
    verifier_enc: Mapped[str | None] = mapped_column(Text)
    handle: Mapped[str | None] = mapped_column(String(128))
    server_url: Mapped[str | None] = mapped_column(String(MAX_URL))
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OAuthClient(Base):
    """Our app as registered on a server of the user's choosing (a Mastodon instance registers
    apps through its API, `POST /api/v1/apps`): kept, so each server sees one registration."""

    __tablename__ = "oauth_clients"
    __table_args__ = (UniqueConstraint("platform", "server_url", "redirect_uri"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    server_url: Mapped[str] = mapped_column(String(MAX_URL))
    redirect_uri: Mapped[str] = mapped_column(String(MAX_URL))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
