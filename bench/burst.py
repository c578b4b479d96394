"""A flood morning, end to end (#25): residents' complaints through the Telegram and Twilio
webhooks while officers work the console; every one acknowledged once, and how soon.

Run from the repository root: `.venv/bin/python -m bench.burst` (`--help` for the options).

It loads a city's cases as the other benchmarks over a loaded database do (database
`aduan_bench_burst` unless --database-url says otherwise; `--reuse` keeps a loaded one), starts
the fake Twilio and the fake Telegram Bot API, each in a process of its own answering after
`--latency-ms` (150, a round trip from Indonesia), and the service as the Procfile runs it
(`aduan serve --workers 2`, one `aduan worker`, `aduan scheduler`) pointed at both.

Then `--complaints` residents (3,000) write in over `--seconds` (300), each from a Telegram chat
or a phone number of their own (new to the service on every run), each with a held-out
complaint text (bench.common.make_complaints):
- on WhatsApp, Telegram and SMS as the city's chat complaints came in (bench.casegen.CHANNELS
  without the web form: 46%, 31%, 23%);
- arriving as on a flood morning: the times are drawn for a rate that rises from nothing to
  twice the mean half-way and falls back (a Poisson process of intensity proportional to
  sin²(pi t / seconds), given its count: 20/s at the peak for the defaults), or, with
  `--steady`, at a constant rate (Poisson at complaints / seconds);
- posted as the platforms post them: Twilio's form signed with X-Twilio-Signature over
  PUBLIC_BASE_URL + the path, Telegram's Update with the secret token header.
A resident the bot asks "Apakah ini aduan?" (or tells "this looks like a question") answers 1
at once, as the question asks, and is counted; any other answer that files nothing (a text too
short, a question answered from the FAQ) counts the complaint as not filed, with the answer.

Meanwhile `--officers` officers (3) of the agencies with the most cases, created with `aduan
users create`, each in a process of its own, read their console queue, open the newest case
that came in since they began and move it to in_progress through the staff API (which queues
the resident a status message), `--officer-pause` (2 s) apart.

When the last resident has written it waits until the outbox has nothing left to send, then
prints: the complaints sent and the webhooks' answers by status, webhook latency, the cases
filed and acknowledged, the seconds from each resident's first POST to the acknowledgement
reaching the fake provider (and where they went: the webhook, the outbox and worker), the
officers' reads and status changes, the messages at each fake, anything sent twice or not at
all, and the load average before, at its highest during, and after. It exits non-zero when a
goal is missed: an acknowledgement missing, a 5xx (or no answer at all), a message sent twice
or left unsent, p99 webhook to acknowledgement of 10 s or more.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import math
import multiprocessing
import random
import re
import secrets
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection as Pipe

import httptools
import httpx
import psycopg
import uvloop
from redis import Redis
from rq import Queue
from twilio.request_validator import RequestValidator

from bench.casegen import CHANNELS, loaded_service
from bench.common import (
    ADUAN,
    SMS_FROM,
    WHATSAPP_FROM,
    Delivered,
    FakeProviderProcess,
    Processes,
    TelegramEndpoint,
    TwilioEndpoint,
    add_loaded_database_options,
    cpu_seconds,
    fake_provider,
    libpq_dsn,
    load_average,
    loaded_database,
    make_complaints,
    parse_milliseconds,
    percentile,
    provider_environment,
    reset_redis,
    run_aduan,
    run_benchmark,
    wait_until,
)
from bench.loadgen import Connection, Response
from bench.officers import api_sign_in, busiest_agencies, console_sign_in, ensure_officer
from intake.chat_text import ASK_IS_COMPLAINT, ASK_IS_QUESTION, say
from notifications.enums import MessageKind
from tests.bots.telegram_payloads import text as telegram_text
from tests.channels import inbound, twiml_texts

QUEUE = "aduan-bench-burst"
TELEGRAM_PATH, TWILIO_PATH = "/webhooks/telegram", "/webhooks/twilio"
FIRST_CHAT = 6_100_000_000  # the Telegram chat ids of the residents count up from here
GOAL_P99_SECONDS = 10.0
# what the bot asks of words it cannot tell are a complaint; a resident answers 1 to file them
ASKED = frozenset(
    say(language, ask) for language in ("id", "en") for ask in (ASK_IS_COMPLAINT, ASK_IS_QUESTION)
)
CHAT_CHANNELS = [(name, weight) for name, weight in CHANNELS if name != "web"]
# the first message a filed complaint owes its resident, with its tracking code (a matter for a
# body outside the city is referred at once: cases.citizen.acknowledgement)
ACKNOWLEDGEMENTS = frozenset({MessageKind.acknowledgement, MessageKind.referred})
WARMUP = 12  # residents who write before the flood, four a second
POLL_SECONDS = 0.2  # how often the fakes are asked what they accepted
SERVICE = ("web", "worker", "scheduler")  # the Procfile's processes, as Processes names them
TRACKING_CODE = re.compile(r'href="/console/cases/([0-9A-Z]{4}-[0-9A-Z]{4,6})"')


@dataclass
class Resident:
    """One complaint's sender and what became of it."""

    channel: str  # telegram, sms or whatsapp
    text: str
    address: str  # the phone number, or the Telegram chat id
    arrives: float  # seconds after the flood began
    posted_at: float | None = None  # time.time() at its first webhook POST
    answered_in: float | None = None  # seconds the webhook took to answer that POST
    acknowledged_in: float | None = None  # seconds from that POST to the acknowledgement
    answered: bool = False  # the bot asked whether it is a complaint, and the resident said 1
    heard: list[str] = field(default_factory=list)  # what the bot said to them, in order

    @property
    def recipient(self) -> str:
        """The address as the fake provider records the messages to it."""
        return f"whatsapp:{self.address}" if self.channel == "whatsapp" else self.address


