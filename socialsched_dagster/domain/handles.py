"""How people name accounts (`platform:handle`), and when two spellings name the same one.

A handle is the short name a person types in `--account instagram:acme` and in a CSV's accounts
cell. `@Acme`, `acme` and ` ACME ` must reach the same account, or a post can land on the wrong
one, so every lookup and the database's uniqueness use `handle_key`, never the spelling.
"""

from __future__ import annotations

import re
import unicodedata

from .field_limits import MAX_EXTERNAL_ID, MAX_HANDLE

# What separates accounts in a list (CSV cells, `--account a b`) or the platform from the
# handle: a handle containing one could never be named by a post.
_SEPARATORS = re.compile(r"[\s;|,:]")


def handle_key(handle: str) -> str:
    """The comparison form: Unicode-normalised (NFKC, so full-width and composed letters agree),
    case-folded, without the leading `@` and surrounding spaces."""
    return unicodedata.normalize("NFKC", handle).strip().lstrip("@").strip().casefold()


def clean_handle(handle: str) -> str:
    """The handle as it will be shown, or ValueError saying what is wrong with it."""
    shown = unicodedata.normalize("NFKC", handle).strip()
    if shown.startswith("@"):
        shown = shown[1:]
    if not shown:
        raise ValueError("the handle is empty: give the short name posts will use")
    if has_control(shown):
        raise ValueError(f"handle {shown!r} contains a control character")
    found = _SEPARATORS.search(shown)
    if found:
        what = "a space" if found.group().isspace() else repr(found.group())
        raise ValueError(
            f"handle {shown!r} contains {what}, which separates accounts in a list: "
            "use letters, digits, '.', '_' or '-'"
        )
    if "@" in shown:
        raise ValueError(f"handle {shown!r}: '@' may only lead a handle")
    # The key too: case folding can lengthen a handle (ß -> ss).
    if max(len(shown), len(handle_key(shown))) > MAX_HANDLE:
        raise ValueError(f"the handle is {len(shown)} characters, at most {MAX_HANDLE}")
    return shown


def clean_external_id(external_id: str) -> str:
    """The platform's id of the account (ig-user-id, page id, channel id), exactly as the
    platform spells it: ids are case-sensitive (YouTube's UC... ids), so no case folding."""
    value = external_id.strip()
    if not value:
        raise ValueError("the external id is empty: give the platform's id of the account")
    if has_control(value) or any(c.isspace() for c in value):
        raise ValueError(f"external id {value!r} may not contain spaces or control characters")
    if len(value) > MAX_EXTERNAL_ID:
        raise ValueError(f"the external id is {len(value)} characters, at most {MAX_EXTERNAL_ID}")
    return value


def has_control(text: str, allowed: str = "") -> bool:
    """Whether `text` holds a control or invisible format character (NUL, escape, bidi
    overrides...) other than those in `allowed`."""
    return any(unicodedata.category(c) in ("Cc", "Cf") and c not in allowed for c in text)
