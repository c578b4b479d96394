"""Staff record what a case is: a complaint (a problem to fix) or a question (to be answered).

Intake files a question routing placed with an agency as a question (intake/service.py
`filed_kind`); staff correct it either way. Who may: officers of the case's agency and
supervisors (`service.can_work_on`), as for every other change to a case. The change is a
staff-only history entry; the resident is not told.
"""

from __future__ import annotations

from sqlmodel import Session

from cases.enums import CaseKind, EventKind
from cases.errors import Refusal, UnknownKind
from cases.lifecycle import record_event
from cases.models import Case
from cases.notes import NoteCode, note
from cases.service import can_work_on
from core.db import utcnow
from staff.models import User

RECORDED = {
    CaseKind.question: NoteCode.recorded_as_question,
    CaseKind.complaint: NoteCode.recorded_as_complaint,
}


def set_kind(session: Session, case: Case, kind: str, *, actor: User) -> Case:
    """Record `case` as `kind` (a CaseKind value); the same kind again changes nothing.
    PermissionError when `actor` may not work on the case (the console and the API find only
    the cases a user may work on, and answer 404 for the others)."""
    if not can_work_on(actor, case):
        raise PermissionError(
            f"{actor.username} may not change {case.tracking_code}: only officers of its "
            "agency and supervisors may"
        )
    if kind not in CaseKind.__members__:
        raise UnknownKind(
            f"unknown kind '{kind[:40]}'; one of: {', '.join(CaseKind)}",
            Refusal.unknown_kind,
            given=kind[:40],
        )
    if case.case_kind == kind:
        return case
    case.case_kind, case.updated_at = kind, utcnow()
    session.add(case)
    record_event(
        session, case, EventKind.kind_changed, actor=actor, internal_note=note(RECORDED[kind])
    )
    return case
