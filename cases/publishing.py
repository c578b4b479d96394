"""What of a case may be published: the one rule every public page, feed, map and open-data
export asks, so that none of them decides it on its own.

- A Rahasia (`confidential`) case publishes none of its words, photos or place: no text, no
  address, no coordinates, no service area (it names the place), no photos. It still counts in
  a statistic of its agency as a whole, never in one finer than that (per area, per street).
- Any other case publishes its words with the personal data in them hidden (cases/redaction.py):
  phone numbers, e-mail addresses, NIK/KK numbers and number plates. The words are kept as
  written for the staff.
- What an officer writes to the resident (a public note) is shown with the same data hidden,
  whatever the mode: anyone holding the tracking code reads it.

Nothing here ever names the reporter: no public view carries a contact (cases/reporter.py is
where staff views decide that).
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import Case
from cases.redaction import redact


@dataclass(frozen=True)
class Publication:
    """The parts of one case a public view may show; None (or False) where it may not."""

    text: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    service_area_id: int | None
    photos: bool


def publication(case: Case, language: str) -> Publication:
    """What of `case` may be published, its words worded for readers of `language` (the
    bracketed words that stand in for hidden data)."""
    if case.confidential:
        return Publication(None, None, None, None, None, photos=False)
    return Publication(
        text=redact(case.text, language),
        address=redact(case.address, language) if case.address else None,
        latitude=case.latitude,
        longitude=case.longitude,
        service_area_id=case.service_area_id,
        photos=True,
    )


def published_note(note: str | None, language: str) -> str | None:
    """An officer's note to the resident as a public view shows it."""
    return redact(note, language) if note else note
