"""Shared fixtures: real databases (SQLite and PostgreSQL), real Redis, fake providers on loopback.

Every test that takes `settings` (or `client`) runs once per database backend.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx._transports.default
import numpy
import psycopg
import pytest
import sklearn
import sqlalchemy as sa
from fastapi.testclient import TestClient
from redis import Redis
from rq import Queue

from aduan.app import create_app
from aduan.channels import build_channels
from aduan.migrate import upgrade_database
from core.db import get_engine, session_scope
from core.settings import Settings, get_settings, normalise_database_url
from core.versions import forget_all
from notifications.channels import Channels, install
from routing.catalogue import default_catalogue_path, read_catalogue
from routing.stored_catalogue import load_catalogue
from routing.training import train, training_rows
from tests.browser import browser, live_server  # noqa: F401 - fixtures for the browser tests
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# tables holding per-test data, children first; the catalogue stays loaded for the session
PER_TEST_TABLES = (
    "open311_updates",
    "open311_keys",
    "contact_reveals",
    "notifications",
    "webhook_endpoints",
    "attachments",
    "case_events",
    "case_subscribers",
    "holidays",
    "routing_examples",
    "inbound_receipts",
    "pending_locations",
    "pending_choices",
    "pending_modes",
    "chat_links",
    "cases",
    "agency_day_stats",
    "public_map_cells",  # after cases: the triggers of its rows write here
    "agency_day_durations",
    "agency_month_durations",
    "announcements",
    "staff_sessions",
    "users",
    "contacts",
)
# the sequences of those tables' serial columns, set back to 1 (PostgreSQL)
RESTART_SEQUENCES = sa.text(
    "SELECT setval(sequence.oid, 1, false) FROM pg_class sequence "
    "JOIN pg_depend link ON link.objid = sequence.oid AND link.deptype IN ('a', 'i') "
    "JOIN pg_class owner ON owner.oid = link.refobjid "
    "WHERE sequence.relkind = 'S' AND owner.relname = ANY(CAST(:tables AS text[]))"
)
SMS_FROM = "+15005550006"
TELEGRAM_SECRET = "telegram-webhook-secret-for-tests"
WHATSAPP_FROM = "whatsapp:+14155238886"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules marked `runs_long` first, the rest in their usual order: run in parallel
    (`make test`), a module of a minute's tests started last would keep the run going alone
    after the other workers finished."""
    items.sort(key=lambda item: item.get_closest_marker("runs_long") is None)


def _prepare(url: str) -> str:
    upgrade_database(url)
    with session_scope(get_engine(url), dispatcher=None) as session:
        load_catalogue(session, read_catalogue(default_catalogue_path()))
    return url


@pytest.fixture(scope="session", autouse=True)
def channels() -> Channels:
    """Every channel, installed as the shell installs them when a process starts: tests write
    outbox rows and run delivery jobs in this process without always making an app first."""
    registry = build_channels()
    install(registry)
    return registry


@pytest.fixture(scope="session", autouse=True)
def one_trust_store() -> Iterator[None]:
    """httpx clients in this test process share one default SSL context instead of each
    loading the CA bundle: every app a test starts builds a Telegram Application with two.

    Only the default context (verify=True, no client certificate) is shared; app and worker
    subprocesses are untouched, and no test talks TLS (every fake is plain HTTP on loopback).
    """
    module = httpx._transports.default
    create = module.create_ssl_context  # fails loudly if httpx moves it
    made: dict[tuple, ssl.SSLContext] = {}

    def shared(verify=True, cert=None, trust_env=True):  # type: ignore[no-untyped-def]
        if verify is not True or cert is not None:
            return create(verify=verify, cert=cert, trust_env=trust_env)
        env = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        key = (trust_env, *env) if trust_env else (False,)
        if key not in made:
            made[key] = create(verify=verify, cert=cert, trust_env=trust_env)
        return made[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "create_ssl_context", shared)
        yield


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _prepare(f"sqlite:///{tmp_path_factory.mktemp('db') / 'aduan.db'}")


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    name = f"aduan_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = normalise_database_url(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    yield _prepare(url)
    get_engine(url).dispose()
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def database(database_url: str) -> str:
    """A database with the catalogue loaded and no cases, users or contacts."""
    engine = get_engine(database_url)
    with engine.begin() as connection:
        for table in PER_TEST_TABLES:
            connection.execute(sa.text(f"DELETE FROM {table}"))
        if engine.dialect.name == "postgresql":
            # ids start at 1 again, as on SQLite. Not TRUNCATE ... RESTART IDENTITY: it makes
            # new files for every table and index, some twenty times slower on tables this small
            connection.execute(RESTART_SEQUENCES, {"tables": list(PER_TEST_TABLES)})
    forget_all()  # the holiday list just changed behind the ORM's back
    return database_url


