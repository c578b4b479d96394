"""Demo cases for a local try-out (`aduan demo cases`): a few hundred complaints over the past
100 days, filed and worked through the real service functions at the moments they happen.

Each complaint is filed by `intake.service.receive` (so routing, the SLA due time, duplicates
and the history are the real ones) and then moved by `cases.lifecycle` as officers and residents
would: started, forwarded when routing put it with the wrong agency, waiting on the resident,
resolved (some after their due time), rated, reopened, rejected, closed. The clock is moved to
each step's moment (time-machine), so every timestamp and history entry agrees with the others
and the dashboard and statistics have something true to show. The complaints' words are the
labelled examples routing is trained on; none has a contact, so nothing is ever sent.

Only ever into an empty database: the command refuses to add to existing cases.
"""

from __future__ import annotations

import logging
import math
import random
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import time_machine
from sqlmodel import Session, select

from cases.enums import CaseStatus, SourceChannel
from cases.feedback import rate, reopen
from cases.lifecycle import forward, move_to, refer, transition
from cases.models import Case
from cases.modes import ReportingMode
from cases.proof import proof_required, store_upload
from cases.transitions import MoveName
from core.db import utcnow
from core.settings import Settings
from intake.messages import InboundMessage, Location
from intake.service import receive
from routing.models import Agency, Category
from routing.stored_catalogue import catalogue_is_empty
from routing.training import default_examples_path, read_examples
from staff.demo import create_demo_users
from staff.enums import Role
from staff.models import User

CASES = 320
DAYS = 100
SEED = 2026  # the same demo every time
# a box around the centre of Semarang, where the shipped service areas lie
CITY_BOX = ((-7.05, -6.95), (110.36, 110.46))
CHANNELS = (
    (SourceChannel.web, 4),
    (SourceChannel.whatsapp, 3),
    (SourceChannel.telegram, 2),
    (SourceChannel.sms, 1),
)
# words that name no agency: routing leaves them to the triage desk
VAGUE = (
    ("Tolong dibantu pak, masalah di RT 03 RW 05 sudah seminggu belum ada tindakan", "id"),
    ("Mohon ditindaklanjuti keluhan warga di dekat balai kelurahan, sudah lama sekali", "id"),
    ("Min ini gimana ya kok nggak ada kejelasan sama sekali, sudah lapor berkali-kali", "id"),
    ("Please look into the problem near the market, it has been going on for weeks", "en"),
)
SHARE_VAGUE = 0.05
NOTES = {
    "id": {
        "start": "Petugas kami sudah menjadwalkan pengecekan ke lokasi.",
        "wait": "Mohon kirimkan alamat lengkap atau patokan terdekat.",
        "resolve": "Sudah kami tangani di lokasi. Terima kasih atas laporannya.",
        "reject": "Laporan ini di luar kewenangan pemerintah kota.",
        "unclear": "Mohon maaf, laporan ini belum jelas masalah dan lokasinya.",
    },
    "en": {
        "start": "Our officers have scheduled a visit to the location.",
        "wait": "Please send the full address or a landmark nearby.",
        "resolve": "Handled on site. Thank you for reporting.",
        "reject": "This report is outside the city government's remit.",
        "unclear": "Sorry, this report does not say what the problem is or where.",
    },
}


class DemoRefused(RuntimeError):
    """Demo cases are not added: the database already has cases, or no catalogue."""


@dataclass(frozen=True)
class DemoReport:
    cases: int
    by_status: dict[str, int]


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    """The clock stands at `moment` for everything inside."""
    with time_machine.travel(moment, tick=False):
        yield


