"""`Idempotency-Key`: the same key and body get the first answer again; the same key with
another body is a conflict (409), never a second post.

The answer is stored in the transaction that made the change, so a request retried after a lost
response finds either nothing (nothing happened: it runs) or the stored answer. Two requests
with one key at the same moment: the second insert violates the unique key, its transaction
rolls back, and run again it finds the first one's answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.field_limits import MAX_EXTERNAL_REF
from ..domain.handles import has_control
from ..store.database import Database
from ..store.models import IdempotentResponse
from .errors import ApiError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_EXTERNAL_REF or has_control(key):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"{HEADER} must be 1-{MAX_EXTERNAL_REF} printable characters (a UUID is ideal)",
        )
    return key


def request_hash(method: str, path: str, body: Any) -> str:
    raw = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def run_once(
    db: Database,
    workspace_id: int,
    key: str | None,
    digest: str,
    work: Callable[[Session], tuple[int, dict]],
    *,
    name: str,
) -> tuple[int, dict, bool]:
    """(status, body, replayed). Without a key, `work` simply runs."""
    if key is None:
        status, body = db.transaction(work, name=name)
        return status, body, False

    def attempt(session: Session) -> tuple[int, dict, bool]:
        stored = session.scalar(
            select(IdempotentResponse).where(
                IdempotentResponse.workspace_id == workspace_id, IdempotentResponse.key == key
            )
        )
        if stored is not None:
            if stored.request_hash != digest:
                raise ApiError(
                    409,
                    "idempotency_conflict",
                    f"{HEADER} {key!r} was used for another request; nothing changed (use a "
                    "new key for a new request)",
                )
            return stored.status_code, stored.body, True
        status, body = work(session)
        session.add(
            IdempotentResponse(
                workspace_id=workspace_id,
                key=key,
                request_hash=digest,
                status_code=status,
                body=body,
            )
        )
        session.flush()
        return status, body, False

    try:
        return db.transaction(attempt, name=name)
    except IntegrityError:
        return db.transaction(attempt, name=name)
