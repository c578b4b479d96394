"""Statistics and case-list benchmark on a million cases: each endpoint under 300 ms?

Run from the repository root: `.venv/bin/python -m bench.stats` (`--help` for the options).

It creates the database `aduan_bench_stats` (dropped first) with `aduan db upgrade`, COPYs a
city's three years of cases and their history into it (`bench/casegen.py`), runs VACUUM ANALYZE,
creates a supervisor with `aduan users create`, starts `aduan serve --workers 2` as the Procfile
does, and times each endpoint over HTTP as that supervisor: the agency statistics (default
range and a whole year), the first page of the case list and a page 99% deep through it (keyset
`cursor`), and the same two for one agency's in-progress queue.

An endpoint over the goal is taken apart: the same request runs once more through the app in
this process, every SQL statement it sends is timed, and the slowest are printed (with their
EXPLAIN ANALYZE plans under --explain, for every endpoint). `--reuse` keeps a loaded database,
to try an index by hand between runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench.casegen import load_cases
from bench.common import (
    ADUAN,
    DEFAULT_REDIS_URL,
    Processes,
    default_database_url,
    free_port,
    libpq_dsn,
    recreate_database,
    run_aduan,
    run_benchmark,
    scratch_directory,
    service_environment,
)
from core.settings import normalise_database_url

GOAL_MS = 300.0
SUPERVISOR, PASSWORD = "bench.supervisor", "bench-supervisor-password"
QUEUE = "aduan-bench-stats"


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str


def endpoints(dsn: str, cases: int) -> list[Endpoint]:
    """What a supervisor's and an officer's screens ask for, at the top and deep down."""
    today = date.today()
    with psycopg.connect(dsn) as connection:
        agency = connection.execute(
            "SELECT a.code FROM cases c JOIN agencies a ON a.id = c.agency_id "
            "GROUP BY a.code ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        queue_ids = [
            row[0]
            for row in connection.execute(
                "SELECT c.id FROM cases c JOIN agencies a ON a.id = c.agency_id "
                "WHERE a.code = %s AND c.status = 'in_progress' ORDER BY c.id DESC",
                (agency,),
            )
        ]
    queue = f"/api/v1/cases?agency={agency}&status=in_progress"
    return [
        Endpoint("stats, default 12 weeks", "/api/v1/stats/agencies"),
        Endpoint(
            "stats, one year",
            f"/api/v1/stats/agencies?from={today - timedelta(days=364)}&to={today}",
        ),
        Endpoint("cases, first page", "/api/v1/cases?limit=50"),
        Endpoint("cases, page 99% deep", f"/api/v1/cases?limit=50&cursor={cases // 100}"),
        Endpoint(f"{agency} in progress, first page", queue),
        Endpoint(
            f"{agency} in progress, 99% deep",
            f"{queue}&cursor={queue_ids[len(queue_ids) * 99 // 100] if queue_ids else 1}",
        ),
    ]


@dataclass(frozen=True)
class Timing:
    endpoint: Endpoint
    milliseconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.milliseconds)


def time_endpoints(base_url: str, token: str, targets: list[Endpoint], runs: int) -> list[Timing]:
    """Each endpoint once to warm up, then `runs` times in a row."""
    timings = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        for endpoint in targets:
            client.get(endpoint.path).raise_for_status()
            spent = []
            for _ in range(runs):
                started = time.perf_counter()
                client.get(endpoint.path).raise_for_status()
                spent.append((time.perf_counter() - started) * 1000)
            timings.append(Timing(endpoint, spent))
            print(
                f"  {endpoint.name:<34} min {min(spent):7.1f}  median "
                f"{statistics.median(spent):7.1f}  max {max(spent):7.1f} ms",
                flush=True,
            )
    return timings


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
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.parameters
        )
        return "\n".join(row[0] for row in rows)


def take_apart(targets: list[Endpoint], token: str, *, with_plans: bool) -> None:
    """Run each endpoint through the app in this process, printing its statements by time."""
    with warnings.catch_warnings():  # starlette's advice about httpx versions, not ours
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from aduan.app import create_app
    from core.db import get_engine
    from core.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    engine = get_engine(settings.database_url)
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}) as client:
        for endpoint in targets:
            client.get(endpoint.path).raise_for_status()  # warm caches as the timed runs did
            with recorded_statements(engine) as statements:
                client.get(endpoint.path).raise_for_status()
            total = sum(s.milliseconds for s in statements)
            print(f"\n{endpoint.name}: {len(statements)} statements, {total:.1f} ms in SQL")
            for statement in sorted(statements, key=lambda s: -s.milliseconds)[:5]:
                print(f"  {statement.milliseconds:8.1f} ms  {' '.join(statement.sql.split())}")
                if with_plans and statement.milliseconds >= max(5.0, total / 10):
                    print("    " + explain(engine, statement).replace("\n", "\n    "))


def prepare_database(url: str, cases: int, reuse: bool, workdir: Path, env: dict[str, str]) -> None:
    """A schema with `cases` cases and their history, unless --reuse finds one already."""
    dsn = libpq_dsn(url)
    if reuse:
        try:
            with psycopg.connect(dsn) as connection:
                found = connection.execute("SELECT count(*) FROM cases").fetchone()[0]
        except psycopg.Error:
            found = None
        if found == cases:
            print(f"reusing {url}: {found} cases")
            return
    recreate_database(url)
    run_aduan(["db", "upgrade"], env, workdir)
    started = time.monotonic()
    loaded, events = load_cases(dsn, cases)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE cases")
        connection.execute("VACUUM ANALYZE case_events")
    print(
        f"loaded {loaded} cases and {events} history rows with COPY, vacuumed and analysed, "
        f"in {time.monotonic() - started:.0f} s",
        flush=True,
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7, help="timed requests per endpoint")
    parser.add_argument(
        "--database-url",
        default=default_database_url("stats"),
        help="bench database, dropped and recreated (name must start with aduan_bench)",
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database if it holds --cases cases"
    )
    parser.add_argument(
        "--explain", action="store_true", help="take every endpoint apart, with query plans"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    url = normalise_database_url(args.database_url)
    with ExitStack() as stack:
        workdir = stack.enter_context(scratch_directory())
        processes = stack.enter_context(Processes(workdir))
        port = free_port()
        env = service_environment(
            database_url=url, redis_url=args.redis_url, queue=QUEUE, workdir=workdir, port=port
        )
        prepare_database(url, args.cases, args.reuse, workdir, env)
        dsn = libpq_dsn(url)
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute("DELETE FROM users WHERE username = %s", (SUPERVISOR,))
        run_aduan(["users", "create", SUPERVISOR, "--role", "supervisor"], env, workdir, PASSWORD)
        base_url = f"http://127.0.0.1:{port}"
        processes.start("aduan", [ADUAN, "serve", "--port", str(port), "--workers", "2"], env)
        processes.wait_healthy("aduan", f"{base_url}/healthz")
        token = httpx.post(
            f"{base_url}/api/v1/auth/token", data={"username": SUPERVISOR, "password": PASSWORD}
        ).json()["access_token"]
        targets = endpoints(dsn, args.cases)
        print(f"stats: {args.cases} cases, {args.runs} runs per endpoint, goal {GOAL_MS:.0f} ms")
        timings = time_endpoints(base_url, token, targets, args.runs)
        processes.stop("aduan")
        slow = [t.endpoint for t in timings if t.median > GOAL_MS]
        for timing in timings:
            verdict = "OVER the goal" if timing.median > GOAL_MS else "within the goal"
            print(f"{timing.endpoint.name:<34} median {timing.median:7.1f} ms: {verdict}")
        if slow or args.explain:
            os.environ.update(env)
            take_apart(targets if args.explain else slow, token, with_plans=args.explain)


if __name__ == "__main__":
    run_benchmark(main)
