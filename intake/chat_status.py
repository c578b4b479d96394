"""What a resident is told when they ask about their complaints: one case, or all open ones."""

from __future__ import annotations

from sqlmodel import Session, col, select

from cases.codes import normalise_tracking_code
from cases.enums import OPEN_STATUSES
from cases.models import Case
from cases.service import find_by_code, public_view
from intake.chat_text import (
    REVIEW_DESK,
    STATUS_BAD_CODE,
    STATUS_LINE,
    STATUS_LIST,
    STATUS_NONE,
    STATUS_NOTE,
    STATUS_UNKNOWN,
    say,
)
from notifications.models import Contact
from notifications.templates import status_label

STATUS_LIST_LIMIT = 10


def case_status(session: Session, language: str, raw_code: str) -> str:
    """One case's status, agency and latest public note, found by a code the resident typed."""
    code = normalise_tracking_code(raw_code)
    if code is None:
        return say(language, STATUS_BAD_CODE)
    case = find_by_code(session, code)
    if case is None:
        return say(language, STATUS_UNKNOWN, code=code)
    view = public_view(session, case, language)
    agency = view.agency.name if view.agency else say(language, REVIEW_DESK)
    lines = [
        say(
            language,
            STATUS_LINE,
            code=view.tracking_code,
            status=status_label(language, view.status),
            agency=agency,
        )
    ]
    notes = [event.note for event in view.history if event.note]
    if notes:
        lines.append(say(language, STATUS_NOTE, note=notes[-1]))
    return "\n".join(lines)


def open_cases(session: Session, contact: Contact) -> str:
    """The contact's open complaints, newest first."""
    language = contact.language
    cases = session.exec(
        select(Case)
        .where(Case.contact_id == contact.id, col(Case.status).in_(list(OPEN_STATUSES)))
        .order_by(col(Case.created_at).desc())
        .limit(STATUS_LIST_LIMIT)
    ).all()
    if not cases:
        return say(language, STATUS_NONE)
    lines = [say(language, STATUS_LIST)]
    lines += [f"{c.tracking_code}: {status_label(language, c.status)}" for c in cases]
    return "\n".join(lines)
