"""Intake benchmark: complaints per second and latency of POST /api/v1/complaints, against a
bare baseline, with every complaint stored and every acknowledgement delivered.

Run from the repository root: `.venv/bin/python -m bench.intake` (`--help` for the options).

It creates the database `aduan_bench_intake` (dropped first) and uses Redis db 12 with the queue
`aduan-bench`, starts the fake Twilio, then:

1. the baseline (`bench/baseline_app.py`: FastAPI, one INSERT, one LPUSH) under uvicorn with 2
   workers, beside its bare worker (`bench/baseline_worker.py`: BRPOP, one SMS to the fake Twilio,
   `sent_at` set), and sends it the complaints;
2. Aduan as the Procfile runs it (`aduan db upgrade`, `aduan routing train`, `aduan serve
   --workers 2`, one `aduan worker`, `aduan scheduler`), and sends it the same complaints.

Before either target runs, the database gets a city's history (`--history` cases and their events,
default 50,000: months of a large city's complaints, made by `bench/casegen.py` and loaded with
COPY), vacuumed and analysed as autovacuum keeps a live database. A table that grows from nothing
during the run has no statistics, and PostgreSQL then plans the duplicate search on the agency's
open cases (0.29-0.34 ms a search on average up to 3,000 cases, growing with them) instead of the
box around the point (0.02-0.03 ms, from pg_stat_statements); `--history 0` measures that empty
start.

Each concurrency level gets its own N complaints (the same ones for both targets, default 3,000),
after a short warm-up. N is large enough for a steady state: at 1,000 the baseline's level lasts
about a second and goes slower, and part of Aduan's delivery work falls after its level, so the
ratio reads high (measured when the baseline did not yet acknowledge: 990/s against
1,210-1,315/s at 3,000 in runs of the same hour, and 0.44x against 0.30-0.36x).

Each complaint asks for SMS updates from its own phone number and comes from its own client address
in X-Forwarded-For, as the city's proxy would set it (`make_complaints`), so the hourly per-sender
limit stays on at its default and is paid for, not switched off. After each level the benchmark
waits, for either target, until the acknowledgements are out (so one level's delivery backlog does
not slow the next) and reports how long after the level's last answer the last one was marked
sent (issue #25's goal: within 10 s at concurrency 16), and the CPU every process of the target's
stack spent per complaint from the level's start to its last acknowledgement (`CpuAccount`; the
web processes, the worker, PostgreSQL's backends on the bench database, Redis, the fake Twilio).
For each target it checks that every complaint is stored exactly once and that one
acknowledgement to each complainant reached the fake Twilio.

`--pause-worker` stops both targets' workers (SIGSTOP) while each level is sent and lets them
deliver after: the throughput of intake alone, an upper bound for any way of making delivery give
way to intake on the same cores (as `WORKER_NICE` tries to), or for a worker on other machines.
It is not the goals' measure, and the report says so.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import httptools
import psycopg
import uvloop
from redis import Redis
from sqlalchemy.engine import make_url

from bench import baseline_app
from bench.casegen import load_cases
from bench.common import (
    ADUAN,
    DEFAULT_REDIS_URL,
    ROOT,
    TICKS,
    Complaint,
    Delivered,
    FakeProviderProcess,
    Processes,
    admin_dsn,
    cpu_ticks,
    default_database_url,
    fake_provider,
    free_port,
    libpq_dsn,
    make_complaints,
    parse_count,
    parse_levels,
    pids_named,
    prepare_service,
    recreate_database,
    reset_redis,
    run_benchmark,
    scratch_directory,
    service_environment,
    wait_until,
)
from bench.loadgen import Connection
from notifications.enums import MessageKind

QUEUE = "aduan-bench"
WARMUP = 32  # per target, at concurrency 4: loads the routing model in both web workers
# the goal of issue #6 at concurrency 16
GOAL_CONCURRENCY, GOAL_RATIO, GOAL_P99_MS = 16, 0.5, 250.0
# issue #25's, against the baseline with its worker: every acknowledgement out this soon
ACK_GOAL_RATIO, ACK_GOAL_SECONDS = 0.6, 10.0


@dataclass
class LevelResult:
    concurrency: int
    seconds: float = 0.0
    # CPU the load generator itself used: near 1 per second, it (not the server) sets the pace
    client_cpu_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    # what went wrong with the requests that got no answer (status 0)
    errors: Counter[str] = field(default_factory=Counter)
    # what each accepted complaint was answered with: Aduan's tracking code, the baseline's id
    answers: list[str] = field(default_factory=list)
    # wall-clock time (epoch seconds) the level's last answer came back
    finished_at: float = 0.0

    @property
    def ok(self) -> int:
        return sum(count for status, count in self.statuses.items() if 200 <= status < 300)

    @property
    def rate(self) -> float:
        """Complaints accepted per second."""
        return self.ok / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[98]


async def send_all(base_url: str, complaints: list[Complaint], concurrency: int) -> LevelResult:
    """POST every complaint with `concurrency` requests in flight, each on its own keep-alive
    connection, timing each one."""
    result = LevelResult(concurrency)
    pending = iter(complaints)
    url = urlsplit(base_url)

    async def sender() -> None:
        connection = Connection(url.hostname or "127.0.0.1", url.port or 80)
        try:
            for complaint in pending:
                started = time.perf_counter()
                try:
                    response = await connection.post_json(
                        "/api/v1/complaints", complaint.body, complaint.headers
                    )
                except (OSError, EOFError, httptools.HttpParserError) as exc:
                    result.statuses[0] += 1
                    result.errors[f"{type(exc).__name__}: {exc}"] += 1
                    continue
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.statuses[response.status] += 1
                if response.status == 201:
                    answer = response.json()
                    result.answers.append(str(answer.get("tracking_code", answer.get("id"))))
        finally:
            connection.close()

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    result.client_cpu_seconds = time.process_time() - cpu
    result.finished_at = time.time()
    return result


def load(base_url: str, complaints: list[Complaint], concurrency: int) -> LevelResult:
    # the load generator's own full garbage collection (60 ms over what it has imported) would
    # stop every request it is timing and show up as server latency, for both targets alike
    gc.collect()
    gc.freeze()
    try:
        return uvloop.run(send_all(base_url, complaints, concurrency))
    finally:
        gc.unfreeze()


# what a filed complaint is answered with: its acknowledgement, or, when routing finds it is a
# matter for a body outside the city, where to take it instead (one message either way)
FIRST_ANSWERS = [MessageKind.acknowledgement.value, MessageKind.referred.value]


def first_answers(connection: psycopg.Connection) -> dict[str, int]:
    """The outbox rows that answer a filing, counted by status."""
    rows = connection.execute(
        "SELECT status, count(*) FROM notifications WHERE kind = ANY(%s) GROUP BY status",
        (FIRST_ANSWERS,),
    ).fetchall()
    return dict(rows)


# how many acknowledgements a target has marked sent, and when it marked the last one
ADUAN_SENT = (
    "SELECT count(*) FILTER (WHERE status IN ('sent', 'delivered')), max(sent_at) "
    "FROM notifications WHERE kind = ANY(%s)",
    (FIRST_ANSWERS,),
)
BASELINE_SENT = (f"SELECT count(sent_at), max(sent_at) FROM {baseline_app.TABLE}", ())


class Acknowledgements:
    """Follows the acknowledgements of what one target accepted: after each level, waits until
    they are all marked sent (`sent`: a query answering the count and the last `sent_at`) and
    at the fake Twilio, so one level's backlog does not slow the next, and prints how long
    after the level's last answer the last acknowledgement went out (the goal's 10 s).

    The fake's messages from before it was made (another target's) are not counted."""

    def __init__(
        self,
        dsn: str,
        twilio: FakeProviderProcess,
        processes: Processes,
        worker: str,
        sent: tuple[str, tuple[object, ...]],
        timeout: float,
    ) -> None:
        self.dsn, self.twilio, self.processes, self.timeout = dsn, twilio, processes, timeout
        self.worker, self.sent = worker, sent
        self._before = twilio.count()
        self.expected = 0
        self.codes: list[str] = []
        self.lags: dict[int, float] = {}  # by concurrency: the goal's figure

    def at_twilio(self) -> int:
        """Messages the fake Twilio accepted from this target."""
        return self.twilio.count() - self._before

    def received(self) -> list[Delivered]:
        """The messages the fake Twilio accepted from this target, in order."""
        return self.twilio.messages(self._before)

    def marked(self) -> tuple[int, datetime | None]:
        with psycopg.connect(self.dsn) as connection:
            return connection.execute(*self.sent).fetchone()

    def delivered(self) -> bool:
        return self.marked()[0] >= self.expected and self.at_twilio() >= self.expected

    def after_level(self, result: LevelResult) -> None:
        self.codes.extend(result.answers)
        self.expected += result.ok
        if not wait_until(self.delivered, self.timeout):
            raise SystemExit(
                f"after {self.timeout:.0f} s, {self.expected} acknowledgements expected, "
                f"{self.marked()[0]} marked sent, fake Twilio got {self.at_twilio()}; the "
                f"worker's log:\n{self.processes.log_tail(self.worker)}"
            )
        last = self.marked()[1]
        lag = last.timestamp() - result.finished_at if last else 0.0
        self.lags[result.concurrency] = lag
        print(
            f"  acknowledgements at concurrency {result.concurrency}: the last sent {lag:.1f} s "
            "after the level's last answer",
            flush=True,
        )


Readings = dict[str, dict[int, int]]  # CPU ticks by pid, by part of the stack


def _seconds_spent(since: Readings, now: Readings, name: str) -> float:
    before = since.get(name, {})
    # a process started during the level (a new database connection) counts whole
    return sum(ticks - before.get(pid, 0) for pid, ticks in now.get(name, {}).items()) / TICKS


class CpuAccount:
    """CPU each part of the stack spends on a level's complaints, acknowledgements included.

    Throughput moves with the machine's neighbours from run to run; what the whole stack
    spends per complaint moves much less, and shows where the cores go. Read from /proc before
    a level and after its last acknowledgement was sent, so the worker's share counts even
    when it gave way during the level and caught up afterwards.

    PostgreSQL's part is the backends connected to the bench's database at each reading (other
    sessions' databases on the same server are left out, and so are the server's shared
    processes: WAL writer, checkpointer, background writer); a backend that connected and left
    between two readings is missed, which the targets' connection pools make rare.
    """

    def __init__(
        self,
        processes: Processes,
        twilio: FakeProviderProcess,
        database_url: str,
        web: str,
        worker: str,
    ) -> None:
        self.processes, self.twilio, self.web, self.worker = processes, twilio, web, worker
        self.admin_dsn, self.database = admin_dsn(database_url), make_url(database_url).database
        self._before: Readings = {}
        self._level_end: Readings = {}

    def _backends(self) -> list[int]:
        """The server processes serving the bench's database now (asked from the maintenance
        database, so the asking connection is not among them)."""
        with psycopg.connect(self.admin_dsn) as connection:
            rows = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.database,)
            )
            return [pid for (pid,) in rows]

    def _now(self) -> Readings:
        groups = {name: self.processes.pids(name) for name in (self.web, self.worker, "scheduler")}
        groups |= {
            "PostgreSQL": self._backends(),
            "Redis": pids_named("redis-server"),
            "fake Twilio": [self.twilio.pid] if self.twilio.pid else [],
        }
        return {name: cpu_ticks(pids) for name, pids in groups.items()}

    def start(self) -> None:
        self._before = self._now()

    def level_sent(self) -> None:
        """Marks the level's last answer: how much of the worker's part fell within the level
        tells how far delivery gave way to intake."""
        self._level_end = self._now()

    def report(self, result: LevelResult) -> None:
        """Print milliseconds per accepted complaint for each part, and their sum: over the
        level and its deliveries, and within the level alone (what the level's rate paid for;
        the two differ by the deliveries after the level)."""
        now = self._now()
        spent = self._per_part(result, self._before, now)
        print(f"  CPU ms per complaint, over the level and its deliveries: {spent}", flush=True)
        if self._level_end:
            within = self._per_part(result, self._before, self._level_end)
            print(f"  CPU ms per complaint, within the level: {within}", flush=True)
        worker = _seconds_spent(self._before, now, self.worker)
        if worker and self._level_end:
            during = _seconds_spent(self._before, self._level_end, self.worker)
            print(
                f"  the worker's CPU during the level ({result.seconds:.2f} s): {during:.2f} s of "
                f"its {worker:.2f} s ({during / worker:.0%})",
                flush=True,
            )

    def _per_part(self, result: LevelResult, since: Readings, until: Readings) -> str:
        spent = {"load generator": result.client_cpu_seconds}
        shown = {self.web: "web", self.worker: "worker"}
        for name in until:
            spent[shown.get(name, name)] = _seconds_spent(since, until, name)
        per = {name: seconds / result.ok * 1000 for name, seconds in spent.items() if seconds}
        parts = ", ".join(
            f"{name} {ms:.2f}" for name, ms in sorted(per.items(), key=lambda x: -x[1])
        )
        return f"{parts}; all {sum(per.values()):.2f}"


@dataclass(frozen=True)
class Target:
    """One server under load and how to start it."""

    name: str
    command: list[str]
    env: dict[str, str]
    port: int


def measure(
    target: Target,
    processes: Processes,
    batches: list[list[Complaint]],
    levels: list[int],
    after_level: Callable[[LevelResult], None] | None = None,
    account: CpuAccount | None = None,
    hold: str | None = None,
) -> list[LevelResult]:
    """Start `target`, warm it up, send each level its batch, stop it; `after_level` sees
    every batch's result, the warm-up's included. The process `hold` names is paused while a
    level's complaints are sent."""
    base_url = f"http://127.0.0.1:{target.port}"
    processes.start(target.name, target.command, target.env)
    processes.wait_healthy(target.name, f"{base_url}/healthz")
    warmup = load(base_url, batches[0], 4)
    if warmup.ok != len(batches[0]):
        raise SystemExit(
            f"{target.name} refused warm-up complaints: {dict(warmup.statuses)}\n"
            f"{processes.log_tail(target.name)}"
        )
    if after_level:
        after_level(warmup)
    results = []
    for concurrency, batch in zip(levels, batches[1:], strict=True):
        if account:
            account.start()
        with processes.paused(hold) if hold else nullcontext():
            result = load(base_url, batch, concurrency)
            if account:
                account.level_sent()
        results.append(result)
        print(
            f"  {target.name:<8} concurrency {concurrency:>3}: {result.rate:7.1f}/s, "
            f"p50 {result.p50:6.1f} ms, p99 {result.p99:6.1f} ms, "
            f"statuses {dict(result.statuses)}, "
            f"load generator CPU {result.client_cpu_seconds / result.seconds:.0%}",
            flush=True,
        )
        for error, count in result.errors.items():
            print(f"    {count} x {error}", flush=True)
        if after_level:
            after_level(result)
        if account:
            account.report(result)
    processes.stop(target.name)
    return results


