"""A worker's death, as an operator tries it: how long its messages wait, and whether any goes
out twice.

Run from the repository root: `.venv/bin/python -m bench.worker_death` (`--help` for the options).

With no worker running, M complaints (default 300) are filed through the app's own intake and
their acknowledgements queued as a web process's gathering queues a burst (jobs of 20 rows;
`bench.notify`'s helper). Then one `aduan worker` starts, exactly as the Procfile starts it, and
is SIGKILLed (its main process only, as the kernel's OOM killer or `kill -9 PID` does) once the
fake Twilio has accepted K messages (default 37); a new `aduan worker` starts at once. The
benchmark prints the seconds from the kill to the last row recorded as sent, when the rows the
dead worker held went out, and how many messages the fake got twice (a send the provider
accepted and its sender had not recorded when it died is sent again: Twilio takes no
idempotency key). The settings are
the app's defaults (NOTIFY_LEASE_SECONDS, NOTIFY_HEARTBEAT_SECONDS, NOTIFY_SWEEP_SECONDS) unless
`--env NAME=VALUE` overrides one; the fake answers each message after `--latency-ms` (150), a
round trip from Indonesia to Twilio.

Uses the database `aduan_bench_lease` (dropped first), Redis db 12 unless `--redis-url` names
another, and the queue `aduan-bench-lease`.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from contextlib import ExitStack
from datetime import UTC, datetime

import psycopg

from aduan.channels import build_channels
from bench.common import (
    ADUAN,
    DEFAULT_REDIS_URL,
    Processes,
    default_database_url,
    fake_provider,
    libpq_dsn,
    load_average,
    parse_milliseconds,
    prepare_service,
    recreate_database,
    reset_redis,
    run_benchmark,
    scratch_directory,
    service_environment,
    wait_until,
)
from bench.notify import queue_acknowledgements, worker_remarks
from core.settings import get_settings
from notifications.channels import install

QUEUE = "aduan-bench-lease"
SETTINGS = ("NOTIFY_LEASE_SECONDS", "NOTIFY_HEARTBEAT_SECONDS", "NOTIFY_SWEEP_SECONDS")


def rows(dsn: str) -> dict[str, int]:
    """Outbox rows by status."""
    with psycopg.connect(dsn) as connection:
        return dict(
            connection.execute("SELECT status, count(*) FROM notifications GROUP BY status")
        )


def lease_end(dsn: str) -> datetime | None:
    """When the lease on the rows being sent runs out, if nobody renews it."""
    with psycopg.connect(dsn) as connection:
        return connection.execute(
            "SELECT max(lease_until) FROM notifications WHERE status = 'sending'"
        ).fetchone()[0]


def sent_at(dsn: str, row_ids: list[int]) -> tuple[datetime, datetime]:
    """The first and the last `sent_at` of `row_ids`."""
    with psycopg.connect(dsn) as connection:
        return connection.execute(
            "SELECT min(sent_at), max(sent_at) FROM notifications WHERE id = ANY(%s)", (row_ids,)
        ).fetchone()


def held_rows(dsn: str) -> list[int]:
    with psycopg.connect(dsn) as connection:
        query = "SELECT id FROM notifications WHERE status = 'sending'"
        return [row_id for (row_id,) in connection.execute(query)]


def leader(processes: Processes, name: str) -> int:
    """The process `name` started (not the children it forked: RQ's scheduler)."""
    [pid] = [pid for pid in processes.pids(name) if os.getsid(pid) == pid]
    return pid


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-m", "--messages", type=int, default=300, help="complaints queued")
    parser.add_argument(
        "--kill-after", type=int, default=37, help="messages the fake accepted before the kill"
    )
    parser.add_argument(
        "--database-url",
        default=default_database_url("lease"),
        help="bench database, dropped and recreated (name must start with aduan_bench)",
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument(
        "--latency-ms",
        type=parse_milliseconds,
        default=150,
        help="the fake Twilio answers each message this much later (default 150)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the workers other than its default, e.g. NOTIFY_LEASE_SECONDS=120",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait at most")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with ExitStack() as stack:
        workdir = stack.enter_context(scratch_directory())
        database_url = recreate_database(args.database_url)
        fake = stack.enter_context(fake_provider("twilio", args.latency_ms / 1000))
        processes = stack.enter_context(Processes(workdir))
        env = service_environment(
            database_url=database_url,
            redis_url=args.redis_url,
            queue=QUEUE,
            workdir=workdir,
            port=8000,
            provider=fake.endpoint,
        )
        env |= dict(setting.split("=", 1) for setting in args.env)
        reset_redis(args.redis_url, QUEUE)
        prepare_service(env, workdir)
        os.environ.update(env)  # this process files the complaints with the workers' settings
        get_settings.cache_clear()
        settings = get_settings()
        install(build_channels())
        dsn = libpq_dsn(settings.database_url)
        in_effect = ", ".join(
            f"{name}={getattr(settings, name.lower()):g}"
            for name in (*SETTINGS, "PROVIDER_TIMEOUT_SECONDS")
        )
        print(f"worker_death: {in_effect}; the fake answers after {args.latency_ms:g} ms")

        queue_acknowledgements(settings, 0, args.messages, gathered=True, channel="sms")
        print(f"  {args.messages} acknowledgements queued, no worker running", flush=True)
        processes.start("first", [ADUAN, "worker"], env)
        if not wait_until(lambda: fake.count() >= args.kill_after, args.timeout, interval=0.01):
            raise SystemExit(f"the first worker sent nothing:\n{processes.log_tail('first')}")
        first = leader(processes, "first")
        os.kill(first, signal.SIGKILL)
        killed, killed_at = time.monotonic(), datetime.now(UTC)
        at_kill = fake.count()
        processes.start("second", [ADUAN, "worker"], env)
        held, lease_ends = held_rows(dsn), lease_end(dsn)
        orphans = [pid for pid in processes.pids("first") if pid != first]
        print(
            f"  first worker SIGKILLed after the fake accepted {at_kill} messages; "
            f"{len(held)} rows were held by it; a second worker started",
            flush=True,
        )

        if not wait_until(lambda: rows(dsn).get("sent", 0) >= args.messages, args.timeout, 0.1):
            raise SystemExit(
                f"acknowledgements unsent {args.timeout:.0f} s after the kill: {rows(dsn)}\n"
                f"{processes.log_tail('second')}"
            )
        out = time.monotonic() - killed
        all_rows = list(range(1, args.messages + 1))
        recorded = (sent_at(dsn, all_rows)[1] - killed_at).total_seconds()
        everyone = {f"+62812{index:08d}" for index in range(args.messages)}
        missing = len(everyone - fake.recipients())
        twice = fake.count() - args.messages + missing
        load = load_average()
        print(
            f"\n  every acknowledgement out {recorded:.1f} s after the kill (the last row's "
            f"sent_at; seen {out:.1f} s after it, polling every 0.1 s)"
        )
        print(f"  messages the fake got twice: {twice}, none: {missing}")
        if held and lease_ends is not None:
            first_out, last_out = (
                (moment - killed_at).total_seconds() for moment in sent_at(dsn, held)
            )
            print(
                f"  the {len(held)} rows it held: its lease ran out "
                f"{(lease_ends - killed_at).total_seconds():.1f} s after the kill; they were "
                f"sent {first_out:.1f} to {last_out:.1f} s after it"
            )
        for remark in worker_remarks(processes, ["first", "second"], limit=10):
            print(f"    {remark}")
        if orphans:
            print(
                f"  the killed worker's RQ scheduler (pid {', '.join(map(str, orphans))}) "
                "outlived it"
            )
        print(f"  load average {' '.join(load)} (/proc/loadavg, at the end)")


if __name__ == "__main__":
    run_benchmark(main)
