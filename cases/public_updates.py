"""The public updates of public cases: every status change and every note staff wrote to the
resident, as a partner's system reads them (Open311's `servicerequestupdates`, open311/).

Only of cases cases.publishing says are public, each note with personal data hidden; the
staff-only history (assignments, escalations, the resident's own later words, moderation)
carries no public note and is never one of them. Oldest first within a window of time: the
partial index `ix_case_events_public_updates` holds only these entries by time, so a window
reads its own entries and, for each, its case (by primary key); a note without a status of
its own takes the status its case was in then (its case's status entries, read by
`ix_case_events_case_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
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
    query = (
        select(
            CaseEvent.id,
            CaseEvent.case_id,
            Case.tracking_code,
            CaseEvent.to_status,
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
    rows = list(session.exec(query))
    moves = _status_moves(session, {case_id for _, case_id, _, status, _, _ in rows if not status})
    return [
        PublicUpdate(
            id=event_id,
            tracking_code=code,
            status=status or _status_at(moves[case_id], event_id),
            note=published_note(note, language),
            at=at,
        )
        for event_id, case_id, code, status, note, at in rows
    ]


def _status_moves(session: Session, case_ids: set[int]) -> dict[int, list[tuple[int, str]]]:
    """The status entries (id, status) of each case, oldest first, by `ix_case_events_case_id`:
    a note leaves its case in the status of the latest one before it."""
    moves: dict[int, list[tuple[int, str]]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return moves
    query = (
        select(CaseEvent.case_id, CaseEvent.id, CaseEvent.to_status)
        .where(col(CaseEvent.case_id).in_(sorted(case_ids)), col(CaseEvent.to_status).is_not(None))
        .order_by(col(CaseEvent.id))
    )
    for case_id, event_id, status in session.exec(query):
        moves[case_id].append((event_id, status))
    return moves


def _status_at(moves: list[tuple[int, str]], event_id: int) -> str:
    """The status the entries `moves` left a case in just after entry `event_id` (every case
    has one from its filing on)."""
    return [status for moved_id, status in moves if moved_id <= event_id][-1]


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
