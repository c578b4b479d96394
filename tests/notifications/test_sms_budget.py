"""The SMS budget: every text a resident can get by SMS fits two segments, most of them one.

Measured as a network counts them (tests/sms.py), in both languages, with the longest agency
name of the shipped catalogue, a real `https://` public address of a city's length, officers'
notes as officers write them and the longest day names a target can take. Outbox messages are
written by the case service into the outbox; chat replies are the catalogue's texts with their
blanks filled; the status replies are read from the TwiML answer to a signed SMS.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from cases.citizen import acknowledge, tell_citizen
from cases.enums import CaseKind, CaseStatus, SourceChannel
from cases.models import Case
from cases.modes import ORDINARY, ReportingMode
from core.db import get_engine, open_session
from core.i18n import LANGUAGES
from core.settings import Settings, get_settings
from intake import chat_text
from intake.chat_text import say
from intake.messages import MAX_TEXT_CHARS
from notifications.enums import Channel, MessageKind
from notifications.messages import announcement_message
from notifications.models import Notification
from notifications.service import get_or_create_contact
from notifications.templates import status_label, where_to_go
from routing.catalogue import default_catalogue_path, read_catalogue
from routing.models import Agency
from tests.channels import inbound, signed_post, twiml_texts
from tests.helpers import create_staff, login
from tests.sms import GSM7, UCS2, Segments, segments

# a real city's public address, as long as real ones are
CITY_URL = "https://aduan.semarangkota.go.id"
CODE = "HBPS-SX30"
WIB = ZoneInfo("Asia/Jakarta")
# the last working days of a year: a target ahead falls in the next year (which is named) on
# the longest English weekday; one behind is in the year's last weeks
NOW = datetime(2026, 12, 28, 10, 0, tzinfo=WIB)
DUE_AHEAD = datetime(2027, 1, 6, 15, 0, tzinfo=WIB)
DUE_PAST = datetime(2026, 12, 22, 15, 0, tzinfo=WIB)
# an officer's note of the length officers write
NOTES = {
    "id": "Petugas sudah meninjau lokasi; perbaikan dijadwalkan minggu depan setelah material "
    "aspal tiba.",
    "en": "Our crew inspected the site; the repair is planned for next week, once the asphalt "
    "arrives.",
}


# the shipped catalogue's agency with the longest name (in either language)
# of the city's agencies (a referral body gets a message of its own kind)
LONGEST_AGENCY = max(
    (a for a in read_catalogue(default_catalogue_path()).agencies if a.kind == "city"),
    key=lambda a: max(len(a.name), len(a.name_en)),
)
# the referral body whose name and where-to-go make the longest referral message
LONGEST_REFERRAL = max(
    read_catalogue(default_catalogue_path()).referrals,
    key=lambda a: (
        max(len(a.name) + len(a.channel), len(a.name_en) + len(a.channel_en)) + len(a.hotline or "")
    ),
)


@pytest.fixture
def environment(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The test environment with a city's public address in place of the short test one."""
    monkeypatch.setenv("PUBLIC_BASE_URL", CITY_URL)
    get_settings.cache_clear()
    return environment | {"PUBLIC_BASE_URL": CITY_URL}


def _table(measured: dict[str, Segments]) -> str:
    return "\n".join(f"  {name}: {figures}" for name, figures in measured.items())


def assert_within_budget(measured: dict[str, Segments], one_segment: set[str]) -> None:
    """Every text fits two segments; those named in `one_segment` fit one. The failure message
    lists every measured figure."""
    over = [name for name, figures in measured.items() if figures.count > 2]
    grown = [name for name in one_segment if measured[name].count > 1]
    assert not over and not grown, (
        f"over two segments: {over}; no longer one segment: {grown}\n{_table(measured)}"
    )


