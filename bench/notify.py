"""Notification benchmark: messages delivered per second per `aduan worker`, to a fake Twilio
(SMS) or a fake Telegram Bot API (`--channel telegram`).

Run from the repository root: `.venv/bin/python -m bench.notify` (`--help` for the options).

For each worker count asked for (default 1, then 2), it files M complaints through the app's own
intake (`intake.service.receive`, in this process, with the RQ dispatcher the web process uses),
so M acknowledgement rows wait in the outbox and M jobs in the queue before any worker runs
(with `--gathered`, M/20 jobs of 20 rows, as a web process's gathering makes of a burst).
Then it starts that many `aduan worker` processes, exactly as the Procfile does, and waits until
every row is sent. The rate is taken from the `sent_at` the workers recorded, from the first
send to the one that made 99% of the rows sent, so neither process start-up nor a straggler
(a row whose attempt failed waits for its lease to run out) is in it; the wall time from start
until the last row is printed as well, with the jobs queued for the M rows before the workers
started, and the messages the fake got more than once (none, if claims work). The workers' CPU
per message (user plus system, read from /proc from the first row sent on, so start-up is left
out) moves far less with the machine's other load than the rate does.

The fake answers at once unless `--latency-ms` makes it wait as the provider's API, across an
ocean, does (150 ms and more from Indonesia to Twilio): the rate then shows how many sends a worker
keeps at the provider at once (NOTIFY_SEND_CONCURRENCY, which `--send-concurrency` sets for the
workers), not the CPU a message costs.

Uses the database `aduan_bench_notify` (dropped first), Redis db 12 and the queue
`aduan-bench-notify`.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from itertools import islice

import psycopg
from rq import Queue

from aduan.channels import build_channels
from bench.common import (
    ADUAN,
    DEFAULT_REDIS_URL,
    Complaint,
    FakeProviderProcess,
    Processes,
    cpu_seconds,
    default_database_url,
    fake_provider,
    libpq_dsn,
    make_complaints,
    parse_levels,
    parse_milliseconds,
    prepare_service,
    recreate_database,
    reset_redis,
    run_benchmark,
    scratch_directory,
    service_environment,
    wait_until,
)
from cases.enums import SourceChannel
from core.db import get_engine, open_session
from core.queue import redis_connection
from core.settings import Settings, get_settings
from intake.messages import InboundMessage, ReplyAddress
from intake.schemas import ComplaintIn
from intake.service import receive
from notifications.channels import install
from notifications.dispatch import RQDispatcher
from notifications.enums import Channel

QUEUE = "aduan-bench-notify"


class _Gathered:
    """Holds the ids commits hand over, to enqueue them at the end in jobs of JOB_SIZE rows."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def dispatch(self, notification_ids: Iterable[int]) -> None:
        self.ids.extend(notification_ids)


def queue_acknowledgements(
    settings: Settings, first: int, count: int, *, gathered: bool, channel: str
) -> None:
    """File complaints through intake: each commit enqueues its acknowledgement as a job of
    its own (as a web process with NOTIFY_GATHER_MS=0 does), or, `gathered`, all of them at
    the end in jobs of JOB_SIZE rows (what a web process's gathering makes of a burst)."""
    engine = get_engine(settings.database_url)
    rq = RQDispatcher(settings)
    dispatcher = _Gathered() if gathered else rq
    for complaint in make_complaints(count, first):
        with open_session(engine, dispatcher=dispatcher) as session:
            receive(session, settings, _complaint_via(channel, complaint))
    if isinstance(dispatcher, _Gathered):
        rq.dispatch(dispatcher.ids)


def _complaint_via(channel: str, complaint: Complaint) -> InboundMessage:
    """The complaint as the web API (asking for SMS updates) or a Telegram chat of its own
    hands it to intake."""
    message = ComplaintIn.model_validate(complaint.body).to_message(complaint.key)
    if channel == "sms":
        return message
    chat = ReplyAddress(Channel.telegram, complaint.phone.removeprefix("+"))
    return replace(message, channel=SourceChannel.telegram, reply_to=chat)


