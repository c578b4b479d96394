"""Statistics and case-list benchmark on a million cases: each endpoint under 300 ms?

Run from the repository root: `.venv/bin/python -m bench.stats` (`--help` for the options).

It creates the database `aduan_bench_stats` (dropped first) with `aduan db upgrade`, COPYs a
city's three years of cases and their history into it (`bench/casegen.py`), computes the daily
summaries from them (`aduan stats rebuild`, timed), runs VACUUM ANALYZE, creates a supervisor
with `aduan users create`, starts `aduan serve --workers 2` as the Procfile does, and times each
endpoint over HTTP as that supervisor: the agency statistics (default range, a whole year and
two years), the first page of the case list and a page 99% deep through it (keyset `cursor`),
and the same two for one agency's in-progress queue. `--every-case` also times, in this
process, the resolution-time percentiles read from the buckets against percentile_cont over
every resolved case of each range, and says whether their numbers are the same.

An endpoint over the goal is taken apart: the same request runs once more through the app in
this process, every SQL statement it sends is timed, and the slowest are printed (with their
EXPLAIN ANALYZE plans under --explain, for every endpoint). `--reuse` keeps a loaded database
(upgrading its schema, which computes the summaries of a database loaded before they existed),
to try an index by hand between runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from contextlib import ExitStack
from datetime import date, timedelta

import httpx
import psycopg
from sqlmodel import Session

from bench.casegen import loaded_service
from bench.common import (
    ADUAN,
    add_loaded_database_options,
    libpq_dsn,
    loaded_database,
    run_aduan,
    run_benchmark,
)
from bench.http_timing import Endpoint, print_table, take_apart, time_endpoints
from cases import stats
from cases.resolution_times import resolution_hours
from core.db import get_engine
from core.settings import get_settings

GOAL_MS = 300.0
SUPERVISOR, PASSWORD = "bench.supervisor", "bench-supervisor-password"
QUEUE = "aduan-bench-stats"


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
        Endpoint("stats, default 12 weeks", "/api/v1/stats/agencies", GOAL_MS),
        Endpoint(
            "stats, one year",
            f"/api/v1/stats/agencies?from={today - timedelta(days=364)}&to={today}",
            GOAL_MS,
        ),
        Endpoint(
            "stats, two years",
            f"/api/v1/stats/agencies?from={today - timedelta(days=729)}&to={today}",
            GOAL_MS,
        ),
        Endpoint("cases, first page", "/api/v1/cases?limit=50", GOAL_MS),
        Endpoint("cases, page 99% deep", f"/api/v1/cases?limit=50&cursor={cases // 100}", GOAL_MS),
        Endpoint(f"{agency} in progress, first page", queue, GOAL_MS),
        Endpoint(
            f"{agency} in progress, 99% deep",
            f"{queue}&cursor={queue_ids[len(queue_ids) * 99 // 100] if queue_ids else 1}",
            GOAL_MS,
        ),
    ]


def compare_percentiles(url: str, runs: int) -> None:
    """The median and p90 resolution hours from the buckets against percentile_cont over every
    resolved case of the range (the query the buckets replaced), run in this process: whether
    both give the same numbers, and the median time of each."""
    engine = get_engine(url)
    timezone = get_settings().city_timezone
    today = date.today()
    print(f"percentiles, median of {runs} runs in this process:")
    for name, days in (("12 weeks", 84), ("one year", 365), ("two years", 730)):
        period = stats.period(today - timedelta(days=days - 1), today, timezone)
        ways = {
            "buckets": lambda session, period=period: resolution_hours(
                session, period.first, period.last, period.start, period.end
            ),
            "every case": lambda session, period=period: stats.resolution_hours_of_every_case(
                session, period
            ),
        }
        answers, medians = {}, {}
        with Session(engine) as session:
            for way, read in ways.items():
                took = []
                for _ in range(runs):
                    started = time.perf_counter()
                    answers[way] = read(session)
                    took.append((time.perf_counter() - started) * 1000)
                medians[way] = statistics.median(took)
        print(
            f"  {name:<10} buckets {medians['buckets']:7.1f} ms, every case "
            f"{medians['every case']:7.1f} ms; the same numbers: "
            f"{answers['buckets'] == answers['every case']}"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_loaded_database_options(parser, "stats")
    parser.add_argument("--runs", type=int, default=7, help="timed requests per endpoint")
    parser.add_argument(
        "--explain", action="store_true", help="take every endpoint apart, with query plans"
    )
    parser.add_argument(
        "--every-case",
        action="store_true",
        help="also time the percentiles over every resolved case, and compare the numbers",
    )
    return loaded_database(parser.parse_args(), "stats")


def main() -> None:
    args = parse_args()
    with ExitStack() as stack:
        url, workdir, processes, port, env = loaded_service(stack, args, QUEUE)
        dsn = libpq_dsn(url)
        with psycopg.connect(dsn, autocommit=True) as connection:
            # as after a load: the buckets' visibility map for index-only scans, and the
            # planner's statistics of the resolution-time indexes' expressions (an upgrade of a
            # reused database made both just now)
            connection.execute("VACUUM ANALYZE agency_day_durations")
            connection.execute("VACUUM ANALYZE agency_month_durations")
            connection.execute("VACUUM ANALYZE cases")
            # a reused database still holds the last run's supervisor and its sign-ins
            connection.execute(
                "DELETE FROM staff_sessions WHERE user_id IN "
                "(SELECT id FROM users WHERE username = %s)",
                (SUPERVISOR,),
            )
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
        headers = {"Authorization": f"Bearer {token}"}
        timings = time_endpoints(base_url, targets, args.runs, headers)
        processes.stop("aduan")
        print_table(timings)
        os.environ.update(env)
        if args.every_case:
            compare_percentiles(url, args.runs)
        slow = [t.endpoint for t in timings if t.over_goal]
        if slow or args.explain:
            take_apart(targets if args.explain else slow, headers, with_plans=args.explain)


if __name__ == "__main__":
    run_benchmark(main)
