"""Staff accounts: who signs in to the console and the API, with which role and agency."""

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
    # bumped on deactivation or password reset: console sessions issued before it stop working
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
