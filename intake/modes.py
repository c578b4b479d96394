"""How a chat resident asks for Anonim or Rahasia (cases/modes.py), the same on every channel.

- A message starting with the word (`#anonim jalan rusak ...`, `ANONIM: ...`, `Rahasia - ...`,
  `/rahasia ...`, either or both, any case) asks for it; the word is not part of the complaint.
- The word alone (`/anonim`, `RAHASIA`, or the welcome's button) asks for it for the next
  complaint the resident files.

Either way the mode is kept for the contact (`PendingMode`) until a complaint is filed in it
(intake/filing.py, where every chat complaint is filed), for at most MODE_TTL. Asking again
adds to what is kept: /anonim then /rahasia files the next complaint in both modes.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import Session

from cases.modes import ORDINARY, ReportingMode
from intake.models import PendingMode, remembered
from notifications.models import Contact

MODE_TTL = timedelta(days=1)

_NAMES = r"(?:anonim|anonymous|rahasia|confidential)"
# a word as a hashtag, a plain word, or a Telegram command (which may name the bot)
_WORD = rf"(?:/{_NAMES}(?:@\w+)?|#?{_NAMES})"
# one or more mode words at the start, joined by spaces, punctuation or "dan"/"and", ending at
# a word's end ("rahasiakan", "anonim@example.com" hold none), with the punctuation after them
_PREFIX = re.compile(
    rf"^\s*({_WORD}(?:(?:[\s:,;+&/-]|\b(?:dan|and)\b)+{_WORD})*)(?![\w@]|\.\w)[\s:.,;!–—-]*",
    re.IGNORECASE,
)
_ANONYMOUS = re.compile(r"anonim|anonymous", re.IGNORECASE)
_CONFIDENTIAL = re.compile(r"rahasia|confidential", re.IGNORECASE)


def split_mode(text: str) -> tuple[ReportingMode, str]:
    """The mode `text` starts by asking for, and the rest of it; ORDINARY and `text` unchanged
    when it asks for none."""
    match = _PREFIX.match(text)
    if match is None:
        return ORDINARY, text
    words = match.group(1)
    mode = ReportingMode(bool(_ANONYMOUS.search(words)), bool(_CONFIDENTIAL.search(words)))
    return mode, text[match.end() :].strip()


def keep_mode(
    session: Session, contact: Contact, mode: ReportingMode, at: datetime
) -> ReportingMode:
    """Keep `mode` for the contact's next complaint, on top of one still kept; returns what
    that complaint will be filed in."""
    row = remembered(session, PendingMode, contact, at, MODE_TTL) or PendingMode(
        contact_id=contact.id, asked_at=at
    )
    combined = ReportingMode(row.anonymous, row.confidential) | mode
    row.anonymous, row.confidential, row.asked_at = combined.anonymous, combined.confidential, at
    session.add(row)
    return combined


def kept_mode(session: Session, contact: Contact, now: datetime) -> ReportingMode:
    """The mode kept for the contact's next complaint; ORDINARY for none."""
    row = remembered(session, PendingMode, contact, now, MODE_TTL)
    return ORDINARY if row is None else ReportingMode(row.anonymous, row.confidential)


def used_mode(session: Session, contact: Contact) -> None:
    """A complaint was filed in the mode kept: it is not kept for another."""
    row = session.get(PendingMode, contact.id)
    if row is not None:
        session.delete(row)