def load_history(dsn: str, count: int) -> int:
    """`count` cases filed before the run, with the statistics autovacuum would have taken;
    checkpointed, so that writing the load out does not fall into the timed levels."""
    if count:
        load_cases(dsn, count)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        connection.execute("CHECKPOINT")
    return count


def verify_service(
    dsn: str, acknowledgements: Acknowledgements, sent: list[Complaint]
) -> list[str]:
    """Problems found: complaints not stored exactly once, acknowledgements not delivered."""
    codes = acknowledgements.codes
    problems = []
    with psycopg.connect(dsn) as connection:
        # the history's cases have no idempotency key: they came from no benchmark request
        cases, keys = connection.execute(
            "SELECT count(*), count(DISTINCT intake_key) FROM cases WHERE intake_key IS NOT NULL"
        ).fetchone()
        stored = {
            row[0]
            for row in connection.execute(
                "SELECT tracking_code FROM cases WHERE intake_key IS NOT NULL"
            )
        }
        by_status = first_answers(connection)
    print(
        f"stored: {cases} cases for {len(sent)} complaints sent, {keys} distinct idempotency "
        f"keys, {len(set(codes))} tracking codes answered, all of them stored: "
        f"{set(codes) <= stored}"
    )
    if not (cases == keys == len(sent) == len(set(codes)) and set(codes) == stored):
        problems.append("a complaint was lost or stored twice")
    delivered = by_status.get("sent", 0) + by_status.get("delivered", 0)
    messages, problem = _messages_once(acknowledgements, sent)
    print(f"aduan's acknowledgements: {by_status} in the outbox; {messages}")
    if delivered != len(sent) or problem:
        problems.append("an acknowledgement was not delivered, or delivered twice")
    return problems


