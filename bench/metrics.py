"""Time a Prometheus scrape of `/metrics` over a large outbox and case table, with the plans of
the two queries it runs (unsent messages per channel, open SLA breaches per agency).

Loads `--cases` cases (`bench/casegen.py`) and `--messages` outbox rows, `--unsent` of them not
yet out (spread over the channels, written over the last hour) and the rest sent, into a
PostgreSQL database of its own; starts `aduan serve --workers 2` with a scrape token and prints
the scrape's median and slowest time over `--runs` scrapes, then EXPLAIN (ANALYZE, BUFFERS) of
both queries.
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import ExitStack

import httpx
import psycopg

from bench.casegen import loaded_service
from bench.common import (
    ADUAN,
    add_loaded_database_options,
    libpq_dsn,
    loaded_database,
    run_benchmark,
)
from cases.enums import CLOCK_STATUSES
from notifications.enums import Channel, NotificationStatus

QUEUE = "aduan-bench-metrics"
TOKEN = "bench-scrape-token-0123456789"
CHANNELS = tuple(channel.value for channel in Channel)


def _listed(values: object) -> str:
    return ", ".join(f"'{value}'" for value in sorted(str(value) for value in values))


# the scrape's queries (notifications.service.unsent_by_channel, cases.stats.open_breaches),
# written out for EXPLAIN with the same status lists; `now()` where the app binds the time
QUERIES = {
    "unsent by channel": (
        "SELECT channel, count(*), min(created_at) FROM notifications "
        f"WHERE status IN ({_listed((NotificationStatus.pending, NotificationStatus.sending))}) "
        "GROUP BY channel"
    ),
    "open SLA breaches": (
        "SELECT agency_id, count(*) FROM cases "
        f"WHERE status IN ({_listed(CLOCK_STATUSES)}) AND due_at < now() GROUP BY agency_id"
    ),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_loaded_database_options(parser, "metrics")
    parser.add_argument("--messages", type=int, default=4_000_000, help="outbox rows in all")
    parser.add_argument("--unsent", type=int, default=1_000, help="of them not yet out")
    parser.add_argument("--runs", type=int, default=20, help="timed scrapes")
    return loaded_database(parser.parse_args(), "metrics")


def load_outbox(dsn: str, messages: int, unsent: int) -> None:
    """`messages` rows of erased recipients (the one kind that needs no contact row), the last
    `unsent` of them pending; replaces any outbox the database held."""
    sent = messages - unsent
    # one channel after another: psycopg takes a lone percent sign for a placeholder
    channels = "(ARRAY['" + "','".join(CHANNELS) + f"'])[1 + mod(n, {len(CHANNELS)})]"
    started = time.monotonic()
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("DELETE FROM notifications")
        connection.execute(
            "INSERT INTO notifications (reference, kind, channel, language, body, subject, "
            "status, attempts, next_attempt_at, created_at, sent_at, recipient_erased_at) "
            f"SELECT 'BENCH-' || n, 'acknowledgement', {channels}, 'id', 'Aduan diterima', '', "
            "CASE WHEN n > %(sent)s THEN 'pending' ELSE 'sent' END, 1, "
            "now() - (%(total)s - n) * interval '1 second', "
            "now() - (%(total)s - n) * interval '1 second', "
            "CASE WHEN n > %(sent)s THEN NULL ELSE now() END, now() "
            "FROM generate_series(1, %(total)s) AS n",
            {"sent": sent, "total": messages},
        )
        connection.execute("VACUUM ANALYZE notifications")
    print(f"loaded {messages} outbox rows ({unsent} unsent) in {time.monotonic() - started:.0f} s")


def explain(dsn: str) -> None:
    with psycopg.connect(dsn) as connection:
        for name, query in QUERIES.items():
            plan = connection.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}").fetchall()
            print(f"\n{name}:")
            for (line,) in plan:
                print(f"  {line}")


def main() -> None:
    args = parse_args()
    with ExitStack() as stack:
        url, _, processes, port, env = loaded_service(stack, args, QUEUE, METRICS_TOKEN=TOKEN)
        dsn = libpq_dsn(url)
        load_outbox(dsn, args.messages, args.unsent)
        base_url = f"http://127.0.0.1:{port}"
        processes.start("aduan", [ADUAN, "serve", "--port", str(port), "--workers", "2"], env)
        processes.wait_healthy("aduan", f"{base_url}/healthz")
        headers = {"Authorization": f"Bearer {TOKEN}"}
        timings = []
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            client.get("/metrics").raise_for_status()  # each worker's first is a warm-up
            client.get("/metrics").raise_for_status()
            for _ in range(args.runs):
                started = time.perf_counter()
                client.get("/metrics").raise_for_status()
                timings.append((time.perf_counter() - started) * 1000)
        processes.stop("aduan")
        print(
            f"\nscrape of /metrics, {args.cases} cases, {args.messages} outbox rows "
            f"({args.unsent} unsent), {args.runs} runs: median {statistics.median(timings):.1f} "
            f"ms, slowest {max(timings):.1f} ms"
        )
        explain(dsn)


if __name__ == "__main__":
    run_benchmark(main)