@dataclass(frozen=True)
class Batch:
    workers: int
    messages: int
    # from the first send to the one that made 99% of the rows sent
    sending_seconds: float
    wall_seconds: float  # from starting the workers until every row was sent
    jobs: int  # jobs queued for the rows before the workers started
    received: int  # messages the fake provider accepted for these rows
    retried: int  # rows sent at a later attempt than their first
    remarks: tuple[str, ...]  # what the workers logged of failed sends and the sweep
    # the workers' CPU (user plus system) per message, from the first row sent to the last
    cpu_ms: float

    @property
    def rate(self) -> float:
        """Messages per second while the workers were sending. The last 1% is left out: a row
        whose attempt failed waits for its lease to run out, and would stand for the batch."""
        return (math.ceil(self.messages * 0.99) - 1) / self.sending_seconds

    @property
    def duplicates(self) -> int:
        return self.received - self.messages


def sent_since(dsn: str, first_id: int) -> tuple[int, float, int]:
    """Rows from `first_id` on that are sent, seconds from the first send to the 99th
    percentile's, and how many of the sent rows went at a later attempt than their first."""
    with psycopg.connect(dsn) as connection:
        sent, seconds, retried = connection.execute(
            "SELECT count(*), extract(epoch FROM "
            "percentile_disc(0.99) WITHIN GROUP (ORDER BY sent_at) - min(sent_at)), "
            "count(*) FILTER (WHERE attempts > 1) "
            "FROM notifications WHERE id >= %s AND status IN ('sent', 'delivered')",
            (first_id,),
        ).fetchone()
    return sent, float(seconds or 0), retried


# a worker's log lines that explain a late row: a failed send, a job that failed, the sweep
REMARKABLE = (" WARNING ", " ERROR ", " CRITICAL ", "will retry", "re-dispatching")


def worker_remarks(processes: Processes, names: list[str], limit: int = 5) -> tuple[str, ...]:
    lines = (
        f"{name}: {line}"
        for name in names
        for line in processes.log_tail(name, lines=100_000).splitlines()
        if any(mark in line for mark in REMARKABLE)
    )
    return tuple(islice(lines, limit))


def next_notification_id(dsn: str) -> int:
    with psycopg.connect(dsn) as connection:
        return connection.execute("SELECT coalesce(max(id), 0) + 1 FROM notifications").fetchone()[
            0
        ]


