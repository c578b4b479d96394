"""/metrics of `aduan serve --workers 2`: what each web process counted adds up in one scrape,
a dead worker's counts stay, an earlier run's are cleared at start, and without a directory of
the operator's the processes share one of their own, removed at the end."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from aduan.webserver import STARTUP_SECONDS
from core.settings import Settings
from tests.browser import sqlite_only  # noqa: F401 - process supervision is the same on both
from tests.helpers import POTHOLE
from tests.processes import wait_until, web_process
from tests.test_web_workers import _listening_sockets, _workers

pytestmark = pytest.mark.runs_long
TOKEN = "scrape-token-for-the-process-tests"
FILED = "aduan_complaints_filed_total"


def _filed(text: str) -> float:
    """Complaints filed on the web and routed to an agency, in a scrape's text."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == FILED and sample.labels == {"channel": "web", "outcome": "agency"}
    )


def _scrape(client: httpx.Client) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return response.text


def _file(client: httpx.Client, count: int) -> None:
    """`count` complaints, each on a fresh connection, so the kernel spreads them over the
    workers' sockets."""
    for _ in range(count):
        with httpx.Client(base_url=client.base_url, timeout=60) as fresh:
            response = fresh.post("/api/v1/complaints", json={"text": POTHOLE})
            assert response.status_code == 201, response.text


def _counted_by(directory: Path, pid: int) -> float:
    """What the process `pid` counted of FILED, from its own file alone."""
    files = [str(path) for path in directory.glob(f"counter_{pid}.db")]
    return sum(
        sample.value
        for metric in MultiProcessCollector.merge(files)
        for sample in metric.samples
        if sample.name == FILED
    )


def test_the_workers_counts_add_up_and_outlive_a_worker(settings: Settings, tmp_path: Path) -> None:
    """Twenty complaints over fresh connections: both workers filed some, one scrape shows all
    twenty; a worker killed and replaced takes none of them away. The next run starts from 0."""
    directory = tmp_path / "metrics"
    env = {"METRICS_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    with web_process(tmp_path / "web.log", env, "--workers", "2") as (process, client):
        assert wait_until(
            lambda: [_listening_sockets(w) for w in _workers(process.pid)] == [1, 1], 60
        )
        started = time.monotonic()
        workers = _workers(process.pid)
        _file(client, 20)
        assert _filed(_scrape(client)) == 20
        assert all(_counted_by(directory, pid) > 0 for pid in workers)

        # past start-up a dead worker is replaced (an earlier death stops the supervisor)
        time.sleep(max(0.0, STARTUP_SECONDS + 1 - (time.monotonic() - started)))
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        assert wait_until(lambda: len(_workers(process.pid) - {victim}) == 2, 60)
        for _ in range(8):  # whichever worker answers, the dead one's count is in it
            with httpx.Client(base_url=client.base_url, timeout=60) as fresh:
                assert _filed(_scrape(fresh)) == 20

    with web_process(tmp_path / "again.log", env, "--workers", "2") as (_, client):
        _file(client, 1)
        assert _filed(_scrape(client)) == 1
    assert not (directory / f"counter_{victim}.db").exists()


def test_without_a_directory_the_workers_share_a_fresh_one_removed_at_the_end(
    settings: Settings, tmp_path: Path
) -> None:
    """PROMETHEUS_MULTIPROC_DIR unset: the supervisor gives its workers one directory of its
    own, which holds their counts while they run and is gone once they stopped."""
    env = {"METRICS_TOKEN": TOKEN}
    with web_process(tmp_path / "web.log", env, "--workers", "2") as (process, client):
        assert wait_until(lambda: len(_workers(process.pid)) == 2, 60)
        given = set()
        for worker in _workers(process.pid):
            environ = Path(f"/proc/{worker}/environ").read_bytes().split(b"\0")
            given |= {v for v in environ if v.startswith(b"PROMETHEUS_MULTIPROC_DIR=")}
        [setting] = given
        directory = Path(setting.decode().partition("=")[2])
        _file(client, 3)
        assert _filed(_scrape(client)) == 3
        assert list(directory.glob("counter_*.db"))
    assert not directory.exists()
