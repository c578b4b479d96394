"""Staff sessions kept on the server: started at sign-in, checked on every request, ended at
sign-out, by "sign out everywhere", by deactivation and by a new password.

A session is a random secret the client holds (inside the console's signed cookie or the API's
signed bearer token) and a `StaffSession` row keyed by the secret's SHA-256. A request counts
as signed in only while the row is there, unrevoked and unexpired, and the account is active.
Rows whose time is up are deleted at the next sign-in (anyone's), so the table holds the live
sessions and those ended within their lifetime, never more.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.db import utcnow
from core.settings import Settings
from staff.enums import SessionKind
from staff.models import StaffSession, User

# last_seen_at is written again only when it is older than this
SEEN_RESOLUTION = timedelta(minutes=1)


def _key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(
    db: Session, user: User, kind: SessionKind, settings: Settings, *, now: datetime | None = None
) -> tuple[str, StaffSession]:
    """A new session for `user`, lasting ACCESS_TOKEN_MINUTES: the secret for the client (never
    stored) and the row. Expired rows of every account are deleted on the way."""
    now = now or utcnow()
    forget_expired(db, now)
    secret = secrets.token_urlsafe(32)
    row = StaffSession(
        id=_key(secret),
        user_id=user.id,
        kind=kind,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(minutes=settings.access_token_minutes),
    )
    db.add(row)
    db.flush()
    return secret, row


def live_session(db: Session, secret: str, kind: SessionKind) -> tuple[StaffSession, User] | None:
    """The session `secret` opens and its account, or None when it was never started, has
    expired or been revoked, is of another kind, or its account is deactivated.

    Marks the session as seen now, committing that at once when it is a minute old: this is
    the first thing a request does, so the commit holds nothing else.
    """
    row = db.get(StaffSession, _key(secret))
    now = utcnow()
    if row is None or row.kind != kind or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at >= SEEN_RESOLUTION:
        row.last_seen_at = now
        db.add(row)
        db.commit()
    return row, user


def end_session(db: Session, secret: str) -> None:
    """Revoke the session `secret` opens (sign-out); nothing happens when there is none."""
    db.execute(
        sa.update(StaffSession)
        .where(col(StaffSession.id) == _key(secret), col(StaffSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


def end_all_sessions(db: Session, user: User) -> int:
    """Revoke every live session of `user`, console and API alike; how many there were."""
    result = db.execute(
        sa.update(StaffSession)
        .where(
            col(StaffSession.user_id) == user.id,
            col(StaffSession.revoked_at).is_(None),
            col(StaffSession.expires_at) > utcnow(),
        )
        .values(revoked_at=utcnow())
    )
    return result.rowcount


def sessions_of(db: Session, user: User) -> list[StaffSession]:
    """The live sessions of `user`, the most recently used first."""
    return list(
        db.exec(
            select(StaffSession)
            .where(
                StaffSession.user_id == user.id,
                col(StaffSession.revoked_at).is_(None),
                StaffSession.expires_at > utcnow(),
            )
            .order_by(col(StaffSession.last_seen_at).desc())
        )
    )


def is_session(row: StaffSession, secret: str) -> bool:
    """Whether `row` is the session `secret` opens."""
    return row.id == _key(secret)


def forget_expired(db: Session, now: datetime) -> int:
    """Delete the sessions whose time is up, revoked or not; how many."""
    result = db.execute(sa.delete(StaffSession).where(col(StaffSession.expires_at) <= now))
    return result.rowcount
