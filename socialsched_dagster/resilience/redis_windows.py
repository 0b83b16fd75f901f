"""Sliding-window budgets in Redis, shared by every run process (semantics: windows.py).

One Lua script checks and consumes all the budgets of a call (app AND account) atomically, so
two processes can never both take the last slot, and a call refused by one budget consumes
nothing from the others. Time is the Redis server's (TIME), not each process's clock, so hosts
with skewed clocks still agree; pauses and paces are keys with a TTL, so they need no clock.
Keys of one budget share a hash tag, so the script also runs on a Redis Cluster.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence

import redis

from .windows import Budget

# KEYS: four per budget: log (sorted set of grant times), pause, pace, next (see _keys).
# ARGV[1]: a member unique to this attempt; then, per budget, its limit and window in ms.
# Returns 0 when every budget granted one call, else the milliseconds to wait.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local wait = 0
for i = 0, #KEYS / 4 - 1 do
  local log = KEYS[4 * i + 1]
  local limit = tonumber(ARGV[2 * i + 2])
  local window = tonumber(ARGV[2 * i + 3])
  redis.call('ZREMRANGEBYSCORE', log, '-inf', now - window)
  local count = redis.call('ZCARD', log)
  if count >= limit then
    local entry = redis.call('ZRANGE', log, count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(entry[2]) + window - now)
  end
  wait = math.max(wait, redis.call('PTTL', KEYS[4 * i + 2]), redis.call('PTTL', KEYS[4 * i + 4]))
end
if wait > 0 then
  return math.ceil(wait)
end
for i = 0, #KEYS / 4 - 1 do
  redis.call('ZADD', KEYS[4 * i + 1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[4 * i + 1], ARGV[2 * i + 3])
  local pace = redis.call('GET', KEYS[4 * i + 3])
  if pace then
    redis.call('SET', KEYS[4 * i + 4], '1', 'PX', pace)
  end
end
return 0
"""

# Set KEYS[1] with a TTL of ARGV[1] ms unless it already lives longer (pauses only extend).
_EXTEND = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 0
"""


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


def _keys(key: str) -> list[str]:
    return [key, f"{key}:pause", f"{key}:pace", f"{key}:next"]


class RedisWindows:
    def __init__(self, client: redis.Redis):
        self._client = client
        self._acquire = client.register_script(_ACQUIRE)  # EVALSHA, reloaded after a restart
        self._extend = client.register_script(_EXTEND)

    def try_acquire(self, budgets: Sequence[Budget]) -> float:
        keys: list[str] = []
        args: list[str | int] = [uuid.uuid4().hex]
        for b in budgets:
            keys += _keys(b.key)
            args += [b.limit, _ms(b.window_s)]
        return int(self._acquire(keys=keys, args=args)) / 1000

    def pause(self, key: str, seconds: float) -> None:
        self._extend(keys=[f"{key}:pause"], args=[_ms(seconds)])

    def set_pace(self, key: str, interval_s: float, for_s: float) -> None:
        self._client.set(f"{key}:pace", _ms(interval_s), px=_ms(for_s))
        # Usage is reported on a response, so a call has just been made: space from now.
        self._extend(keys=[f"{key}:next"], args=[_ms(interval_s)])

    def clear_pace(self, key: str) -> None:
        self._client.delete(f"{key}:pace", f"{key}:next")

    def paused_for(self, key: str) -> float:
        pause, nxt = self._client.pttl(f"{key}:pause"), self._client.pttl(f"{key}:next")
        return max(0, pause, nxt) / 1000
