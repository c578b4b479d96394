"""The exact texts residents receive, per message kind, language and channel, kept as golden files
so that a change of wording shows as a diff in review.

Each file in tests/golden/messages/ holds one kind; the texts are the outbox rows the case service
writes (split into parts where the channel needs it) and, for e-mail, the subject. After an
intended change of wording, regenerate them and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/i18n/test_golden_messages.py
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import Session, col, select

from cases.announcements import tell_residents
from cases.citizen import acknowledge, tell_citizen
from cases.enums import CaseKind, CaseStatus, SourceChannel
from cases.models import Announcement, Case
from core.db import get_engine, open_session, session_scope
from core.i18n import LANGUAGES
from core.settings import Settings
from notifications.enums import Channel, MessageKind
from notifications.models import Notification
from notifications.service import get_or_create_contact
from routing.models import Agency
from staff.models import User
from tests.helpers import POTHOLE

GOLDEN = Path(__file__).parent.parent / "golden" / "messages"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
CODE = "ABCD-2345"
ADDRESSES = {
    Channel.telegram: "5550001",
    Channel.sms: "+6281234500001",
    Channel.whatsapp: "+6281234500002",
    Channel.email: "warga@example.com",
}
# the officer's note as one would write it to a resident of each language
NOTES = {"id": "Tim sudah dikirim ke lokasi.", "en": "A crew is on its way."}
LONG_NOTE = {
    "id": "Perbaikan dikerjakan bertahap. " * 60,
    "en": "The repair is done in stages. " * 60,
}
# the texts are written on a Monday; a case is due the next day, or was due last week
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 12, 14, 10, 0, tzinfo=WIB)
DUE = datetime(2026, 12, 15, 16, 0, tzinfo=WIB)
LATE = datetime(2026, 12, 9, 16, 0, tzinfo=WIB)
# each kind with the case's status and due time when it goes out and whether it carries a
# note; the long note shows how each channel splits a text that does not fit in one message
KINDS = {
    "acknowledgement": (MessageKind.acknowledgement, CaseStatus.assigned, DUE, None),
    "acknowledgement_triage": (MessageKind.acknowledgement, CaseStatus.triage, DUE, None),
    "acknowledgement_anonymous_confidential": (
        MessageKind.acknowledgement,
        CaseStatus.assigned,
        DUE,
        None,
    ),
    # a question routing placed with an agency: told it went there as a question
    "acknowledgement_question": (MessageKind.acknowledgement, CaseStatus.assigned, DUE, None),
    "status_changed": (MessageKind.status_changed, CaseStatus.in_progress, DUE, NOTES),
    "status_changed_late": (MessageKind.status_changed, CaseStatus.in_progress, LATE, None),
    "status_changed_without_note": (MessageKind.status_changed, CaseStatus.waiting, DUE, None),
    "forwarded": (MessageKind.forwarded, CaseStatus.assigned, DUE, NOTES),
    "public_note": (MessageKind.public_note, CaseStatus.in_progress, DUE, NOTES),
    "public_note_long": (MessageKind.public_note, CaseStatus.in_progress, DUE, LONG_NOTE),
    "rating_request": (MessageKind.rating_request, CaseStatus.resolved, LATE, NOTES),
    "auto_closed": (MessageKind.auto_closed, CaseStatus.closed, LATE, None),
    "reopened": (MessageKind.reopened, CaseStatus.in_progress, LATE, None),
    # an agency's announcement (cases/announcements.py) to a resident with an open case in its
    # area, and the acknowledgement of a complaint filed under it
    "announcement": (MessageKind.announcement, CaseStatus.in_progress, DUE, None),
    "acknowledgement_announced": (MessageKind.acknowledgement, CaseStatus.assigned, DUE, None),
    # a complaint routed to a referral body outside the city, answered with where to go at
    # filing; and one staff referred later (the reason stays internal)
    "referred": (MessageKind.referred, CaseStatus.referred, None, None),
    "referred_by_staff": (MessageKind.referred, CaseStatus.referred, None, None),
}
# the referral body of each referred kind: PLN has a hotline, the land office has none
REFERRED_TO = {"referred": "PLN", "referred_by_staff": "BPN"}
ANNOUNCED = {"acknowledgement_announced", "announcement"}
PLACE = (-6.99, 110.416)
ANNOUNCED_UNTIL = datetime(2026, 12, 14, 18, 0, tzinfo=WIB)
# the kinds of case filed Anonim and Rahasia (cases/modes.py): its acknowledgement says so
IN_BOTH_MODES = {"acknowledgement_anonymous_confidential"}
# the kinds of case filed as a question (cases.enums.CaseKind)
QUESTIONS = {"acknowledgement_question"}
# where the complaint came in: a chat app invites a location and a photo in the acknowledgement
SOURCES = {
    Channel.telegram: SourceChannel.telegram,
    Channel.sms: SourceChannel.sms,
    Channel.whatsapp: SourceChannel.whatsapp,
    Channel.email: SourceChannel.web,
}


def _queue(session: Session, settings: Settings, name: str, language: str, channel: Channel):
    """The outbox rows of one message about a case filed on `channel` in `language`."""
    kind, status, due, notes = KINDS[name]
    contact = get_or_create_contact(session, channel=channel, address=ADDRESSES[channel])
    agency = None
    if status is not CaseStatus.triage:
        code = REFERRED_TO.get(name, "DPU")
        agency = session.exec(select(Agency).where(Agency.code == code)).one()
    case = Case(
        tracking_code=CODE,
        status=status,
        text=POTHOLE,
        language=language,
        source_channel=SOURCES[channel],
        contact_id=contact.id,
        agency_id=agency.id if agency else None,
        due_at=due,
        anonymous=name in IN_BOTH_MODES,
        confidential=name in IN_BOTH_MODES,
        case_kind=CaseKind.question if name in QUESTIONS else CaseKind.complaint,
        latitude=PLACE[0],
        longitude=PLACE[1],
    )
    session.add(case)
    session.flush()
    announcement = _announcement(session) if name in ANNOUNCED else None
    if kind is MessageKind.announcement:
        tell_residents(session, settings, announcement, session.get(Agency, announcement.agency_id))
    elif kind is MessageKind.acknowledgement or name == "referred":
        acknowledge(session, settings, case, contact, agency, announcement)
    else:
        tell_citizen(session, settings, case, kind, note=notes[language] if notes else None)
    return session.exec(
        select(Notification)
        .where(Notification.contact_id == contact.id)
        .order_by(col(Notification.id))
    ).all()


def _announcement(session: Session) -> Announcement:
    """PDAM's announcement of a water outage around the case's place, until 18:00 today."""
    pdam = session.exec(select(Agency).where(Agency.code == "PDAM")).one()
    officer = User(username="golden", password_hash="-", role="officer", agency_id=pdam.id)
    session.add(officer)
    session.flush()
    announcement = Announcement(
        agency_id=pdam.id,
        text="Pemadaman air di Kel. Pleburan karena perbaikan pipa induk",
        area_kind="circle",
        geometry={"type": "Point", "coordinates": [PLACE[1], PLACE[0]]},
        radius_m=500,
        starts_at=NOW,
        ends_at=ANNOUNCED_UNTIL,
        created_by=officer.id,
    )
    session.add(announcement)
    session.flush()
    return announcement


def _received(settings: Settings, name: str) -> str:
    """Every language's and channel's text of one kind, as the golden file holds them."""
    sections = [
        f"# {name}: the texts a resident receives, by language and channel.",
        "# Regenerate with UPDATE_GOLDEN=1 (tests/i18n/test_golden_messages.py).",
    ]
    engine = get_engine(settings.database_url)
    for language in LANGUAGES:
        for channel in ADDRESSES:
            with (
                time_machine.travel(NOW, tick=False),
                open_session(engine, dispatcher=None) as session,
            ):
                rows = _queue(session, settings, name, language, channel)
                sections.append(f"\n=== {language} · {channel} ===")
                if channel is Channel.email:
                    sections.append(f"Subject: {rows[0].subject}\n")
                for index, row in enumerate(rows):
                    if index:
                        sections.append("--- next message ---")
                    sections.append(row.body)
                session.rollback()  # nothing of it stays: the next one has the same code
    return "\n".join(sections) + "\n"


@pytest.mark.parametrize("name", KINDS)
def test_residents_receive_the_reviewed_texts(settings: Settings, name: str) -> None:
    """Each kind of message reads, in each language and on each channel, as its golden file."""
    received = _received(settings, name)
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(received, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with UPDATE_GOLDEN=1"
    assert received == path.read_text(encoding="utf-8")


def test_every_kind_for_residents_has_a_golden_file() -> None:
    """No message kind a resident can receive goes without its reviewed text."""
    for_residents = set(MessageKind) - {
        MessageKind.overdue_digest,
        MessageKind.escalation,
        MessageKind.webhook_paused,
    }
    assert {kind for kind, *_ in KINDS.values()} == for_residents
    assert {p.stem for p in GOLDEN.glob("*.txt")} == set(KINDS)


def test_nothing_is_left_behind_in_the_database(settings: Settings) -> None:
    """The golden texts are made in transactions that are rolled back."""
    _received(settings, "acknowledgement")
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        assert session.exec(select(Case)).all() == []
