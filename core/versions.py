"""Small "has it changed?" queries, asked at most once a second per process and database.

Routing and the SLA calendar keep the catalogue and the city's holiday list in memory and ask a
version query to learn when to read them again. Asked on every complaint, those two queries were
two of its seven statements. Now a change committed through the ORM by this process is seen at
once (its session's flush names the tables it wrote), one made by another process (the console
in another web worker, `aduan catalog load`) within `MAX_AGE` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from itertools import chain

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

MAX_AGE = 1.0  # seconds another process's change may go unseen
_CHANGED = "aduan.versions.changed"  # Session.info key: the versions this session's flushes touch


class CachedVersion:
    """The row `query` returns, read again when older than MAX_AGE or after a local change to
    one of `models`."""

    def __init__(self, query: sa.Select, *models: type) -> None:
        self._query = query
        self._models = models
        self._lock = threading.Lock()
        self._generation = 0  # moves on every forget(): a read begun before it is not kept
        self._read: dict[sa.Engine, tuple[float, tuple]] = {}  # per database: when, what
        _all.append(self)

    def __call__(self, session: Session) -> tuple:
        engine = session.get_bind().engine  # a cached answer needs no connection of its own
        now = time.monotonic()
        read = self._read.get(engine)
        if read is not None and now - read[0] < MAX_AGE:
            return read[1]
        generation = self._generation
        version = tuple(session.connection().execute(self._query).one())
        with self._lock:
            if generation == self._generation:
                self._read[engine] = (now, version)
        return version

    @property
    def generation(self) -> int:
        """Moves on every forget(): a value computed from this version before it is stale even
        when the version reads the same again (a test database emptied and refilled)."""
        return self._generation

    def forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._read.clear()

    def touched_by(self, instances: Iterator[object]) -> bool:
        return any(isinstance(instance, self._models) for instance in instances)


_all: list[CachedVersion] = []


def forget_all() -> None:
    """Read every version again next time: for a writer the ORM does not see (raw SQL)."""
    for version in _all:
        version.forget()


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _flush: UOWTransaction) -> None:
    # still the flush's own new, dirty and deleted objects here
    touched = [
        version
        for version in _all
        if version.touched_by(chain(session.new, session.dirty, session.deleted))
    ]
    if touched:
        session.info.setdefault(_CHANGED, set()).update(touched)


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    for version in session.info.pop(_CHANGED, ()):
        version.forget()
