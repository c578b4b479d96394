"""The Redis connection and the RQ queue every part enqueues to."""

from __future__ import annotations

from functools import lru_cache

from redis import Redis
from rq import Queue

from core.settings import Settings


@lru_cache(maxsize=4)
def redis_connection(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def get_queue(settings: Settings) -> Queue:
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set; the embedded delivery thread is in use")
    return Queue(settings.rq_queue, connection=redis_connection(settings.redis_url))
