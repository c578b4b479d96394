"""Contacts and the outbox: writing what we owe a citizen or a staff user, in the caller's
transaction.

A body longer than its channel takes (the installed channel's `max_chars`) is split here, at
queue time, into several outbox rows (one per part, each marked "(1/3) ", "(2/3) ", ...), so
every row is one message a provider accepts and retries, failures and delivery reports stay per
part.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session

from core.db import after_commit, as_persistent, insert_on_conflict, utcnow
from notifications.channels import max_chars
from notifications.enums import Channel, NotificationStatus
from notifications.messages import Message
from notifications.models import Contact, Notification
from staff.models import User


def get_or_create_contact(
    session: Session,
    *,
    channel: Channel,
    address: str,
    name: str | None = None,
    language: str | None = None,
    inbound_at: datetime | None = None,
    new_contact_language: str = "id",
) -> Contact:
    """The one contact row per (channel, address); later details refresh the stored ones.

    A message from the citizen (`inbound_at`) also proves they can be reached again. One
    INSERT ... ON CONFLICT DO UPDATE: two first messages from one number at once end as one
    row, with no read before the write and no savepoint.
    """
    # a Core statement does not autoflush: without this, unsaved changes to this contact in
    # the session would be overwritten by the row the upsert returns
    session.flush()
    values = contact_values(
        channel=channel,
        address=address,
        name=name,
        language=language,
        inbound_at=inbound_at,
        new_contact_language=new_contact_language,
    )
    upsert = contact_upsert(session.get_bind().dialect.name, contact_refresh(values))
    row = session.connection().execute(upsert, values).one()
    return as_persistent(session, Contact, row._asdict())


def contact_values(
    *,
    channel: Channel,
    address: str,
    name: str | None,
    language: str | None,
    inbound_at: datetime | None,
    new_contact_language: str,
) -> dict[str, object]:
    """The parameters of `contact_upsert` for one contact; see `get_or_create_contact`."""
    return {
        "channel": channel,
        "address": address,
        "name": name,
        # a given language is refreshed; none given keeps the stored one (a new contact's is
        # new_contact_language), see contact_refresh
        "language": language or new_contact_language,
        "language_given": bool(language),
        "created_at": utcnow(),
        "last_inbound_at": inbound_at,
    }


def contact_refresh(values: dict[str, object]) -> tuple[str, ...]:
    """The columns an upsert of `values` (contact_values) refreshes on a known contact."""
    given = {
        "name": values["name"],
        "language": values["language_given"],
        "last_inbound_at": values["last_inbound_at"],
    }
    return tuple(column for column, value in given.items() if value)


@lru_cache(maxsize=32)
def contact_upsert(dialect: str, refresh: tuple[str, ...]) -> sa.Insert:
    """The upsert refreshing the `refresh` columns, returning the contact's row, built once per
    combination. Its parameters are contact_values' names."""
    insert = insert_on_conflict(dialect, Contact.__table__)
    insert = insert.values(
        {column: sa.bindparam(column) for column in CONTACT_COLUMNS}
        | {"unreachable_at": None, "language_pinned": False}
    )
    changes = {
        column: insert.excluded[column] if given else None
        for column, given in contact_updates(refresh).items()
    }
    # with nothing to refresh, a no-op update still makes RETURNING hand back the row
    upsert = insert.on_conflict_do_update(
        index_elements=["channel", "address"], set_=changes or {"channel": insert.excluded.channel}
    )
    return upsert.returning(*Contact.__table__.columns)


def contact_updates(refresh: tuple[str, ...]) -> dict[str, bool]:
    """What the upsert sets on a known contact: each refreshed column to the value given
    (True), and, once the citizen wrote to us, their being unreachable to NULL (False)."""
    updates = dict.fromkeys(refresh, True)
    if "last_inbound_at" in refresh:
        updates["unreachable_at"] = False
    return updates


# the columns a contact's upsert writes from contact_values (intake/statement.py's too)
CONTACT_COLUMNS = ("channel", "address", "name", "language", "created_at", "last_inbound_at")

# keys added to the stored variables of each part when a body was split
PART_KEY = "part"
PARTS_KEY = "parts"

_WORD = re.compile(r"\S+")


def part_marker(index: int, total: int) -> str:
    return f"({index}/{total}) "


def _chunks(text: str, width: int) -> list[str]:
    """`text` in pieces of at most `width` characters, cut between words.

    Whitespace inside a piece is kept as written (line breaks survive); the whitespace where a
    cut falls is dropped. Only a word longer than `width` is itself cut.
    """
    chunks: list[str] = []
    start = end = -1
    for word in _WORD.finditer(text):
        word_start, word_end = word.span()
        if start >= 0 and word_end - start <= width:
            end = word_end
            continue
        if start >= 0:
            chunks.append(text[start:end])
        while word_end - word_start > width:
            chunks.append(text[word_start : word_start + width])
            word_start += width
        start, end = word_start, word_end
    if start >= 0:
        chunks.append(text[start:end])
    return chunks


