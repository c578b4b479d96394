"""What intake remembers between one inbound message and the next."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

from core.db import UTCDateTime, utcnow
from notifications.models import Contact


class InboundReceipt(SQLModel, table=True):
    """One platform message id we have handled; platforms retry, and a retry must do nothing."""

    __tablename__ = "inbound_receipts"
    __table_args__ = (sa.UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_type=sa.String(16))
    external_id: str = Field(sa_type=sa.String(128))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # the message itself within its channel (a Telegram chat and message id), so an edit of it
    # finds the complaint it filed (`case_id`)
    message_ref: str | None = Field(default=None, sa_type=sa.String(128), index=True)
    case_id: int | None = Field(default=None, foreign_key="cases.id")


class PendingLocation(SQLModel, table=True):
    """A location a resident shared before any complaint, for the next one they file."""

    __tablename__ = "pending_locations"

    contact_id: int = Field(foreign_key="contacts.id", primary_key=True)
    latitude: float
    longitude: float
    shared_at: datetime = Field(sa_type=UTCDateTime)


class PendingChoice(SQLModel, table=True):
    """The numbered question the bot last asked a resident, until they answer or write on.

    `options` lists what each number does, in order (see intake/choices.py); `payload` holds
    what the answer acts on (the words to file or add, files already stored, a location).
    """

    __tablename__ = "pending_choices"

    contact_id: int = Field(foreign_key="contacts.id", primary_key=True)
    options: list = Field(sa_type=sa.JSON)
    payload: dict = Field(sa_type=sa.JSON)
    asked_at: datetime = Field(sa_type=UTCDateTime)


class PendingMode(SQLModel, table=True):
    """Anonim and/or Rahasia, asked for the resident's next complaint (intake/modes.py)."""

    __tablename__ = "pending_modes"

    contact_id: int = Field(foreign_key="contacts.id", primary_key=True)
    anonymous: bool = False
    confidential: bool = False
    asked_at: datetime = Field(sa_type=UTCDateTime)


Remembered = TypeVar("Remembered", PendingChoice, PendingMode)


def remembered(
    session: Session, model: type[Remembered], contact: Contact, now: datetime, ttl: timedelta
) -> Remembered | None:
    """`contact`'s row of `model` if asked within `ttl` before `now`; an older one is deleted."""
    row = session.get(model, contact.id)
    if row is not None and row.asked_at < now - ttl:
        session.delete(row)
        return None
    return row


class ChatLink(SQLModel, table=True):
    """A single-use, expiring link that binds a web complaint to the Telegram chat that opens
    it (intake/chat_links.py): as the case's contact, or (`follows`) as a follower of a case
    someone else reported. Only the token's SHA-256 is kept: reading the table gives no one a
    link that works."""

    __tablename__ = "chat_links"
    __table_args__ = (sa.UniqueConstraint("token_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    token_hash: str = Field(sa_type=sa.String(64))
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the chat becomes a follower of the case (cases/following.py), not its contact
    follows: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # the follower's language, as the form they followed from was
    language: str | None = Field(default=None, max_length=8)


# the longest name a partner's Open311 key may have
PARTNER_NAME_MAX = 100


class PartnerKey(SQLModel, table=True):
    """One partner's key; `services` is None for every service, else the category codes."""

    __tablename__ = "open311_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(PARTNER_NAME_MAX))
    key_hash: str = Field(sa_type=sa.String(64), unique=True)
    services: list[str] | None = Field(default=None, sa_type=sa.JSON(none_as_null=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(sa_type=sa.String(100))
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def may_file_into(self, service_code: str) -> bool:
        return self.services is None or service_code in self.services


class PartnerUpdate(SQLModel, table=True):
    """A resident's update a partner posted (servicerequestupdates); its id is the update_id
    we answer with. The partner's own id of it makes a repeated post return the first."""

    __tablename__ = "open311_updates"
    __table_args__ = (sa.UniqueConstraint("key_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    key_id: int = Field(foreign_key="open311_keys.id")
    external_id: str | None = Field(default=None, sa_type=sa.String(128))
    case_id: int = Field(foreign_key="cases.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
