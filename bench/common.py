"""What the benchmarks share: a throw-away database and Redis namespace, the fake Twilio, and
the service's processes started as the Procfile starts them.

Every benchmark runs against real processes (`aduan serve`, `aduan worker`) configured only by
environment variables, as a platform would run them, so the figures include what production
pays: process boundaries, connection pools, logging, the RQ fork per job. The processes get a
clean environment (not the developer's) and a scratch working directory, so neither a `.env`
file nor exported variables can leak into a run, and nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Literal

import httpx
import psycopg
from redis import Redis
from sqlalchemy.engine import make_url

from core.settings import normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "routing" / "data" / "heldout.csv"
# the `aduan` console script of this interpreter's environment: the command the Procfile runs
ADUAN = str(Path(sys.executable).with_name("aduan"))
DATABASE_PREFIX = "aduan_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"  # the tests use 15
SMS_FROM = "+15005550006"
WHATSAPP_FROM = "whatsapp:+14155238886"  # Twilio's WhatsApp sandbox
# what the child processes may inherit from ours (PYTHONPATH: to try a change without editing
# the code, e.g. a sitecustomize); everything else they get is set explicitly
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "PYTHONPATH")


def default_database_url(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{DATABASE_PREFIX}_{name}"


def add_loaded_database_options(
    parser: argparse.ArgumentParser, name: str, *, sqlite: bool = False
) -> None:
    """The options of a benchmark over a loaded database of cases: --cases, --database-url,
    --redis-url, --reuse and, with `sqlite`, --sqlite; `loaded_database` fills the defaults."""
    cases = "1,000,000; with --sqlite 100,000" if sqlite else "1,000,000"
    parser.add_argument("--cases", type=int, help=f"cases to load ({cases})")
    if sqlite:
        parser.add_argument(
            "--sqlite", action="store_true", help="on a SQLite file instead of PostgreSQL"
        )
    parser.add_argument(
        "--database-url",
        help="bench database, dropped and recreated (name must start with aduan_bench); "
        f"default {default_database_url(name)}"
        + (", with --sqlite a file in the temp dir" if sqlite else ""),
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database if it holds --cases loaded cases"
    )


def loaded_database(args: argparse.Namespace, name: str) -> argparse.Namespace:
    """`args` of `add_loaded_database_options` with their defaults filled in."""
    on_sqlite = getattr(args, "sqlite", False)
    if args.cases is None:
        args.cases = 100_000 if on_sqlite else 1_000_000
    if args.database_url is None:
        args.database_url = (
            f"sqlite:///{Path(tempfile.gettempdir()) / f'{DATABASE_PREFIX}_{name}.db'}"
            if on_sqlite
            else default_database_url(name)
        )
    return args


def complaint_texts() -> list[dict[str, str]]:
    """Real-looking complaints in Indonesian and English (the held-out set): text, agency,
    category, language."""
    with HELDOUT.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# Semarang, roughly: where the locations of half the complaints fall
LATITUDES, LONGITUDES = (-7.08, -6.95), (110.33, 110.50)


@dataclass(frozen=True)
class Complaint:
    """A POST /api/v1/complaints as a resident's phone sends it through the city's proxy."""

    body: dict
    headers: dict[str, str]

    @property
    def phone(self) -> str:
        return self.body["phone"]

    @property
    def key(self) -> str:
        return self.headers["Idempotency-Key"]


def make_complaints(count: int, first: int = 0) -> list[Complaint]:
    """Complaints number `first` to `first + count - 1`; the same ones on every run.

    Each has a held-out complaint text, a phone number of its own asking for SMS updates, an
    Idempotency-Key, its own client address, and every other one a location in the city.
    """
    rng = random.Random(first)
    texts = complaint_texts()
    complaints = []
    for index in range(first, first + count):
        text = texts[index % len(texts)]["text"]
        body: dict = {"text": text, "phone": f"+62812{index:08d}", "notify_via": "sms"}
        if index % 2:
            body |= {"lat": rng.uniform(*LATITUDES), "lon": rng.uniform(*LONGITUDES)}
        address = f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}"
        headers = {"Idempotency-Key": f"bench-{index}", "X-Forwarded-For": address}
        complaints.append(Complaint(body, headers))
    return complaints


def recreate_database(url: str) -> str:
    """Drop and create the database `url` names (a SQLite file: delete it); returns the URL in
    the app's driver form.

    Refuses a name without the bench prefix, so a mistyped option cannot drop real data.
    """
    parsed = make_url(url)
    name = parsed.database or ""
    if not Path(name).name.startswith(DATABASE_PREFIX):
        raise SystemExit(
            f"refusing to drop database {name!r}: its name must start with {DATABASE_PREFIX!r}"
        )
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        return url
    with psycopg.connect(admin_dsn(url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return normalise_database_url(url)


def admin_dsn(url: str) -> str:
    """The same server's maintenance database, where databases are created and dropped."""
    parsed = make_url(url).set(drivername="postgresql", database="postgres")
    return parsed.render_as_string(hide_password=False)