def arrivals(count: int, seconds: float, steady: bool, rng: random.Random) -> list[float]:
    """`count` arrival times in [0, seconds), sorted: uniform (a Poisson process given its
    count), or with density proportional to sin²(pi t / seconds), by rejection."""
    times: list[float] = []
    while len(times) < count:
        moment = rng.uniform(0, seconds)
        if steady or rng.random() < math.sin(math.pi * moment / seconds) ** 2:
            times.append(moment)
    return sorted(times)


def residents(count: int, seconds: float, steady: bool, first: int) -> list[Resident]:
    """The flood's residents; `first` numbers their phones and chats past those of any
    earlier run, so each is new to the service."""
    rng = random.Random(25)
    names, weights = zip(*CHAT_CHANNELS, strict=True)
    complaints = make_complaints(count, first)
    return [
        Resident(
            channel,
            complaint.body["text"],
            str(FIRST_CHAT + first + index) if channel == "telegram" else complaint.phone,
            moment,
        )
        for index, (complaint, moment, channel) in enumerate(
            zip(
                complaints,
                arrivals(count, seconds, steady, rng),
                rng.choices(names, weights, k=count),
                strict=True,
            )
        )
    ]


class Webhooks:
    """Posts a resident's words to the service as their platform would."""

    def __init__(self, base_url: str, twilio: TwilioEndpoint, telegram_secret: str) -> None:
        self.signer = RequestValidator(twilio.auth_token)
        self.twilio_url = base_url + TWILIO_PATH  # PUBLIC_BASE_URL + the path: what is signed
        self.telegram_headers = {"X-Telegram-Bot-Api-Secret-Token": telegram_secret}
        # Telegram numbers its updates; from the run's start in microseconds, unique across runs
        self.update_ids = itertools.count(time.time_ns() // 1000)

    async def post(self, connection: Connection, resident: Resident, words: str) -> Response:
        if resident.channel == "telegram":
            update = telegram_text(words, int(resident.address))
            update["update_id"] = next(self.update_ids)
            return await connection.post_json(TELEGRAM_PATH, update, self.telegram_headers)
        whatsapp = resident.channel == "whatsapp"
        fields = inbound(
            words,
            whatsapp=whatsapp,
            From=resident.recipient,
            To=WHATSAPP_FROM if whatsapp else SMS_FROM,
            **({"WaId": resident.address.removeprefix("+")} if whatsapp else {}),
        )
        signature = self.signer.compute_signature(self.twilio_url, fields)
        return await connection.post_form(TWILIO_PATH, fields, {"X-Twilio-Signature": signature})


class Flood:
    """Sends the residents' messages at their times, answers the bot's questions as they
    would, and keeps what came back: the webhooks' answers and what the fakes accepted."""

    def __init__(
        self,
        people: list[Resident],
        port: int,
        webhooks: Webhooks,
        fakes: dict[str, FakeProviderProcess],
        redis: Redis,
    ) -> None:
        self.people, self.port, self.webhooks, self.fakes = people, port, webhooks, fakes
        self.by_recipient = {resident.recipient: resident for resident in people}
        self.redis = redis
        self.idle: list[Connection] = []  # keep-alive connections not in use
        self.statuses: Counter[tuple[str, int]] = Counter()  # (channel, status)
        self.errors: Counter[str] = Counter()  # requests that got no answer
        self.webhook_seconds: dict[str, list[float]] = defaultdict(list)
        self.delivered: dict[str, list[Delivered]] = {name: [] for name in fakes}
        self.most_jobs = 0  # the most jobs seen waiting in the worker's queue
        self.highest_load = 0.0
        self._answers: set[asyncio.Task] = set()

    async def run(self) -> None:
        """Every resident writes at their time; returns when the last answer is in."""
        began = time.monotonic()
        await asyncio.gather(*(self._writes(resident, began) for resident in self.people))
        while self._answers:
            await asyncio.gather(*self._answers)

    async def watch(self, stop: asyncio.Event) -> None:
        """Follow what the fakes accept until `stop` is set, then once more."""
        while not stop.is_set():
            self.poll()
            await asyncio.sleep(POLL_SECONDS)
        self.poll()

    def poll(self) -> None:
        for name, fake in self.fakes.items():
            seen = self.delivered[name]
            for message in fake.messages(len(seen)):
                seen.append(message)
                if (resident := self.by_recipient.get(message.recipient)) is not None:
                    self._heard(resident, message.text)
        self.most_jobs = max(self.most_jobs, self.redis.llen(f"rq:queue:{QUEUE}"))
        self.highest_load = max(self.highest_load, float(load_average()[0]))

    async def _writes(self, resident: Resident, began: float) -> None:
        await asyncio.sleep(began + resident.arrives - time.monotonic())
        resident.posted_at = time.time()
        resident.answered_in = await self._post(resident, resident.text)

    async def _post(self, resident: Resident, words: str) -> float | None:
        """Post `words`; returns the seconds the answer took, None for no answer."""
        connection = self.idle.pop() if self.idle else Connection("127.0.0.1", self.port)
        started = time.perf_counter()
        try:
            response = await self.webhooks.post(connection, resident, words)
        except (OSError, EOFError, httptools.HttpParserError) as exc:
            self.errors[f"{type(exc).__name__}: {exc}"] += 1
            return None
        finally:
            self.idle.append(connection)
        took = time.perf_counter() - started
        self.webhook_seconds[resident.channel].append(took)
        self.statuses[(resident.channel, response.status)] += 1
        if resident.channel != "telegram" and response.status == 200:  # TwiML: the replies
            for reply in twiml_texts(response):
                self._heard(resident, reply)
        return took

    def _heard(self, resident: Resident, words: str) -> None:
        resident.heard.append(words)
        if words in ASKED and not resident.answered:
            resident.answered = True
            self._spawn(self._post(resident, "1"))

    def _spawn(self, coroutine: Coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)


def officer(base_url: str, username: str, seconds: float, pause: float, out: Pipe) -> None:
    """Sign in to the console and the staff API; until `seconds` are up, read the queue, open
    the newest case that came in since the start and move it to in_progress (or, with none,
    open a case of the queue). Sends back the milliseconds of each read, the answers that
    were not 200 and the status changes made."""
    reads: list[float] = []
    failed: Counter[str] = Counter()
    moved = 0
    with httpx.Client(base_url=base_url, timeout=60, follow_redirects=False) as client:
        cookie = {"Cookie": console_sign_in(client, username)}
        bearer = {"Authorization": api_sign_in(client, username)}

        def read(path: str) -> list[str]:
            """The tracking codes the page links to."""
            started = time.perf_counter()
            response = client.get(path, headers=cookie)
            reads.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                failed[f"GET {response.status_code}"] += 1
            return TRACKING_CODE.findall(response.text)

        older = set(read("/console"))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            codes = read("/console")
            fresh = [code for code in codes if code not in older]
            if fresh:
                older.add(fresh[0])
                read(f"/console/cases/{fresh[0]}")
                moving = client.post(
                    f"/api/v1/cases/{fresh[0]}/transitions",
                    json={"status": "in_progress"},
                    headers=bearer,
                )
                if moving.status_code == 200:
                    moved += 1
                else:
                    failed[f"POST {moving.status_code}"] += 1
            elif codes:
                read(f"/console/cases/{random.choice(codes)}")
            time.sleep(pause)
    out.send((reads, dict(failed), moved))


@dataclass(frozen=True)
class Row:
    """An outbox row owed to one of the residents."""

    recipient: str
    kind: str
    status: str
    body: str
    created_at: datetime
    sent_at: datetime | None


def starting_ids(dsn: str) -> tuple[int, int]:
    """The highest contact and notification ids before the run."""
    with psycopg.connect(dsn) as connection:
        return connection.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM contacts), "
            "(SELECT coalesce(max(id), 0) FROM notifications)"
        ).fetchone()


