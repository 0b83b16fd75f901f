"""The one way the store changes a target's status: an UPDATE built from the domain's rules.

`move(to, from_=...)` refuses, before any SQL runs, a move the state machine (domain/states.py)
does not allow, and restricts the UPDATE to rows whose current status is one of `from_`. So a
store function cannot quietly take a target somewhere the tested state machine forbids (a
published post back to scheduled, say), and a row that changed status meanwhile is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Update, update

from ..domain.states import TargetStatus, check_transition
from .models import PostTarget


def move(
    to: TargetStatus, *, from_: Iterable[TargetStatus | str], where: Iterable[Any] = (), **values
) -> Update:
    sources = [TargetStatus(s) for s in from_]
    if not sources:
        raise ValueError("a move needs the statuses it starts from")
    for source in sources:
        check_transition(source, to)
    return (
        update(PostTarget)
        .where(PostTarget.status.in_([s.value for s in sources]), *where)
        .values(status=to.value, **values)
        .execution_options(synchronize_session=False)
    )