def libpq_dsn(url: str) -> str:
    """`url` as psycopg takes it (without SQLAlchemy's +driver)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def reset_redis(redis_url: str, queue: str) -> None:
    """Forget this benchmark's queue, registries and counters from an earlier run."""
    connection = Redis.from_url(redis_url)
    try:
        keys = list(connection.scan_iter(match=f"*{queue}*", count=1000))
        if keys:
            connection.delete(*keys)
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class TwilioEndpoint:
    """What the app needs to talk to the fake: TWILIO_API_URL and the credentials."""

    url: str
    account_sid: str
    auth_token: str


Provider = Literal["twilio", "telegram"]


@dataclass(frozen=True)
class TelegramEndpoint:
    """TELEGRAM_API_URL, TELEGRAM_FILE_URL and the bot token the fake answers to."""

    api_url: str
    file_url: str
    token: str


@dataclass(frozen=True)
class Delivered:
    """A message a fake provider accepted: to whom (Twilio's `To`, `whatsapp:` and all, or the
    Telegram chat id), the text the recipient reads (a WhatsApp quick reply's body) and when
    (time.time() in the fake's process)."""

    recipient: str
    text: str
    at: float


def _delivered(message: object) -> Delivered:
    from tests.fakes.twilio_api import TwilioMessage

    if isinstance(message, TwilioMessage):
        text = message.body or (message.content or {}).get("body", "")
        return Delivered(message.to, text, message.accepted_at)
    return Delivered(str(message.chat_id), message.text, message.accepted_at)


def _serve_fake(connection: Connection, provider: Provider, latency: float) -> None:
    """The fake's own process: answers "count", "recipients" and ("since", n) until told
    "stop"."""
    from tests.fakes.telegram_api import FakeTelegram
    from tests.fakes.twilio_api import FakeTwilio

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us, also on Ctrl-C
    # keeps connections alive as the real APIs do, unlike the tests' closing fakes
    fake = (FakeTwilio if provider == "twilio" else FakeTelegram)(keep_alive=True, latency=latency)
    with fake:
        if isinstance(fake, FakeTwilio):
            connection.send(TwilioEndpoint(fake.url, fake.account_sid, fake.auth_token))
        else:
            connection.send(TelegramEndpoint(fake.api_url, fake.file_url, fake.token))
        while (command := connection.recv()) != "stop":
            if command == "count":
                connection.send(len(fake.messages))
            elif command == "recipients":
                connection.send({_delivered(m).recipient for m in fake.messages})
            elif command[0] == "since":
                connection.send([_delivered(m) for m in fake.messages[command[1] :]])


