"""What a resident is told when they ask about their complaints: one case, or all open ones.

Both say when a case will be handled (cases/due.py). The list of open cases gives each case's
first words, so that several can be told apart, and stays within two SMS segments.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from cases.codes import normalise_tracking_code
from cases.due import due_brief, due_sentence
from cases.models import Case
from cases.service import open_cases_of, public_view
from core.settings import Settings
from intake.chat_text import (
    LOOKUP_LIMITED,
    REFERRAL_WHERE,
    REVIEW_DESK,
    STATUS_BAD_CODE,
    STATUS_LINE,
    STATUS_LIST,
    STATUS_MORE,
    STATUS_NONE,
    STATUS_NOTE,
    STATUS_UNKNOWN,
    say,
)
from intake.lookups import LookupLimited, look_up
from notifications.enums import Channel
from notifications.models import Contact
from notifications.templates import status_label

# the open cases one list shows, newest first; the rest are counted
STATUS_LIST_LIMIT = 3
# a case's first words in the list: at most this many, in at most this many characters; an
# SMS has room for fewer, so that three cases fit two segments (tests/notifications/
# test_sms_budget.py)
EXCERPT_WORDS = 5
EXCERPT_CHARS = 40
SMS_EXCERPT_CHARS = 20
# "…" is not a GSM-7 character: one in an SMS sends the whole text as UCS-2, 70 characters a
# segment instead of 160
ELLIPSIS = "…"
SMS_ELLIPSIS = "..."


def status_by_code(
    session: Session, settings: Settings, language: str, raw_code: str, *, client: str
) -> str:
    """`case_status` of the case a code the resident typed names; `client`
    (intake.limits.chat_sender) is braked after too many codes that find nothing
    (intake/lookups.py)."""
    code = normalise_tracking_code(raw_code)
    if code is None:
        return say(language, STATUS_BAD_CODE)
    try:
        case = look_up(session, settings, code, client=client)
    except LookupLimited as exc:
        return say(language, LOOKUP_LIMITED, minutes=exc.refusal.minutes)
    if case is None:
        return say(language, STATUS_UNKNOWN, code=code)
    return case_status(session, settings, language, case)


def case_status(session: Session, settings: Settings, language: str, case: Case) -> str:
    """One case's status, agency, target and latest public note."""
    view = public_view(session, case, language, settings)
    agency = view.agency.name if view.agency else say(language, REVIEW_DESK)
    lines = [
        say(
            language,
            STATUS_LINE,
            code=view.tracking_code,
            status=status_label(
                language, view.status, view.referred_to.name if view.referred_to else None
            ),
            agency=agency,
        )
    ]
    if view.referred_to:
        lines.append(say(language, REFERRAL_WHERE, where=view.referred_to.where))
    if due := due_sentence(settings, case, language):
        lines.append(due)
    notes = [event.note for event in view.history if event.note]
    if notes:
        lines.append(say(language, STATUS_NOTE, note=notes[-1]))
    return "\n".join(lines)


def excerpt(text: str, limit: int = EXCERPT_CHARS, ellipsis: str = ELLIPSIS) -> str:
    """The first words of `text` (at most EXCERPT_WORDS, in at most `limit` characters), cut
    between words and ended with `ellipsis` when something was left out; a first word longer
    than `limit` is itself cut."""
    words = text.split()
    kept: list[str] = []
    for word in words[:EXCERPT_WORDS]:
        if len(" ".join([*kept, word])) > limit:
            break
        kept.append(word)
    if not kept:
        return words[0][:limit] + ellipsis if words else ""
    if len(kept) == len(words):
        return " ".join(kept)
    return " ".join(kept).rstrip(",.;:") + ellipsis


def open_cases(session: Session, settings: Settings, contact: Contact) -> str:
    """The contact's open complaints, newest first: each with its first words, status and
    target; past STATUS_LIST_LIMIT, how many more there are."""
    language = contact.language
    mine = open_cases_of(contact.id)
    cases = session.exec(mine.limit(STATUS_LIST_LIMIT)).all()
    if not cases:
        return say(language, STATUS_NONE)
    sms = contact.channel == Channel.sms
    limit, ellipsis = (SMS_EXCERPT_CHARS, SMS_ELLIPSIS) if sms else (EXCERPT_CHARS, ELLIPSIS)
    lines = [say(language, STATUS_LIST)]
    for case in cases:
        # "HBPS-SX30 Jalan berlubang besar di...: sedang dikerjakan, target 15 Desember"
        standing = filter(
            None, (status_label(language, case.status), due_brief(settings, case, language))
        )
        lines.append(
            f"{case.tracking_code} {excerpt(case.text, limit, ellipsis)}: {', '.join(standing)}"
        )
    if len(cases) == STATUS_LIST_LIMIT:
        total = session.exec(select(sa.func.count()).select_from(mine.subquery())).one()
        if total > len(cases):
            lines.append(say(language, STATUS_MORE, count=total - len(cases)))
    return "\n".join(lines)