def test_the_counter_counts_as_a_network_does() -> None:
    """160 GSM-7 characters are one segment, 161 two (153 a part); extension characters
    count two and never straddle parts; one "…" makes all of it UCS-2 (70, then 67 a part)."""
    assert segments("a" * 160) == Segments(GSM7, 160, 1)
    assert segments("a" * 161) == Segments(GSM7, 161, 2)
    assert segments("a" * 306).count == 2 and segments("a" * 307).count == 3
    assert segments("€" * 80) == Segments(GSM7, 160, 1)
    assert segments("a" * 152 + "[" + "a" * 10).count == 2  # "[" opens the second part
    assert segments("a" * 152 + "[" + "a" * 152) == Segments(GSM7, 306, 3)
    assert segments("a" * 69 + "…") == Segments(UCS2, 70, 1)
    assert segments("a" * 70 + "•") == Segments(UCS2, 71, 2)
    assert segments("a" * 69 + "😀") == Segments(UCS2, 71, 2)
    assert segments("a" * 66 + "😀" + "a" * 66).count == 3  # the pair opens the second part


class Scenario(NamedTuple):
    """An outbox message in the state its case is in when it goes out."""

    kind: MessageKind
    status: CaseStatus
    due: datetime
    note: bool = False  # whether an officer's note comes along
    # the agency's code: the one with the longest name, a usual one, or none (triage)
    agency: str | None = LONGEST_AGENCY.code
    # the reporting mode it was filed in: the acknowledgement names it
    mode: ReportingMode = ORDINARY
    # a question's acknowledgement says it went to the agency as a question
    case_kind: CaseKind = CaseKind.complaint


# each outbox message a resident gets, with the longest values it can carry, and the most
# common ones with a usual agency name
OUTBOX = {
    "acknowledgement": Scenario(MessageKind.acknowledgement, CaseStatus.assigned, DUE_AHEAD),
    "acknowledgement, DPU": Scenario(
        MessageKind.acknowledgement, CaseStatus.assigned, DUE_AHEAD, agency="DPU"
    ),
    "acknowledgement, triage": Scenario(
        MessageKind.acknowledgement, CaseStatus.triage, DUE_AHEAD, agency=None
    ),
    "acknowledgement, anonymous and confidential": Scenario(
        MessageKind.acknowledgement,
        CaseStatus.assigned,
        DUE_AHEAD,
        mode=ReportingMode(anonymous=True, confidential=True),
    ),
    "acknowledgement, DPU, anonymous": Scenario(
        MessageKind.acknowledgement,
        CaseStatus.assigned,
        DUE_AHEAD,
        agency="DPU",
        mode=ReportingMode(anonymous=True),
    ),
    "acknowledgement, question": Scenario(
        MessageKind.acknowledgement, CaseStatus.assigned, DUE_AHEAD, case_kind=CaseKind.question
    ),
    "acknowledgement, DPU, question": Scenario(
        MessageKind.acknowledgement,
        CaseStatus.assigned,
        DUE_AHEAD,
        agency="DPU",
        case_kind=CaseKind.question,
    ),
    "status_changed, late": Scenario(MessageKind.status_changed, CaseStatus.in_progress, DUE_PAST),
    "status_changed, late, note": Scenario(
        MessageKind.status_changed, CaseStatus.in_progress, DUE_PAST, note=True
    ),
    "status_changed, waiting": Scenario(MessageKind.status_changed, CaseStatus.waiting, DUE_AHEAD),
    "status_changed, waiting, note": Scenario(
        MessageKind.status_changed, CaseStatus.waiting, DUE_AHEAD, note=True
    ),
    "status_changed, rejected, note": Scenario(
        MessageKind.status_changed, CaseStatus.rejected, DUE_PAST, note=True
    ),
    "forwarded": Scenario(MessageKind.forwarded, CaseStatus.assigned, DUE_AHEAD),
    "forwarded, DPU": Scenario(MessageKind.forwarded, CaseStatus.assigned, DUE_AHEAD, agency="DPU"),
    "public_note": Scenario(MessageKind.public_note, CaseStatus.in_progress, DUE_AHEAD, note=True),
    "rating_request": Scenario(MessageKind.rating_request, CaseStatus.resolved, DUE_PAST),
    "rating_request, note": Scenario(
        MessageKind.rating_request, CaseStatus.resolved, DUE_PAST, note=True
    ),
    "auto_closed": Scenario(MessageKind.auto_closed, CaseStatus.closed, DUE_PAST),
    "reopened": Scenario(MessageKind.reopened, CaseStatus.in_progress, DUE_PAST),
    "reopened, DPU": Scenario(MessageKind.reopened, CaseStatus.in_progress, DUE_PAST, agency="DPU"),
    "referred": Scenario(
        MessageKind.referred, CaseStatus.referred, DUE_PAST, agency=LONGEST_REFERRAL.code
    ),
    "referred, PLN": Scenario(MessageKind.referred, CaseStatus.referred, DUE_PAST, agency="PLN"),
}
# what fits one segment, in both languages
OUTBOX_ONE_SEGMENT = {
    "acknowledgement, DPU",
    "acknowledgement, DPU, question",
    "acknowledgement, triage",
    "status_changed, late",
    "status_changed, waiting",
    "forwarded, DPU",
    "rating_request",
    "auto_closed",
}


