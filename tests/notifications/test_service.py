"""Contacts and the outbox writer: splitting a body for its channel, one contact per address."""

from __future__ import annotations

from sqlmodel import Session, select

from core.db import get_engine, session_scope
from core.settings import Settings
from notifications.enums import Channel
from notifications.models import Contact
from notifications.service import get_or_create_contact, split_body


def test_only_a_word_longer_than_the_limit_is_cut() -> None:
    """Splitting keeps words whole unless one word alone exceeds the limit."""
    parts = split_body("kata " * 30 + "x" * 250, 100)
    assert all(len(part) <= 100 for part in parts)
    assert all(part.split()[-1] == "kata" for part in parts[:2])
    assert "".join(part.split(" ", 1)[1] for part in parts[-3:]).endswith("x" * 80)
    assert split_body("pendek", 100) == ["pendek"]


def test_looking_up_a_contact_again_keeps_its_unsaved_changes(settings: Settings) -> None:
    """The chat flow changes a contact and then files a complaint, which looks it up again in
    the same transaction: the change must survive the second lookup and be stored."""
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        contact = get_or_create_contact(session, channel=Channel.sms, address="+6281200000001")
        contact.language = "en"
        again = get_or_create_contact(session, channel=Channel.sms, address="+6281200000001")
        assert again is contact
        assert again.language == "en"
    with Session(get_engine(settings.database_url)) as session:
        stored = session.exec(select(Contact).where(Contact.address == "+6281200000001")).one()
        assert stored.language == "en"
