"""The console's words for codes: one for every value a page can show, in each language."""

from __future__ import annotations

import pytest

from cases.enums import CaseStatus, EventKind, SourceChannel
from cases.transitions import MoveName
from console.words import words_for
from core.i18n import LANGUAGES
from notifications.enums import Channel, MessageKind, NotificationStatus
from notifications.templates import status_label
from staff.enums import Role


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_code_has_its_words(language: str) -> None:
    """A status, move, role, event, message kind, delivery state or channel added to its enum
    without words in the console fails here, not as a broken page."""
    t = words_for(language)
    shown = [
        *(t.status(s) for s in CaseStatus),
        *(t.move(m) for m in MoveName),
        *(t.role(r) for r in Role),
        *(t.event(e) for e in EventKind),
        *(t.kind(k) for k in MessageKind),
        *(t.delivery(d) for d in NotificationStatus),
        *(t.channel(c) for c in [*SourceChannel, *Channel]),
        *(t.language_name(code) for code in LANGUAGES),
        t.escalation(1),
        t.escalation(2),
    ]
    assert all(shown)
    # English words may equal their codes ("resolved"); codes that are not words may not show
    codes = {c for c in [*CaseStatus, *MoveName, *EventKind, *MessageKind] if "_" in c}
    assert not {*codes, "acknowledgement", "web", "email", "id", "en"} & set(shown)


def test_staff_read_statuses_in_their_own_words() -> None:
    """The console does not tell an officer that a case waits for information "from you"."""
    assert words_for("id").status(CaseStatus.waiting) == "menunggu keterangan warga"
    assert words_for("en").status(CaseStatus.waiting) == "waiting for the resident"
    assert status_label("id", CaseStatus.waiting) == "menunggu keterangan dari Anda"


def test_authors_and_paths_read_as_words() -> None:
    """The history's author is a username, the resident or the system; a delivery path it does
    not know yet shows as it is."""
    t = words_for("id")
    assert (t.actor("citizen"), t.actor("system"), t.actor("sari")) == ("warga", "sistem", "sari")
    assert t.path("sms_fallback") == "SMS pengganti WhatsApp"
    assert t.path("carrier_pigeon") == "carrier_pigeon"
