"""Leases on claimed outbox rows, kept alive by a heartbeat while their sender lives.

A claim marks its rows `sending` until `lease_until`. The lease is short, so a worker that dies
(SIGKILL, a lost machine) holds its rows only seconds; while the process lives, one heartbeat
thread renews every lease it holds, however long the provider makes a send take.

The lease's end is also its fence: a renewal updates only rows whose `lease_until` is still the
one this process wrote. Another sender can claim a row only once that moment has passed, and
writes a later one, so a renewal never takes a row back from it.

A send starts only while the lease, as last confirmed by the database, outlasts the whole send
(PROVIDER_TIMEOUT_SECONDS): when the heartbeat cannot reach the database, sends stop starting
before the rows could be claimed elsewhere, and a send in flight ends before its lease does.
That is what keeps a message from being sent twice while its first sender lives.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.db import UTCDateTime, utcnow
from core.settings import Settings
from notifications.enums import NotificationStatus
from notifications.models import Notification

log = logging.getLogger(__name__)

# built once: the heartbeat runs it every few seconds for as long as the process sends. A row
# another transaction has locked is passed over, not waited for (PostgreSQL; SQLite writes one
# transaction at a time): it is being recorded by this process's sending thread, which may be
# waiting for the heartbeat's own locks, or claimed by another sender after the lease ran out
_HELD = (
    sa.select(Notification.id)
    .where(
        Notification.id.in_(sa.bindparam("notification_ids", expanding=True)),
        Notification.status == NotificationStatus.sending,
        Notification.lease_until == sa.bindparam("held_until", type_=UTCDateTime),
    )
    .with_for_update(skip_locked=True)
)
_RENEW = (
    sa.update(Notification)
    .where(Notification.id.in_(_HELD.scalar_subquery()))
    .values(lease_until=sa.bindparam("lease_until", type_=UTCDateTime))
    .returning(Notification.id)
)


class Lease:
    """The rows one claim holds and until when, as the database last confirmed it. Shared by
    the thread that claimed, the sending threads and the heartbeat."""

    def __init__(self, notification_ids: Iterable[int], until: datetime, send_seconds: float):
        self._lock = threading.Lock()
        self._held = set(notification_ids)
        self._until = until
        self._send = timedelta(seconds=send_seconds)

    def allows_send(self, notification_id: int) -> bool:
        """Whether a send of the row may start now: the row is still held, and for at least
        as long as a send may take."""
        with self._lock:
            return notification_id in self._held and utcnow() + self._send < self._until

    def held(self) -> tuple[list[int], datetime]:
        with self._lock:
            return sorted(self._held), self._until

    def renewed(self, kept: Iterable[int], until: datetime) -> None:
        """The rows in `kept` are held until `until`; any other row of the lease is not held
        any more (its outcome committed in the meantime, or claimed elsewhere after the lease
        ran out): it is not sent from here."""
        with self._lock:
            self._held.intersection_update(kept)
            self._until = until


class Heartbeat:
    """A thread of the process that renews every lease it holds each
    NOTIFY_HEARTBEAT_SECONDS, for NOTIFY_LEASE_SECONDS from then."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._leases: set[Lease] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="aduan-lease", daemon=True)
        self._thread.start()

    def hold(self, notification_ids: Iterable[int], until: datetime, send_seconds: float) -> Lease:
        """A lease on rows just claimed until `until`, renewed from now on until `let_go`;
        a send of one of them takes `send_seconds` at most."""
        lease = Lease(notification_ids, until, send_seconds)
        with self._lock:
            self._leases.add(lease)
        return lease

    def let_go(self, lease: Lease) -> None:
        with self._lock:
            self._leases.discard(lease)

    def _run(self) -> None:
        stop = threading.Event()  # never set: the thread lasts as long as the process
        while not stop.wait(self.settings.notify_heartbeat_seconds):
            with self._lock:
                leases = list(self._leases)
            for lease in leases:
                try:
                    self._renew(lease)
                except Exception:  # the next beat tries again; sends wait while it fails
                    log.exception("renewing a lease on notifications failed")

    def _renew(self, lease: Lease) -> None:
        notification_ids, held_until = lease.held()
        if not notification_ids:
            return
        until = utcnow() + timedelta(seconds=self.settings.notify_lease_seconds)
        parameters = {
            "notification_ids": notification_ids,
            "held_until": held_until,
            "lease_until": until,
        }
        with self.engine.begin() as connection:
            kept = set(connection.execute(_RENEW, parameters).scalars())
        lease.renewed(kept, until)


def heartbeat(engine: Engine, settings: Settings) -> Heartbeat:
    """The process's heartbeat for `engine`'s database, started on first use."""
    key = (engine, settings.notify_heartbeat_seconds, settings.notify_lease_seconds)
    with _heartbeats_lock:
        if key not in _heartbeats:
            _heartbeats[key] = Heartbeat(engine, settings)
        return _heartbeats[key]


_heartbeats: dict[tuple[Engine, float, float], Heartbeat] = {}
_heartbeats_lock = threading.Lock()
# a forked child (RQ's scheduler) has none of the parent's threads: it starts its own if it sends
os.register_at_fork(after_in_child=_heartbeats.clear)
