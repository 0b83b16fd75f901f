"""API keys: `ssk_<prefix>_<secret>`, printed once, stored as a hash, revocable.

The secret is 256 random bits, so a plain SHA-256 is enough to keep a stolen database from
yielding usable keys (slow password hashes protect guessable secrets; these are not), and it
keeps authentication to one indexed lookup and one hash per request, which 1,000 concurrent
clients need. The prefix finds the row; the hash is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..store.models import ApiKey, Workspace, utcnow
from .roles import Role

KEY_PREFIX = "ssk_"
# How stale `last_used_at` may be: writing it on every request would make every read a write.
LAST_USED_RESOLUTION_S = 60


class ApiKeyError(ValueError):
    pass


@dataclass(frozen=True)
class Identity:
    """Who is calling: the key's workspace and role, and a name for the audit log."""

    key_id: int
    workspace_id: int
    workspace_name: str
    role: Role
    actor: str


@dataclass(frozen=True)
class NewKey:
    id: int
    plaintext: str  # shown once, never stored
    prefix: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, workspace: Workspace, *, role: Role, name: str) -> NewKey:
    name = name.strip()
    if not name or len(name) > 100 or any(ch.isspace() and ch != " " for ch in name):
        raise ApiKeyError("a key's name is 1-100 characters on one line")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    row = ApiKey(
        workspace_id=workspace.id,
        name=name,
        role=role.value,
        prefix=prefix,
        secret_hash=_hash(secret),
    )
    session.add(row)
    session.flush()
    return NewKey(row.id, f"{KEY_PREFIX}{prefix}_{secret}", prefix)


def split_key(plaintext: str) -> tuple[str, str] | None:
    if not plaintext.startswith(KEY_PREFIX):
        return None
    prefix, sep, secret = plaintext[len(KEY_PREFIX) :].partition("_")
    if not sep or len(prefix) != 12 or not secret:
        return None
    return prefix, secret


def authenticate(session: Session, plaintext: str, *, now: datetime) -> Identity | None:
    """The identity behind a key, or None for a key that is malformed, unknown or revoked
    (one answer for all three, so a caller learns nothing about which)."""
    found = find_key(session, plaintext, now=now)
    return found[0] if found else None


def find_key(session: Session, plaintext: str, *, now: datetime) -> tuple[Identity, ApiKey] | None:
    """`authenticate`, and the key's row with it: a caller that needs another of its columns
    gets it without a second query (the session holds rows weakly: once this returned, the row
    it loaded may be gone from the session, and `session.get` would SELECT it again)."""
    parts = split_key(plaintext)
    if parts is None:
        return None
    prefix, secret = parts
    row = session.execute(
        select(ApiKey, Workspace.name)
        .join(Workspace, Workspace.id == ApiKey.workspace_id)
        .where(ApiKey.prefix == prefix)
    ).first()
    if row is None:
        hmac.compare_digest(_hash(secret), _hash(""))  # the same work as a known prefix
        return None
    key, workspace_name = row
    if not hmac.compare_digest(key.secret_hash, _hash(secret)) or key.revoked_at is not None:
        return None
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > (
        LAST_USED_RESOLUTION_S
    ):
        session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    identity = Identity(
        key.id, key.workspace_id, workspace_name, Role(key.role), f"key:{key.name}#{key.id}"
    )
    return identity, key


def list_keys(session: Session, workspace: Workspace) -> list[ApiKey]:
    return list(
        session.scalars(
            select(ApiKey).where(ApiKey.workspace_id == workspace.id).order_by(ApiKey.id)
        )
    )


def revoke_key(session: Session, workspace: Workspace, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None or key.workspace_id != workspace.id:
        raise ApiKeyError(f"no key {key_id} in workspace {workspace.name}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key