def _sms_body(session: Session, settings: Settings, name: str, language: str) -> str:
    """The SMS the case service writes for scenario `name`, read back from the outbox."""
    scenario = OUTBOX[name]
    contact = get_or_create_contact(session, channel=Channel.sms, address="+6281234500001")
    agency = None
    if scenario.agency is not None:
        agency = session.exec(select(Agency).where(Agency.code == scenario.agency)).one()
    case = Case(
        tracking_code=CODE,
        status=scenario.status,
        text="Jalan berlubang besar di depan SD Negeri 2 Jl. Pemuda",
        language=language,
        source_channel=SourceChannel.sms,
        contact_id=contact.id,
        agency_id=agency.id if agency else None,
        due_at=scenario.due,
        anonymous=scenario.mode.anonymous,
        confidential=scenario.mode.confidential,
        case_kind=scenario.case_kind,
    )
    session.add(case)
    session.flush()
    if scenario.kind is MessageKind.acknowledgement or (agency and agency.is_referral):
        acknowledge(session, settings, case, contact, agency)
    else:
        note = NOTES[language] if scenario.note else None
        tell_citizen(session, settings, case, scenario.kind, note=note)
    [row] = session.exec(select(Notification).where(Notification.case_id == case.id)).all()
    return row.body


def test_every_outbox_message_fits_two_segments(settings: Settings) -> None:
    """Acknowledgements, status changes, forwards, notes, rating requests, closures and reopens
    fit two segments in both languages; the shortest fit one."""
    assert {scenario.kind for scenario in OUTBOX.values()} == set(MessageKind) - {
        MessageKind.overdue_digest,
        MessageKind.escalation,
        MessageKind.webhook_paused,
        MessageKind.announcement,  # the officer's words, not about one case: measured below
    }
    engine = get_engine(settings.database_url)
    measured: dict[str, Segments] = {}
    with time_machine.travel(NOW, tick=False):
        for language in LANGUAGES:
            for name in OUTBOX:
                with open_session(engine, dispatcher=None) as session:
                    body = _sms_body(session, settings, name, language)
                    session.rollback()
                assert CITY_URL in body or OUTBOX[name].kind is MessageKind.rating_request
                measured[f"{name} [{language}]"] = segments(body)
    assert_within_budget(
        measured, {f"{name} [{lang}]" for name in OUTBOX_ONE_SEGMENT for lang in LANGUAGES}
    )


def test_an_announcement_of_usual_length_fits_two_segments() -> None:
    """An agency's announcement as officers write one (the issue's example, with a reason)
    fits two segments in both languages from the agency with the longest name; its length is
    the officer's (at most cases.announcements.TEXT_MAX characters), so a longer one is split
    as any long message is."""
    text = "Pemadaman air PDAM di Kel. Pleburan karena perbaikan pipa induk"
    for language in LANGUAGES:
        message = announcement_message(
            language,
            reference="PENGUMUMAN-1",
            agency=LONGEST_AGENCY.name_en if language == "en" else LONGEST_AGENCY.name,
            text=text,
            until="sampai 18:00" if language == "id" else "until 18:00",
            map_url=f"{CITY_URL}/laporan",
        )
        assert segments(message.body).count <= 2, message.body