def unsent(dsn: str, after: int) -> int:
    """Rows to citizens queued during the run that are not yet sent (nor given up on)."""
    with psycopg.connect(dsn) as connection:
        return connection.execute(
            "SELECT count(*) FROM notifications WHERE id > %s AND contact_id IS NOT NULL "
            "AND status IN ('pending', 'sending')",
            (after,),
        ).fetchone()[0]


def outbox(dsn: str, after: int) -> list[Row]:
    with psycopg.connect(dsn) as connection:
        rows = connection.execute(
            "SELECT CASE WHEN t.channel = 'whatsapp' THEN 'whatsapp:' || t.address "
            "ELSE t.address END, n.kind, n.status, n.body, n.created_at, n.sent_at "
            "FROM notifications n JOIN contacts t ON t.id = n.contact_id "
            "WHERE n.id > %s ORDER BY n.id",
            (after,),
        ).fetchall()
    return [Row(*row) for row in rows]


def filed(dsn: str, after_contact: int) -> dict[str, str]:
    """Tracking codes of the cases the residents filed, by recipient."""
    with psycopg.connect(dsn) as connection:
        rows = connection.execute(
            "SELECT CASE WHEN t.channel = 'whatsapp' THEN 'whatsapp:' || t.address "
            "ELSE t.address END, c.tracking_code "
            "FROM cases c JOIN contacts t ON t.id = c.contact_id WHERE t.id > %s",
            (after_contact,),
        ).fetchall()
    return dict(rows)


