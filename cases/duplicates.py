"""Spotting a complaint someone already made nearby, and folding it into the first one.

A flooded underpass gets reported by twenty residents. Each report is kept (each resident hears
back), but officers should work one case: a new complaint close in place and text to an open case
of the same agency is marked as its likely duplicate, and an officer merges it with one action.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cases.enums import CaseStatus, EventKind
from cases.errors import CaseError, NotMergeable, Refusal
from cases.lifecycle import check_move, record_event, transition
from cases.models import OPEN_CASES_SQL, Case, CaseSubscriber
from cases.notes import NoteCode, note
from cases.transitions import MOVES, MoveName
from core.db import UTCDateTime, utcnow
from core.i18n import N_, translator
from core.settings import Settings
from notifications.templates import language_of
from staff.models import User

EARTH_RADIUS_M = 6_371_000.0
METRES_PER_DEGREE = 111_320.0
_NOT_WORD = re.compile(r"[^0-9a-z]+")

# told to the duplicate's reporter, in their language
MERGED_NOTE = N_(
    "Digabung dengan aduan %(code)s yang melaporkan masalah yang sama. "
    "Kabar selanjutnya kami kirim untuk aduan %(code)s."
)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); plenty accurate at city scale."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _trigrams(text: str) -> Counter[str]:
    words = " ".join(_NOT_WORD.sub(" ", text.lower()).split())
    padded = f" {words} "
    return Counter(padded[i : i + 3] for i in range(len(padded) - 2))


def text_similarity(a: str, b: str) -> float:
    """Cosine similarity of character trigrams: robust to the typos and spelling variants of
    two residents describing the same thing ("jln berlobang" / "jalan berlubang")."""
    ta, tb = _trigrams(a), _trigrams(b)
    dot = sum(count * tb[gram] for gram, count in ta.items())
    norm = math.sqrt(sum(c * c for c in ta.values())) * math.sqrt(sum(c * c for c in tb.values()))
    return dot / norm if norm else 0.0


@dataclass(frozen=True)
class Resemblance:
    case_id: int
    tracking_code: str
    score: float


# the columns compared, not whole cases (a busy place can have hundreds of open reports); built
# once, as every complaint with a location runs it
_NEARBY = select(Case.id, Case.tracking_code, Case.latitude, Case.longitude, Case.text).where(
    Case.agency_id == sa.bindparam("agency_id"),
    Case.id != sa.bindparam("case_id"),
    # constants, not an expanding IN: that one was rendered again at every execution
    sa.text(OPEN_CASES_SQL),
    col(Case.duplicate_of_id).is_(None),
    col(Case.merged_into_id).is_(None),
    Case.created_at >= sa.bindparam("since", type_=UTCDateTime),
    col(Case.latitude).between(sa.bindparam("south"), sa.bindparam("north")),
    col(Case.longitude).between(sa.bindparam("west"), sa.bindparam("east")),
)


class Placed(Protocol):
    """What the search reads of a case: a stored one, or the columns of one about to be."""

    id: int | None
    agency_id: int | None
    latitude: float | None
    longitude: float | None
    text: str


def find_duplicate(session: Session, settings: Settings, case: Placed) -> Resemblance | None:
    """The open case of the same agency this one most resembles, within the configured distance,
    time window and text similarity; None when there is none or the case has no location.

    `case` need not be stored yet: intake looks before it inserts, so the mark goes into the
    INSERT instead of an UPDATE right after it.
    """
    if case.agency_id is None or case.latitude is None or case.longitude is None:
        return None
    radius = settings.duplicate_max_distance_m
    dlat = radius / METRES_PER_DEGREE
    dlon = radius / (METRES_PER_DEGREE * max(math.cos(math.radians(case.latitude)), 0.01))
    nearby = session.connection().execute(
        _NEARBY,
        {
            "agency_id": case.agency_id,
            "case_id": case.id or 0,  # ids start at 1: a case not stored yet excludes none
            "since": utcnow() - timedelta(days=settings.duplicate_window_days),
            "south": case.latitude - dlat,
            "north": case.latitude + dlat,
            "west": case.longitude - dlon,
            "east": case.longitude + dlon,
        },
    )
    best: Resemblance | None = None
    for other_id, code, latitude, longitude, text in nearby:
        if distance_m(case.latitude, case.longitude, latitude, longitude) > radius:
            continue
        score = text_similarity(case.text, text)
        if score >= settings.duplicate_min_similarity and (best is None or score > best.score):
            best = Resemblance(other_id, code, score)
    return best


def link_possible_duplicate(session: Session, settings: Settings, case: Case) -> None:
    """Mark stored `case` as a likely duplicate for officers to confirm; nothing is merged yet."""
    found = find_duplicate(session, settings, case)
    if found is None:
        return
    for column, value in duplicate_marks(found).items():
        setattr(case, column, value)
    session.add(case)
    note_duplicate(session, case, found)


def duplicate_marks(found: Resemblance) -> dict[str, int | float]:
    """The columns that mark a case as the likely duplicate of `found`."""
    return {"duplicate_of_id": found.case_id, "duplicate_score": round(found.score, 3)}


def note_duplicate(session: Session, case: Case, found: Resemblance) -> None:
    """The history entry that tells officers why the case is marked."""
    record_event(
        session,
        case,
        EventKind.note,
        actor=None,
        internal_note=note(
            NoteCode.possible_duplicate, code=found.tracking_code, score=f"{found.score:.2f}"
        ),
    )


def merge(
    session: Session, settings: Settings, duplicate: Case, original: Case, *, actor: User | None
) -> Case:
    """Close `duplicate` into `original`; its reporter hears every later update of `original`,
    and its reports count among `original`'s. `actor` None: the reporter chose it themselves
    ("the same problem", cases/following.py)."""
    if duplicate.id == original.id:
        raise CaseError("a case cannot be merged into itself", Refusal.merge_into_itself)
    move = MoveName.merge if actor is not None else MoveName.join
    check_move(duplicate, MOVES[move])
    if original.merged_into_id is not None or original.status in (
        CaseStatus.closed,
        CaseStatus.rejected,
        CaseStatus.referred,
    ):
        raise NotMergeable(
            f"{original.tracking_code} is {original.status}; merge into an open case",
            Refusal.original_not_open,
            code=original.tracking_code,
            status=CaseStatus(original.status),
        )
    told = translator(language_of(duplicate.language)).gettext(
        MERGED_NOTE, code=original.tracking_code
    )
    transition(
        session,
        settings,
        duplicate,
        move,
        actor=actor,
        public_note=told,
        internal_note=note(NoteCode.merged_into, code=original.tracking_code),
        changes={"merged_into_id": original.id},
    )
    record_event(
        session,
        original,
        EventKind.note,
        actor=actor,
        internal_note=note(NoteCode.merged_here, code=duplicate.tracking_code),
    )
    _subscribe_reporters(session, duplicate, original)
    original.report_count += duplicate.report_count
    session.add(original)
    return original


def _subscribe_reporters(session: Session, duplicate: Case, original: Case) -> None:
    """Everyone who hears about the duplicate now hears about the original too."""
    listeners = {
        s.contact_id: s.language
        for s in session.exec(select(CaseSubscriber).where(CaseSubscriber.case_id == duplicate.id))
    }
    if duplicate.notify and duplicate.contact_id is not None:
        listeners[duplicate.contact_id] = duplicate.language
    already = {
        s.contact_id
        for s in session.exec(select(CaseSubscriber).where(CaseSubscriber.case_id == original.id))
    }
    if original.notify and original.contact_id is not None:
        already.add(original.contact_id)
    for contact_id, language in listeners.items():
        if contact_id not in already:
            session.add(
                CaseSubscriber(case_id=original.id, contact_id=contact_id, language=language)
            )
