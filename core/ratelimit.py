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
import time
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

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
