"""One loader per missing key across all processes: the lock protocol behind RedisCache.

The first caller to miss takes a short per-key lock (SET NX PX) and loads; the others poll for
the value it stores. The lock's expiry bounds how long a crashed loader blocks the key, and a
waiter that waits longer than `wait_s` loads anyway: slower work beats a failed publish. Every
method raises RedisError for the cache to turn into a bypass.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import redis

# Delete the lock only if we still hold it: a loader that outlived its lock must not free the
# lock of the caller that took over.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@dataclass(frozen=True)
class Claim:
    raw: bytes | str | None = None  # the value, stored by another caller meanwhile
    token: str | None = None  # our lock on the key: we load, then `release`
    # Neither: waited `wait_s` for another caller's loader; load without the lock.


class KeyLocks:
    def __init__(self, client: redis.Redis, *, lock_ttl_s: float, wait_s: float, poll_s: float):
        self._client = client
        self.lock_ms = max(1, int(lock_ttl_s * 1000))
        self.wait_s, self.poll_s = wait_s, poll_s
        self._unlock = client.register_script(_UNLOCK)  # EVALSHA, reloaded after a restart

    def wait_or_lock(self, value_key: str, lock_key: str) -> Claim:
        """After a miss on `value_key`: its value once another caller stored it, or its lock."""
        deadline = time.monotonic() + self.wait_s
        while True:
            token = uuid.uuid4().hex
            if self._client.set(lock_key, token, nx=True, px=self.lock_ms):
                # Another caller may have stored the value and unlocked since our miss.
                raw = self._client.get(value_key)
                if raw is None:
                    return Claim(token=token)
                self.release(lock_key, token)
                return Claim(raw=raw)
            if time.monotonic() >= deadline:
                return Claim()
            time.sleep(self.poll_s)
            raw = self._client.get(value_key)
            if raw is not None:
                return Claim(raw=raw)

    def release(self, lock_key: str, token: str) -> None:
        self._unlock(keys=[lock_key], args=[token])
