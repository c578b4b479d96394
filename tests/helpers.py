"""Short plain functions tests use to build state through the real interfaces."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from rq import SimpleWorker
from sqlmodel import Session, select

from core.db import get_engine, session_scope
from core.queue import get_queue
from core.settings import Settings
from intake.demo import plain_png
from notifications.dispatch import RQDispatcher
from notifications.enums import Channel, MessageKind
from notifications.messages import written_message
from notifications.models import Contact, Notification
from notifications.service import get_or_create_contact, queue_messages, queue_staff_message
from staff.enums import Role
from staff.models import User
from staff.service import create_user

PASSWORD = "correct-horse-battery"
POTHOLE = "Jalan berlubang besar di depan SD Negeri 2 Jl. Pemuda, sudah dua minggu belum diperbaiki"
RUBBISH = "Sampah menumpuk di pinggir jalan dekat pasar Johar, bau sekali dan tidak diangkut"


def sql(settings: Settings, statement: str, **params: object) -> list:
    """Run one SQL statement on the test database, committed; its rows, if it returns any."""
    with get_engine(settings.database_url).begin() as connection:
        result = connection.execute(sa.text(statement), params)
        return list(result) if result.returns_rows else []


def scalar(settings: Settings, statement: str, **params: object) -> object:
    """The one value `statement` selects."""
    [(value,)] = sql(settings, statement, **params)
    return value


@contextmanager
def signal_handlers_kept(*signums: int) -> Iterator[None]:
    """Put back the handlers of `signums` that were installed on entry, whatever ran inside.

    An RQ worker's `work()` installs its own SIGINT and SIGTERM handlers and leaves them in
    place when it returns: in the test process a later SIGTERM (a timeout stopping the run)
    or Ctrl-C would reach a finished worker instead of pytest.
    """
    saved = {signum: signal.getsignal(signum) for signum in signums}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            if handler is not None:  # None: installed outside Python, nothing to put back
                signal.signal(signum, handler)


class _Worker(SimpleWorker):
    def unsubscribe(self) -> None:
        """Stop the command listener's loop before unsubscribing, not after.

        RQ unsubscribes and then calls the listener thread's stop(), which since redis-py 8.2
        waits for the thread. When the thread reads the unsubscribe reply first, it loops and
        waits up to RQ's 60 s poll for a subscription that never comes, and so did run_jobs.
        With the loop stopped first, the reply ends the thread at once.
        """
        if self.pubsub_thread is not None:
            self.pubsub_thread._running.clear()
        super().unsubscribe()


def run_jobs(settings: Settings) -> None:
    """Let one RQ worker process everything queued on the real Redis, then return.

    The process's SIGINT and SIGTERM handlers are the same afterwards as before.
    """
    queue = get_queue(settings)
    with signal_handlers_kept(signal.SIGINT, signal.SIGTERM):
        _Worker([queue], connection=queue.connection).work(burst=True)


def create_staff(
    settings: Settings,
    username: str,
    role: str,
    agency: str | None = None,
    email: str | None = None,
) -> None:
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        create_user(
            session,
            username=username,
            password=PASSWORD,
            role=Role(role),
            agency_code=agency,
            email=email,
        )


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def file_complaint(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"text": POTHOLE, **fields}
    response = client.post("/api/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A small but complete PNG image, as a phone camera app would send (only smaller)."""
    return plain_png(width, height, (0x80, 0x40, 0x20))


def owe(
    session: Session,
    channel: Channel,
    address: str,
    body: str = "Halo",
    reference: str = "TEST-0001",
) -> list[int]:
    """The outbox rows of one message (one per part) in `session`, written the way the case
    service writes them."""
    contact = get_or_create_contact(session, channel=channel, address=address)
    message = written_message(MessageKind.public_note, "id", reference=reference, body=body)
    return queue_messages(session, contact=contact, case_id=None, message=message)


def owe_staff_message(
    settings: Settings, username: str, body: str = "Halo", reference: str = "TEST-0001"
) -> int:
    """An outbox row to staff user `username`, written the way the follow-ups write one and
    committed with no dispatcher attached."""
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        message = written_message(MessageKind.escalation, "id", reference=reference, body=body)
        [row_id] = queue_staff_message(session, user=user, case_id=None, message=message)
        return row_id


def outbox(settings: Settings) -> list[Notification]:
    """Every outbox row, oldest first."""
    with Session(get_engine(settings.database_url)) as session:
        return list(session.exec(select(Notification).order_by(Notification.id)))


def owe_message(settings: Settings, channel: Channel, address: str, **message: str) -> int:
    """An outbox row committed with no dispatcher attached; `message` (body, reference) as
    `owe` takes it."""
    with session_scope(get_engine(settings.database_url), dispatcher=None) as session:
        [row_id] = owe(session, channel, address, **message)
        return row_id


def contact_of(settings: Settings, row: Notification) -> Contact:
    """The contact `row` is addressed to, as stored now."""
    with Session(get_engine(settings.database_url)) as session:
        return session.get(Contact, row.contact_id)


def words(count: int, length: int = 7) -> str:
    """`count` distinct words of `length` letters, so a cut inside a word would show."""
    return " ".join(f"w{i:0{length - 1}d}" for i in range(count))


def owe_long_message(settings: Settings, channel: Channel, address: str, body: str) -> None:
    """Queue `body` as an officer's note would be, handed to RQ when the transaction commits."""
    engine = get_engine(settings.database_url)
    with session_scope(engine, dispatcher=RQDispatcher(settings)) as session:
        owe(session, channel, address, body, reference="TEST-0002")
