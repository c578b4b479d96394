"""Faults the issue names, each ending with every complaint stored once and every message sent:
Redis stopped and restarted during intake, a worker killed with a backlog, the database
restarting, and a provider that fails or hangs before it recovers.

Redis and PostgreSQL here are private servers started for the test (the shared ones serve
every other test and must not be stopped).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from aduan.app import create_app
from aduan.migrate import upgrade_database
from core.db import get_engine, session_scope
from core.settings import Settings, get_settings
from notifications.delivery import CLAIM_SIZE
from routing.catalogue import default_catalogue_path, read_catalogue
from routing.stored_catalogue import load_catalogue
from tests.fakes.twilio_api import FakeTwilio
from tests.helpers import run_jobs
from tests.processes import ADUAN, free_port, wait_until

pytestmark = pytest.mark.runs_long

PHONES = [f"+62812{n:07d}" for n in range(1, 31)]


class RedisServer:
    """A real redis-server of our own, to stop and start at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        assert wait_until(lambda: _answers(self.port), 10)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def _switch(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return get_settings()


def _file(client: TestClient, phone: str) -> str:
    response = client.post(
        "/api/v1/complaints",
        json={"text": f"Lampu jalan mati di gang {phone[-3:]} sejak kemarin", "phone": phone},
    )
    assert response.status_code == 201, response.text
    return response.json()["tracking_code"]


def _stored(settings: Settings) -> list[str]:
    with get_engine(settings.database_url).connect() as connection:
        return [row[0] for row in connection.execute(sa.text("SELECT tracking_code FROM cases"))]


def _acknowledged(twilio: FakeTwilio, codes: list[str]) -> dict[str, int]:
    bodies = [m.body for m in twilio.messages]
    return {code: sum(code in body for body in bodies) for code in codes}


def _worker(settings: Settings, *, burst: bool) -> subprocess.Popen:
    return subprocess.Popen(
        [*ADUAN, "worker", *(["--burst"] if burst else [])],
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_redis_stopped_and_restarted_during_intake_loses_nothing(
    environment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    private_redis: RedisServer,
    twilio: FakeTwilio,
) -> None:
    settings = _switch(monkeypatch, REDIS_URL=private_redis.url)
    with TestClient(create_app(settings)) as client:
        codes = [_file(client, phone) for phone in PHONES[:3]]
        private_redis.stop()
        # intake answers 201 while Redis is down; the outbox rows wait in the database
        codes += [_file(client, phone) for phone in PHONES[3:8]]
        private_redis.start()
        codes += [_file(client, phone) for phone in PHONES[8:10]]
    # the restarted Redis lost every queued job; the worker's start-up sweep finds the rows
    worker = _worker(settings, burst=True)
    assert worker.wait(120) == 0
    assert sorted(_stored(settings)) == sorted(codes)
    assert wait_until(lambda: all(_acknowledged(twilio, codes).values()))
    assert set(_acknowledged(twilio, codes).values()) == {1}


def test_a_worker_killed_with_a_backlog_loses_nothing(
    environment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    private_redis: RedisServer,
    twilio: FakeTwilio,
) -> None:
    settings = _switch(
        monkeypatch,
        REDIS_URL=private_redis.url,
        NOTIFY_LEASE_SECONDS="8",
        NOTIFY_HEARTBEAT_SECONDS="1",
        NOTIFY_SWEEP_SECONDS="1",
        PROVIDER_TIMEOUT_SECONDS="5",
        NOTIFY_GATHER_MS="50",  # gathered as deployed: the worker dies in a job of several rows
    )
    with TestClient(create_app(settings)) as client:
        codes = [_file(client, phone) for phone in PHONES]
    twilio.slow_next(len(PHONES), seconds=0.3)  # slow sends, so the kill lands mid-job
    first = _worker(settings, burst=False)
    assert wait_until(lambda: len(twilio.messages) >= 2, 60)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    sent_before = sum(_acknowledged(twilio, codes).values())
    assert sent_before < len(codes)  # it died with work left

    second = _worker(settings, burst=False)
    try:
        assert wait_until(lambda: all(_acknowledged(twilio, codes).values()), 90)
    finally:
        second.terminate()
        second.wait(30)
    assert sorted(_stored(settings)) == sorted(codes)
    # at least once across the crash; only what the killed worker had claimed may repeat: the
    # sends it made but had not recorded yet, and those in flight
    counts = _acknowledged(twilio, codes)
    assert min(counts.values()) == 1
    in_flight = settings.notify_send_concurrency
    assert sum(counts.values()) <= len(codes) + min(sent_before + in_flight, CLAIM_SIZE)


def test_a_provider_that_fails_then_hangs_then_recovers_gets_everything(
    settings: Settings, client: TestClient, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _switch(monkeypatch, PROVIDER_TIMEOUT_SECONDS="0.5")
    codes = [_file(client, phone) for phone in PHONES[:4]]
    twilio.fail_next(2, status=500)
    twilio.stall_next(2, seconds=1.5)
    for _ in range(6):  # each round is one retry; retry delays are 0 in tests
        run_jobs(settings)
        if all(_acknowledged(twilio, codes).values()):
            break
    assert set(_acknowledged(twilio, codes).values()) == {1}


# --- the database restarting ---------------------------------------------------------------


def _pg_bin() -> Path | None:
    for root in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (root / "initdb").exists():
            return root
    return None


class PostgresServer:
    """A throw-away PostgreSQL cluster, so restarting it disturbs no other test."""

    def __init__(self, folder: Path) -> None:
        self.bin = _pg_bin()
        self.data = folder / "pgdata"
        self.port = free_port()
        self.user = "postgres"
        self._as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self._as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(folder, "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust")

    def start(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.data / "log"),
            "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop")


@pytest.fixture
def private_postgres() -> Iterator[PostgresServer]:
    if _pg_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    # not under pytest's temporary folder: that is private to root, and PostgreSQL runs as
    # the postgres user when the tests run as root
    folder = Path(tempfile.mkdtemp(prefix="aduan-pg-"))
    server = PostgresServer(folder)
    try:
        server.init()
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # the test may have stopped it
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_the_database_restarting_refuses_clearly_then_recovers(
    environment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    private_postgres: PostgresServer,
    twilio: FakeTwilio,
) -> None:
    upgrade_database(private_postgres.url)
    with session_scope(get_engine(private_postgres.url), dispatcher=None) as session:
        load_catalogue(session, read_catalogue(default_catalogue_path()))
    settings = _switch(monkeypatch, DATABASE_URL=private_postgres.url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        codes = [_file(client, phone) for phone in PHONES[:2]]
        private_postgres.stop()
        down = client.post("/api/v1/complaints", json={"text": "Banjir di jalan depan pasar"})
        assert down.status_code == 503 and "nothing was saved" in down.json()["detail"]
        assert client.get("/healthz").status_code == 503
        private_postgres.start()
        codes += [_file(client, phone) for phone in PHONES[2:4]]
        assert client.get("/healthz").status_code == 200
    run_jobs(settings)
    assert sorted(_stored(settings)) == sorted(codes)
    assert set(_acknowledged(twilio, codes).values()) == {1}
