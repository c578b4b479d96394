"""The public updates of public cases: every status change and every note staff wrote to the
resident, as a partner's system reads them (Open311's `servicerequestupdates`, open311/).

Only of cases cases.publishing says are public, each note with personal data hidden; the
staff-only history (assignments, escalations, the resident's own later words, moderation)
carries no public note and is never one of them. Oldest first within a window of time: the
partial index `ix_case_events_public_updates` holds only these entries by time, so a window
reads its own entries and, for each, its case (by primary key) and the status it left the case
in (the case's latest status entry up to it, by `ix_case_events_case_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from cases.models import PUBLIC_UPDATE_SQL, Case, CaseEvent
from cases.publishing import public_condition, published_note
from core.settings import Settings


@dataclass(frozen=True)
class PublicUpdate:
    """One update: the history entry's id, its case's tracking code, the status the case was
    in after it, the note to the resident (redacted; None without one) and when."""

    id: int
    tracking_code: str
    status: str
    note: str | None
    at: datetime


def public_updates(
    session: Session,
    settings: Settings,
    *,
    start: datetime,
    end: datetime,
    language: str,
    limit: int,
    offset: int = 0,
) -> list[PublicUpdate]:
    """The public updates written from `start` until `end` (both included), oldest first,
    skipping the first `offset`; notes with hidden data worded for `language`."""
    earlier = aliased(CaseEvent)
    status_then = (
        select(earlier.to_status)
        .where(
            earlier.case_id == CaseEvent.case_id,
            col(earlier.to_status).is_not(None),
            earlier.id <= CaseEvent.id,
        )
        .order_by(col(earlier.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(
            CaseEvent.id,
            Case.tracking_code,
            status_then,
            CaseEvent.public_note,
            CaseEvent.created_at,
        )
        .join(Case, col(Case.id) == CaseEvent.case_id)
        .where(
            sa.text(f"({PUBLIC_UPDATE_SQL})"),
            CaseEvent.created_at >= start,
            CaseEvent.created_at <= end,
            public_condition(settings),
        )
        .order_by(col(CaseEvent.created_at), col(CaseEvent.id))
        .offset(offset)
        .limit(limit)
    )
    return [
        PublicUpdate(
            id=event_id,
            tracking_code=code,
            status=status,
            note=published_note(note, language),
            at=at,
        )
        for event_id, code, status, note, at in session.exec(query)
    ]


def latest_notes(session: Session, codes: list[str], *, language: str) -> dict[str, str]:
    """The latest note staff wrote to the resident of each case among the tracking codes
    `codes` (cases the caller knows are public), redacted for `language`; a case without a
    note is left out. Reads each case's history by `ix_case_events_case_id`."""
    if not codes:
        return {}
    latest = (
        select(sa.func.max(CaseEvent.id))
        .join(Case, col(Case.id) == CaseEvent.case_id)
        .where(col(Case.tracking_code).in_(codes), col(CaseEvent.public_note).is_not(None))
        .group_by(col(CaseEvent.case_id))
    )
    query = (
        select(Case.tracking_code, CaseEvent.public_note)
        .join(Case, col(Case.id) == CaseEvent.case_id)
        .where(col(CaseEvent.id).in_(latest))
    )
    return {code: published_note(note, language) or "" for code, note in session.exec(query)}