def seconds_summary(values: list[float]) -> str:
    if len(values) < 2:
        return f"{len(values)} values"
    return (
        f"p50 {statistics.median(values):.2f}, p95 {percentile(values, 0.95):.2f}, "
        f"p99 {percentile(values, 0.99):.2f}, max {max(values):.2f} s"
    )


def milliseconds_summary(values: list[float]) -> str:
    if len(values) < 2:
        return f"{len(values)} values"
    return f"p50 {statistics.median(values):.0f} ms, p99 {percentile(values, 0.99):.0f} ms"


class Verdict:
    """The goals, met or missed, and the figures that show them."""

    def __init__(self) -> None:
        self.goals: list[tuple[str, bool]] = []

    def goal(self, name: str, met: bool) -> None:
        self.goals.append((name, met))

    def report(self) -> None:
        print("goals: " + "; ".join(f"{n}: {'met' if ok else 'MISSED'}" for n, ok in self.goals))
        missed = [name for name, ok in self.goals if not ok]
        if missed:
            raise SystemExit("FAILED: " + "; ".join(missed))


def report_webhooks(flood: Flood, verdict: Verdict) -> None:
    people = flood.people
    by_channel = Counter(resident.channel for resident in people)
    answered = sum(resident.answered for resident in people)
    print(
        f"complaints sent: {len(people)} ({', '.join(f'{c} {n}' for c, n in by_channel.items())})"
        f"; asked whether it is a complaint and answered 1: {answered}"
    )
    statuses = ", ".join(
        f"{channel} {status}: {count}"
        for (channel, status), count in sorted(flood.statuses.items())
    )
    server_errors = sum(n for (_, status), n in flood.statuses.items() if status >= 500)
    print(
        f"webhook answers: {statuses}; 5xx: {server_errors}; no answer: "
        f"{dict(flood.errors) or 'none'}"
    )
    everything = [s for seconds in flood.webhook_seconds.values() for s in seconds]
    print(
        f"webhook latency: all {milliseconds_summary([s * 1000 for s in everything])}; "
        + "; ".join(
            f"{channel} {milliseconds_summary([s * 1000 for s in seconds])}"
            for channel, seconds in sorted(flood.webhook_seconds.items())
        )
    )
    verdict.goal("no 5xx, every webhook answered", not server_errors and not flood.errors)


