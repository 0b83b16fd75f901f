"""Workspaces: created by an operator (`socialsched workspaces add`), one per team."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import Workspace

# A name is typed on command lines and shown in URLs: short, lower case, no spaces.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class WorkspaceError(ValueError):
    pass


def clean_name(name: str) -> str:
    cleaned = name.strip().lower()
    if not _NAME.match(cleaned):
        raise WorkspaceError(
            f"workspace name {name!r}: 1-64 characters, letters, digits, - and _, "
            "starting with a letter or digit"
        )
    return cleaned


def add_workspace(session: Session, name: str, *, require_approval: bool = False) -> Workspace:
    name = clean_name(name)
    if session.scalar(select(Workspace.id).where(Workspace.name == name)) is not None:
        raise WorkspaceError(f"workspace {name!r} already exists")
    workspace = Workspace(name=name, require_approval=require_approval)
    session.add(workspace)
    session.flush()
    return workspace


def get_workspace(session: Session, name: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.name == name.strip().lower()))
    if workspace is None:
        raise WorkspaceError(
            f"no workspace {name!r}; `socialsched workspaces list` shows the known ones"
        )
    return workspace


def list_workspaces(session: Session) -> list[Workspace]:
    return list(session.scalars(select(Workspace).order_by(Workspace.name)))
