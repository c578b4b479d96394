"""The numbered question the bot last asked a resident, kept in the database until answered.

A resident answers by typing the number (SMS) or pressing its button (Telegram, WhatsApp), which
arrives as the same number. Anything else they write means they moved on: the question is
dropped and the message read as usual.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from core.media import StoredMedia
from intake.messages import Location
from intake.models import PendingChoice, remembered
from notifications.models import Contact

CHOICE_TTL = timedelta(days=1)
_NUMBER = re.compile(r"^\s*(?:no\.?\s*|nomor\s*|pilih\s*|number\s*)?([1-9])\s*[.)!]?\s*$", re.I)
# a yes-or-no question (its first option yes, its second no) takes these words as 1 and 2
YES_WORDS = {"ya", "iya", "y", "yes"}
NO_WORDS = {"tidak", "tdk", "gak", "nggak", "jangan", "batal", "no", "n", "cancel"}


@dataclass(frozen=True)
class Option:
    """What one number does: `file` a new complaint, `add` to case `case_id`, `split` off
    the held words as complaints of their own (in the mode of case `case_id`), `keep` things
    as they are, ask for the reporting `mode` its `text` names (intake/modes.py), `erase` the
    resident's data or `keep_data`; for a case already reported (`found_id`,
    intake/already_reported.py), `follow` it instead of filing, `file_anew` all the same,
    `join` case `case_id` into it or `keep_own` case `case_id` as it is."""

    do: str
    case_id: int | None = None
    text: str | None = None
    found_id: int | None = None


@dataclass(frozen=True)
class Held:
    """What the answer acts on: the words, the files already stored, a location."""

    purpose: str  # talk, follow_up, attachment, split, mode, erase, already
    text: str | None = None
    media: tuple[StoredMedia, ...] = ()
    location: Location | None = None


def ask(
    session: Session, contact: Contact, options: list[Option], held: Held, at: datetime
) -> None:
    """Remember the question just asked, replacing one asked before."""
    pending = session.get(PendingChoice, contact.id) or PendingChoice(contact_id=contact.id)
    pending.options = [asdict(option) for option in options]
    pending.payload = {
        "purpose": held.purpose,
        "text": held.text,
        "media": [asdict(item) for item in held.media],
        "location": asdict(held.location) if held.location else None,
    }
    pending.asked_at = at
    session.add(pending)


def number(text: str) -> int | None:
    """1-9 from "1", "no 2", "2." and the like; None for anything else."""
    match = _NUMBER.match(text)
    return int(match.group(1)) if match else None


def yes_no(text: str) -> int | None:
    """1 for a yes ("ya", "yes"), 2 for a no ("tidak", "batal"), else None."""
    word = text.strip().strip(".!").lower()
    return 1 if word in YES_WORDS else 2 if word in NO_WORDS else None


@dataclass(frozen=True)
class Answer:
    option: Option
    held: Held


def pending(session: Session, contact: Contact, now: datetime) -> PendingChoice | None:
    """The question still open for `contact`; an expired one is dropped."""
    return remembered(session, PendingChoice, contact, now, CHOICE_TTL)


def take(session: Session, row: PendingChoice, choice: int | None) -> Answer | None:
    """The option numbered `choice`; the question is answered (or dropped) either way."""
    session.delete(row)
    if choice is None or not 1 <= choice <= len(row.options):
        return None
    payload: dict[str, Any] = row.payload
    location = payload.get("location")
    held = Held(
        purpose=payload["purpose"],
        text=payload.get("text"),
        media=tuple(StoredMedia(**item) for item in payload.get("media") or ()),
        location=Location(**location) if location else None,
    )
    return Answer(Option(**row.options[choice - 1]), held)
