"""Local fakes of the external services Aduan talks to (Twilio, Telegram, SMTP).

Why real servers instead of mocks: the app only reaches these services through
their official client libraries, so the most honest test double is a server that
speaks the same wire protocol on 127.0.0.1. The clients then run their real URL
building, auth, serialisation and error mapping code.

This module holds the plumbing the fakes share:

* :class:`RecordingFake` - thread-safe recording plus ``wait_for`` so tests can
  wait for asynchronous deliveries without ``time.sleep``.
* :class:`HttpFake` - a ``ThreadingHTTPServer`` on an OS-assigned port in a daemon
  thread, dispatching each request to ``handle()``.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["HttpFake", "HttpRequest", "HttpResponse", "RecordingFake"]

T = TypeVar("T")


class _Server(ThreadingHTTPServer):
    """A fake's server: it takes as many connections at once as a real API does. The default
    backlog of 5 dropped some of the ten a worker's sending threads open together, and the
    client connected again a second later (a test counting sends in flight saw 7-9)."""

    request_queue_size = 128


class RecordingFake:
    """Thread-safe recording shared by all fakes.

    Server threads append through :meth:`_record`, which notifies a condition so
    :meth:`wait_for` wakes up as soon as something arrives instead of polling on a
    fixed sleep.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()  # RLock inside: predicates may re-lock

    def start(self) -> Self:  # pragma: no cover - every fake has its own
        raise NotImplementedError

    def stop(self) -> None:  # pragma: no cover - every fake has its own
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _record(self, items: list[T], item: T) -> T:
        with self._cond:
            items.append(item)
            self._cond.notify_all()
        return item

    def _snapshot(self, items: list[T]) -> list[T]:
        with self._cond:
            return list(items)

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Block until ``predicate()`` is truthy and return its value.

        Use from synchronous tests when delivery happens on another thread, e.g.
        ``msg = fake.wait_for(lambda: fake.messages)``. Raises AssertionError on
        timeout so a failing test says what it was waiting for.
        """
        with self._cond:
            result = self._cond.wait_for(predicate, timeout)
        if not result:
            raise AssertionError(f"{type(self).__name__}: condition not met within {timeout}s")
        return result

    async def wait_for_async(
        self, predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.01
    ) -> T:
        """Async twin of :meth:`wait_for` for deliveries running on the test's own loop.

        A blocking wait would starve the very task doing the delivery, so this
        yields to the event loop between checks.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise AssertionError(f"{type(self).__name__}: condition not met within {timeout}s")
            await asyncio.sleep(interval)


@dataclass(frozen=True)
class HttpRequest:
    """One request as the fake saw it (also kept in ``HttpFake.requests``)."""

    method: str
    path: str  # percent-decoded, without query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    status: int = 0  # status the fake answered with; filled in after handling


@dataclass
class HttpResponse:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Self:
        return cls(status, json.dumps(payload).encode(), "application/json", headers or {})


class HttpFake(RecordingFake):
    """Base for HTTP fakes: lifecycle, routing hook and a log of every request.

    Subclasses implement :meth:`handle`. Responses close the connection
    (HTTP/1.0 semantics) so no pooled keep-alive connection can outlive ``stop()``
    and get served by a stale handler thread. ``keep_alive`` serves HTTP/1.1 with
    persistent connections, as the real APIs do, for a fake that lives as long as
    its clients (a benchmark's): a connection and a thread per request would cost
    the shared cores more than the client's work being measured.
    """

    def __init__(self, *, keep_alive: bool = False) -> None:
        super().__init__()
        self.keep_alive = keep_alive
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._requests: list[HttpRequest] = []

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> Self:
        if self._server is not None:
            return self
        self._server = _Server(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"{type(self).__name__}-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[HttpRequest]:
        """Every HTTP request received, including failed/rejected ones (for retry checks)."""
        return self._snapshot(self._requests)

    def handle(self, request: HttpRequest) -> HttpResponse:  # pragma: no cover - abstract
        raise NotImplementedError


def _make_handler(fake: HttpFake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1" if fake.keep_alive else "HTTP/1.0"
        # on a kept connection an answer written in two segments (headers, then body) waits
        # for the client's delayed ACK, ~40 ms per request: one buffered write, sent at once
        wbufsize = -1 if fake.keep_alive else 0
        disable_nagle_algorithm = fake.keep_alive

        def _dispatch(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            split = urlsplit(self.path)
            request = HttpRequest(
                method=self.command,
                path=unquote(split.path),
                query=parse_qs(split.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            try:
                response = fake.handle(request)
            except Exception:  # a bug in the fake must surface, not hang the client
                response = HttpResponse(500, traceback.format_exc().encode(), "text/plain")
            fake._record(fake._requests, _with_status(request, response.status))
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _dispatch

        def log_message(self, format: str, *args: Any) -> None:
            """Keep pytest output clean; ``fake.requests`` is the log."""

    return Handler


def _with_status(request: HttpRequest, status: int) -> HttpRequest:
    return HttpRequest(
        request.method, request.path, request.query, request.headers, request.body, status
    )