class FakeProviderProcess:
    """One of the tests' fake providers (Twilio's REST API, Telegram's Bot API), run in a
    process of its own.

    Not in the benchmark's process: its request threads would compete for one GIL with the
    load generator and slow down the very requests being timed.
    """

    def __init__(self, provider: Provider = "twilio", latency: float = 0.0) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_serve_fake,
            args=(child, provider, latency),
            name=f"fake-{provider}",
            daemon=True,
        )
        self._process.start()
        if not self._connection.poll(60):
            self.stop()
            raise SystemExit(f"the fake {provider} did not start within 60 s")
        self.endpoint: TwilioEndpoint | TelegramEndpoint = self._connection.recv()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def count(self) -> int:
        """Messages the fake accepted."""
        self._connection.send("count")
        return self._connection.recv()

    def recipients(self) -> set[str]:
        self._connection.send("recipients")
        return self._connection.recv()

    def messages(self, since: int = 0) -> list[Delivered]:
        """The messages the fake accepted, from the `since`-th (0: the first) on, in order."""
        self._connection.send(("since", since))
        return self._connection.recv()

    def stop(self) -> None:
        if self._process.is_alive():
            self._connection.send("stop")
            self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


@contextmanager
def fake_provider(
    provider: Provider = "twilio", latency: float = 0.0
) -> Iterator[FakeProviderProcess]:
    fake = FakeProviderProcess(provider, latency)
    try:
        yield fake
    finally:
        fake.stop()


def service_environment(
    *,
    database_url: str,
    redis_url: str,
    queue: str,
    workdir: Path,
    port: int,
    provider: TwilioEndpoint | TelegramEndpoint | None = None,
) -> dict[str, str]:
    """The variables an operator sets for production, pointing at the bench's own resources."""
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env |= {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RQ_QUEUE": queue,
        "PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "ROUTING_MODEL_FILE": str(workdir / "routing-model.joblib"),
        "MEDIA_DIR": str(workdir / "media"),
    }
    if provider is not None:
        env |= provider_environment(provider)
    return env


def provider_environment(provider: TwilioEndpoint | TelegramEndpoint) -> dict[str, str]:
    """The settings that point the service at a fake provider (both may be set together)."""
    if isinstance(provider, TwilioEndpoint):
        return {
            "TWILIO_ACCOUNT_SID": provider.account_sid,
            "TWILIO_AUTH_TOKEN": provider.auth_token,
            "TWILIO_SMS_FROM": SMS_FROM,
            "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "TWILIO_API_URL": provider.url,
        }
    return {
        "TELEGRAM_BOT_TOKEN": provider.token,
        "TELEGRAM_API_URL": provider.api_url,
        "TELEGRAM_FILE_URL": provider.file_url,
    }


def prepare_service(env: dict[str, str], workdir: Path) -> None:
    """What the Procfile runs before the service answers: the release step's migrations and
    the web process's model training."""
    run_aduan(["db", "upgrade"], env, workdir)
    run_aduan(["routing", "train"], env, workdir)


@contextmanager
def scratch_directory() -> Iterator[Path]:
    """Where the processes run and write their logs; kept when the run fails, to read them."""
    path = Path(tempfile.mkdtemp(prefix="aduan-bench-"))
    try:
        yield path
    except BaseException:
        print(f"logs kept in {path}", file=sys.stderr)
        raise
    shutil.rmtree(path, ignore_errors=True)


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pids: Iterable[int]) -> dict[int, int]:
    """User plus system clock ticks of each of `pids` still running."""
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def cpu_seconds(pids: Iterable[int]) -> float:
    """User plus system time of `pids` (the ones still running)."""
    return sum(cpu_ticks(pids).values()) / TICKS


def pids_of(pattern: str) -> list[int]:
    """Processes whose command line matches `pattern`."""
    return _pgrep("-f", pattern)


def pids_named(name: str) -> list[int]:
    """Processes whose name is `name` exactly: a server's, never a command line that mentions
    it (`--database-url postgresql://...`)."""
    return _pgrep("-x", name)


def pids_in_session(session: int) -> list[int]:
    """Every process of `session`: one `Processes` started, with all it forked or spawned."""
    return _pgrep("-s", str(session))


