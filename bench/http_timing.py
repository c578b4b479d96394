"""Timing read endpoints over HTTP against a running `aduan serve`, and taking a slow one apart.

What bench/stats.py and bench/public_map.py share: each endpoint is asked once to warm up, then
`runs` times in a row; the table gives the median, the 90th percentile and the rows the answer
held. An endpoint whose median is over its goal runs once more through the app in this process
(a TestClient on the settings the environment holds); the request and every SQL statement it
sends are timed, so the time spent outside SQL shows too, and the slowest statements are
printed, with their plans under `with_plans` (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN
on SQLite).
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Endpoint:
    """A GET to time; `goal_ms` None: no goal set for it. `rows` counts what an answer holds
    (items of a page, entries of a feed); None where that means nothing."""

    name: str
    path: str
    goal_ms: float | None = None
    rows: Callable[[httpx.Response], int] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Timing:
    endpoint: Endpoint
    milliseconds: list[float]
    rows: int | None

    @property
    def median(self) -> float:
        return statistics.median(self.milliseconds)

    @property
    def p90(self) -> float:
        """The 90th percentile (of few runs: close to the slowest)."""
        if len(self.milliseconds) < 2:
            return self.milliseconds[0]
        return statistics.quantiles(self.milliseconds, n=10, method="inclusive")[-1]

    @property
    def over_goal(self) -> bool:
        return self.endpoint.goal_ms is not None and self.median > self.endpoint.goal_ms


def time_endpoints(
    base_url: str, targets: list[Endpoint], runs: int, headers: dict[str, str] | None = None
) -> list[Timing]:
    """Each endpoint once to warm up, then `runs` times in a row, on one kept-alive connection."""
    timings = []
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        for endpoint in targets:
            client.get(endpoint.path).raise_for_status()
            spent = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(endpoint.path)
                response.raise_for_status()
                spent.append((time.perf_counter() - started) * 1000)
            rows = endpoint.rows(response) if endpoint.rows else None
            timings.append(Timing(endpoint, spent, rows))
            print(
                f"  {endpoint.name:<40} min {min(spent):7.1f}  median "
                f"{statistics.median(spent):7.1f}  max {max(spent):7.1f} ms",
                flush=True,
            )
    return timings


def print_table(timings: list[Timing]) -> None:
    """Median, p90, rows, goal and verdict per endpoint."""
    print(f"\n{'endpoint':<40} {'median':>8} {'p90':>8} {'rows':>6} {'goal':>6}  verdict")
    for timing in timings:
        goal = timing.endpoint.goal_ms
        verdict = (
            "no goal set"
            if goal is None
            else "OVER the goal"
            if timing.over_goal
            else "within the goal"
        )
        print(
            f"{timing.endpoint.name:<40} {timing.median:8.1f} {timing.p90:8.1f} "
            f"{'-' if timing.rows is None else timing.rows:>6} "
            f"{'-' if goal is None else f'{goal:.0f}':>6}  {verdict}"
        )
    print("(milliseconds)")


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: object
    milliseconds: float


@contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[Statement]]:
    """Every statement `engine` runs meanwhile, with the time to its last row fetched."""
    recorded: list[Statement] = []
    started: dict[int, float] = {}

    def before(connection, cursor, sql, parameters, context, executemany) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(connection, cursor, sql, parameters, context, executemany) -> None:
        spent = (time.perf_counter() - started.pop(id(cursor))) * 1000
        recorded.append(Statement(sql, parameters, spent))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield recorded
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def explain(engine: Engine, statement: Statement) -> str:
    """The statement's plan as run: EXPLAIN ANALYZE on PostgreSQL, the query plan on SQLite."""
    prefix = (
        "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    )
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement.sql, statement.parameters)
        return "\n".join(str(row[-1]) for row in rows)


def take_apart(
    targets: list[Endpoint], headers: dict[str, str] | None = None, *, with_plans: bool
) -> None:
    """Run each endpoint through the app in this process, printing its statements by time.

    The app's settings come from the environment: the caller puts the service's there first.
    """
    with warnings.catch_warnings():  # starlette's advice about httpx versions, not ours
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from aduan.app import create_app
    from core.db import get_engine
    from core.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    engine = get_engine(settings.database_url)
    with TestClient(create_app(settings), headers=headers) as client:
        for endpoint in targets:
            client.get(endpoint.path).raise_for_status()  # warm caches as the timed runs did
            with recorded_statements(engine) as statements:
                started = time.perf_counter()
                client.get(endpoint.path).raise_for_status()
                spent = (time.perf_counter() - started) * 1000
            total = sum(s.milliseconds for s in statements)
            print(
                f"\n{endpoint.name}: {spent:.1f} ms in the app, of which {len(statements)} "
                f"statements {total:.1f} ms in SQL"
            )
            for statement in sorted(statements, key=lambda s: -s.milliseconds)[:5]:
                print(f"  {statement.milliseconds:8.1f} ms  {' '.join(statement.sql.split())}")
                if with_plans and statement.milliseconds >= max(5.0, total / 10):
                    print("    " + explain(engine, statement).replace("\n", "\n    "))
