"""What a resident adds to a case after filing it: an answer, a note, a nudge, a corrected text.

The chat conversation decides what a message means; these functions keep the case's rules: each
leaves an entry in the history (the resident's words as an internal note, for staff only), and an
answer to an officer's question puts a waiting case back to work.
"""

from __future__ import annotations

from sqlmodel import Session

from cases.enums import CaseStatus, EventKind
from cases.lifecycle import record_event, transition
from cases.models import Case
from cases.transitions import MoveName, Party
from core.db import utcnow
from core.settings import Settings

NOTE_MAX_CHARS = 2000


def _noted(session: Session, case: Case, kind: EventKind, words: str) -> None:
    now = utcnow()
    case.citizen_noted_at = case.updated_at = now
    session.add(case)
    record_event(
        session,
        case,
        kind,
        actor=None,
        actor_label=Party.citizen,
        internal_note=words[:NOTE_MAX_CHARS],
    )


def add_note(session: Session, case: Case, words: str) -> Case:
    """The resident's further words on `case` (more detail, a photo's caption)."""
    _noted(session, case, EventKind.citizen_note, words)
    return case


def answer(session: Session, settings: Settings, case: Case, words: str) -> Case:
    """The resident's answer to the question the case waits on: the case goes back to work
    with the working time it had left; on a case that no longer waits it is a plain note."""
    if case.status != CaseStatus.waiting:
        return add_note(session, case, words)
    case.citizen_noted_at = utcnow()
    return transition(
        session, settings, case, MoveName.answer, internal_note=words[:NOTE_MAX_CHARS]
    )


def nudge(session: Session, case: Case, words: str) -> Case:
    """The resident asked when the case will be handled; the officer sees how often."""
    case.nudges += 1
    _noted(session, case, EventKind.nudged, words)
    return case


def amend_text(session: Session, case: Case, text: str) -> Case:
    """The resident corrected the complaint soon after sending it; the history keeps the old
    text (the case's routing stays: an officer forwards it if the new text needs that)."""
    previous, case.text = case.text, text
    _noted(session, case, EventKind.text_edited, previous)
    return case
