"""core.ratelimit: a moving window, counted in the real Redis or in the process's memory."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from limits.errors import StorageError
from redis import Redis

from core.ratelimit import rate_limit, take_together
from core.settings import Settings


@pytest.fixture(params=["redis", "memory"])
def settings(request: pytest.FixtureRequest, redis_connection: Redis) -> Settings:
    """An installation of its own, counting in Redis or in memory."""
    url = None
    if request.param == "redis":
        found = redis_connection.connection_pool.connection_kwargs
        url = f"redis://{found['host']}:{found['port']}/{found['db']}"
    return Settings(redis_url=url, rq_queue=f"aduan-test-{uuid.uuid4().hex[:6]}")


def test_the_window_moves_with_the_clock(settings: Settings) -> None:
    """Two an hour is two in any 60 minutes: a place frees up an hour after its hit, not at
    the turn of the hour, and `wait` says how long until then; each identity counts alone."""
    limit = rate_limit(settings, "test", 2, 3600)
    with time_machine.travel(datetime(2026, 11, 27, 9, 50, tzinfo=UTC), tick=False) as clock:
        assert limit.hit("a")
        clock.shift(timedelta(minutes=20))  # 10:10, past the turn of the hour
        assert limit.wait("a") == 0
        assert limit.hit("a")
        assert not limit.hit("a")
        assert limit.wait("a") == 40 * 60
        assert limit.wait("b") == 0
        clock.shift(timedelta(minutes=40, seconds=1))  # the 9:50 hit has left the window
        assert limit.wait("a") == 0
        assert limit.hit("a")
        assert limit.wait("a") == 20 * 60 - 1


def test_clear_forgets_one_identity(settings: Settings) -> None:
    """Clearing one identity's hits frees it at once and leaves the others' counts alone."""
    limit = rate_limit(settings, "test", 1, 60)
    assert limit.hit("a") and limit.hit("b")
    limit.clear("a")
    assert (limit.wait("a"), limit.wait("b") > 0) == (0, True)


def test_installations_and_names_count_apart(settings: Settings) -> None:
    """Another RQ_QUEUE (another installation) or another limit name has counts of its own."""
    limit = rate_limit(settings, "test", 1, 60)
    assert limit.hit("a")
    other = settings.model_copy(update={"rq_queue": f"{settings.rq_queue}-other"})
    assert rate_limit(other, "test", 1, 60).hit("a")
    assert rate_limit(settings, "other-test", 1, 60).hit("a")
    assert not limit.hit("a")


def test_a_redis_outage_is_a_storage_error() -> None:
    """Callers decide what goes through when Redis is down; they are told by StorageError."""
    down = Settings(redis_url="redis://127.0.0.1:1/0", rq_queue="aduan-test-down")
    limit = rate_limit(down, "test", 1, 60)
    for call in (limit.wait, limit.hit, limit.clear):
        with pytest.raises(StorageError):
            call("a")


def test_take_together_counts_in_every_window_or_in_none(settings: Settings) -> None:
    """Hits taken together count in each window only when none is full; a full one is named
    with its wait, and the other windows keep their places (what `wait` and `hit` read)."""
    wide, narrow = rate_limit(settings, "wide", 5, 3600), rate_limit(settings, "narrow", 1, 60)
    with time_machine.travel(datetime(2026, 11, 27, 9, 0, tzinfo=UTC), tick=False) as clock:
        assert take_together([(wide, "a"), (narrow, "a")]) is None
        clock.shift(timedelta(seconds=20))
        assert take_together([(wide, "a"), (narrow, "a")]) == (1, 40)
        assert take_together([(wide, "b"), (narrow, "a")]) == (1, 40)
        assert (wide.wait("b"), narrow.wait("a")) == (0, 40)
        for _ in range(4):
            assert wide.hit("a")
        assert not wide.hit("a")
        assert take_together([(narrow, "c"), (wide, "a")]) == (1, 3600 - 20)
        assert narrow.hit("c")