def report_deliveries(
    flood: Flood, rows: list[Row], codes: dict[str, str], verdict: Verdict
) -> None:
    """The acknowledgements and their times; anything sent twice or not at all."""
    at_fake: dict[str, list[Delivered]] = defaultdict(list)
    for message in itertools.chain.from_iterable(flood.delivered.values()):
        at_fake[message.recipient].append(message)
    not_filed = [r for r in flood.people if r.recipient not in codes]
    print(f"filed: {len(codes)} cases; not filed: {len(not_filed)}")
    for answer, count in Counter(
        r.heard[0][:70] if r.heard else "(no answer)" for r in not_filed
    ).most_common(5):
        print(f"  {count} x the bot answered: {answer!r}")

    ack_seconds, webhook_to_row, row_to_sent, fake_to_sent = [], [], [], []
    acknowledged = 0
    for row in rows:
        if row.kind not in ACKNOWLEDGEMENTS:
            continue
        arrived = [m.at for m in at_fake[row.recipient] if m.text == row.body]
        if not arrived or row.sent_at is None:
            continue
        acknowledged += 1
        resident = flood.by_recipient[row.recipient]
        first_post = resident.posted_at or 0.0
        resident.acknowledged_in = arrived[0] - first_post
        ack_seconds.append(resident.acknowledged_in)
        webhook_to_row.append(row.created_at.timestamp() - first_post)
        row_to_sent.append((row.sent_at - row.created_at).total_seconds())
        fake_to_sent.append(row.sent_at.timestamp() - arrived[0])
    print(f"acknowledged (at the fake provider): {acknowledged} of {len(codes)} filed")
    print(
        f"  first webhook POST -> acknowledgement at the provider: {seconds_summary(ack_seconds)}"
    )
    print(f"    first POST -> outbox row committed: {seconds_summary(webhook_to_row)}")
    print(f"    row committed -> recorded sent by the worker: {seconds_summary(row_to_sent)}")
    print(f"    (at the provider -> recorded sent: {seconds_summary(fake_to_sent)})")
    print(f"  worker queue: at most {flood.most_jobs} jobs seen waiting")
    verdict.goal("every filed complaint acknowledged", acknowledged == len(codes))

    owed: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        if row.status in ("sent", "delivered"):
            owed[row.recipient][row.body] += 1
    twice = 0
    for recipient, messages in at_fake.items():
        got = Counter(message.text for message in messages)
        twice += sum(n - max(owed[recipient][text], 1) for text, n in got.items() if n > 1)
    missing: Counter[tuple[str, str]] = Counter()  # rows recorded sent, not at the fake
    for row in rows:
        if row.status in ("sent", "delivered") and not any(
            message.text == row.body for message in at_fake[row.recipient]
        ):
            channel = row.recipient.split(":")[0] if ":" in row.recipient else "sms/telegram"
            missing[(row.kind, channel)] += 1
    lost = sum(missing.values())
    left = [row for row in rows if row.status not in ("sent", "delivered")]
    kinds = Counter((row.kind, row.status) for row in rows)
    print(
        "outbox rows to the residents: "
        + ", ".join(f"{kind} {status}: {n}" for (kind, status), n in sorted(kinds.items()))
    )
    print(
        "messages at the fakes: "
        + ", ".join(f"{name} {len(messages)}" for name, messages in flood.delivered.items())
        + f"; sent twice: {twice}; recorded sent but never at the fake: {lost}; "
        f"rows left unsent: {len(left)}"
    )
    if missing:
        print(f"  not at the fake, by kind and channel: {dict(missing)}")
    verdict.goal("nothing sent twice", twice == 0)
    verdict.goal("every row sent, once", lost == 0 and not left)
    if len(ack_seconds) >= 2:
        p99 = percentile(ack_seconds, 0.99)
        verdict.goal(
            f"p99 webhook -> acknowledgement {p99:.2f} s < {GOAL_P99_SECONDS:g} s",
            p99 < GOAL_P99_SECONDS,
        )


