"""How many new complaints one sender may file: INTAKE_LIMIT_PER_HOUR in any moving hour.

A sender is a contact: a Telegram chat, a phone number (SMS, WhatsApp and a web form's phone
number count together) or an e-mail address. Web and API complaints also count against their
client address (the proxy's X-Forwarded-For is trusted only as uvicorn's FORWARDED_ALLOW_IPS
says), but only with the far looser WEB_COMPLAINTS_PER_ADDRESS_PER_HOUR: Indonesian mobile
carriers put many residents behind one address. A web complaint that gives no contact at all
meets only that address brake. `intake.service.receive` asks here about every complaint of every
channel; commands, photos and locations never get that far.

A complaint is counted only once its INSERT has shown it is no repeat of an idempotent request,
so a flaky connection's retries cost the sender nothing; the contact's and the address's windows
are checked and counted together (`take`), in one round trip to Redis, before the transaction
that stored it commits.

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
from typing import Literal

from limits.errors import StorageError

from core.ratelimit import RateLimit, rate_limit, take_together
from core.settings import Settings
from intake.messages import ReplyAddress
from notifications.enums import Channel

log = logging.getLogger(__name__)

WINDOW_SECONDS = 3600
NAME = "intake-limit"
ADDRESS_NAME = "intake-address-limit"


@dataclass(frozen=True)
class Refusal:
    """A new complaint turned away: the limit it hit, and when the sender may file again."""

    limit: int
    retry_after: int  # seconds until this sender may file again
    # what hit the limit: the contact, or (web) the client address's looser brake
    by: Literal["contact", "address"] = "contact"

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


def chat_sender(address: ReplyAddress) -> str:
    """A contact as a sender: the Telegram chat, the phone number behind SMS or WhatsApp (or a
    web form's phone number), or the e-mail address, however cased."""
    if address.channel in (Channel.sms, Channel.whatsapp):
        return f"phone:{address.address}"
    if address.channel == Channel.email:
        return f"email:{address.address.lower()}"
    return f"{address.channel}:{address.address}"


def contact_sender(address: ReplyAddress | None) -> str | None:
    """The sender a complaint's contact makes it, if it gives one."""
    return chat_sender(address) if address is not None else None


def client_sender(client_host: str | None) -> str | None:
    """A web request's sender: its client address; None (not limited) when the server has none."""
    return f"ip:{client_host}" if client_host else None


def sender_key(settings: Settings, sender: str) -> str:
    """How `sender` is named in Redis: a keyed hash (HMAC with SECRET_KEY), from which no
    phone number, chat id or address can be recovered."""
    digest = hmac.new(settings.secret_key.encode(), sender.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class _Check:
    limit: RateLimit
    key: str
    amount: int
    by: Literal["contact", "address"]


class SenderLimit:
    """The limits as they stand for one complaint of `sender` (a contact) and, for the web,
    `client` (its address): `take()` once it is stored (intake), or `refusal()` before and
    `count()` after (following a case). No limit, no sender or no Redis: none refuses."""

    def __init__(self, settings: Settings, sender: str | None, client: str | None = None) -> None:
        self.sender = sender
        self._checks: list[_Check] = []
        # the address first: `take()` counts in no window when one is full, but a case
        # followed (`count()` after `refusal()`) is counted in each, so a refusal by the
        # contact's own limit then costs the address one place of a hundred
        wanted = (
            (ADDRESS_NAME, settings.web_complaints_per_address_per_hour, client, "address"),
            (NAME, settings.intake_limit_per_hour, sender, "contact"),
        )
        for name, amount, identity, by in wanted:
            if amount and identity is not None:
                limit = rate_limit(settings, name, amount, WINDOW_SECONDS)
                self._checks.append(_Check(limit, sender_key(settings, identity), amount, by))

    def refusal(self) -> Refusal | None:
        """A Refusal when the sender, or its address, has filed its limit's worth within the
        last hour."""
        try:
            for check in self._checks:
                if wait := check.limit.wait(check.key):
                    return self._refused(check, wait)
        except StorageError as exc:
            log.warning("intake limit not checked, Redis unavailable: %s", exc)
            self._checks = []  # nor counted: an outage delays this complaint once, not twice
        return None

    def count(self) -> Refusal | None:
        """Count the complaint just stored; a Refusal when, since `refusal()`, another
        complaint of the sender's (or its address's) took the last place in the hour."""
        try:
            for check in self._checks:
                if wait := check.limit.take(check.key):
                    return self._refused(check, wait)
        except StorageError as exc:
            log.warning(
                "complaint not counted against the intake limit, Redis unavailable: %s", exc
            )
        return None

    def take(self) -> Refusal | None:
        """Count the complaint just stored in each of its windows, or, when one is full, in
        none and return the Refusal."""
        try:
            full = take_together([(check.limit, check.key) for check in self._checks])
        except StorageError as exc:
            log.warning("intake limit not checked, Redis unavailable: %s", exc)
            return None
        if full is None:
            return None
        index, wait = full
        return self._refused(self._checks[index], wait)

    def _refused(self, check: _Check, wait: int) -> Refusal:
        who = self.sender if check.by == "contact" else "a client address"
        log.warning("intake limit of %d an hour reached for %s", check.amount, who)
        return Refusal(limit=check.amount, retry_after=wait, by=check.by)
