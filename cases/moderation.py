"""Staff moderate what the public sees of a case: hide it, rewrite its public text, approve
its photos. Each is a staff-only history entry with who and why; the case's own words and the
resident's files are never changed.

Who may: officers of the case's agency and supervisors (`service.can_work_on`), as for every
other change to a case; admins never see cases. What a moderation does to the public side is
read by cases/publishing.py, the one rule.
"""

from __future__ import annotations

from sqlmodel import Session

from cases.enums import EventKind, HideReason
from cases.errors import ModerationRefused, Refusal
from cases.lifecycle import mark_reviewed, record_event
from cases.models import Attachment, Case
from cases.notes import NoteCode
from cases.notes import note as system_note
from cases.service import can_work_on
from core.db import utcnow
from core.i18n import N_
from staff.models import User

# the longest public text and moderation note staff may write
PUBLIC_TEXT_MAX = 4000
NOTE_MAX = 500


HIDE_REASONS = {
    HideReason.about_person: N_("Menyebut atau menuduh seseorang"),
    HideReason.personal_data: N_("Berisi data pribadi"),
    HideReason.offensive: N_("Kata-kata kasar atau menyinggung"),
    HideReason.not_public: N_("Bukan urusan publik"),
    HideReason.other: N_("Alasan lain"),
}


class NotAModerator(PermissionError):
    """The user may not moderate the case; the console checks first and answers 403."""


def may_moderate(user: User, case: Case) -> bool:
    """Whether `user` may change what the public sees of `case`."""
    return can_work_on(user, case)


def _check(user: User, case: Case) -> None:
    if not may_moderate(user, case):
        raise NotAModerator(
            f"{user.username} may not moderate {case.tracking_code}: only officers of its "
            "agency and supervisors may"
        )


def _note(note: str | None) -> str | None:
    return (note or "").strip()[:NOTE_MAX] or None


def hide(session: Session, case: Case, *, reason: str, note: str | None, actor: User) -> Case:
    """Take `case` off every public page, map and feed, for `reason` (a HideReason value)
    and the staff member's own words `note`."""
    _check(actor, case)
    if reason not in HideReason.__members__:
        raise ModerationRefused(
            f"unknown reason '{reason[:40]}'; one of: {', '.join(HideReason)}",
            Refusal.unknown_hide_reason,
            given=reason[:40],
        )
    if case.hidden_at is not None:
        raise ModerationRefused(f"{case.tracking_code} is already hidden", Refusal.already_hidden)
    case.hidden_at, case.hidden_reason = utcnow(), reason
    session.add(case)
    record_event(
        session,
        case,
        EventKind.hidden,
        actor=actor,
        internal_note=system_note(NoteCode(f"hidden_{reason}"), note=_note(note) or ""),
    )
    return case


def unhide(session: Session, case: Case, *, note: str | None, actor: User) -> Case:
    """Let a hidden case be public again (as PUBLISH_POLICY allows)."""
    _check(actor, case)
    if case.hidden_at is None:
        raise ModerationRefused(f"{case.tracking_code} is not hidden", Refusal.not_hidden)
    case.hidden_at, case.hidden_reason = None, None
    session.add(case)
    record_event(session, case, EventKind.unhidden, actor=actor, internal_note=_note(note))
    return case


def set_public_text(
    session: Session, case: Case, *, text: str | None, note: str | None, actor: User
) -> Case:
    """What the public reads of the complaint instead of the resident's words (`case.text`
    stays as written); empty `text` puts the resident's words (redacted) back."""
    _check(actor, case)
    new = (text or "").strip()[:PUBLIC_TEXT_MAX] or None
    if new == case.public_text:
        return case
    case.public_text = new
    mark_reviewed(case, utcnow())
    session.add(case)
    record_event(
        session, case, EventKind.public_text_edited, actor=actor, internal_note=_note(note)
    )
    return case


def _attachment(session: Session, case: Case, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if (
        attachment is None
        or attachment.case_id != case.id
        or attachment.removed_at is not None
        or not attachment.content_type.startswith("image/")
    ):
        raise ModerationRefused(
            f"{case.tracking_code} has no photo {attachment_id}", Refusal.no_such_photo
        )
    return attachment


def publish_photo(session: Session, case: Case, attachment_id: int, *, actor: User) -> Case:
    """Approve one of the resident's photos for the case's public page."""
    _check(actor, case)
    attachment = _attachment(session, case, attachment_id)
    if attachment.published_at is not None:
        return case
    now = utcnow()
    attachment.published_at = now
    mark_reviewed(case, now)
    session.add_all((attachment, case))
    record_event(
        session, case, EventKind.photo_published, actor=actor, internal_note=f"#{attachment.id}"
    )
    return case


def withdraw_photo(session: Session, case: Case, attachment_id: int, *, actor: User) -> Case:
    """Take an approved photo off the case's public page again."""
    _check(actor, case)
    attachment = _attachment(session, case, attachment_id)
    if attachment.published_at is None:
        return case
    attachment.published_at = None
    session.add(attachment)
    record_event(
        session, case, EventKind.photo_withdrawn, actor=actor, internal_note=f"#{attachment.id}"
    )
    return case
