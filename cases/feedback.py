"""What a citizen says back about a resolved case: a 1-5 rating, or "not fixed" to reopen it.
Chat and SMS citizens reply in words to the rating request; web citizens follow a signed link.
Both end here, so a rating and a reopen mean the same thing whichever way they came. (Which
chat words mean "not fixed" is the conversation's to read: intake/intent.py.)
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cases.day_stats import count_change, standing
from cases.enums import CaseStatus, EventKind
from cases.lifecycle import record_event, transition
from cases.models import Case, CaseSubscriber
from cases.notes import NoteCode, note
from cases.transitions import MoveName, Party
from core.db import utcnow
from core.settings import Settings

_RATING = re.compile(r"^\s*(?:nilai\s*|rating\s*)?([1-5])\s*(?:/\s*5)?\s*[.!]?\s*$", re.IGNORECASE)


def parse_rating(text: str) -> int | None:
    """1-5 from a reply such as "4", "nilai 5" or "3/5"; None for anything else."""
    match = _RATING.match(text)
    return int(match.group(1)) if match else None


def awaiting_feedback(session: Session, contact_id: int) -> Case | None:
    """The resolved case this contact most recently heard about, as reporter or subscriber."""
    subscribed = select(CaseSubscriber.case_id).where(CaseSubscriber.contact_id == contact_id)
    return session.exec(
        select(Case)
        .where(
            Case.status == CaseStatus.resolved,
            sa.or_(Case.contact_id == contact_id, col(Case.id).in_(subscribed)),
        )
        .order_by(col(Case.resolved_at).desc(), col(Case.id).desc())
        .limit(1)
    ).first()


def rate(session: Session, settings: Settings, case: Case, rating: int) -> Case:
    """Record the citizen's rating; a second one while the case is still resolved replaces it."""
    if not 1 <= rating <= 5:
        raise ValueError("a rating is a whole number from 1 to 5")
    before = standing(case)
    case.rating, case.rated_at = rating, utcnow()
    count_change(session, ZoneInfo(settings.city_timezone), before, standing(case))
    session.add(case)
    record_event(
        session,
        case,
        EventKind.rated,
        actor=None,
        actor_label=Party.citizen,
        internal_note=f"{rating}/5",
    )
    return case


def reopen(session: Session, settings: Settings, case: Case) -> Case:
    """The citizen says the problem is still there: back to the agency, which hears it as late
    as the case already is (its due time is not renewed)."""
    return transition(
        session, settings, case, MoveName.not_fixed, internal_note=note(NoteCode.not_fixed)
    )
