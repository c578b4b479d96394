"""Partners' Open311 API keys: who may file complaints and residents' updates, and into which
services (catalogue categories). The tables are in intake/models.py.

A key is 128 random bits, shown once when it is made and stored only as HMAC-SHA256 under
SECRET_KEY. A slow password hash (bcrypt, argon2) buys nothing here: it slows guessing a
low-entropy secret, and a random 128-bit key cannot be guessed however fast the hash; a keyed
hash also makes a leaked table useless without the secret, and lets a key be found by one
indexed lookup instead of checking every row. Revoking keeps the row (its name stays in the
console's list); a revoked key is refused like an unknown one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from core.db import utcnow
from core.settings import Settings
from intake.models import PARTNER_NAME_MAX, PartnerKey
from routing.models import Category

log = logging.getLogger(__name__)

KEY_PREFIX = "o311_"
# what a posted api_key may be at most; longer ones are refused before hashing
KEY_MAX = 100


class KeyRefused(ValueError):
    """A key cannot be made as asked; the message (English, for the command line) names what
    is wrong, and `reason` (`bad_name`, `unknown_service`) with `params` let a page say it."""

    def __init__(self, text: str, reason: str, **params: object) -> None:
        super().__init__(text)
        self.reason, self.params = reason, params


@dataclass(frozen=True)
class NewKey:
    """A key just made: the row, and the key itself, which is never shown again."""

    row: PartnerKey
    secret: str


def key_hash(settings: Settings, secret: str) -> str:
    return hmac.new(settings.secret_key.encode(), secret.encode(), hashlib.sha256).hexdigest()


def parse_services(text: str | None) -> list[str] | None:
    """`a,b` as a list of codes; None (every service) for nothing or only spaces and commas."""
    codes = [code.strip() for code in (text or "").split(",") if code.strip()]
    return list(dict.fromkeys(codes)) or None


def create_key(
    session: Session,
    settings: Settings,
    *,
    name: str,
    services: list[str] | None,
    created_by: str,
) -> NewKey:
    """A new key named `name` for `services` (None: all); KeyRefused for an empty or long
    name or a service code the catalogue does not have."""
    name = name.strip()
    if not name or len(name) > PARTNER_NAME_MAX:
        raise KeyRefused(
            f"the name must have 1 to {PARTNER_NAME_MAX} characters",
            "bad_name",
            max=PARTNER_NAME_MAX,
        )
    if services is not None:
        known = set(session.exec(select(Category.code).where(col(Category.code).in_(services))))
        if unknown := [code for code in services if code not in known]:
            codes = ", ".join(unknown)
            raise KeyRefused(f"no service with code {codes}", "unknown_service", codes=codes)
    secret = KEY_PREFIX + secrets.token_urlsafe(16)
    row = PartnerKey(
        name=name,
        key_hash=key_hash(settings, secret),
        services=services,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    log.info("Open311 key %s (%s) created by %s", row.id, name, created_by)
    return NewKey(row, secret)


def all_keys(session: Session) -> list[PartnerKey]:
    """Every key, revoked ones too, newest first."""
    return list(session.exec(select(PartnerKey).order_by(col(PartnerKey.id).desc())))


def revoke_key(session: Session, key_id: int, *, revoked_by: str) -> PartnerKey | None:
    """Revoke key `key_id` from now on (a revoked key stays revoked); None if there is none."""
    row = session.get(PartnerKey, key_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        log.info("Open311 key %s (%s) revoked by %s", row.id, row.name, revoked_by)
    return row


def active_key(session: Session, settings: Settings, secret: str | None) -> PartnerKey | None:
    """The unrevoked key `secret` is; None for none, an unknown or a revoked key."""
    if not secret or len(secret) > KEY_MAX:
        return None
    row = session.exec(
        select(PartnerKey).where(PartnerKey.key_hash == key_hash(settings, secret))
    ).first()
    return row if row is not None and row.revoked_at is None else None