@contextmanager
def _quiet(logger: logging.Logger) -> Iterator[None]:
    """Only warnings and errors of `logger` inside."""
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def plain_png(width: int, height: int, colour: tuple[int, int, int] = (96, 128, 104)) -> bytes:
    """A complete PNG image of one colour: the demo's stand-in for an officer's photo of the fix."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = (b"\x00" + bytes(colour) * width) * height  # each row: filter byte, RGB pixels
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _daytime(rng: random.Random, day: datetime, zone: ZoneInfo) -> datetime:
    """A moment between 06:00 and 22:00 city time on the city day of `day`."""
    local = day.astimezone(zone).date()
    minutes = rng.randint(6 * 60, 22 * 60 - 1)
    return datetime.combine(local, time(minutes // 60, minutes % 60), zone)


def _complaints(rng: random.Random, agencies: set[str], count: int) -> list[dict[str, str]]:
    """`count` complaints: labelled ones of the catalogue's agencies, drawn with repeats if
    needed, and a few that name no agency (no label)."""
    rows = [row for row in read_examples(default_examples_path()) if row.get("agency") in agencies]
    vague = [{"text": text, "agency": "", "language": language} for text, language in VAGUE]
    return [rng.choice(vague if rng.random() < SHARE_VAGUE else rows) for _ in range(count)]


class _Seeder:
    def __init__(self, session: Session, settings: Settings, rng: random.Random) -> None:
        self.session, self.settings, self.rng = session, settings, rng
        self.now = utcnow()
        self.zone = ZoneInfo(settings.city_timezone)
        users = list(session.exec(select(User).where(User.active)))
        self.supervisor = next(u for u in users if u.role == Role.supervisor)
        self.officers = {u.agency_id: u for u in users if u.role == Role.officer}
        self.agencies = {a.code: a for a in session.exec(select(Agency).where(Agency.active))}
        self.sla_hours = dict(session.exec(select(Category.id, Category.sla_hours)).all())

    def _step(self, after: datetime, hours: float) -> datetime | None:
        """A moment `hours` (give or take) after `after`; None when it has not come yet."""
        moment = after + timedelta(hours=hours * self.rng.uniform(0.6, 1.4))
        return moment if moment < self.now else None

    def _officer(self, case: Case) -> User:
        return self.officers.get(case.agency_id, self.supervisor)

    def _move(self, case: Case, moment: datetime, status: CaseStatus, note: str | None) -> None:
        # a category that is resolved only with an after-photo gets a plain demo picture
        photo = (
            store_upload(self.settings, BytesIO(plain_png(320, 240)), "image/png", "sesudah.png")
            if status is CaseStatus.resolved and proof_required(self.session, case)
            else None
        )
        with _at(moment):
            move_to(
                self.session,
                self.settings,
                case,
                status,
                actor=self._officer(case) if case.agency_id else self.supervisor,
                public_note=NOTES[case.language][note] if note else None,
                photo=photo,
            )
            self.session.commit()

    def moment_of_filing(self) -> datetime:
        """A daytime moment of the past DAYS days."""
        filed = _daytime(self.rng, self.now - timedelta(days=self.rng.uniform(0, DAYS)), self.zone)
        if filed >= self.now:
            filed = self.now - timedelta(minutes=self.rng.randint(5, 120))
        return filed

    def file(self, row: dict[str, str], filed: datetime) -> None:
        rng = self.rng
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        located = rng.random() < 0.6
        (south, north), (west, east) = CITY_BOX
        message = InboundMessage(
            channel=channel,
            text=row["text"],
            notify=False,
            language=row.get("language") or "id",
            location=Location(rng.uniform(south, north), rng.uniform(west, east))
            if located
            else None,
            received_at=filed,
            mode=ReportingMode(anonymous=rng.random() < 0.08, confidential=rng.random() < 0.05),
        )
        with _at(filed):
            case = receive(self.session, self.settings, message).case
        self.work(case, filed, self.agencies.get(row["agency"]))

    def work(self, case: Case, moment: datetime, right: Agency | None) -> None:
        """Move the case on as its agency would, up to now."""
        rng = self.rng
        if right is None:  # no agency in its words: in triage, or rejected as unclear
            if rng.random() < 0.5 and (moment := self._step(moment, 10)) is not None:
                self._move(case, moment, CaseStatus.rejected, "unclear")
            return
        if case.status == CaseStatus.referred:  # told where to go at filing: not the city's work
            return
        if case.agency_id != right.id:
            # routing guessed wrong (or left it to triage): the case goes where it belongs
            if (moment := self._step(moment, 3)) is None:
                return
            if right.is_referral:  # a body outside the city: referred, and that is all
                with _at(moment):
                    refer(
                        self.session,
                        self.settings,
                        case,
                        agency_code=right.code,
                        note="Bukan kewenangan pemkot",
                        actor=self._officer(case) if case.agency_id else self.supervisor,
                    )
                    self.session.commit()
                return
            with _at(moment):
                forward(
                    self.session,
                    self.settings,
                    case,
                    agency_code=right.code,
                    note="Bukan kewenangan kami" if case.agency_id else "Dari triase",
                    actor=self._officer(case) if case.agency_id else self.supervisor,
                )
                self.session.commit()
        if rng.random() < 0.06:  # nobody has looked at it yet
            return
        if rng.random() < 0.04:
            if (moment := self._step(moment, 20)) is not None:
                self._move(case, moment, CaseStatus.rejected, "reject")
            return
        if (moment := self._step(moment, rng.choice((2, 6, 20, 30)))) is None:
            return
        self._move(case, moment, CaseStatus.in_progress, "start")
        if rng.random() < 0.12:
            if (moment := self._step(moment, 12)) is None:
                return
            self._move(case, moment, CaseStatus.waiting, "wait")
            if (moment := self._step(moment, rng.choice((10, 30, 200)))) is None:
                return
            self._move(case, moment, CaseStatus.in_progress, None)
        # most within their SLA (working hours, so more in calendar time), a long tail late; a
        # few never finished
        sla_hours = self.sla_hours.get(case.category_id, self.settings.triage_sla_hours)
        spent = sla_hours * rng.lognormvariate(math.log(0.6), 0.8)
        if rng.random() < 0.08 or (moment := self._step(moment, spent)) is None:
            return
        self._move(case, moment, CaseStatus.resolved, "resolve")
        if rng.random() < 0.06 and (back := self._step(moment, 30)) is not None:
            with _at(back):
                reopen(self.session, self.settings, case)
                self.session.commit()
            if (moment := self._step(back, 48)) is None:
                return
            self._move(case, moment, CaseStatus.resolved, "resolve")
        if rng.random() < 0.55 and (rated := self._step(moment, 8)) is not None:
            late = case.due_at is not None and case.resolved_at > case.due_at
            with _at(rated):
                rate(
                    self.session,
                    self.settings,
                    case,
                    rng.choice((1, 2, 3, 3, 4) if late else (3, 4, 4, 5, 5)),
                )
                self.session.commit()
        if (closed := self._step(moment, 24 * self.settings.auto_close_days)) is not None:
            # the follow-up pass's move, as it makes it (cases.followups.auto_close)
            with _at(closed):
                transition(self.session, self.settings, case, MoveName.auto_close)
                self.session.commit()


def seed_demo_cases(session: Session, settings: Settings, count: int = CASES) -> DemoReport:
    """File and work `count` demo complaints over the past DAYS days; DemoRefused when the
    database already has a case. Creates the demo accounts that do not exist yet."""
    existing = session.exec(select(sa.func.count()).select_from(Case)).one()
    if existing:
        raise DemoRefused(
            f"the database already has {existing} cases, and demo cases only go into one with none"
        )
    if catalogue_is_empty(session):
        raise DemoRefused("the database has no catalogue yet (`aduan db upgrade` loads it)")
    create_demo_users(session)
    session.commit()
    rng = random.Random(SEED)
    seeder = _Seeder(session, settings, rng)
    rows = _complaints(rng, set(seeder.agencies), count)
    # oldest first, as they would have come in: duplicates point back, never forward
    with _quiet(logging.getLogger("intake.service")):  # a line per complaint is for real ones
        for filed, row in zip(sorted(seeder.moment_of_filing() for _ in rows), rows, strict=True):
            seeder.file(row, filed)
    counts = session.exec(select(Case.status, sa.func.count()).group_by(Case.status)).all()
    return DemoReport(cases=len(rows), by_status=dict(counts))
