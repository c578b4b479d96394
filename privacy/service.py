"""What is stored about a resident, and its erasure: one place for the chat, the CLI and retention.

A resident is known by how they reach us (`Identity`): a phone number (its SMS and WhatsApp
contacts, a web form's among them), an e-mail address or a Telegram chat. About them we keep
their contact rows (channel, address, name, language), the cases they reported and those they
follow, the conversation's state (a numbered question waiting for its answer, with any files it
holds, and a location kept for the next complaint), the outbox rows addressed to them, and, on
Telegram, their chat id in intake's receipts of their messages.

Erasure keeps every case as the city's record, naming nobody (`Case.reporter_erased_at`); the
contact rows, subscriptions and conversation state go, files a question held are deleted from
storage, messages not yet sent are cancelled and those sent keep their place on the case with
no recipient (`Notification.recipient_erased_at`). Nothing here logs a contact detail: callers
log the counts `Erasure` holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cases.models import Case, CaseSubscriber
from core.settings import Settings
from core.storage import get_storage
from intake.models import InboundReceipt, PendingChoice, PendingLocation, PendingMode
from intake.phone import normalise_phone
from notifications.enums import Channel, NotificationStatus
from notifications.models import Contact, Notification
from notifications.webhooks import forget_reporters
from routing.models import Agency

# one number, two channels: a resident who writes by SMS owns the number's WhatsApp too
PHONE_CHANNELS = (Channel.sms, Channel.whatsapp)
UNSENT = (NotificationStatus.pending, NotificationStatus.sending)
CANCELLED_REASON = "cancelled: the resident's contact details were erased"


class BadIdentity(ValueError):
    """A phone number, e-mail address or Telegram chat id that cannot be one; the message says
    why, naming no resident."""


@dataclass(frozen=True)
class Identity:
    """How a resident is known: a channel and the address on it, normalised as intake stores
    it (a phone number's channel stands for both of its channels)."""

    channel: Channel
    address: str

    @classmethod
    def phone(cls, raw: str) -> Identity:
        """A number as a resident types it ("0812...", "+62 812-..."), in E.164."""
        try:
            return cls(Channel.sms, normalise_phone(raw.strip()))
        except ValueError as exc:
            raise BadIdentity(str(exc)) from None

    @classmethod
    def email(cls, raw: str) -> Identity:
        address = raw.strip()
        local, at, domain = address.rpartition("@")
        if not at or not local or "." not in domain or len(address) > 320:
            raise BadIdentity("an e-mail address looks like name@example.com")
        return cls(Channel.email, address)

    @classmethod
    def telegram(cls, raw: str) -> Identity:
        """A Telegram chat id: the number the bot knows a private chat by."""
        chat = raw.strip()
        if not chat.lstrip("-").isdecimal() or len(chat) > 32:
            raise BadIdentity("a Telegram chat id is a number, e.g. 123456789")
        return cls(Channel.telegram, chat)


def contacts_of(session: Session, identity: Identity) -> list[Contact]:
    """The contact rows of the resident `identity` names, oldest first: a phone number's SMS
    and WhatsApp contacts, an e-mail address's whatever its letters' case."""
    query = select(Contact)
    if identity.channel in PHONE_CHANNELS:
        query = query.where(
            col(Contact.channel).in_(PHONE_CHANNELS), Contact.address == identity.address
        )
    elif identity.channel == Channel.email:
        query = query.where(
            Contact.channel == Channel.email,
            sa.func.lower(Contact.address) == identity.address.lower(),
        )
    else:
        query = query.where(
            Contact.channel == identity.channel, Contact.address == identity.address
        )
    return list(session.exec(query.order_by(col(Contact.id))))


# --- what is stored ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredContact:
    channel: str
    address: str
    name: str | None
    language: str
    created_at: datetime
    last_inbound_at: datetime | None


@dataclass(frozen=True)
class StoredCase:
    tracking_code: str
    status: str
    source_channel: str
    agency: str | None
    text: str
    latitude: float | None
    longitude: float | None
    address: str | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    rejected_at: datetime | None


@dataclass(frozen=True)
class StoredMessage:
    case: str | None
    kind: str
    channel: str
    status: str
    body: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class StoredData:
    """Everything stored about one resident; cases newest first."""

    contacts: list[StoredContact]
    cases: list[StoredCase]
    following: list[StoredCase]
    messages: list[StoredMessage]
    pending_question: bool
    pending_location: bool
    pending_mode: bool  # Anonim or Rahasia asked for the next complaint

    def as_json(self) -> dict[str, Any]:
        """Plain JSON values (timestamps in ISO 8601, UTC), for a copy handed to the resident."""
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _stored_cases(
    session: Session, query: sa.Select, agencies: dict[int | None, str]
) -> list[StoredCase]:
    cases = session.exec(query.order_by(col(Case.created_at).desc(), col(Case.id).desc()))
    return [
        StoredCase(
            tracking_code=case.tracking_code,
            status=case.status,
            source_channel=case.source_channel,
            agency=agencies.get(case.agency_id),
            text=case.text,
            latitude=case.latitude,
            longitude=case.longitude,
            address=case.address,
            created_at=case.created_at,
            updated_at=case.updated_at,
            resolved_at=case.resolved_at,
            closed_at=case.closed_at,
            rejected_at=case.rejected_at,
        )
        for case in cases
    ]


def stored_data(session: Session, contacts: Sequence[Contact]) -> StoredData:
    """What is stored about the resident whose contact rows are `contacts`."""
    ids = [contact.id for contact in contacts]
    agencies = {a.id: a.code for a in session.exec(select(Agency))}
    following = select(CaseSubscriber.case_id).where(col(CaseSubscriber.contact_id).in_(ids))
    messages = session.exec(
        select(Notification, Case.tracking_code)
        .outerjoin(Case, Case.id == Notification.case_id)
        .where(col(Notification.contact_id).in_(ids))
        .order_by(col(Notification.id))
    )
    return StoredData(
        contacts=[
            StoredContact(
                channel=c.channel,
                address=c.address,
                name=c.name,
                language=c.language,
                created_at=c.created_at,
                last_inbound_at=c.last_inbound_at,
            )
            for c in contacts
        ],
        cases=_stored_cases(session, select(Case).where(col(Case.contact_id).in_(ids)), agencies),
        following=_stored_cases(session, select(Case).where(col(Case.id).in_(following)), agencies),
        messages=[
            StoredMessage(
                case=code,
                kind=n.kind,
                channel=n.channel,
                status=n.status,
                body=n.body,
                created_at=n.created_at,
                sent_at=n.sent_at,
            )
            for n, code in messages
        ],
        pending_question=_exists(session, PendingChoice, ids),
        pending_location=_exists(session, PendingLocation, ids),
        pending_mode=_exists(session, PendingMode, ids),
    )


def _exists(
    session: Session, model: type[PendingChoice | PendingLocation | PendingMode], ids: list[int]
) -> bool:
    return (
        session.exec(select(model.contact_id).where(col(model.contact_id).in_(ids))).first()
        is not None
    )


# --- erasure ----------------------------------------------------------------------------------


@dataclass
class Erasure:
    """What one erasure did, in counts only (safe to log)."""

    contacts: int = 0  # contact rows deleted
    cases: int = 0  # cases that no longer name their reporter
    subscriptions: int = 0  # follows of other residents' cases ended
    cancelled: int = 0  # messages not yet sent, cancelled
    messages: int = 0  # messages sent before, kept on their case without a recipient
    pending: int = 0  # questions, kept locations and asked-for modes dropped
    files: int = 0  # files a question held, deleted from storage

    def add(self, other: Erasure) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def erase(
    session: Session, settings: Settings, contacts: Sequence[Contact], now: datetime
) -> Erasure:
    """Erase the resident whose contact rows are `contacts` from everything stored, in the
    caller's transaction (files a question held are deleted from storage at once).

    Their cases stay, naming nobody; afterwards the channel can be used afresh, as a new
    contact. The `contacts` objects are detached from `session`, their attributes still
    readable (the chat answers in the language of the contact it just erased).
    """
    ids = [contact.id for contact in contacts]
    if not ids:
        return Erasure()
    _forget_in_webhooks(session, col(Case.contact_id).in_(ids))
    done = _unlink(session, col(Case.contact_id).in_(ids), now)
    done.subscriptions = _delete(session, CaseSubscriber, col(CaseSubscriber.contact_id).in_(ids))
    done.cancelled, done.messages = _release_messages(
        session, col(Notification.contact_id).in_(ids), now
    )
    done.files = _delete_held_files(session, settings, ids)
    done.pending = _delete(session, PendingChoice, col(PendingChoice.contact_id).in_(ids))
    done.pending += _delete(session, PendingLocation, col(PendingLocation.contact_id).in_(ids))
    done.pending += _delete(session, PendingMode, col(PendingMode.contact_id).in_(ids))
    chats = [c.address for c in contacts if c.channel == Channel.telegram]
    for chat in chats:  # "chat:message" names the resident's Telegram chat
        session.execute(
            sa.update(InboundReceipt)
            .where(
                InboundReceipt.channel == Channel.telegram,
                col(InboundReceipt.message_ref).startswith(f"{chat}:", autoescape=True),
            )
            .values(message_ref=None)
        )
    for contact in contacts:
        if contact in session:
            session.expunge(contact)
    done.contacts = _delete(session, Contact, col(Contact.id).in_(ids))
    return done


def erase_case_links(
    session: Session, case_ids: Sequence[int], now: datetime
) -> tuple[Erasure, list[int]]:
    """Erase the reporters and followers of the cases `case_ids` from those cases only, in the
    caller's transaction. A contact keeps its row while a case of theirs is kept; returns what
    was done and the ids of the contacts left with no case, for the caller to erase."""
    if not case_ids:
        return Erasure(), []
    in_cases = col(Case.id).in_(case_ids)
    touched = set(
        session.exec(
            select(Case.contact_id).where(in_cases, col(Case.contact_id).is_not(None))
        ).all()
    )
    touched |= set(
        session.exec(
            select(CaseSubscriber.contact_id).where(col(CaseSubscriber.case_id).in_(case_ids))
        ).all()
    )
    _forget_in_webhooks(session, in_cases)
    done = _unlink(session, in_cases, now)
    done.subscriptions = _delete(session, CaseSubscriber, col(CaseSubscriber.case_id).in_(case_ids))
    done.cancelled, done.messages = _release_messages(
        session,
        sa.and_(col(Notification.case_id).in_(case_ids), col(Notification.contact_id).is_not(None)),
        now,
    )
    return done, without_cases(session, touched)


def without_cases(session: Session, contact_ids: Iterable[int]) -> list[int]:
    """Those of `contact_ids` that no case names and no subscription holds, in id order."""
    contact_ids = sorted(contact_ids)
    if not contact_ids:
        return []
    return list(
        session.exec(
            select(Contact.id)
            .where(
                col(Contact.id).in_(contact_ids),
                ~sa.exists().where(Case.contact_id == Contact.id),
                ~sa.exists().where(CaseSubscriber.contact_id == Contact.id),
            )
            .order_by(col(Contact.id))
        )
    )


def _forget_in_webhooks(session: Session, which: sa.ColumnElement[bool]) -> None:
    """The reporter of the cases `which` selects leaves the events kept for partners' webhooks
    too (a trusted endpoint's carry the reporter's contact)."""
    codes = session.exec(
        select(Case.tracking_code).where(which, col(Case.contact_id).is_not(None))
    ).all()
    forget_reporters(session, codes)


def _unlink(session: Session, which: sa.ColumnElement[bool], now: datetime) -> Erasure:
    result = session.execute(
        sa.update(Case)
        .where(which, col(Case.contact_id).is_not(None))
        .values(contact_id=None, notify=False, reporter_erased_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return Erasure(cases=result.rowcount)


def _release_messages(
    session: Session, which: sa.ColumnElement[bool], now: datetime
) -> tuple[int, int]:
    """Cancel the messages `which` selects that are not sent yet, and take the recipient off
    every one of them; returns (cancelled, kept)."""
    cancelled = session.execute(
        sa.update(Notification)
        .where(which, col(Notification.status).in_(UNSENT))
        .values(
            status=NotificationStatus.cancelled,
            lease_until=None,
            last_error=CANCELLED_REASON,
            contact_id=None,
            recipient_erased_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    kept = session.execute(
        sa.update(Notification)
        .where(which)
        .values(contact_id=None, recipient_erased_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return cancelled, kept


def _delete(session: Session, model: type, which: sa.ColumnElement[bool]) -> int:
    return session.execute(
        sa.delete(model).where(which).execution_options(synchronize_session=False)
    ).rowcount


def _delete_held_files(session: Session, settings: Settings, contact_ids: list[int]) -> int:
    """Delete the files the contacts' pending questions hold (sent before any complaint they
    could be attached to); returns how many."""
    keys = [
        item["storage_key"]
        for payload in session.exec(
            select(PendingChoice.payload).where(col(PendingChoice.contact_id).in_(contact_ids))
        )
        for item in (payload or {}).get("media") or ()
    ]
    if keys:
        storage = get_storage(settings)
        for key in keys:
            storage.delete(key)
    return len(keys)