def verify_baseline(
    dsn: str,
    redis_url: str,
    list_key: str,
    acknowledgements: Acknowledgements,
    sent: list[Complaint],
) -> list[str]:
    """Problems found: the baseline lost a complaint, or did not acknowledge each exactly once.
    Run before the next target sends through the same fake Twilio."""
    with psycopg.connect(dsn) as connection:
        rows, marked = connection.execute(
            f"SELECT count(*), count(sent_at) FROM {baseline_app.TABLE}"
        ).fetchone()
    redis = Redis.from_url(redis_url)
    left = redis.llen(list_key)
    redis.close()
    messages, problem = _messages_once(acknowledgements, sent)
    print(
        f"baseline: {rows} rows for {len(sent)} complaints sent, {marked} marked sent, {left} "
        f"left in the queue; {messages}"
    )
    problems = [] if rows == len(sent) and left == 0 else ["the baseline lost complaints"]
    if marked != rows or problem:
        problems.append("a baseline acknowledgement was not sent, or sent twice")
    return problems


def _messages_once(acknowledgements: Acknowledgements, sent: list[Complaint]) -> tuple[str, bool]:
    """What the fake Twilio received from a target, and whether it was other than one message
    to each complaint's number (each complaint comes from a number of its own)."""
    received = acknowledgements.received()
    recipients = {message.recipient for message in received}
    expected = {complaint.phone for complaint in sent}
    text = (
        f"fake Twilio received {len(received)} messages, every complainant's number among them: "
        f"{expected <= recipients}"
    )
    return text, not (len(received) == len(sent) and recipients == expected)


