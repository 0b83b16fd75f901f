"""Roles and what each may do. A role includes every permission of the roles below it."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    VIEWER = "viewer"  # reads posts, accounts and the delivery log
    EDITOR = "editor"  # writes posts (which wait for approval where the workspace requires it)
    APPROVER = "approver"  # approves or rejects posts; their own posts need no approval
    ADMIN = "admin"  # accounts, webhooks, the audit log, workspace settings

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(
                f"unknown role {text!r}: one of {', '.join(r.value for r in cls)}"
            ) from None

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


_ORDER = [Role.VIEWER, Role.EDITOR, Role.APPROVER, Role.ADMIN]
