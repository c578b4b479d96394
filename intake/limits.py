"""How many new complaints one sender may file: INTAKE_LIMIT_PER_HOUR in any moving hour.

A sender is a Telegram chat, a phone number (SMS and WhatsApp count together) or, for the web
form and the API, the client address (the proxy's X-Forwarded-For is trusted only as uvicorn's
FORWARDED_ALLOW_IPS says). `intake.service.receive` asks here about every complaint of every
channel; commands, photos and locations never get that far.

A complaint is checked before it is stored and counted only once its INSERT has shown it is no
repeat of an idempotent request, so a flaky connection's retries cost the sender nothing.

Counting is `core.ratelimit`'s: in Redis when REDIS_URL is set, so every web process counts
together, else in each process's memory. Keys are keyed hashes (HMAC with SECRET_KEY), so no
phone number or chat id is stored in Redis and none can be recovered by hashing all numbers.
The limit fails open: a Redis outage lets complaints through with a warning, because a lost
complaint costs a resident more than a few extra ones cost the city.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from limits.errors import StorageError

from core.ratelimit import RateLimit, rate_limit
from core.settings import Settings
from intake.messages import ReplyAddress
from notifications.enums import Channel

log = logging.getLogger(__name__)

WINDOW_SECONDS = 3600
NAME = "intake-limit"


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


def sender_key(settings: Settings, sender: str) -> str:
    """How `sender` is named in Redis: a keyed hash (HMAC with SECRET_KEY), from which no
    phone number, chat id or address can be recovered."""
    digest = hmac.new(settings.secret_key.encode(), sender.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


class SenderLimit:
    """The limit as it stands for one complaint of `sender`: `refusal()` before storing it,
    `count()` once it is stored. No limit, no sender or no Redis: neither refuses."""

    def __init__(self, settings: Settings, sender: str | None) -> None:
        self.sender, self.amount = sender, settings.intake_limit_per_hour
        self._limit: RateLimit | None = None
        self._key = ""
        if self.amount and sender is not None:
            self._limit = rate_limit(settings, NAME, self.amount, WINDOW_SECONDS)
            self._key = sender_key(settings, sender)

    def refusal(self) -> Refusal | None:
        """A Refusal when the sender has filed the limit's worth within the last hour."""
        if self._limit is None:
            return None
        try:
            wait = self._limit.wait(self._key)
        except StorageError as exc:
            log.warning("intake limit not checked, Redis unavailable: %s", exc)
            self._limit = None  # nor counted: an outage delays this complaint once, not twice
            return None
        return self._refused(wait) if wait else None

    def count(self) -> Refusal | None:
        """Count the complaint just stored; a Refusal when, since `refusal()`, another
        complaint of the sender's took the last place in the hour."""
        if self._limit is None:
            return None
        try:
            if self._limit.hit(self._key):
                return None
            wait = self._limit.wait(self._key)
        except StorageError as exc:
            log.warning(
                "complaint not counted against the intake limit, Redis unavailable: %s", exc
            )
            return None
        return self._refused(max(1, wait))

    def _refused(self, wait: int) -> Refusal:
        log.warning("intake limit of %d an hour reached for %s", self.amount, self.sender)
        return Refusal(limit=self.amount, retry_after=wait)
