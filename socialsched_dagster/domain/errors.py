"""Stable error kinds. Stored on targets and attempts, shown to users, matched by checks.

Each kind says whether a retry may help; the publisher never decides that from HTTP codes alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ErrorKind(str, Enum):
    AUTH_EXPIRED = "auth_expired"
    RATE_LIMITED = "rate_limited"
    QUOTA_EXHAUSTED = "quota_exhausted"
    VALIDATION = "validation"
    DUPLICATE = "duplicate"
    MEDIA_PROCESSING = "media_processing"
    PLATFORM_UNAVAILABLE = "platform_unavailable"
    NETWORK = "network"
    UNKNOWN_OUTCOME = "unknown_outcome"
    ACCOUNT_BLOCKED = "account_blocked"
    UNKNOWN = "unknown"

    @property
    def retryable(self) -> bool:
        return self in _RETRYABLE

    @property
    def trips_breaker(self) -> bool:
        """Failures that say the platform (or the path to it) is unwell, not our input."""
        return self in {ErrorKind.PLATFORM_UNAVAILABLE, ErrorKind.NETWORK}


_RETRYABLE = frozenset(
    {
        ErrorKind.RATE_LIMITED,
        ErrorKind.QUOTA_EXHAUSTED,
        ErrorKind.MEDIA_PROCESSING,
        ErrorKind.PLATFORM_UNAVAILABLE,
        ErrorKind.NETWORK,
        # Retried only after reconciliation with the platform has shown it did not go out.
        ErrorKind.UNKNOWN_OUTCOME,
        # Retried once after a token refresh.
        ErrorKind.AUTH_EXPIRED,
    }
)


@dataclass(eq=False)
class PublishError(Exception):
    """A failure a platform client reports, carrying the platform's own words.

    Not frozen: Python sets __traceback__ and __context__ on exceptions (contextmanager exits,
    add_note), which a frozen dataclass would refuse."""

    kind: ErrorKind
    message: str
    code: str | None = None
    http_status: int | None = None
    retry_after_s: float | None = None
    # The container or upload session the attempt used is dead (an Instagram container past
    # 24 h, a YouTube session answering 404/410): the next attempt must prepare a new one.
    replace_container: bool = False

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        return f"{self.kind.value}{code}: {self.message}"
