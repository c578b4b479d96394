"""DATABASE_READ_URL against a real PostgreSQL streaming replica: a throw-away primary made with
initdb and its replica made with `pg_basebackup -R`, each on a loopback port of its own, in a
temporary directory removed at the end. Public reads, statistics and search come from the
replica; what must see its own writes comes from the primary; a replica that lags past
READ_REPLICA_MAX_LAG_S, or stops, sends reads to the primary without a single 5xx."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from aduan.app import create_app
from aduan.migrate import upgrade_database
from core.db import get_engine, get_replica_engine, session_scope
from core.replica import RECHECK_S
from core.settings import Settings, normalise_database_url
from routing.catalogue import default_catalogue_path, read_catalogue
from routing.stored_catalogue import load_catalogue
from tests.console.helpers import signed_in
from tests.helpers import create_staff, file_complaint, login
from tests.i18n.test_pages import assert_reads_well
from tests.processes import free_port

pytestmark = pytest.mark.runs_long

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SEMARANG = {"lat": -6.9825, "lon": 110.4093}
# the settings of a throw-away cluster: small, and nothing waits for a disk
SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c fsync=off "
    "-c synchronous_commit=off -c full_page_writes=off -c wal_receiver_status_interval=1"
)


def _as_postgres(*command: str | Path) -> list[str]:
    # PostgreSQL refuses to run as root: as root, the clusters belong to the postgres user
    line = [str(part) for part in command]
    return ["runuser", "-u", "postgres", "--", *line] if os.geteuid() == 0 else line


class Cluster:
    """One PostgreSQL server of the test's own, in `directory`, on 127.0.0.1:`port`."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port

    def url(self, database: str = "postgres") -> str:
        return normalise_database_url(f"postgresql://postgres@127.0.0.1:{self.port}/{database}")

    def start(self) -> None:
        options = f"{SERVER_OPTIONS} -p {self.port} -k {self.directory.parent}"
        subprocess.run(
            _as_postgres(
                BIN / "pg_ctl",
                "-D",
                self.directory,
                "-o",
                options,
                "-w",
                "-s",
                "start",
                "-l",
                self.directory.parent / f"{self.directory.name}.log",
            ),
            check=True,
        )

    def stop(self, mode: str) -> None:
        subprocess.run(
            _as_postgres(BIN / "pg_ctl", "-D", self.directory, "-m", mode, "-w", "-s", "stop"),
            check=False,
        )

    def sql(self, statement: str, database: str = "aduan") -> object:
        """The first value of `statement`, run on its own."""
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname={database}", autocommit=True
        ) as connection:
            cursor = connection.execute(statement)
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else None


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[Cluster, Cluster]]:
    """A primary with the schema and catalogue, and its streaming replica, caught up."""
    root = Path(tempfile.mkdtemp(prefix="aduan-replica-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    primary = Cluster(root / "primary", free_port())
    replica = Cluster(root / "replica", free_port())
    try:
        subprocess.run(
            _as_postgres(
                BIN / "initdb",
                "-D",
                primary.directory,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        primary.start()
        primary.sql("CREATE DATABASE aduan", database="postgres")
        url = primary.url("aduan")
        upgrade_database(url)
        with session_scope(get_engine(url), dispatcher=None) as session:
            load_catalogue(session, read_catalogue(default_catalogue_path()))
        subprocess.run(
            _as_postgres(
                BIN / "pg_basebackup",
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                replica.directory,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ),
            check=True,
        )
        replica.start()
        yield primary, replica
    finally:
        for engine_url in (primary.url("aduan"), replica.url("aduan")):
            get_engine(engine_url).dispose()
            get_replica_engine(engine_url).dispose()
        if replica.directory.exists():
            replica.stop("immediate")
        primary.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database_url(clusters: tuple[Cluster, Cluster]) -> str:
    """The suite's `database` and `environment` fixtures on this module's primary."""
    return clusters[0].url("aduan")


def _app_settings(
    settings: Settings, replica: Cluster, max_lag_s: float, **more: object
) -> Settings:
    return settings.model_copy(
        update={
            "database_read_url": replica.url("aduan"),
            "read_replica_max_lag_s": max_lag_s,
            "publish_policy": "immediate",
            **more,
        }
    )


def _client(settings: Settings) -> TestClient:
    client = TestClient(create_app(settings))
    client.base_url = "https://testserver"  # the console's cookie is Secure
    return client


def _caught_up(primary: Cluster, replica: Cluster, timeout: float = 20.0) -> None:
    """Wait until the replica has replayed everything the primary wrote so far."""
    # the insert position: with synchronous_commit off the last commit may not be written yet
    target = primary.sql("SELECT pg_current_wal_insert_lsn()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            return
        time.sleep(0.05)
    raise AssertionError(f"the replica did not reach {target} in {timeout} s")


def _public_codes(client: TestClient) -> set[str]:
    response = client.get("/api/v1/public/cases")
    assert response.status_code == 200, response.text
    return {item["tracking_code"] for item in response.json()["items"]}


@pytest.fixture
def paused(clusters: tuple[Cluster, Cluster]) -> Iterator[Cluster]:
    """The replica with its replay paused (it still receives WAL); resumed afterwards."""
    primary, replica = clusters
    # a transaction of its own: a replica measures its lag from the last one it replayed
    primary.sql("SELECT pg_current_xact_id()")
    _caught_up(primary, replica)
    replica.sql("SELECT pg_wal_replay_pause()")
    try:
        yield replica
    finally:
        replica.sql("SELECT pg_wal_replay_resume()")
        _caught_up(primary, replica)


def test_public_reads_come_from_the_replica_and_writers_read_the_primary(
    settings: Settings, clusters: tuple[Cluster, Cluster], paused: Cluster
) -> None:
    """With replay paused, a new case is missing from every public listing and from the
    supervisor's statistics and search (all read on the replica), while the page the resident
    lands on after filing, the staff API's case and the console queue (the primary) show it."""
    create_staff(settings, "kepala", "supervisor")
    with _client(_app_settings(settings, paused, 3600)) as client:
        code = file_complaint(client, **SEMARANG)["tracking_code"]
        assert code not in _public_codes(client)
        assert code not in client.get("/laporan").text
        assert code not in client.get("/open311/v2/requests.json").text
        staff = login(client, "kepala")
        listed = client.get("/api/v1/cases", headers=staff).json()["items"]
        assert code not in {case["tracking_code"] for case in listed}
        stats = client.get("/api/v1/stats/agencies", headers=staff).json()
        assert sum(row["total"] for row in stats) == 0, stats
        # read-your-writes: the primary
        page = client.get(f"/track/{code}?new=1")
        assert page.status_code == 200 and code in page.text
        assert client.get(f"/api/v1/cases/{code}", headers=staff).status_code == 200
        assert client.get(f"/open311/v2/requests/{code}.json").status_code == 200
        signed_in(client, "kepala")
        assert code in client.get("/console").text
        paused.sql("SELECT pg_wal_replay_resume()")
        _caught_up(clusters[0], paused)
        assert code in _public_codes(client)
        listed = client.get("/api/v1/cases", headers=staff).json()["items"]
        assert code in {case["tracking_code"] for case in listed}
        stats = client.get("/api/v1/stats/agencies", headers=staff).json()
        assert sum(row["total"] for row in stats) == 1, stats


def test_a_replica_past_the_lag_limit_sends_reads_to_the_primary(
    settings: Settings,
    clusters: tuple[Cluster, Cluster],
    paused: Cluster,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Replay paused and a write waiting in it: once the replica is more than
    READ_REPLICA_MAX_LAG_S behind, the public feed shows the primary's new case; the switch
    is logged once however many reads follow, and so is the way back."""
    caplog.set_level(logging.INFO, logger="core.replica")
    with _client(_app_settings(settings, paused, 0.5)) as client:
        code = file_complaint(client, **SEMARANG)["tracking_code"]
        deadline = time.monotonic() + 10
        while code not in _public_codes(client):
            assert time.monotonic() < deadline, "reads stayed on the lagging replica"
            time.sleep(0.1)
        for _ in range(20):
            assert code in _public_codes(client)
        paused.sql("SELECT pg_wal_replay_resume()")
        _caught_up(clusters[0], paused)
        time.sleep(RECHECK_S)
        assert code in _public_codes(client)
    switches = [r.getMessage() for r in caplog.records if r.name == "core.replica"]
    to_primary = [m for m in switches if "reads go to the primary" in m]
    assert len(to_primary) == 1 and "behind" in to_primary[0], switches
    assert switches[-1].startswith("reads go to the replica"), switches


def test_a_replica_that_stops_mid_test_leaves_no_5xx(
    settings: Settings, clusters: tuple[Cluster, Cluster]
) -> None:
    """The replica stopped between requests: every public page and the statistics answer 200,
    from the primary (a case filed after the stop is listed); started again, it serves again."""
    primary, replica = clusters
    create_staff(settings, "kepala", "supervisor")
    app_settings = _app_settings(settings, replica, 3600)
    with _client(app_settings) as client:
        staff = login(client, "kepala")
        assert client.get("/api/v1/public/cases").status_code == 200  # on the replica
        replica.stop("immediate")
        try:
            code = file_complaint(client, **SEMARANG)["tracking_code"]
            for path in (
                "/api/v1/public/cases",
                "/laporan",
                "/statistik",
                "/laporan/feed.atom",
                "/open311/v2/requests.json",
                "/open311/v2/services.json",
            ):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            assert code in _public_codes(client)
            assert client.get("/api/v1/stats/agencies", headers=staff).status_code == 200
            signed_in(client, "kepala")
            dashboard = client.get("/console/dashboard")
            assert dashboard.status_code == 200 and "Traceback" not in dashboard.text
        finally:
            replica.start()
        _caught_up(primary, replica)
        time.sleep(RECHECK_S)
        replica.sql("SELECT pg_wal_replay_pause()")
        try:
            later = file_complaint(client, **SEMARANG)["tracking_code"]
            time.sleep(RECHECK_S)
            assert later not in _public_codes(client)  # back on the (paused) replica
        finally:
            replica.sql("SELECT pg_wal_replay_resume()")


def test_public_reads_wait_their_turn_and_then_get_503(
    settings: Settings, clusters: tuple[Cluster, Cluster]
) -> None:
    """PUBLIC_READ_CONCURRENCY=1: while one public read holds the turn (the announcements,
    blocked by a lock on their table), other public reads get 503 with Retry-After (a browser
    a page in its language), the staff API still answers, and the blocked one finishes with
    200 once the lock goes."""
    primary, _ = clusters
    create_staff(settings, "kepala", "supervisor")
    limited = settings.model_copy(
        update={
            "public_read_concurrency": 1,
            "public_read_wait_s": 0.2,
            "publish_policy": "immediate",
        }
    )
    with _client(limited) as client:
        staff = login(client, "kepala")
        code = file_complaint(client, **SEMARANG)["tracking_code"]
        with psycopg.connect(
            f"host=127.0.0.1 port={primary.port} user=postgres dbname=aduan"
        ) as locker:
            locker.execute("LOCK TABLE announcements IN ACCESS EXCLUSIVE MODE")
            held: dict[str, int] = {}
            first = threading.Thread(
                target=lambda: held.update(
                    status=client.get("/api/v1/public/announcements").status_code
                )
            )
            first.start()
            deadline = time.monotonic() + 10
            while not primary.sql(
                "SELECT count(*) FROM pg_locks "
                "WHERE NOT granted AND relation = 'announcements'::regclass"
            ):
                assert time.monotonic() < deadline, "the first read never reached the lock"
                time.sleep(0.05)
            refused = client.get("/api/v1/public/cases")
            assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
            assert "too many public readers" in refused.json()["detail"]
            assert client.get(f"/track/{code}").status_code == 503
            for language, words in (("id", "Layanan sedang ramai"), ("en", "busy")):
                page = client.get(
                    "/laporan", params={"lang": language}, headers={"Accept": "text/html"}
                )
                assert page.status_code == 503 and page.headers["Retry-After"] == "1"
                assert words in page.text
                assert_reads_well(page.text, language, f"busy page ({language})")
            assert client.get(f"/api/v1/cases/{code}", headers=staff).status_code == 200
            locker.rollback()
        first.join(10)
        assert held == {"status": 200}
        assert client.get(f"/track/{code}").status_code == 200


def test_a_replica_url_is_refused_beside_sqlite_or_as_sqlite() -> None:
    """DATABASE_READ_URL is a PostgreSQL replica of a PostgreSQL primary; empty is unset."""
    with pytest.raises(ValidationError, match="PostgreSQL DATABASE_URL"):
        Settings(database_url="sqlite:///x.db", database_read_url="postgres://h/db")
    with pytest.raises(ValidationError, match="postgresql://"):
        Settings(database_url="postgresql://h/db", database_read_url="sqlite:///y.db")
    assert Settings(database_url="sqlite:///x.db", database_read_url="").database_read_url is None
