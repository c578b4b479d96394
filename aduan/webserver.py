"""Serving the app from several processes, each accepting connections on a socket of its own.

uvicorn's `--workers` has every process accept from one shared socket: whichever process wakes
first takes every connection then waiting, so the few long-lived connections a proxy keeps open
can all land on one process while the others idle. `bench/intake.py` showed exactly that: of
two workers one did all the work. Here each process binds its own socket to the port with
SO_REUSEPORT and the kernel spreads new connections over them. A process that dies closes its
socket, so the kernel stops handing it connections, and it is started again.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from prometheus_client.multiprocess import mark_process_dead
from uvicorn.config import STARTUP_FAILURE

from core.metrics import MULTIPROC_ENV

APP = "aduan.app:create_app"
# a process that exits sooner than this after its start failed to start, and would again
STARTUP_SECONDS = 10.0
# how long SIGTERM gives the processes to finish the requests in flight before they are killed
STOP_SECONDS = 30.0

log = logging.getLogger("aduan.webserver")


def serve(host: str, port: int, workers: int, options: dict[str, Any]) -> None:
    """Run `workers` uvicorn processes on `host`:`port`; `options` are uvicorn.Config's."""
    if workers == 1:
        _run(uvicorn.Config(APP, factory=True, host=host, port=port, **options))
        return
    if port == 0:
        raise ValueError("several workers need a fixed port: each binds it for itself")
    with metrics_directory():
        Supervisor(host, port, workers, options).run()


@contextmanager
def metrics_directory() -> Iterator[Path]:
    """The directory the web processes keep their metrics in (core/metrics.py), named in
    PROMETHEUS_MULTIPROC_DIR for the processes started from here.

    The operator's, when set (shared with `aduan worker` on this machine): made if missing, and
    cleared of the files of processes no longer running, which an earlier run left. Else a fresh
    one of our own, removed at the end.
    """
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            pid = stale.stem.rpartition("_")[2]
            if pid.isdigit() and not _alive(int(pid)):
                stale.unlink(missing_ok=True)
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="aduan-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    try:
        yield path
    finally:
        del os.environ[MULTIPROC_ENV]
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _worker(host: str, port: int, options: dict[str, Any]) -> None:
    """One worker process: its own listening socket, one uvicorn server on it."""
    config = uvicorn.Config(APP, factory=True, host=host, port=port, **options)
    _run(config, [_listen(host, port)])


def _run(config: uvicorn.Config, sockets: list[socket.socket] | None = None) -> None:
    config.load()
    # what the imports and the app factory built lives as long as the process; left to the
    # collector, every full pass walks all of it with the GIL held, a pause that every request
    # in flight waits out
    gc.collect()
    gc.freeze()
    server = uvicorn.Server(config)
    server.run(sockets=sockets)
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


class Supervisor:
    def __init__(self, host: str, port: int, workers: int, options: dict[str, Any]) -> None:
        self.host, self.port, self.options = host, port, options
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[tuple[multiprocessing.process.BaseProcess, float]] = []
        self.workers = workers
        self.stopping = threading.Event()

    def _start(self) -> tuple[multiprocessing.process.BaseProcess, float]:
        process = self.context.Process(
            target=_worker, args=(self.host, self.port, self.options), name="aduan-web"
        )
        process.start()
        return process, time.monotonic()

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping.set()

    def run(self) -> None:
        # uvicorn's own supervisor answers SIGINT and SIGTERM alike: the workers get SIGTERM,
        # which lets each finish what it is doing (a second SIGTERM does not cut that short)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        self.processes = [self._start() for _ in range(self.workers)]
        log.info("serving on %s:%d with %d worker processes", self.host, self.port, self.workers)
        failed = False
        while not self.stopping.wait(0.5):
            for index, (process, started) in enumerate(self.processes):
                if process.is_alive():
                    continue
                if time.monotonic() - started < STARTUP_SECONDS:
                    log.error("worker %s exited at start-up (%s)", process.pid, process.exitcode)
                    failed = True
                    self.stopping.set()
                    break
                log.warning("worker %s died (%s); starting another", process.pid, process.exitcode)
                # its counts stay in the metrics; only its share of live gauges goes
                mark_process_dead(process.pid)
                self.processes[index] = self._start()
        self._terminate()
        if failed:
            raise SystemExit(1)

    def _terminate(self) -> None:
        for process, _ in self.processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process, _ in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.warning(
                    "worker %s did not stop in %.0f s; killing it", process.pid, STOP_SECONDS
                )
                process.kill()
                process.join()
