"""Staff accounts and their sessions: who signs in to the console and the API, with which role
and agency, and which of their sign-ins are still good."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime, utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_type=sa.String(64), unique=True, index=True)
    full_name: str | None = Field(default=None, sa_type=sa.String(200))
    password_hash: str = Field(sa_type=sa.String(255))
    role: str = Field(sa_type=sa.String(16))
    agency_id: int | None = Field(default=None, foreign_key="agencies.id")
    # where the daily digest of overdue cases and escalations go
    email: str | None = Field(default=None, sa_type=sa.String(254))
    # the head of the agency receives its first escalations
    agency_head: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    active: bool = True
    # the day (city time) the last overdue digest went out, so a day gets one digest at most
    digest_sent_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffSession(SQLModel, table=True):
    """One sign-in, to the console or the API, live until it expires or is revoked.

    The client holds a random secret (in the console cookie or the bearer token); the row is
    keyed by its SHA-256, so the table alone (a backup, a read-only leak) signs nobody in.
    """

    __tablename__ = "staff_sessions"

    id: str = Field(sa_type=sa.String(64), primary_key=True)  # hex SHA-256 of the secret
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(sa_type=sa.String(8))  # a SessionKind
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # refreshed at most once a minute, so a busy session does not write on every request
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