def run_batch(
    workers: int,
    first: int,
    count: int,
    *,
    settings: Settings,
    env: dict[str, str],
    processes: Processes,
    provider: FakeProviderProcess,
    timeout: float,
    gathered: bool,
    channel: str,
) -> Batch:
    dsn = libpq_dsn(settings.database_url)
    reset_redis(settings.redis_url, QUEUE)
    first_id = next_notification_id(dsn)
    started = time.monotonic()
    queue_acknowledgements(settings, first, count, gathered=gathered, channel=channel)
    queue = Queue(QUEUE, connection=redis_connection(settings.redis_url))
    jobs = queue.count
    print(
        f"  {count} acknowledgements queued in {time.monotonic() - started:.1f} s "
        f"({jobs} jobs waiting); starting {workers} worker(s)",
        flush=True,
    )
    received_before = provider.count()
    started = time.monotonic()
    names = [f"worker-{workers}-{n}" for n in range(workers)]
    for name in names:
        processes.start(name, [ADUAN, "worker"], env)
    # the workers' start-up (imports, connections) is not a message's cost: their CPU counts
    # from the first row sent on, for the rows sent after that reading
    wait_until(lambda: sent_since(dsn, first_id)[0] > 0, timeout, interval=0.01)
    pids = [pid for name in names for pid in processes.pids(name)]
    cpu_before, sent_before = cpu_seconds(pids), sent_since(dsn, first_id)[0]
    if not wait_until(lambda: sent_since(dsn, first_id)[0] >= count, timeout):
        raise SystemExit(
            f"only {sent_since(dsn, first_id)[0]} of {count} sent after {timeout:.0f} s; "
            f"the first worker's log:\n{processes.log_tail(names[0])}"
        )
    wall = time.monotonic() - started
    cpu_ms = (cpu_seconds(pids) - cpu_before) / max(1, count - sent_before) * 1000
    for name in names:
        processes.stop(name)
    sent, seconds, retried = sent_since(dsn, first_id)
    received = provider.count() - received_before
    return Batch(
        workers,
        sent,
        seconds,
        wall,
        jobs,
        received,
        retried,
        worker_remarks(processes, names),
        cpu_ms,
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-m", "--messages", type=int, default=1000, help="messages per run")
    parser.add_argument(
        "--workers", type=parse_levels, default=[1, 2], help="worker counts (default 1,2)"
    )
    parser.add_argument(
        "--database-url",
        default=default_database_url("notify"),
        help="bench database, dropped and recreated (name must start with aduan_bench)",
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run at most")
    parser.add_argument(
        "--gathered",
        action="store_true",
        help="queue the messages in jobs of several rows, as a web process gathers a burst",
    )
    parser.add_argument(
        "--latency-ms",
        type=parse_milliseconds,
        default=0,
        help="the fake provider answers each message this much later, as the real API's "
        "round trip (default 0)",
    )
    parser.add_argument(
        "--channel",
        choices=["sms", "telegram"],
        default="sms",
        help="acknowledgements by SMS through the fake Twilio, or to Telegram chats through "
        "the fake Bot API (default sms)",
    )
    parser.add_argument(
        "--send-concurrency", type=int, help="NOTIFY_SEND_CONCURRENCY (default: the app's)"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with ExitStack() as stack:
        workdir = stack.enter_context(scratch_directory())
        database_url = recreate_database(args.database_url)
        kind = "twilio" if args.channel == "sms" else "telegram"
        provider = stack.enter_context(fake_provider(kind, args.latency_ms / 1000))
        processes = stack.enter_context(Processes(workdir))
        env = service_environment(
            database_url=database_url,
            redis_url=args.redis_url,
            queue=QUEUE,
            workdir=workdir,
            port=8000,
            provider=provider.endpoint,
        )
        if args.send_concurrency is not None:
            env["NOTIFY_SEND_CONCURRENCY"] = str(args.send_concurrency)
        prepare_service(env, workdir)
        # this process files the complaints with the same settings the workers read
        os.environ.update(env)
        get_settings.cache_clear()
        settings = get_settings()
        install(build_channels())  # as a web process does: intake queues by their limits
        print(
            f"notify: {args.messages} acknowledgements by {args.channel} per run, the fake "
            f"{kind} answering after {args.latency_ms:g} ms; logs in {workdir}"
        )
        batches = []
        for number, workers in enumerate(args.workers):
            batch = run_batch(
                workers,
                number * args.messages,
                args.messages,
                settings=settings,
                env=env,
                processes=processes,
                provider=provider,
                timeout=args.timeout,
                gathered=args.gathered,
                channel=args.channel,
            )
            batches.append(batch)
            print(
                f"  {workers} worker(s): {batch.rate:.1f} messages/s, all sent "
                f"{batch.wall_seconds:.1f} s after start, {batch.jobs} jobs queued for them, "
                f"{batch.received} messages at the fake {kind}, {batch.retried} sent at a "
                f"later attempt, workers' CPU {batch.cpu_ms:.2f} ms a message",
                flush=True,
            )
            for remark in batch.remarks:
                print(f"    {remark}", flush=True)
        report(batches)


def report(batches: list[Batch]) -> None:
    print(
        f"\n{'workers':>7}{'messages':>10}{'messages/s':>12}{'per worker':>12}"
        f"{'wall s':>8}{'jobs':>7}{'sent twice':>12}{'CPU ms/msg':>12}"
    )
    for batch in batches:
        print(
            f"{batch.workers:>7}{batch.messages:>10}{batch.rate:>12.1f}"
            f"{batch.rate / batch.workers:>12.1f}{batch.wall_seconds:>8.1f}{batch.jobs:>7}"
            f"{batch.duplicates:>12}{batch.cpu_ms:>12.2f}"
        )
    if duplicates := sum(batch.duplicates for batch in batches):
        raise SystemExit(f"FAILED: {duplicates} messages reached the fake provider twice")


if __name__ == "__main__":
    run_benchmark(main)