def report_timeline(people: list[Resident], seconds: float, parts: int = 10) -> None:
    """Webhook and acknowledgement times of the complaints that arrived in each tenth of the
    flood: where, as the rate rose and fell, the time went."""
    print("by arrival, tenths of the flood: complaints; webhook p99 ms; acknowledgement p50/p99 s")
    for part in range(parts):
        group = [r for r in people if int(r.arrives / seconds * parts) == part]
        webhook = [r.answered_in * 1000 for r in group if r.answered_in is not None]
        acks = [r.acknowledged_in for r in group if r.acknowledged_in is not None]
        late = (
            f"{statistics.median(acks):6.1f} / {percentile(acks, 0.99):6.1f}"
            if len(acks) >= 2
            else "-"
        )
        shown = f"{percentile(webhook, 0.99):6.0f}" if len(webhook) >= 2 else "-"
        print(f"  {part * seconds / parts:5.0f} s: {len(group):5d}; {shown}; {late}")


def report_officers(agencies: list[str], results: list[tuple[list[float], dict, int]]) -> None:
    reads = [ms for spent, _, _ in results for ms in spent]
    failed: Counter[str] = Counter()
    for _, failures, _ in results:
        failed.update(failures)
    moved = sum(count for _, _, count in results)
    print(
        f"officers ({', '.join(agencies)}): {len(reads)} console reads, "
        f"{milliseconds_summary(reads)}; {moved} status changes; "
        f"not 200: {dict(failed) or 'none'}"
    )