# chat texts that never reach an SMS: Telegram's own, a button's label, and a fragment of
# another message (the agency of a case nobody has placed yet)
NOT_ON_SMS = {
    "HELP_TELEGRAM",
    "LIMITED_TELEGRAM",
    "SHARE_LOCATION",
    "REVIEW_DESK",
    "DATA_ERASE_TELEGRAM",
    "ASK_MODE",
    # the rating request's button (Telegram, WhatsApp)
    "RATING_NOT_FIXED",
    # answers to a web form's Telegram link (/start TOKEN)
    "LINK_BOUND",
    "LINK_ALREADY",
    "LINK_USED",
    "LINK_EXPIRED",
    "LINK_UNKNOWN",
}


def _blanks(language: str) -> dict[str, str]:
    """The blanks of the chat texts in `language`, filled as long as they get."""
    return {
        "code": CODE,
        "limit": str(Settings.model_fields["intake_limit_per_hour"].default),
        "minutes": "59",
        "limit_mb": "10",
        "rating": "5",
        "count": "12",
        "status": max((status_label(language, s) for s in CaseStatus), key=len),
        "agency": LONGEST_AGENCY.name_en if language == "en" else LONGEST_AGENCY.name,
        "note": NOTES[language],
        # a case told apart by its first words, as the chat's questions show it
        "summary": "Penerangan jalan...",
        # a case already reported, offered to follow: its first words and status
        "about": "Penerangan jalan..., "
        + max((status_label(language, s) for s in CaseStatus), key=len),
        "own": CODE,
        "kind": max((say(language, kind) for kind in chat_text.MEDIA_KINDS.values()), key=len),
        "number": "4",
        # the city's hotline (CITY_HOTLINE, at most 40 characters)
        "hotline": "(024) 3547391 atau WhatsApp 0811-2709-11",
        # two problems, each quoted in at most 30 characters (intake/questions.py)
        "problems": "air PDAM di Perumahan Graha..., jalan di depan SD Negeri 2...",
        # DATA SAYA: a number's two contacts, one named, and twelve complaints' codes
        "contacts": "SMS +6281390001234, bahasa Indonesia; WhatsApp +6281390001234, "
        "nama Budi Santoso, bahasa Indonesia",
        "codes": ", ".join([CODE] * 12),
        "channel": "WhatsApp",
        "address": "+6281390001234",
        "name": "Budi Santoso",
        "language": "Indonesia" if language == "id" else "Indonesian",
        "day": "30 September 2026",
        "cases": "12",
        "cancelled": "3",
        # how to reach a referral body (routing's catalogue), its longest
        "where": where_to_go(
            language,
            LONGEST_REFERRAL.channel_en if language == "en" else LONGEST_REFERRAL.channel,
            LONGEST_REFERRAL.hotline,
        ),
    }


# blanks that mean something else in one message
BLANKS_OF = {
    "TOO_LONG": {"limit": str(MAX_TEXT_CHARS)},
    "ASK_SPLIT": {"count": "2"},
    # the erased contacts, each number once after its channels
    "ERASED": {"contacts": "SMS/WhatsApp +6281390001234"},
}
# chat texts that may take two segments; every other one fits one
CHAT_TWO_SEGMENTS = {"HELP_SMS_FULL"}


def _chat_texts() -> Iterator[tuple[str, str]]:
    """Every text intake/chat_text.py marks for the catalogue (`NAME = N_(...)`) that an SMS
    can carry, by name."""
    tree = ast.parse(Path(chat_text.__file__).read_text())
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) == "N_"
        ):
            [target] = node.targets
            if target.id not in NOT_ON_SMS:
                yield target.id, getattr(chat_text, target.id)
    # the answers of the FAQ, one text per question asked
    for topic, answer in chat_text.FAQ.items():
        yield f"FAQ.{topic}", answer
    # the answer to ANONIM, RAHASIA or both
    for mode, answer in chat_text.MODE_NEXT.items():
        yield f"MODE_NEXT.{_mode_name(mode)}", answer


