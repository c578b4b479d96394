"""Signing in with a password, for the console and the API alike, behind one brake on guessing.

Three moving 15-minute-to-an-hour windows count failed sign-ins (`core.ratelimit`: in Redis when
REDIS_URL is set, so every web process counts together, else in this process's memory):

- a username from one client address: 5 failures lock that pair for up to 15 minutes. Someone
  guessing at an account from their own address locks only themselves out; the account's owner,
  from their own address, still signs in.
- one client address, whatever the usernames: 30 in 15 minutes, against trying one password on
  many accounts. A city office often shares one public address, hence the looser count.
- a username from everywhere: 50 in an hour, a slower brake on guessing from many addresses at
  once. Only such a spread-out attack can lock an account's owner out, and only for an hour.

A lock is refused before the password is looked at, even a right one, and each lock is logged
(the username and address, never a password). A right password clears its pair's count only:
the wider counts keep braking whoever else is guessing. A Redis outage must not lock everyone
out: the brake then lets every try through, with a warning.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

from limits.errors import StorageError
from sqlmodel import Session

from core.ratelimit import RateLimit, rate_limit
from core.settings import Settings
from staff.auth import authenticate
from staff.demo import DEMO_PASSWORD
from staff.enums import SessionKind
from staff.models import User
from staff.service import PASSWORD_MAX, USERNAME_MAX
from staff.sessions import start_session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FailureLimit:
    """At most `amount` failed sign-ins per `minutes` for whom `kind` counts."""

    kind: str
    amount: int
    minutes: int


PAIR = FailureLimit("pair", 5, 15)
ADDRESS = FailureLimit("address", 30, 15)
USERNAME = FailureLimit("username", 50, 60)
FAILURE_LIMITS = (PAIR, ADDRESS, USERNAME)


@dataclass(frozen=True)
class SignedIn:
    """A new session: its account, the secret the client keeps, when it ends."""

    user: User
    secret: str
    expires_at: datetime


class SignInLocked(Exception):
    """Too many failed sign-ins for this username or address: try again in `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} seconds")
        self.retry_after = retry_after


class LoginThrottle:
    """The counts of failed sign-ins, shared by the console and the API."""

    def __init__(self, settings: Settings) -> None:
        self._limits: dict[FailureLimit, RateLimit] = {
            limit: rate_limit(settings, "login-failures", limit.amount, limit.minutes * 60)
            for limit in FAILURE_LIMITS
        }

    @staticmethod
    def _who(limit: FailureLimit, username: str, address: str) -> tuple[str, ...]:
        """Whom `limit` counts; a username however it was cased or spaced."""
        name = username.strip().casefold()
        return {
            PAIR: (PAIR.kind, name, address),
            ADDRESS: (ADDRESS.kind, address),
            USERNAME: (USERNAME.kind, name),
        }[limit]

    def retry_after(self, username: str, address: str) -> int:
        """Seconds to wait before another try is looked at; 0 when one may try now."""
        try:
            return max(
                rate.wait(*self._who(limit, username, address))
                for limit, rate in self._limits.items()
            )
        except StorageError as exc:
            log.warning("login throttle unavailable: %s", exc)
            return 0

    def failed(self, username: str, address: str) -> None:
        """Count a failure; log a lock this failure starts."""
        try:
            for limit, rate in self._limits.items():
                who = self._who(limit, username, address)
                rate.hit(*who)
                if wait := rate.wait(*who):
                    log.warning(
                        "sign-in locked for %d s: %d failures in %d minutes for %s %s",
                        wait,
                        limit.amount,
                        limit.minutes,
                        limit.kind,
                        " from ".join(repr(part) for part in who[1:]),
                    )
        except StorageError as exc:
            log.warning("login throttle unavailable: %s", exc)

    def succeeded(self, username: str, address: str) -> None:
        """A right password clears its pair's count, not the address's or the username's."""
        try:
            self._limits[PAIR].clear(*self._who(PAIR, username, address))
        except StorageError as exc:
            log.warning("login throttle unavailable: %s", exc)


def password_sign_in(
    db: Session,
    settings: Settings,
    *,
    username: str,
    password: str,
    address: str,
    kind: SessionKind,
) -> SignedIn | None:
    """Check a username and password behind the throttle and start a session of `kind`.

    Returns the new session, or None for a wrong username or
    password; raises `SignInLocked` while the username or address is locked (the password is
    then not looked at). In production the demo accounts' password never signs anyone in.
    The caller commits.
    """
    username, password = username.strip()[:USERNAME_MAX], password[:PASSWORD_MAX]
    throttle = LoginThrottle(settings)
    if wait := throttle.retry_after(username, address):
        log.warning("%s sign-in refused for %r from %s: too many failures", kind, username, address)
        raise SignInLocked(wait)
    demo = settings.app_env == "production" and hmac.compare_digest(
        password.encode(), DEMO_PASSWORD.encode()
    )
    user = None if demo else authenticate(db, username, password)
    if user is None:
        reason = "demo password refused in production" if demo else "wrong username or password"
        log.warning("%s sign-in failed for %r from %s: %s", kind, username, address, reason)
        throttle.failed(username, address)
        return None
    throttle.succeeded(username, address)
    secret, row = start_session(db, user, kind, settings)
    log.info("%s sign-in: %s from %s", kind, user.username, address)
    return SignedIn(user=user, secret=secret, expires_at=row.expires_at)
