"""Where a read that may be a moment behind goes: a PostgreSQL streaming replica while it
answers and keeps up, the primary otherwise."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.db import get_replica_engine
from core.settings import Settings

log = logging.getLogger(__name__)

# how long a measured lag (or a replica found down) is believed before it is measured again
RECHECK_S = 1.0

# Seconds the replica is behind the primary. `now() - pg_last_xact_replay_timestamp()` alone
# grows on an idle primary, where there is nothing to replay: a replica that has replayed all
# the WAL it received from a primary it still streams from is not behind at all. Otherwise (WAL
# received but not replayed, replay paused, or no primary to stream from) it is as far behind as
# the last transaction it replayed, which overstates the lag of a replica that just woke up
# from an idle spell: for at most RECHECK_S its reads go to the primary, the safe side. A server
# that is not in recovery (a promoted replica) is never behind.
LAG_SQL = sa.text(
    """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
             AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
        ELSE coalesce(
            extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 'Infinity'
        )
    END
    """
)


class ReadRouting:
    """The engine reads that tolerate a moment's delay use: `replica` while it answers and is
    at most `max_lag_s` behind, else `primary`; without a replica, always `primary`.

    The lag is measured at most every RECHECK_S by whichever caller finds it stale (the
    others meanwhile go where the last measurement said); a switch between the two is logged
    once, when it happens.
    """

    def __init__(
        self,
        primary: Engine,
        replica: Engine | None,
        max_lag_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.max_lag_s = max_lag_s
        self._clock = clock
        self._lock = threading.Lock()
        self._checked_at = -float("inf")
        self._on_replica: bool | None = None  # None: not measured yet
        self._why_not = "not measured yet"

    def engine(self) -> Engine:
        """Where a read goes now."""
        if self.replica is None:
            return self.primary
        if self._clock() - self._checked_at >= RECHECK_S and self._lock.acquire(blocking=False):
            try:
                if self._clock() - self._checked_at >= RECHECK_S:
                    self._settle(self._why_not_replica())
            finally:
                self._lock.release()
        return self.replica if self._on_replica else self.primary

    def replica_failed(self, exc: BaseException) -> None:
        """A read found the replica down: the next ones go to the primary until it answers."""
        with self._lock:
            self._settle(_unreachable(exc))

    def _why_not_replica(self) -> str | None:
        assert self.replica is not None
        try:
            with self.replica.connect() as connection:
                lag = float(connection.execute(LAG_SQL).scalar_one())
        except sa.exc.SQLAlchemyError as exc:
            return _unreachable(exc)
        return f"{lag:.1f} s behind" if lag > self.max_lag_s else None

    def _settle(self, why_not: str | None) -> None:
        self._checked_at = self._clock()
        on_replica = why_not is None
        if on_replica != self._on_replica:
            if on_replica:
                log.info("reads go to the replica (until now: %s)", self._why_not)
            else:
                log.warning("reads go to the primary: the replica is %s", why_not)
        self._on_replica = on_replica
        if why_not is not None:
            self._why_not = why_not


def read_routing(primary: Engine, settings: Settings) -> ReadRouting:
    """The routing DATABASE_READ_URL and READ_REPLICA_MAX_LAG_S ask for."""
    replica = get_replica_engine(settings.database_read_url) if settings.database_read_url else None
    return ReadRouting(primary, replica, settings.read_replica_max_lag_s)


def _unreachable(exc: BaseException) -> str:
    # the driver's error class only: its message may name the host and the user
    cause = getattr(exc, "orig", None) or exc
    return f"unreachable ({cause.__class__.__name__})"
