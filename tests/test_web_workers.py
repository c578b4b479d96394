"""`aduan serve`: one listening socket per worker process, dead processes replaced, idle
connections kept open longer than a proxy keeps them."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from aduan.webserver import STARTUP_SECONDS
from core.settings import Settings
from tests.browser import sqlite_only  # noqa: F401 - process supervision is the same on both
from tests.processes import ADUAN, free_port, wait_until, web_process

pytestmark = pytest.mark.runs_long


def _children(pid: int) -> set[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return {int(child) for child in found.stdout.split()}


def _workers(pid: int) -> set[int]:
    """The uvicorn processes under the supervisor (not multiprocessing's resource tracker).

    A child reaped between pgrep and our look at its command line is not one of them.
    """
    workers = set()
    for child in _children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_text(errors="replace")
        except FileNotFoundError:
            continue
        if "spawn_main" in command:
            workers.add(child)
    return workers


def _socket_inodes(pid: int) -> set[str]:
    """A live process opens and closes descriptors while we read them: one that is gone by
    the time we follow its link is simply not one of its sockets any more."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            continue
        if target.startswith("socket:["):
            inodes.add(target.removeprefix("socket:[").removesuffix("]"))
    return inodes


def _listening_sockets(pid: int) -> int:
    inodes = _socket_inodes(pid)
    listening = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                listening += 1
    return listening


def test_each_worker_listens_on_its_own_socket_and_a_dead_one_is_replaced(
    settings: Settings, tmp_path: Path
) -> None:
    with web_process(tmp_path / "web.log", None, "--workers", "2") as (process, client):
        # /healthz answered from one worker; the other may still be starting
        assert wait_until(
            lambda: [_listening_sockets(worker) for worker in _workers(process.pid)] == [1, 1], 60
        )
        workers = _workers(process.pid)
        assert _listening_sockets(process.pid) == 0  # the supervisor accepts nothing itself

        # past start-up (both were started before now), a worker that dies is a crash to
        # recover from, not a failed start
        time.sleep(STARTUP_SECONDS + 1)
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        assert wait_until(lambda: len(_workers(process.pid) - {victim}) == 2, 60)
        replacement = (_workers(process.pid) - workers).pop()
        assert wait_until(lambda: _listening_sockets(replacement) == 1, 60)
        # fresh connections each: none lands on the dead socket. The replacement listens
        # before its app has loaded, so a connection the kernel gives it waits out that
        # start-up: the timeout allows for a loaded machine, a dead socket refuses at once
        for _ in range(8):
            with httpx.Client(base_url=client.base_url, timeout=60) as fresh:
                assert fresh.get("/healthz").status_code == 200


def test_workers_that_cannot_start_stop_the_supervisor(settings: Settings, tmp_path: Path) -> None:
    """A port held without SO_REUSEPORT: each worker fails to bind, and the supervisor exits
    with an error instead of starting them again and again."""
    port = free_port()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        with (tmp_path / "web.log").open("w") as log:
            process = subprocess.Popen(
                [*ADUAN, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                assert process.wait(STARTUP_SECONDS + 60) == 1
            finally:
                if process.poll() is None:
                    process.kill()
    assert "exited at start-up" in (tmp_path / "web.log").read_text()


def _get_healthz(connection: socket.socket) -> bytes:
    """One request on `connection`, its whole answer read (so nothing is left for the next
    read); the status line, or b"" if the server had closed the connection."""
    connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: aduan\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        if not (chunk := connection.recv(65536)):
            return b""
        answer += chunk
    head, body = answer.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", head).group(1))
    while len(body) < length and (chunk := connection.recv(65536)):
        body += chunk
    return head.split(b"\r\n", 1)[0]


@pytest.mark.parametrize(
    ("keep_alive", "idle", "still_open"), [(None, 6.0, True), ("1", 3.0, False)]
)
def test_an_idle_connection_stays_open_for_the_keep_alive(
    settings: Settings, tmp_path: Path, keep_alive: str | None, idle: float, still_open: bool
) -> None:
    """By default past uvicorn's own 5 s, so a proxy reusing its connection does not race the
    server closing it; KEEP_ALIVE_SECONDS sets it."""
    env = {"KEEP_ALIVE_SECONDS": keep_alive} if keep_alive else None
    with (
        web_process(tmp_path / "web.log", env) as (_, client),
        socket.create_connection((client.base_url.host, client.base_url.port)) as connection,
    ):
        assert _get_healthz(connection) == b"HTTP/1.1 200 OK"
        time.sleep(idle)
        if still_open:
            assert _get_healthz(connection) == b"HTTP/1.1 200 OK"
        else:
            assert connection.recv(1) == b""  # closed by the server
