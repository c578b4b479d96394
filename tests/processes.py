"""Running Aduan's own commands as separate processes, the way an operator deploys them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ADUAN = [sys.executable, "-m", "aduan"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float = 30.0, every: float = 0.1) -> bool:
    """Poll `predicate` until it holds; for conditions with no event to wait on."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())


@contextmanager
def web_process(
    log_file: Path, env: dict[str, str] | None = None, *args: str
) -> Iterator[tuple[subprocess.Popen, httpx.Client]]:
    """`aduan serve` on a free port, answering /healthz; stopped (SIGINT) at the end if alive."""
    port = free_port()
    with log_file.open("w") as sink:
        process = subprocess.Popen(
            [*ADUAN, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env={**os.environ, **(env or {})},
            stdout=sink,
            stderr=sink,
        )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log_file.read_text()
            assert time.monotonic() < deadline, "aduan serve did not start"
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield process, client
    finally:
        client.close()
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
