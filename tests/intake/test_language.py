"""The language a resident writes in, and the one the chat answers them in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cases.models import Case
from core.db import get_engine, session_scope
from core.settings import Settings
from intake.language import choose_language, detect, language_for
from notifications.models import Contact
from tests.helpers import POTHOLE, RUBBISH, create_staff, file_complaint, login
from tests.intake.language_samples import (
    ENGLISH,
    ENGLISH_HELD_OUT,
    INDONESIAN,
    INDONESIAN_HELD_OUT,
    UNDECIDED,
)

PHONE = "+6281390005678"
ENGLISH_COMPLAINT = "The street light on Jalan Pemuda has been out for a week"
INDONESIAN_COMPLAINT = "blm pak, masih mati lampunya"
JAVANESE_COMPLAINT = "lampune mati wis seminggu, durung didandani"


@pytest.mark.parametrize("text", ENGLISH + ENGLISH_HELD_OUT)
def test_english_is_recognised(text: str) -> None:
    """Complaints and chat lines in English, with Indonesian place names in them."""
    assert detect(text) == "en"


@pytest.mark.parametrize("text", INDONESIAN + INDONESIAN_HELD_OUT)
def test_indonesian_and_javanese_are_answered_in_indonesian(text: str) -> None:
    """Indonesian and Javanese in their chat and SMS spellings, with English loanwords."""
    assert detect(text) == "id"


@pytest.mark.parametrize("text", UNDECIDED)
def test_short_codes_and_places_tell_nothing(text: str) -> None:
    """One word, a tracking code, a street name or a loanword used in both languages."""
    assert detect(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "update please",
        "the lampu at Gang Mawar is mati again",  # not twice as many English words
        "thank you pak",
        "https://maps.app.goo.gl/abc and @dinas_pu #banjir",
    ],
)
def test_mixed_or_empty_of_words_tells_nothing(text: str) -> None:
    """Half-and-half messages and links, mentions and tags name no language."""
    assert detect(text) is None


def test_phone_keyboards_apostrophes_count() -> None:
    """A typographic apostrophe (it’s, isn’t) reads like the plain one."""
    assert detect("it’s still dark, isn’t it") == "en"


@pytest.fixture
def contact_with_cases(client: TestClient, settings: Settings) -> tuple[str, str]:
    """A resident's SMS contact with two complaints from the web form: one open, one rejected
    by staff. Returns their codes."""
    open_code = file_complaint(client, text=POTHOLE, phone=PHONE, notify_via="sms")
    rejected_code = file_complaint(client, text=RUBBISH, phone=PHONE, notify_via="sms")
    create_staff(settings, "supervisor", "supervisor")
    response = client.post(
        f"/api/v1/cases/{rejected_code['tracking_code']}/transitions",
        json={"status": "rejected"},
        headers=login(client, "supervisor"),
    )
    assert response.status_code == 200, response.text
    return open_code["tracking_code"], rejected_code["tracking_code"]


def _answer(settings: Settings, *texts: str, choice: str | None = None) -> list[str]:
    """Read `texts` from the resident in turn, each in its own transaction as the chat does,
    after `choice` by command if given; the language each is answered in."""
    answers = []
    engine = get_engine(settings.database_url)
    if choice is not None:
        with session_scope(engine, dispatcher=None) as session:
            choose_language(session, _contact(session), choice)
    for text in texts:
        with session_scope(engine, dispatcher=None) as session:
            answers.append(language_for(session, _contact(session), text))
    return answers


def _contact(session: Session) -> Contact:
    return session.exec(select(Contact).where(Contact.address == PHONE)).one()


def _stored(settings: Settings) -> tuple[str, bool, dict[str, str]]:
    """The contact's language, its pin and each case's language, as stored."""
    with Session(get_engine(settings.database_url)) as session:
        contact = _contact(session)
        cases = session.exec(select(Case).where(Case.contact_id == contact.id)).all()
        return (
            contact.language,
            contact.language_pinned,
            {c.tracking_code: c.language for c in cases},
        )


def test_writing_english_switches_the_contact_and_its_open_cases(
    settings: Settings, contact_with_cases: tuple[str, str]
) -> None:
    """A contact that never chose follows a clear English message; updates of its open case
    come in English from then on, the rejected case keeps its language."""
    open_code, rejected_code = contact_with_cases
    assert _answer(settings, ENGLISH_COMPLAINT) == ["en"]
    assert _stored(settings) == ("en", False, {open_code: "en", rejected_code: "id"})


def test_messages_that_tell_nothing_keep_the_language(
    settings: Settings, contact_with_cases: tuple[str, str]
) -> None:
    """After English, "ok", "thanks", a code or a street name leave the contact in English."""
    open_code, _ = contact_with_cases
    answers = _answer(settings, ENGLISH_COMPLAINT, "ok", "thanks", open_code, "Jalan Pemuda")
    assert answers == ["en"] * 5
    assert _stored(settings)[:2] == ("en", False)


@pytest.mark.parametrize("text", [INDONESIAN_COMPLAINT, JAVANESE_COMPLAINT])
def test_writing_indonesian_or_javanese_switches_back(
    settings: Settings, contact_with_cases: tuple[str, str], text: str
) -> None:
    """A contact switched to English by detection is answered in Indonesian again when it
    writes Indonesian or Javanese."""
    open_code, rejected_code = contact_with_cases
    assert _answer(settings, ENGLISH_COMPLAINT, text) == ["en", "id"]
    assert _stored(settings) == ("id", False, {open_code: "id", rejected_code: "id"})


def test_a_chosen_language_is_kept_whatever_the_resident_writes(
    settings: Settings, contact_with_cases: tuple[str, str]
) -> None:
    """EN pins English: Indonesian and Javanese messages are answered in English; ID pins
    Indonesian the same way, and English messages no longer switch it."""
    open_code, rejected_code = contact_with_cases
    answers = _answer(settings, INDONESIAN_COMPLAINT, JAVANESE_COMPLAINT, choice="en")
    assert answers == ["en", "en"]
    assert _stored(settings) == ("en", True, {open_code: "en", rejected_code: "id"})
    assert _answer(settings, ENGLISH_COMPLAINT, choice="id") == ["id"]
    assert _stored(settings) == ("id", True, {open_code: "id", rejected_code: "id"})