def _setting(value: str) -> tuple[str, str]:
    """NAME=VALUE as a pair; argparse reports anything else as a bad --env."""
    name, equals, setting = value.partition("=")
    if not equals or not name:
        raise ValueError("give NAME=VALUE")
    return name, setting


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_loaded_database_options(parser, "burst")
    parser.add_argument(
        "--complaints", type=int, default=3000, help="residents writing in (default 3000)"
    )
    parser.add_argument(
        "--seconds", type=float, default=300.0, help="the flood's length in seconds (default 300)"
    )
    parser.add_argument(
        "--steady", action="store_true", help="a constant arrival rate instead of a rise and fall"
    )
    parser.add_argument(
        "--officers", type=int, default=3, help="officers working meanwhile (default 3)"
    )
    parser.add_argument(
        "--officer-pause",
        type=float,
        default=2.0,
        help="seconds an officer waits between steps (default 2)",
    )
    parser.add_argument(
        "--latency-ms",
        type=parse_milliseconds,
        default=150,
        help="the fake providers answer each call this much later (default 150)",
    )
    parser.add_argument(
        "--env",
        action="append",
        type=_setting,
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the service other than its default, e.g. NOTIFY_GATHER_MS=500",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=600.0,
        help="seconds to wait after the flood for the outbox to empty (default 600)",
    )
    return loaded_database(parser.parse_args(), "burst")


def start_service(processes: Processes, env: dict[str, str], port: int, redis: Redis) -> None:
    """The Procfile's processes, up and settled: the web process answers, and the worker is
    done with the jobs the scheduler queues when it starts (a flood comes to a service that
    has been running)."""
    web, worker, scheduler = SERVICE
    processes.start(web, [ADUAN, "serve", "--port", str(port), "--workers", "2"], env)
    processes.start(worker, [ADUAN, "worker"], env)
    processes.start(scheduler, [ADUAN, "scheduler"], env)
    processes.wait_healthy(web, f"http://127.0.0.1:{port}/healthz")
    queue = Queue(QUEUE, connection=redis)
    started = time.monotonic()
    # RQ's cron scheduler queues its jobs once it has started, and logs it
    if not wait_until(lambda: "Enqueued job" in processes.log_tail("scheduler"), 120):
        raise SystemExit(f"the scheduler queued nothing:\n{processes.log_tail('scheduler')}")
    if not wait_until(lambda: not queue.count and not queue.started_job_registry.count, 600):
        raise SystemExit(f"the worker is still busy after 600 s:\n{processes.log_tail('worker')}")
    print(f"  the worker was idle {time.monotonic() - started:.0f} s after start-up", flush=True)


def start_officers(
    base_url: str, names: list[str], args: argparse.Namespace
) -> list[tuple[multiprocessing.Process, Pipe]]:
    """Each officer in a process of their own, working for the flood's length."""
    context = multiprocessing.get_context("fork")
    started = []
    for name in names:
        receiving, sending = context.Pipe(duplex=False)
        clerk = context.Process(
            target=officer, args=(base_url, name, args.seconds, args.officer_pause, sending)
        )
        clerk.start()
        started.append((clerk, receiving))
    return started


