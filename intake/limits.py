"""How many new complaints one sender may file: INTAKE_LIMIT_PER_HOUR in any sliding hour.

A sender is a Telegram chat, a phone number (SMS and WhatsApp count together) or, for the web
form and the API, the client address (the proxy's X-Forwarded-For is trusted only as uvicorn's
FORWARDED_ALLOW_IPS says). `intake.service.receive` counts every complaint of every channel
here and gives the count back when the complaint turns out to be a repeat of an idempotent
request; commands, photos and locations never get that far.

The window lives in Redis when REDIS_URL is set, so every web process counts together; keys are
keyed hashes (HMAC with SECRET_KEY), so no phone number or chat id is stored in Redis and none can
be recovered by hashing all numbers. Without Redis (the embedded set-up) each process counts in
memory. The limiter fails open: a Redis outage lets complaints through with a warning, because a
lost complaint costs a resident more than a few extra ones cost the city.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import deque
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache

from redis import RedisError
from redis.commands.core import Script

from core.queue import redis_connection
from core.settings import Settings
from intake.messages import ReplyAddress
from notifications.enums import Channel

log = logging.getLogger(__name__)

WINDOW_SECONDS = 3600
MEMORY_MAX_SENDERS = 50_000  # past this many, senders with an empty window are forgotten

# one atomic step: forget entries older than the window; if the sender has room, add this one.
# Returns 0 when accepted, else the milliseconds until the oldest entry leaves the window.
_SLIDING_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 0
"""


@dataclass(frozen=True)
class Counted:
    """One complaint in the sender's window, which `give_back` takes out again."""

    key: str
    mark: str | float  # its member of the Redis window, or its time in the process's own


@dataclass(frozen=True)
class Refusal:
    """A new complaint turned away: the limit it hit, and when the sender may file again."""

    limit: int
    retry_after: int  # seconds until this sender may file again

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


def chat_sender(address: ReplyAddress) -> str:
    """A chat channel's sender: the Telegram chat, or the phone number behind SMS or WhatsApp."""
    if address.channel in (Channel.sms, Channel.whatsapp):
        return f"phone:{address.address}"
    return f"{address.channel}:{address.address}"


def client_sender(client_host: str | None) -> str | None:
    """A web request's sender: its client address; None (not limited) when the server has none."""
    return f"ip:{client_host}" if client_host else None


@lru_cache(maxsize=4)
def _script(redis_url: str) -> Script:
    return redis_connection(redis_url).register_script(_SLIDING_WINDOW)


class _MemoryWindows:
    """The embedded set-up's windows: one deque of accept times per sender key."""

    def __init__(self) -> None:
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, limit: int) -> Counted | int:
        """The complaint counted, or the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            if len(self._times) > MEMORY_MAX_SENDERS:
                self._forget_idle(now)
            times = self._times.setdefault(key, deque())
            while times and times[0] <= now - WINDOW_SECONDS:
                times.popleft()
            if len(times) >= limit:
                return max(1, int(times[0] + WINDOW_SECONDS - now) + 1)
            times.append(now)
            return Counted(key, now)

    def give_back(self, counted: Counted) -> None:
        with self._lock, suppress(KeyError, ValueError):  # already out of the window
            self._times[counted.key].remove(counted.mark)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, t in self._times.items() if not t or t[-1] <= now - WINDOW_SECONDS]:
            del self._times[key]


# per process, like the in-memory count it is; keys carry the installation's prefix
_memory = _MemoryWindows()


def _key(settings: Settings, sender: str) -> str:
    digest = hmac.new(settings.secret_key.encode(), sender.encode(), hashlib.sha256).hexdigest()
    # the queue name already keeps one installation's keys apart from another's
    return f"{settings.rq_queue}:intake-limit:{digest[:32]}"


def _take_in_redis(redis_url: str, key: str, limit: int) -> Counted | int:
    """The complaint counted, or the seconds to wait; the entry's random name keeps two at
    once apart."""
    now_ms = int(time.time() * 1000)
    mark = secrets.token_hex(8)
    args = [now_ms, WINDOW_SECONDS * 1000, limit, mark]
    waited_ms = int(_script(redis_url)(keys=[key], args=args))
    return -(-waited_ms // 1000) if waited_ms else Counted(key, mark)


def take(settings: Settings, sender: str | None) -> Counted | Refusal | None:
    """Count one complaint from `sender`; a Refusal when it is over the limit, None when
    nothing was counted (no limit, no sender, Redis unavailable)."""
    limit = settings.intake_limit_per_hour
    if not limit or sender is None:
        return None
    key = _key(settings, sender)
    if settings.redis_url:
        try:
            taken = _take_in_redis(settings.redis_url, key, limit)
        except RedisError as exc:
            log.warning("intake limit not checked, Redis unavailable: %s", exc)
            return None
    else:
        taken = _memory.take(key, limit)
    if isinstance(taken, Counted):
        return taken
    log.warning("intake limit of %d an hour reached for %s", limit, sender)
    return Refusal(limit=limit, retry_after=taken)


def give_back(settings: Settings, counted: Counted | None) -> None:
    """Take a complaint `take` counted out of the window again: it was a repeat."""
    if counted is None:
        return
    if not settings.redis_url:
        _memory.give_back(counted)
        return
    try:
        redis_connection(settings.redis_url).zrem(counted.key, counted.mark)
    except RedisError as exc:
        log.warning("a repeated complaint stays counted, Redis unavailable: %s", exc)