def split_body(body: str, limit: int | None) -> list[str]:
    """The parts `body` goes out in: itself if it fits, else marked parts of at most `limit`."""
    if limit is None or len(body) <= limit:
        return [body]
    total = 2
    while True:
        # every marker is at most as wide as the last one, "(total/total) "
        chunks = _chunks(body, limit - len(part_marker(total, total)))
        if len(chunks) <= total:
            break
        total = len(chunks)
    count = len(chunks)
    if count <= 1:  # it was only too long because of surrounding whitespace
        return chunks or [body[:limit]]
    return [part_marker(i, count) + chunk for i, chunk in enumerate(chunks, start=1)]


def queue_messages(
    session: Session, *, contact: Contact, case_id: int | None, message: Message
) -> list[int]:
    """Write the outbox rows for `message` to `contact`, in sending order (one row unless it had
    to be split); returns their ids.

    The rows are handed to the dispatcher only once the transaction commits. The message's
    variables are stored on every row (with "part" and "parts" added when the body was split)
    for channels that send pre-approved templates instead of the text.

    A prebuilt Core INSERT rather than ORM objects: nothing reads the rows back in the writing
    session, and a unit-of-work flush per message was a tenth of a complaint's intake CPU.
    """
    return _queue(session, contact.channel, {"contact_id": contact.id}, case_id, message)


def queue_staff_message(
    session: Session, *, user: User, case_id: int | None, message: Message
) -> list[int]:
    """Write the outbox rows for `message` to staff user `user`, by e-mail, as `queue_messages`
    does for a contact; returns their ids.

    The row names the user, not an address: it goes to the e-mail address the account has
    when it is sent, and fails with the reason if the account then has none or is deactivated.
    The caller writes `message` in the staff's language (`settings.default_language`: an
    account has no language of its own).
    """
    return _queue(session, Channel.email, {"user_id": user.id}, case_id, message)


def _queue(
    session: Session, channel: str, recipient: dict[str, int], case_id: int | None, message: Message
) -> list[int]:
    """The outbox rows of `message` on `channel`, split for it, to `recipient`: the row's
    contact_id or its user_id."""
    rows = outbox_rows(channel, recipient, case_id, message)
    # the recipient and the case must be in the database before rows that refer to them
    session.flush()
    ids = list(session.connection().execute(_OUTBOX_INSERT, rows).scalars())
    after_commit(session, ids)
    return ids


def outbox_rows(
    channel: str, recipient: dict[str, int | None], case_id: int | None, message: Message
) -> list[dict]:
    """The values of the outbox rows `message` makes on `channel` (one per part, in sending
    order) to `recipient`: the contact_id or the user_id."""
    parts = split_body(message.body, max_chars(channel))
    now = utcnow()
    rows = []
    for index, text in enumerate(parts, start=1):
        variables = message.variables
        row_variables = dict(variables) if variables is not None else None
        if row_variables is not None and len(parts) > 1:
            row_variables |= {PART_KEY: str(index), PARTS_KEY: str(len(parts))}
        rows.append(
            {
                **_NO_RECIPIENT,
                **recipient,
                "case_id": case_id,
                "reference": message.reference,
                "kind": message.kind,
                "channel": channel,
                "language": message.language,
                "body": text,
                "subject": message.subject,
                "variables": row_variables,
                # the photo goes with the last part: the one that ends with the question
                "attachment_id": message.photo_id if index == len(parts) else None,
                "created_at": now,
                "next_attempt_at": now,
            }
        )
    return rows


# every row names both columns, the one of its recipient set: one INSERT statement for all rows
_NO_RECIPIENT = {"contact_id": None, "user_id": None}
_OUTBOX_INSERT = sa.insert(Notification.__table__).returning(
    Notification.__table__.c.id, sort_by_parameter_order=True
)


# not yet out: waiting for an attempt (or a retry), or with a sender now; a held webhook event
# waits for an admin, not for a sender, and is not counted
_UNSENT = (NotificationStatus.pending, NotificationStatus.sending)


def unsent_by_channel(session: Session) -> dict[str, tuple[int, datetime]]:
    """Messages not yet out per channel: how many, and when the oldest of them was written.

    Read through the due index (`ix_notifications_due`, status first): only the unsent rows.
    """
    rows = session.execute(
        sa.select(Notification.channel, sa.func.count(), sa.func.min(Notification.created_at))
        .where(Notification.status.in_(_UNSENT))
        .group_by(Notification.channel)
    )
    return {channel: (count, oldest) for channel, count, oldest in rows}
