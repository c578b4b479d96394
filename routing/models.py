"""Agencies and their complaint categories, as loaded from the catalogue file."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from aduan.db import UTCDateTime, utcnow


class Agency(SQLModel, table=True):
    __tablename__ = "agencies"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=sa.String(32), unique=True, index=True)
    name: str = Field(sa_type=sa.String(200))
    name_en: str = Field(sa_type=sa.String(200))
    active: bool = True
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Category(SQLModel, table=True):
    __tablename__ = "categories"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=sa.String(64), unique=True, index=True)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    name: str = Field(sa_type=sa.String(200))
    name_en: str = Field(sa_type=sa.String(200))
    sla_hours: int
    keywords_id: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    keywords_en: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    active: bool = True
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