def _pgrep(*args: str) -> list[int]:
    found = subprocess.run(["pgrep", *args], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def run_aduan(args: Sequence[str], env: dict[str, str], cwd: Path, stdin: str = "") -> None:
    """Run one `aduan` command to completion (the Procfile's release step, a user, training)."""
    result = subprocess.run(
        [ADUAN, *args], env=env, cwd=cwd, input=stdin, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"aduan {' '.join(args)} failed:\n{result.stderr[-3000:]}")


class Processes:
    """Long-running processes of one benchmark; each in its own process group, so stopping one
    also stops the children it forked (uvicorn's workers, RQ's work horses)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, args: Sequence[str], env: dict[str, str]) -> None:
        """Start `args` in the scratch directory, its output in `<name>.log` there."""
        log = (self.workdir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            list(args),
            env=env,
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self._running.append((name, process))

    def pids(self, name: str) -> list[int]:
        """Every process now running that `name` started, itself included."""
        return [
            pid
            for started, process in self._running
            if started == name
            for pid in pids_in_session(process.pid)
        ]

    @contextmanager
    def paused(self, name: str) -> Iterator[None]:
        """Hold `name`'s process group (SIGSTOP) for the block and let it go on after it, also
        when the block fails: a process left stopped would not answer the SIGTERM at the end."""
        groups = [process for started, process in self._running if started == name]
        for process in groups:
            _signal_group(process, signal.SIGSTOP)
        try:
            yield
        finally:
            for process in groups:
                _signal_group(process, signal.SIGCONT)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.workdir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_healthy(self, name: str, url: str, timeout: float = 90.0) -> None:
        """Wait for 200 on `url`; fail at once, with the log, if the process died."""
        process = dict(self._running)[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise SystemExit(
            f"{name} not healthy at {url} after {timeout:.0f} s:\n{self.log_tail(name)}"
        )

    def stop(self, name: str, timeout: float = 20.0) -> None:
        """SIGTERM, as a platform stops a dyno, then SIGKILL if it does not exit in time."""
        for index, (running, process) in enumerate(self._running):
            if running == name:
                _stop_group(process, timeout)
                del self._running[index]
                return

    def stop_all(self) -> None:
        while self._running:
            self.stop(self._running[-1][0])

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_all()


def _stop_group(process: subprocess.Popen, timeout: float) -> None:
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    # the leader may be gone while a forked child (a work horse) still runs
    _signal_group(process, signal.SIGKILL)
    process.wait()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def run_benchmark(main: Callable[[], None]) -> None:
    """Run `main` so that Ctrl-C or a SIGTERM unwinds it (stopping its processes) quietly."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted; the benchmark's processes are stopped", file=sys.stderr)
        sys.exit(130)


def load_average() -> list[str]:
    """The machine's load averages over 1, 5 and 15 minutes, as /proc/loadavg gives them: the
    figures beside a wall-clock figure on a shared machine."""
    return Path("/proc/loadavg").read_text().split()[:3]


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.25) -> bool:
    """Poll `check()` until it is true or `timeout` seconds passed; returns the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def parse_count(value: str) -> int:
    """A whole number, zero or more, for options like `--history 0`."""
    number = int(value)
    if number < 0:
        raise ValueError("give zero or a positive integer")
    return number


def parse_milliseconds(value: str) -> float:
    """Milliseconds, zero or more, for options like `--latency-ms 150`."""
    number = float(value)
    if number < 0:
        raise ValueError("give zero or more milliseconds")
    return number


def parse_levels(value: str) -> list[int]:
    """A comma-separated list of positive integers, for options like `--concurrency 16,64`."""
    levels = [int(part) for part in value.split(",") if part.strip()]
    if not levels or min(levels) < 1:
        raise ValueError("give positive integers, e.g. 16,64")
    return levels


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` (0.5, 0.99) percentile of `values` (at least two of them)."""
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]
