"""Timestamp identifiers (atproto.com/specs/tid): the record keys of app.bsky.feed.post.

A TID is a 64-bit integer written as 13 base32-sortable characters: the top bit 0, then 53 bits
of microseconds since the UNIX epoch, then a 10-bit clock identifier chosen at random once per
generator, so two processes choosing keys in the same microsecond still (almost surely) differ.
Within a process the timestamps only ever go up, so no two keys of one generator are equal.
"""

from __future__ import annotations

import re
import secrets
import threading
import time

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
TID_SYNTAX = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_CLOCK_BITS = 10


def encode(timestamp_us: int, clock_id: int) -> str:
    if not 0 <= clock_id < 1 << _CLOCK_BITS or not 0 <= timestamp_us < 1 << 53:
        raise ValueError("timestamp must fit 53 bits and clock id 10 bits")
    value = (timestamp_us << _CLOCK_BITS) | clock_id
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


def decode(tid: str) -> tuple[int, int]:
    """(microseconds since the epoch, clock id); ValueError if `tid` is not a TID."""
    if not TID_SYNTAX.match(tid):
        raise ValueError(f"{tid!r} is not a TID")
    value = 0
    for ch in tid:
        value = (value << 5) | ALPHABET.index(ch)
    return value >> _CLOCK_BITS, value & ((1 << _CLOCK_BITS) - 1)


def is_tid(text: str) -> bool:
    return bool(TID_SYNTAX.match(text))


class TidClock:
    def __init__(self, clock_id: int | None = None) -> None:
        self.clock_id = secrets.randbelow(1 << _CLOCK_BITS) if clock_id is None else clock_id
        self._last = 0
        self._lock = threading.Lock()

    def next(self, now_us: int | None = None) -> str:
        with self._lock:
            now = time.time_ns() // 1000 if now_us is None else now_us
            self._last = max(now, self._last + 1)
            return encode(self._last, self.clock_id)


_default = TidClock()


def new_tid() -> str:
    return _default.next()
