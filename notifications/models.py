"""Citizen contacts and the outbox of messages owed to them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from aduan.db import UTCDateTime, utcnow


class Contact(SQLModel, table=True):
    """How to reach one citizen on one channel, kept apart from what they reported."""

    __tablename__ = "contacts"
    __table_args__ = (sa.UniqueConstraint("channel", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_type=sa.String(16))
    address: str = Field(sa_type=sa.String(320))
    name: str | None = Field(default=None, sa_type=sa.String(200))
    language: str = Field(default="id", sa_type=sa.String(2))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Notification(SQLModel, table=True):
    """One message we owe a citizen; the row is the truth, queue jobs only carry its id."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contacts.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    reference: str = Field(sa_type=sa.String(32))
    kind: str = Field(sa_type=sa.String(32))
    channel: str = Field(sa_type=sa.String(16))
    language: str = Field(sa_type=sa.String(2))
    body: str = Field(sa_type=sa.Text)
    status: str = Field(default="pending", sa_type=sa.String(16))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    provider_message_id: str | None = Field(default=None, sa_type=sa.String(64))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
