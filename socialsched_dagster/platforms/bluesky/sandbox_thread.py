"""Whether a reply the sandbox's PDS stored would show in its thread.

The PDS checks a reply's refs only for their form (sandbox_validate.py): it stores a reply to a
post that does not exist, or one naming the wrong root, as it stores any record. The AppView is
the one that judges, when it indexes the post: a reply whose parent it does not know, or whose
root is not the parent's root (the parent itself when the parent is no reply), is an
"invalid reply root" and is left out of the thread. The sandbox has no AppView, so it records
that verdict in the ledger entry (`reply_problem`), and is stricter on one point: a strong ref
names a version, so a CID that is not the record's is a problem too.
"""

from __future__ import annotations

from typing import Any

from .replies import split_post_uri
from .sandbox_state import Record


def reply_problem(records: dict[tuple[str, str], Record], reply: dict[str, Any]) -> str | None:
    """Why the AppView would leave this reply out of its thread; None when it would show it."""
    parent_ref, root_ref = reply["parent"], reply["root"]
    parent = _find(records, parent_ref["uri"])
    if parent is None:
        return f"the parent {parent_ref['uri']} is not a post of this network"
    if parent.cid != parent_ref["cid"]:
        return f"the parent's cid {parent_ref['cid']} is not its record's ({parent.cid})"
    parent_reply = parent.value.get("reply")
    expected = parent_reply["root"]["uri"] if isinstance(parent_reply, dict) else parent.uri
    if root_ref["uri"] != expected:
        return f"the root {root_ref['uri']} is not the parent's thread root ({expected})"
    root = _find(records, root_ref["uri"])
    if root is None or root.cid != root_ref["cid"]:
        found = root.cid if root else "no record"
        return f"the root's cid {root_ref['cid']} is not its record's ({found})"
    return None


def _find(records: dict[tuple[str, str], Record], uri: str) -> Record | None:
    try:
        repo, rkey = split_post_uri(uri)
    except ValueError:
        return None
    return records.get((repo, rkey))
