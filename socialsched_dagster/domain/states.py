"""Status machines for post targets and accounts.

A target is one post on one account. Its status is the only thing that decides whether it may
still be published, so every change goes through `check_transition`: an illegal move is a bug
(or a race we must not paper over) and raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class TargetStatus(str, Enum):
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    MISSED = "missed"
    CANCELLED = "cancelled"
    HELD = "held"
    # In a workspace that requires approval: written by an editor, not yet approved. Nothing
    # publishes it (the pipeline claims only `scheduled`).
    PENDING_APPROVAL = "pending_approval"
    REJECTED = "rejected"


class AccountStatus(str, Enum):
    ACTIVE = "active"
    REAUTH_REQUIRED = "reauth_required"
    DISABLED = "disabled"


class IllegalTransition(ValueError):
    def __init__(self, current: TargetStatus, new: TargetStatus):
        allowed = ", ".join(sorted(s.value for s in ALLOWED[current])) or "none (final)"
        super().__init__(
            f"a target cannot go from {current.value!r} to {new.value!r}; allowed: {allowed}"
        )
        self.current = current
        self.new = new


S = TargetStatus
ALLOWED: dict[TargetStatus, frozenset[TargetStatus]] = {
    # Claimed by a run; held when the account needs re-authorisation; missed past the stale
    # cutoff; cancelled by a person.
    # An editor's change to an approved post sends it back for approval.
    S.SCHEDULED: frozenset({S.PUBLISHING, S.HELD, S.MISSED, S.CANCELLED, S.PENDING_APPROVAL}),
    # The outcome of a publish: done, permanently failed, or back to scheduled for a retry or
    # because the run released an unstarted claim. Held when the token died mid-run. Taken
    # over (publishing again, by another run) when the run holding it died and its lease ran out.
    S.PUBLISHING: frozenset({S.PUBLISHED, S.FAILED, S.SCHEDULED, S.HELD, S.MISSED, S.PUBLISHING}),
    # Released by `accounts reconnect` (or missed if stale by then), or cancelled. Published
    # when a person confirms that a post the platform cannot be asked about went out
    # (`posts settle --published`).
    S.HELD: frozenset({S.SCHEDULED, S.MISSED, S.CANCELLED, S.PUBLISHED}),
    # A missed or failed target is re-published only by a deliberate act: a backfill claims it
    # directly, `posts retry` puts it back on the schedule; or a person settles one that may
    # have gone out as published.
    S.MISSED: frozenset({S.PUBLISHING, S.SCHEDULED, S.CANCELLED, S.PUBLISHED}),
    S.FAILED: frozenset({S.SCHEDULED, S.CANCELLED, S.PUBLISHED}),
    # Approved (scheduled), rejected with a comment, or withdrawn.
    S.PENDING_APPROVAL: frozenset({S.SCHEDULED, S.REJECTED, S.CANCELLED}),
    # Edited after a rejection: submitted again.
    S.REJECTED: frozenset({S.PENDING_APPROVAL, S.CANCELLED}),
    S.PUBLISHED: frozenset(),
    S.CANCELLED: frozenset(),
}

FINAL: frozenset[TargetStatus] = frozenset(s for s, nxt in ALLOWED.items() if not nxt)
# What `posts cancel` may still stop: nothing a run has already started.
CANCELLABLE: frozenset[TargetStatus] = frozenset(
    {S.SCHEDULED, S.HELD, S.MISSED, S.FAILED, S.PENDING_APPROVAL, S.REJECTED}
)


def can_transition(current: TargetStatus, new: TargetStatus) -> bool:
    return new in ALLOWED[current]


def check_transition(current: TargetStatus | str, new: TargetStatus | str) -> TargetStatus:
    current, new = TargetStatus(current), TargetStatus(new)
    if new not in ALLOWED[current]:
        raise IllegalTransition(current, new)
    return new


def sources_of(new: TargetStatus) -> frozenset[TargetStatus]:
    """Statuses a target may be in to move to `new`: the WHERE clause of a guarded UPDATE."""
    return frozenset(s for s, nxt in ALLOWED.items() if new in nxt)


def post_status(target_statuses: Iterable[TargetStatus | str]) -> str:
    """A post's status, derived from its targets (never stored, so never out of date)."""
    statuses = {TargetStatus(s) for s in target_statuses}
    if not statuses:
        return "empty"
    if len(statuses) == 1:
        return next(iter(statuses)).value
    if S.PUBLISHING in statuses:
        return S.PUBLISHING.value
    if S.PENDING_APPROVAL in statuses:
        return S.PENDING_APPROVAL.value
    if statuses & {S.SCHEDULED, S.HELD}:
        return S.SCHEDULED.value
    if statuses <= {S.PUBLISHED, S.CANCELLED}:
        return S.PUBLISHED.value
    # Some went out and some did not, or a mix of failed/missed/cancelled.
    return "partial" if S.PUBLISHED in statuses else S.FAILED.value
