"""Rate limits, on the `limits` library: how many hits one identity may make in a moving window.

Counts live in Redis when REDIS_URL is set, so every web process counts together, and in this
process's memory otherwise (the embedded set-up). The storage is built once per process (and per
installation: RQ_QUEUE starts every key, as it does the queue's, so two installations sharing a
Redis stay apart).

The window moves: a limit of 10 an hour means at most 10 in any 60 minutes, never 20 across the
turn of a fixed hour. Each hit is one entry of a short list (at most the limit's amount), and
the list expires with the window.

A Redis outage raises `limits.errors.StorageError` from every method; each caller decides what
then goes through.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from redis.commands.core import Script
from redis.exceptions import RedisError

from core.queue import redis_connection
from core.settings import Settings


@dataclass(frozen=True)
class RateLimit:
    """At most `item.amount` hits per identity in any `item.get_expiry()` seconds."""

    limiter: MovingWindowRateLimiter
    item: RateLimitItem

    def wait(self, *identity: str) -> int:
        """Seconds until `identity` may be hit again; 0 when it may now."""
        reset_at, remaining = self.limiter.get_window_stats(self.item, *identity)
        return 0 if remaining > 0 else max(1, math.ceil(reset_at - time.time()))

    def hit(self, *identity: str) -> bool:
        """Count one hit; False (and nothing counted) when the window is already full."""
        return self.limiter.hit(self.item, *identity)

    def take(self, *identity: str) -> int:
        """Count one hit and return 0; the window full, count nothing and return the seconds
        until `identity` may be hit again."""
        return 0 if self.hit(*identity) else max(1, self.wait(*identity))

    def clear(self, *identity: str) -> None:
        """Forget every hit of `identity`."""
        self.limiter.clear(self.item, *identity)


# Each window is the list `limits` keeps (hit times, newest first, at most `amount` long), so
# RateLimit's methods read what this writes. One script: all the windows are checked, then all
# counted, atomically and in one round trip.
_TAKE_TOGETHER = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
    local oldest = redis.call('lindex', key, tonumber(ARGV[2 * i]) - 1)
    if oldest and tonumber(oldest) >= now - tonumber(ARGV[2 * i + 1]) then
        return {i, oldest}
    end
end
for i, key in ipairs(KEYS) do
    redis.call('lpush', key, ARGV[1])
    redis.call('ltrim', key, 0, tonumber(ARGV[2 * i]) - 1)
    redis.call('expire', key, tonumber(ARGV[2 * i + 1]))
end
return false
"""
_memory_lock = threading.Lock()


def take_together(hits: Sequence[tuple[RateLimit, str]]) -> tuple[int, int] | None:
    """Count one hit of each (limit, identity) if none of their windows is full, else none.

    None when all were counted; else the index in `hits` of the first full window and the
    seconds until it frees a place. In Redis it is one script (one round trip, atomic across
    every web process); in memory the process's lock makes it atomic. StorageError when Redis
    does not answer.
    """
    if not hits:
        return None
    storage = hits[0][0].limiter.storage
    if not isinstance(storage, RedisStorage):
        with _memory_lock:
            for index, (limit, identity) in enumerate(hits):
                if not limit.limiter.test(limit.item, identity):
                    return index, max(1, limit.wait(identity))
            for limit, identity in hits:
                limit.hit(identity)
        return None
    now = time.time()
    keys, args = [], [repr(now)]
    for limit, identity in hits:
        keys.append(storage.prefixed_key(limit.item.key_for(identity)))
        args += [limit.item.amount, limit.item.get_expiry()]
    try:
        full = _take_script(storage)(keys, args)
    except RedisError as exc:
        raise StorageError(exc) from exc
    if not full:
        return None
    index = int(full[0]) - 1
    expiry = hits[index][0].item.get_expiry()
    return index, max(1, math.ceil(float(full[1]) + expiry - now))


@lru_cache(maxsize=8)
def _take_script(storage: RedisStorage) -> Script:
    return storage.get_connection().register_script(_TAKE_TOGETHER)


def rate_limit(settings: Settings, name: str, amount: int, seconds: int) -> RateLimit:
    """`amount` hits per `seconds`, counted under `name` in the installation's storage."""
    limiter = _limiter(settings.redis_url, settings.rq_queue)
    return RateLimit(limiter, RateLimitItemPerSecond(amount, seconds, namespace=name))


@lru_cache(maxsize=8)
def _limiter(redis_url: str | None, prefix: str) -> MovingWindowRateLimiter:
    storage: Storage
    if redis_url:
        # the queue's connection pool, with its timeouts: a Redis that does not answer costs a
        # request seconds, not minutes
        pool = redis_connection(redis_url).connection_pool
        storage = RedisStorage(
            redis_url, connection_pool=pool, key_prefix=prefix, wrap_exceptions=True
        )
    else:
        storage = MemoryStorage(wrap_exceptions=True)
    return MovingWindowRateLimiter(storage)
