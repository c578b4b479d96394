"""What the console's list and the public map show of announcements (cases/announcements.py):
names in the reader's language, the public text redacted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cases.announcements import active, window_words
from cases.models import Announcement, Case
from cases.redaction import redact
from cases.schemas import AgencyRef, CategoryRef, PublicAnnouncement
from core.db import utcnow
from core.settings import Settings
from notifications.templates import language_of
from routing.models import Agency, Category, ServiceArea
from staff.enums import Role
from staff.models import User


@dataclass(frozen=True)
class ListedAnnouncement:
    """One line of the console's list, names in the page's language."""

    id: int
    agency: str
    category: str | None
    text: str
    area: str | None  # the service area's name; None for a drawn polygon or a circle
    area_kind: str
    radius_m: int | None
    starts_at: datetime
    ends_at: datetime
    state: str  # active, scheduled, cancelled or ended
    linked: int  # complaints filed under it


def state_of(announcement: Announcement, now: datetime) -> str:
    if announcement.cancelled_at is not None:
        return "cancelled"
    if announcement.ends_at <= now:
        return "ended"
    return "active" if announcement.starts_at <= now else "scheduled"


def listing(
    session: Session, *, user: User, language: str, limit: int = 100
) -> list[ListedAnnouncement]:
    """The newest announcements `user` may see in the console: their agency's, every agency's
    for a supervisor, each with how many complaints were linked to it."""
    english = language_of(language) == "en"
    query = select(Announcement)
    if user.role != Role.supervisor:
        query = query.where(Announcement.agency_id == (user.agency_id or -1))
    rows = list(session.exec(query.order_by(col(Announcement.id).desc()).limit(limit)))
    linked = dict(
        session.exec(
            select(Case.announcement_id, sa.func.count())
            .where(col(Case.announcement_id).in_([a.id for a in rows] or [-1]))
            .group_by(Case.announcement_id)
        ).all()
    )
    now = utcnow()
    listed = []
    for a in rows:
        agency = session.get(Agency, a.agency_id)
        category = session.get(Category, a.category_id) if a.category_id else None
        area = session.get(ServiceArea, a.service_area_id) if a.service_area_id else None
        listed.append(
            ListedAnnouncement(
                id=a.id,
                agency=agency.name_en if english else agency.name,
                category=(category.name_en if english else category.name) if category else None,
                text=a.text,
                area=area.name if area else None,
                area_kind=a.area_kind,
                radius_m=a.radius_m,
                starts_at=a.starts_at,
                ends_at=a.ends_at,
                state=state_of(a, now),
                linked=linked.get(a.id, 0),
            )
        )
    return listed


def public_view(
    session: Session, settings: Settings, announcement: Announcement, language: str, now: datetime
) -> PublicAnnouncement:
    """What the public map and list show of an active announcement: its text redacted."""
    language = language_of(language)
    english = language == "en"
    agency = session.get(Agency, announcement.agency_id)
    category = session.get(Category, announcement.category_id) if announcement.category_id else None
    area = (
        session.get(ServiceArea, announcement.service_area_id)
        if announcement.service_area_id
        else None
    )
    return PublicAnnouncement(
        id=announcement.id,
        agency=AgencyRef(code=agency.code, name=agency.name_en if english else agency.name),
        category=CategoryRef(
            code=category.code, name=category.name_en if english else category.name
        )
        if category
        else None,
        text=redact(announcement.text, language),
        area=area.name if area else None,
        starts_at=announcement.starts_at,
        ends_at=announcement.ends_at,
        until=window_words(settings, announcement, language, now),
        geometry=announcement.geometry,
        radius_m=announcement.radius_m,
    )


def public_announcements(
    session: Session, settings: Settings, language: str
) -> list[PublicAnnouncement]:
    """Every active announcement as the public sees it, newest first."""
    now = utcnow()
    return [public_view(session, settings, a, language, now) for a in active(session, now)]
