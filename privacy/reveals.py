"""Showing a case's reporter's full contact to the staff who call them, and the record of it.

Staff see a reporter's contact masked (cases/service.py). An officer of the case's agency or a
supervisor (whoever may work the case) can ask for the full address, to call the resident;
each time is recorded (who, when, which case, through the console or the API) and the admins
read the record. The contact of an anonymous case is never shown, nor that of a case whose
reporter was erased or left none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from cases.models import Case
from cases.service import can_work_on
from core.db import utcnow
from notifications.models import Contact
from privacy.models import ContactReveal
from staff.models import User


class Via(StrEnum):
    console = "console"
    api = "api"


class RevealRefusal(StrEnum):
    anonymous = "anonymous"
    no_contact = "no_contact"
    not_allowed = "not_allowed"


class RevealRefused(Exception):
    """The contact is not shown; `reason` says why (the message names no resident)."""

    def __init__(self, reason: RevealRefusal) -> None:
        super().__init__(REFUSAL_TEXT[reason])
        self.reason = reason


REFUSAL_TEXT = {
    RevealRefusal.anonymous: "the reporter of this case is anonymous: nobody may see their contact",
    RevealRefusal.no_contact: "this case names no reporter to contact (none given, or erased)",
    RevealRefusal.not_allowed: "only the officers of the case's agency and supervisors may",
}


@dataclass(frozen=True)
class RevealedContact:
    channel: str
    address: str
    name: str | None


def reveal_contact(session: Session, user: User, case: Case, via: Via) -> RevealedContact:
    """The full contact of `case`'s reporter for `user`, recorded in the caller's transaction;
    raises RevealRefused."""
    if not can_work_on(user, case):
        raise RevealRefused(RevealRefusal.not_allowed)
    if case.anonymous:
        raise RevealRefused(RevealRefusal.anonymous)
    contact = session.get(Contact, case.contact_id) if case.contact_id is not None else None
    if contact is None:
        raise RevealRefused(RevealRefusal.no_contact)
    session.add(ContactReveal(case_id=case.id, user_id=user.id, via=via, created_at=utcnow()))
    return RevealedContact(channel=contact.channel, address=contact.address, name=contact.name)


@dataclass(frozen=True)
class RevealEntry:
    id: int
    at: datetime
    username: str
    tracking_code: str
    via: str


@dataclass(frozen=True)
class RevealPage:
    entries: list[RevealEntry]
    # the id to pass as `before` for the next (older) page; None on the last page
    next_before: int | None


def reveal_log(
    session: Session,
    *,
    user_id: int | None = None,
    case_id: int | None = None,
    before: int | None = None,
    limit: int = 50,
) -> RevealPage:
    """The record of reveals, newest first, of one user or one case or all; keyset-paged."""
    query = (
        select(ContactReveal, User.username, Case.tracking_code)
        .join(User, User.id == ContactReveal.user_id)
        .join(Case, Case.id == ContactReveal.case_id)
    )
    if user_id is not None:
        query = query.where(ContactReveal.user_id == user_id)
    if case_id is not None:
        query = query.where(ContactReveal.case_id == case_id)
    if before is not None:
        query = query.where(col(ContactReveal.id) < before)
    rows = session.exec(query.order_by(col(ContactReveal.id).desc()).limit(limit + 1)).all()
    entries = [
        RevealEntry(
            id=reveal.id,
            at=reveal.created_at,
            username=username,
            tracking_code=code,
            via=reveal.via,
        )
        for reveal, username, code in rows[:limit]
    ]
    more = len(rows) > limit
    return RevealPage(entries, entries[-1].id if more else None)
