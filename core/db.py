"""Database engine, sessions and the column types every table shares."""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite hands back naive datetimes even for timezone columns while PostgreSQL hands back aware
    ones; normalising here keeps comparisons and arithmetic identical on both.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def insert_on_conflict(dialect: str, table: object) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` (a Table or a model) that takes ON CONFLICT clauses.

    Both databases spell ON CONFLICT alike, but SQLAlchemy builds it only from the dialect's own
    insert construct.
    """
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


Model = TypeVar("Model")


def partial_index(name: str, *columns: str, where: str, **options: Any) -> sa.Index:
    """An index of only the rows `where` holds, on both databases. For a column NULL in most
    rows or at first (who a case is assigned to, when it was resolved), it spares every INSERT
    an index entry nobody looks up: a query for a value (`= x`, `>= x`) still uses it."""
    return sa.Index(
        name, *columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where), **options
    )


def as_persistent(session: Session, model: type[Model], values: dict[str, Any]) -> Model:
    """The session's instance of the `model` row that `values` came from (an INSERT ...
    RETURNING run as Core, to use ON CONFLICT), up to date with them, without reading it again."""
    key = identity_key(model, values["id"])
    instance = session.identity_map.get(key)
    if instance is not None:
        for column, value in values.items():
            set_committed_value(instance, column, value)
        return instance
    # built as the ORM builds a row it loads: the values are the database's, so the model's
    # validation and attribute events (a tenth of a millisecond per object) have nothing to do
    instance = sa.inspect(model).class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL and a busy timeout let the web process and a worker write without "database is locked";
    # foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# every module that defines tables; the foreign keys between them only resolve when all are
# loaded, whichever one a process (a worker running one job, a CLI command) happened to import
MODEL_MODULES = (
    "routing.models",
    "staff.models",
    "cases.models",
    "notifications.models",
    "intake.models",
    "privacy.models",
)


def import_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def _forget_pools_in_child() -> None:
    # a forked child must not use the parent's pooled connections: two processes talking over
    # one socket corrupt each other's transactions (a sent message then fails to be marked sent)
    for engine in _engines.values():
        engine.dispose(close=False)


# seconds a connection to a read replica may take to open: a replica that is down or cut off
# sends reads to the primary after this long, not after the operating system's minutes
REPLICA_CONNECT_TIMEOUT_S = 2

_engines: dict[tuple[str, bool], Engine] = {}
_engines_lock = threading.Lock()
os.register_at_fork(after_in_child=_forget_pools_in_child)


def get_engine(database_url: str) -> Engine:
    """One engine (and connection pool) per database URL per process."""
    return _engine(database_url, replica=False)


def get_replica_engine(database_url: str) -> Engine:
    """The engine of a PostgreSQL read replica, one per URL per process: its connections give
    up opening after REPLICA_CONNECT_TIMEOUT_S, so a replica that is gone costs a read little."""
    return _engine(database_url, replica=True)


def _engine(database_url: str, *, replica: bool) -> Engine:
    with _engines_lock:
        key = (database_url, replica)
        if key not in _engines:
            _engines[key] = _create_engine(database_url, replica=replica)
        return _engines[key]


def _create_engine(database_url: str, *, replica: bool) -> Engine:
    import_models()
    if database_url.startswith("sqlite"):
        engine = sa.create_engine(
            database_url, connect_args={"check_same_thread": False, "timeout": 10}
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(
        database_url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        connect_args={"connect_timeout": REPLICA_CONNECT_TIMEOUT_S} if replica else {},
    )


class Dispatcher(Protocol):
    """What takes the ids of rows committed for delivery (see `after_commit`)."""

    def dispatch(self, ids: Iterable[int]) -> None: ...


# Session.info keys: the dispatcher a session hands its committed ids to, and the ids so far
_DISPATCHER_KEY = "aduan.dispatcher"
_AFTER_COMMIT_KEY = "aduan.after_commit_ids"


def open_session(engine: Engine, *, dispatcher: Dispatcher | None) -> Session:
    """The one way to open a session.

    Ids a transaction of it registers with `after_commit` go to `dispatcher` once that
    transaction commits. A caller with no dispatcher says so with None: its rows then wait for
    the sweep.
    """
    session = Session(engine, expire_on_commit=False)
    session.info[_DISPATCHER_KEY] = dispatcher
    return session


@contextmanager
def session_scope(engine: Engine, *, dispatcher: Dispatcher | None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error, for jobs and CLI commands."""
    with open_session(engine, dispatcher=dispatcher) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def after_commit(session: Session, ids: Iterable[int]) -> None:
    """Hand `ids` to the session's dispatcher once the current transaction commits; a rollback
    of the whole transaction forgets them."""
    session.info.setdefault(_AFTER_COMMIT_KEY, []).extend(ids)


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    # SQLAlchemy calls this for a released savepoint too; its rows are not committed yet, and
    # a worker must not look for them before they are
    if session.in_nested_transaction():
        return
    ids = session.info.pop(_AFTER_COMMIT_KEY, [])
    dispatcher = session.info.get(_DISPATCHER_KEY)
    if ids and dispatcher is not None:
        dispatcher.dispatch(ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    # a savepoint rolled back keeps the ids: those of its rows find nothing to send, the rest
    # of the transaction's still go out when it commits
    if not session.in_nested_transaction():
        session.info.pop(_AFTER_COMMIT_KEY, None)
