""" "Is this already reported?": the open public cases near a place, and residents who follow one.

Before a resident files, the web form and the chat bots look for open cases of the same
category near the place they gave (`nearby_public_cases`); a resident who says "the same
problem" follows that case instead of filing a new one (`follow`): they hear its every update
on their channel, and the case's `report_count` (shown on its public page, sortable in the
console's queue) goes up. Only cases cases.publishing makes public are offered or followed, so
the search shows nothing a public page would not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cases.duplicates import METRES_PER_DEGREE, distance_m
from cases.enums import OPEN_STATUSES, EventKind
from cases.lifecycle import record_event
from cases.models import OPEN_CASES_SQL, Case, CaseSubscriber
from cases.notes import NoteCode, note
from cases.publishing import is_public, public_condition, publication
from core.db import utcnow
from core.settings import Settings

# the most cases one search offers, nearest first
NEARBY_LIMIT = 3


@dataclass(frozen=True)
class NearbyCase:
    """An open public case near the place asked about, with only what its public page shows."""

    id: int
    tracking_code: str
    status: str
    text: str | None
    address: str | None
    latitude: float
    longitude: float
    distance_m: float
    report_count: int
    created_at: datetime


def nearby_public_cases(
    session: Session,
    settings: Settings,
    *,
    latitude: float,
    longitude: float,
    category_id: int,
    language: str,
    limit: int = NEARBY_LIMIT,
    not_of_contact: int | None = None,
) -> list[NearbyCase]:
    """The open public cases of `category_id` within ALREADY_REPORTED_RADIUS_M of the point,
    nearest first, at most `limit`; their words redacted for readers of `language`. With
    `not_of_contact`, none that contact reported (nobody is offered their own case)."""
    radius = settings.already_reported_radius_m
    dlat = radius / METRES_PER_DEGREE
    dlon = radius / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    query = select(Case).where(
        public_condition(settings),
        sa.text(OPEN_CASES_SQL),
        Case.category_id == category_id,
        col(Case.latitude).between(latitude - dlat, latitude + dlat),
        col(Case.longitude).between(longitude - dlon, longitude + dlon),
    )
    if not_of_contact is not None:
        query = query.where(
            sa.or_(col(Case.contact_id).is_(None), Case.contact_id != not_of_contact)
        )
    found: list[NearbyCase] = []
    for case in session.exec(query):
        distance = distance_m(latitude, longitude, case.latitude, case.longitude)
        if distance > radius:
            continue
        shown = publication(case, language)
        found.append(
            NearbyCase(
                id=case.id,
                tracking_code=case.tracking_code,
                status=case.status,
                text=shown.text,
                address=shown.address,
                latitude=case.latitude,
                longitude=case.longitude,
                distance_m=round(distance),
                report_count=case.report_count,
                created_at=case.created_at,
            )
        )
    found.sort(key=lambda item: (item.distance_m, -item.id))
    return found[:limit]


class Followed(StrEnum):
    """What asking to follow a case did."""

    followed = "followed"
    already = "already"  # the resident reported it or follows it already: nothing changed
    not_open = "not_open"  # the case is closed, rejected, merged or not public: not followed


def can_follow(settings: Settings, case: Case) -> bool:
    """A resident may follow `case`: it is open and public."""
    return case.status in OPEN_STATUSES and is_public(settings, case)


def follow(
    session: Session,
    settings: Settings,
    case: Case,
    contact_id: int,
    language: str,
    *,
    at: datetime | None = None,
) -> Followed:
    """Make contact `contact_id` a follower of `case` (its updates reach them in `language`)
    and count them among its reporters, with a note in the history; the caller commits."""
    if not can_follow(settings, case):
        return Followed.not_open
    if case.contact_id == contact_id:
        return Followed.already
    already = session.exec(
        select(CaseSubscriber.id).where(
            CaseSubscriber.case_id == case.id, CaseSubscriber.contact_id == contact_id
        )
    ).first()
    if already is not None:
        return Followed.already
    at = at or utcnow()
    session.add(
        CaseSubscriber(case_id=case.id, contact_id=contact_id, language=language, created_at=at)
    )
    # counted in the database, not from the row read: two residents following at once both count
    session.execute(
        sa.update(Case)
        .where(col(Case.id) == case.id)
        .values(report_count=Case.report_count + 1, updated_at=at)
    )
    session.refresh(case, ["report_count", "updated_at"])
    record_event(
        session,
        case,
        EventKind.note,
        actor=None,
        internal_note=note(NoteCode.followed, count=case.report_count),
    )
    return Followed.followed