def _model_key() -> str:
    """What the shipped model is trained from: routing's code, its catalogue and examples,
    and the versions of the libraries that fit it. Another key means another model."""
    digest = hashlib.sha256()
    routing = Path(__file__).resolve().parent.parent / "routing"
    data = routing / "data"
    for path in [*sorted(routing.glob("*.py")), data / "catalogue.yaml", data / "examples.csv"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(f"{sklearn.__version__} {numpy.__version__}".encode())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def routing_model() -> Path:
    """The shipped catalogue's model, trained as `aduan routing train` would and saved.

    Every app and CLI subprocess of the run loads this file instead of training its own. The
    file is kept between runs in `ADUAN_TEST_CACHE` (default ~/.cache/aduan-tests), named by
    what it was trained from (`_model_key`), so a run retrains only after routing's code or
    data changed. Parallel workers and runs share it: the first to ask trains it under a file
    lock, the others wait and load the same file.
    """
    default = Path.home() / ".cache" / "aduan-tests"
    folder = Path(os.environ.get("ADUAN_TEST_CACHE", default))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"routing-model-{_model_key()}.joblib"
    with (folder / "train.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not path.exists():  # save() writes a partial file and renames it
            catalogue = read_catalogue(default_catalogue_path())
            train(catalogue, training_rows(None, catalogue)).save(path)
    return path


@pytest.fixture
def redis_connection() -> Iterator[Redis]:
    """The real Redis; tests keep apart by queue name, so parallel runs do not collide."""
    connection = Redis.from_url(TEST_REDIS_URL)
    connection.ping()
    yield connection
    connection.close()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def environment(
    database: str,
    redis_connection: Redis,
    twilio: FakeTwilio,
    smtp: SmtpSink,
    telegram: FakeTelegram,
    routing_model: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> dict[str, str]:
    """The process environment as an operator would set it, pointing at the local fakes.

    Set in os.environ (not only passed to create_app) because queue jobs read settings the way a
    real worker does.
    """
    env = {
        "APP_ENV": "test",
        "DATABASE_URL": database,
        "REDIS_URL": TEST_REDIS_URL,
        "RQ_QUEUE": f"aduan-test-{uuid.uuid4().hex[:6]}",
        "SECRET_KEY": "test-secret-key-with-enough-length-for-hs256",
        "PUBLIC_BASE_URL": "https://aduan.example.go.id",
        "NOTIFY_RETRY_DELAYS": "0,0",
        # tests run the worker right after a request: each commit enqueues at once (the
        # gathering is tested on its own, in tests/notifications/test_dispatch.py)
        "NOTIFY_GATHER_MS": "0",
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_SMS_FROM": SMS_FROM,
        "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "TWILIO_API_URL": twilio.url,
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": telegram.api_url,
        "TELEGRAM_FILE_URL": telegram.file_url,
        "SMTP_HOST": smtp.host,
        "SMTP_PORT": str(smtp.port),
        "SMTP_FROM": "Aduan Kota <aduan@example.go.id>",
        "PTB_TIMEDELTA": "true",
        "MEDIA_DIR": str(tmp_path / "media"),
        "ROUTING_MODEL_FILE": str(routing_model),
        # tests file many complaints from one client; tests/test_abuse_limits.py turns it on
        "INTAKE_LIMIT_PER_HOUR": "0",
        # argon2id at a test's cost, as Django's docs advise: the default costs 0.2 s of CPU a
        # hash, paid by every staff account and sign-in of the suite. The default cost and the
        # renewal of hashes are tested in tests/cases/test_authorization.py
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        "PASSWORD_HASH_TIME_COST": "1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()
    # the test's queue goes with it: the shared Redis would otherwise collect thousands of
    # them, and the admins' queue dashboard lists every one
    Queue(env["RQ_QUEUE"], connection=redis_connection).delete(delete_jobs=True)


@pytest.fixture
def settings(environment: dict[str, str]) -> Settings:
    return get_settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