def main() -> None:
    args = parse_args()
    with ExitStack() as stack:
        twilio = stack.enter_context(fake_provider("twilio", args.latency_ms / 1000))
        telegram = stack.enter_context(fake_provider("telegram", args.latency_ms / 1000))
        secret = secrets.token_urlsafe(24)
        assert isinstance(twilio.endpoint, TwilioEndpoint)
        assert isinstance(telegram.endpoint, TelegramEndpoint)
        extra = provider_environment(twilio.endpoint) | provider_environment(telegram.endpoint)
        extra |= dict(args.env)
        url, workdir, processes, port, env = loaded_service(
            stack, args, QUEUE, TELEGRAM_WEBHOOK_SECRET=secret, **extra
        )
        reset_redis(args.redis_url, QUEUE)
        run_aduan(["routing", "train"], env, workdir)
        agencies = busiest_agencies(url, args.officers)
        names = [f"petugas-burst-{index}" for index in range(len(agencies))]
        for name, agency in zip(names, agencies, strict=True):
            ensure_officer(url, env, workdir, name, agency)
        dsn = libpq_dsn(url)
        redis = Redis.from_url(args.redis_url)
        stack.callback(redis.close)
        start_service(processes, env, port, redis)
        base_url = f"http://127.0.0.1:{port}"
        webhooks = Webhooks(base_url, twilio.endpoint, secret)
        fakes = {"twilio": twilio, "telegram": telegram}

        # a few residents first: each web process loads its routing model and opens its
        # connections, as a service that has been running has
        first_contact, first_row = starting_ids(dsn)
        warmup = residents(WARMUP, WARMUP / 4, True, first_contact)
        uvloop.run(drain(Flood(warmup, port, webhooks, fakes, redis), dsn, first_row, 120))
        first_contact, first_row = starting_ids(dsn)
        people = residents(args.complaints, args.seconds, args.steady, first_contact)
        print(
            f"burst: {args.complaints} complaints over {args.seconds:g} s "
            f"({'steady' if args.steady else 'rising to twice the mean half-way and falling'}), "
            f"{len(agencies)} officers, {args.cases} cases loaded, the fakes answering after "
            f"{args.latency_ms:g} ms; logs in {workdir}",
            flush=True,
        )
        flood = Flood(people, port, webhooks, fakes, redis)
        before = load_average()
        cpu_before = {part: cpu_seconds(processes.pids(part)) for part in SERVICE}
        clerks = start_officers(base_url, names, args)
        drained = uvloop.run(
            drain(
                flood,
                dsn,
                first_row,
                args.drain_timeout,
                lambda: not all(pipe.poll() for _, pipe in clerks),  # each sends when done
            )
        )
        cpu = {part: cpu_seconds(processes.pids(part)) - cpu_before[part] for part in SERVICE}
        results = [pipe.recv() for _, pipe in clerks]
        for clerk, _ in clerks:
            clerk.join()
        after = load_average()

        print()
        verdict = Verdict()
        report_webhooks(flood, verdict)
        report_deliveries(flood, outbox(dsn, first_row), filed(dsn, first_contact), verdict)
        report_timeline(people, args.seconds)
        report_officers(agencies, results)
        each = ", ".join(f"{part} {spent / len(people) * 1000:.0f}" for part, spent in cpu.items())
        print(
            "CPU seconds from the flood's start until the outbox was empty: "
            + ", ".join(f"{part} {spent:.1f}" for part, spent in cpu.items())
            + f" ({each} ms a complaint)"
        )
        print(
            f"load average before {' '.join(before)}, highest 1-minute during "
            f"{flood.highest_load:.2f}, after {' '.join(after)}"
        )
        if not drained:
            print(f"the outbox still held rows {args.drain_timeout:g} s after the flood")
        errors = [
            line for line in processes.log_tail("web", 100_000).splitlines() if "Error" in line
        ]
        if errors:
            print(f"the web process logged {len(errors)} errors, the last: {errors[-1][:300]}")
        verdict.report()


async def drain(
    flood: Flood,
    dsn: str,
    first_row: int,
    timeout: float,
    working: Callable[[], bool] = lambda: False,
) -> bool:
    """Run the flood, then wait until nobody is `working` any more (the officers, whose moves
    owe residents messages too) and the outbox has nothing left to send; False if it still has
    after `timeout` seconds."""
    stop = asyncio.Event()
    watching = asyncio.create_task(flood.watch(stop))
    gc.collect()
    gc.freeze()  # a full collection of the bench's own objects would stall the timed posts
    try:
        await flood.run()
        deadline = time.monotonic() + timeout
        while working() and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
        while (waiting := unsent(dsn, first_row)) and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
        await asyncio.sleep(2 * POLL_SECONDS + 1.0)  # the last sends reach the fakes' lists
    finally:
        stop.set()
        await watching
        gc.unfreeze()
    return not waiting


if __name__ == "__main__":
    run_benchmark(main)
