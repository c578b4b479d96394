"""Agencies and their complaint categories, as loaded from the catalogue file."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.db import UTCDateTime, utcnow
from routing.catalogue import CITY, REFERRAL


class Agency(SQLModel, table=True):
    __tablename__ = "agencies"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=sa.String(32), unique=True, index=True)
    name: str = Field(sa_type=sa.String(200))
    name_en: str = Field(sa_type=sa.String(200))
    # city: one of the city's agencies; referral: a body outside the city government whose
    # complaints are answered with where to go and closed as referred (routing.catalogue)
    kind: str = Field(
        default=CITY, sa_type=sa.String(16), sa_column_kwargs={"server_default": CITY}
    )
    # a referral body's website, app or office (Indonesian, English) and call-centre number
    channel: str | None = Field(default=None, sa_type=sa.String(300))
    channel_en: str | None = Field(default=None, sa_type=sa.String(300))
    hotline: str | None = Field(default=None, sa_type=sa.String(40))
    active: bool = True
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_referral(self) -> bool:
        return self.kind == REFERRAL


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
    # a case of this category is resolved only with an after-photo (`proof_required` in the file)
    proof_required: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # the questions a complaint of this category is asked besides its words: the catalogue
    # file's `attributes`, each as routing.catalogue.AttributeSpec dumps it
    attributes: list[dict] = Field(
        default_factory=list, sa_type=sa.JSON, sa_column_kwargs={"server_default": "[]"}
    )
    active: bool = True
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ServiceArea(SQLModel, table=True):
    """Where one office of an agency works (a sub-district office, say), as a GeoJSON polygon."""

    __tablename__ = "service_areas"
    __table_args__ = (sa.UniqueConstraint("agency_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agencies.id", index=True)
    code: str = Field(sa_type=sa.String(64))
    name: str = Field(sa_type=sa.String(200))
    geometry: dict = Field(sa_type=sa.JSON)
    active: bool = True


class RoutingExample(SQLModel, table=True):
    """A complaint text with the agency a person said it belongs to: what routing learns from.

    Every forward ("not ours, it is X's") and every assignment out of triage adds one, so the
    city's own corrections improve routing at the next `aduan routing train`.
    """

    __tablename__ = "routing_examples"

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_type=sa.Text)
    agency_code: str = Field(sa_type=sa.String(32), index=True)
    category_code: str | None = Field(default=None, sa_type=sa.String(64))
    source: str = Field(sa_type=sa.String(16))
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