def _mode_name(mode: ReportingMode) -> str:
    return "+".join(name for name, on in vars(mode).items() if on)


def test_every_chat_reply_fits_its_budget() -> None:
    """Each chat reply an SMS can carry fits one segment in both languages, the longer help
    (BANTUAN) two; the short help points to BANTUAN."""
    measured: dict[str, Segments] = {}
    for name, message in _chat_texts():
        blanks = set(re.findall(r"%\((\w+)\)s", message))
        for language in LANGUAGES:
            values = _blanks(language) | BLANKS_OF.get(name, {})
            missing = blanks - set(values)
            assert not missing, f"{name}: give the test a realistic value for {missing}"
            measured[f"{name} [{language}]"] = segments(say(language, message, **values))
    one = {name for name in measured if name.split(" [")[0] not in CHAT_TWO_SEGMENTS}
    assert_within_budget(measured, one)
    assert say("id", chat_text.HELP_SMS).endswith("BANTUAN: info lengkap")
    assert say("en", chat_text.HELP_SMS).endswith("HELP: full guide")


# complaints as residents text them: several, so CEK lists three and counts the rest
COMPLAINTS = [
    "Penerangan jalan umum mati total sepanjang Jl. Setiabudi sejak tiga malam yang lalu",
    "Saluran drainase tersumbat sampah di Jl. Kaligawe, air meluap ke rumah warga tiap hujan",
    "Jalan berlubang besar di depan SD Negeri 2 Jl. Pemuda, sudah dua minggu belum diperbaiki",
    "Sampah menumpuk di pinggir jalan dekat pasar Johar, bau sekali dan tidak diangkut",
    "Pohon tumbang menutup separuh jalan di Jl. Sriwijaya dekat taman, membahayakan pengendara",
]


def _sms(client: TestClient, settings: Settings, text: str) -> list[str]:
    """The immediate answers to an SMS `text` from the resident."""
    response = signed_post(client, settings, inbound(text))
    assert response.status_code == 200
    return twiml_texts(response)


def test_status_replies_fit_two_segments(client: TestClient, settings: Settings) -> None:
    """CEK lists three open cases, each with its first words, status and target, and counts
    the rest; CEK KODE gives a late case's agency, target and latest note: both fit two
    segments in both languages, with plain "..." (no "…", which would make them UCS-2)."""
    create_staff(settings, "kepala", "supervisor")
    # filed in September, asked about in the next January: the longest month, and the year
    with time_machine.travel(datetime(2026, 9, 21, 9, 0, tzinfo=WIB), tick=False):
        supervisor = login(client, "kepala")
        for text in COMPLAINTS:
            _sms(client, settings, text)
        with get_engine(settings.database_url).connect() as connection:
            newest = connection.execute(
                sa.select(Case.tracking_code).order_by(col(Case.id).desc()).limit(1)
            ).scalar_one()
        forward = client.post(
            f"/api/v1/cases/{newest}/forward",
            json={"agency": LONGEST_AGENCY.code, "note": "Bukan urusan DPU"},
            headers=supervisor,
        )
        assert forward.status_code == 200, forward.text
        note = client.post(
            f"/api/v1/cases/{newest}/notes",
            json={"text": NOTES["id"], "public": True},
            headers=supervisor,
        )
        assert note.status_code == 201
    measured: dict[str, Segments] = {}
    with time_machine.travel(datetime(2027, 1, 4, 10, 0, tzinfo=WIB), tick=False):
        for language, switch in (("id", "ID"), ("en", "EN")):
            _sms(client, settings, switch)
            [listing] = _sms(client, settings, "CEK")
            # three cases, each late since last year, and how many more there are
            assert len(listing.splitlines()) == 5 and listing.count("2026") == 3
            [one] = _sms(client, settings, f"CEK {newest}")
            assert NOTES["id"] in one
            measured[f"CEK, 5 open [{language}]"] = segments(listing)
            measured[f"CEK KODE, late, with note [{language}]"] = segments(one)
    assert_within_budget(measured, set())
    assert all(figures.encoding == GSM7 for figures in measured.values()), _table(measured)
