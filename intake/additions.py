"""A resident's words about a complaint they already filed: an answer, more detail, "when?",
or a correction of the text just sent."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from cases import resident
from cases.enums import OPEN_STATUSES, CaseStatus
from cases.models import Case
from cases.service import open_cases_of
from core.settings import Settings
from intake.chat import ChatOutcome, reply
from intake.chat_status import case_status
from intake.chat_text import (
    ANSWER_PASSED_ON,
    EDIT_NOTED,
    NOTE_ADDED,
    NUDGE_NOTED,
    TEXT_EDITED,
    say,
)
from intake.models import InboundReceipt
from notifications.models import Contact

# how long after sending a complaint its text may still be corrected by editing the message
EDIT_WINDOW = timedelta(minutes=15)


def open_cases(session: Session, contact: Contact) -> list[Case]:
    """The contact's open complaints, newest first."""
    return list(session.exec(open_cases_of(contact.id)))


def add_words(
    session: Session, settings: Settings, case: Case, text: str, language: str
) -> ChatOutcome:
    """Words for `case`: the answer an officer waits for, else a note on it."""
    if case.status == CaseStatus.waiting:
        resident.answer(session, settings, case, text)
        wording = ANSWER_PASSED_ON
    else:
        resident.add_note(session, case, text)
        wording = NOTE_ADDED
    return reply(say(language, wording, code=case.tracking_code), case_code=case.tracking_code)


def follow_up(
    session: Session, settings: Settings, case: Case, text: str, language: str
) -> ChatOutcome:
    """ "When will it be done?": the case's status and target, and the officer is told."""
    resident.nudge(session, case, text)
    status = case_status(session, settings, language, case)
    lines = [status, say(language, NUDGE_NOTED)]
    return reply("\n".join(lines), case_code=case.tracking_code)


def edit(
    session: Session,
    contact: Contact,
    channel: str,
    message_ref: str | None,
    text: str,
    at: datetime,
) -> ChatOutcome:
    """An edited message: within EDIT_WINDOW of filing, the complaint it filed takes the new
    text (the old one stays in the history); later, the new text is a note. An edit of a
    message that filed nothing is left alone (it is not a new message)."""
    if not message_ref or not text:
        return ChatOutcome()
    filed = session.exec(
        select(InboundReceipt.case_id).where(
            InboundReceipt.channel == channel,
            InboundReceipt.message_ref == message_ref,
            col(InboundReceipt.case_id).is_not(None),
        )
    ).first()
    case = session.get(Case, filed) if filed else None
    if case is None or case.contact_id != contact.id or text == case.text:
        return ChatOutcome()
    language = contact.language
    if case.status in OPEN_STATUSES and at - case.created_at <= EDIT_WINDOW:
        resident.amend_text(session, case, text)
        wording = TEXT_EDITED
    else:
        resident.add_note(session, case, text)
        wording = EDIT_NOTED
    return reply(say(language, wording, code=case.tracking_code), case_code=case.tracking_code)