def report(
    baseline: list[LevelResult],
    service: list[LevelResult],
    lags: dict[str, dict[int, float]],
    worker_paused: bool,
) -> None:
    print(
        f"\n{'target':<9}{'conc':>5}{'ok':>7}{'complaints/s':>14}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'last ack s':>12}{'vs baseline':>13}"
    )
    for base, ours in zip(baseline, service, strict=True):
        for name, result in (("baseline", base), ("aduan", ours)):
            ratio = f"{ours.rate / base.rate:.2f}x" if name == "aduan" else ""
            print(
                f"{name:<9}{result.concurrency:>5}{result.ok:>7}{result.rate:>14.1f}"
                f"{result.p50:>9.1f}{result.p99:>9.1f}"
                f"{lags[name][result.concurrency]:>12.1f}{ratio:>13}"
            )
    for base, ours in zip(baseline, service, strict=True):
        if ours.concurrency == GOAL_CONCURRENCY:
            ratio = ours.rate / base.rate
            print(
                f"goal at concurrency {GOAL_CONCURRENCY}: throughput {ratio:.2f}x baseline "
                f"(>= {GOAL_RATIO}x: {'met' if ratio >= GOAL_RATIO else 'MISSED'}), "
                f"p99 {ours.p99:.0f} ms (<= {GOAL_P99_MS:.0f} ms: "
                f"{'met' if ours.p99 <= GOAL_P99_MS else 'MISSED'})"
            )
            lag = lags["aduan"][ours.concurrency]
            print(
                f"goal of #25 at concurrency {GOAL_CONCURRENCY}: throughput {ratio:.2f}x the "
                f"acknowledging baseline (>= {ACK_GOAL_RATIO}x: "
                f"{'met' if ratio >= ACK_GOAL_RATIO else 'MISSED'}), last acknowledgement "
                f"{lag:.1f} s after the last answer (<= {ACK_GOAL_SECONDS:.0f} s: "
                f"{'met' if lag <= ACK_GOAL_SECONDS else 'MISSED'})"
            )
    if worker_paused:
        print(
            "both targets' workers were paused during each level (--pause-worker): these "
            "figures leave delivery's share of the cores out and are not the goals' measure"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=3000, help="complaints per concurrency level")
    parser.add_argument(
        "--concurrency",
        type=parse_levels,
        default=[16, 64],
        help="comma-separated levels (default 16,64)",
    )
    parser.add_argument(
        "--database-url",
        default=default_database_url("intake"),
        help="bench database, dropped and recreated (name must start with aduan_bench)",
    )
    parser.add_argument(
        "--history", type=parse_count, default=50_000, help="cases already stored before the run"
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--pause-worker",
        action="store_true",
        help="pause both targets' workers while each level is sent (intake alone; not the "
        "goals' measure)",
    )
    parser.add_argument(
        "--delivery-timeout",
        type=float,
        default=600,
        help="seconds to wait for the acknowledgements of one level",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    complaints = make_complaints(WARMUP + args.n * len(args.concurrency))
    batches = [complaints[:WARMUP]] + [
        complaints[WARMUP + i * args.n : WARMUP + (i + 1) * args.n]
        for i in range(len(args.concurrency))
    ]
    with ExitStack() as stack:
        workdir = stack.enter_context(scratch_directory())
        database_url = recreate_database(args.database_url)
        dsn = libpq_dsn(database_url)
        reset_redis(args.redis_url, QUEUE)
        twilio = stack.enter_context(fake_provider("twilio"))
        processes = stack.enter_context(Processes(workdir))
        port = free_port()
        env = service_environment(
            database_url=database_url,
            redis_url=args.redis_url,
            queue=QUEUE,
            workdir=workdir,
            port=port,
            provider=twilio.endpoint,
        )
        prepare_service(env, workdir)
        history = load_history(dsn, args.history)
        with psycopg.connect(dsn) as connection:
            connection.execute(baseline_app.CREATE_TABLE)
        print(
            f"intake: {args.n} complaints per level at concurrency {args.concurrency}, "
            f"{args.web_workers} web workers, {history} cases stored before; logs in {workdir}",
            flush=True,
        )

        list_key = f"{QUEUE}:baseline"
        baseline_env = env | {
            "BASELINE_DATABASE_URL": database_url,
            "BASELINE_REDIS_URL": args.redis_url,
            "BASELINE_LIST": list_key,
        }
        # run from the scratch directory as the others are: `bench` is found through the path
        python_path = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        processes.start(
            "baseline-worker",
            [sys.executable, "-m", "bench.baseline_worker"],
            baseline_env | {"PYTHONPATH": python_path},
        )
        baseline_acknowledgements = Acknowledgements(
            dsn, twilio, processes, "baseline-worker", BASELINE_SENT, args.delivery_timeout
        )
        baseline = measure(
            Target(
                "baseline",
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "bench.baseline_app:create_app",
                    "--factory",
                    "--app-dir",
                    str(ROOT),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(args.web_workers),
                ],
                baseline_env,
                port,
            ),
            processes,
            batches,
            args.concurrency,
            after_level=baseline_acknowledgements.after_level,
            account=CpuAccount(processes, twilio, database_url, "baseline", "baseline-worker"),
            hold="baseline-worker" if args.pause_worker else None,
        )
        processes.stop("baseline-worker")
        problems = verify_baseline(
            dsn, args.redis_url, list_key, baseline_acknowledgements, complaints
        )

        processes.start("worker", [ADUAN, "worker"], env)
        processes.start("scheduler", [ADUAN, "scheduler"], env)
        acknowledgements = Acknowledgements(
            dsn, twilio, processes, "worker", ADUAN_SENT, args.delivery_timeout
        )
        serve = [ADUAN, "serve", "--host", "127.0.0.1", "--port", str(port)]
        service = measure(
            Target("aduan", [*serve, "--workers", str(args.web_workers)], env, port),
            processes,
            batches,
            args.concurrency,
            after_level=acknowledgements.after_level,
            account=CpuAccount(processes, twilio, database_url, "aduan", "worker"),
            hold="worker" if args.pause_worker else None,
        )
        print()
        problems += verify_service(dsn, acknowledgements, complaints)
        lags = {"baseline": baseline_acknowledgements.lags, "aduan": acknowledgements.lags}
        report(baseline, service, lags, args.pause_worker)
        if problems:
            raise SystemExit("FAILED: " + "; ".join(problems))
        print("every complaint stored exactly once, every acknowledgement delivered")


if __name__ == "__main__":
    run_benchmark(main)
