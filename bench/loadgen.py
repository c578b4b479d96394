"""The load generator's HTTP client: one keep-alive HTTP/1.1 connection per request in flight.

The benchmarks share two cores with the service, so the client's own CPU is taken from the
server it measures, and a client that cannot keep up sets the pace itself. httpx's AsyncClient
did both: on a 2-core Intel VM it spent about 3.5 ms of CPU per request (`bench.intake` printed
its load generator at 91-96% of a core while the bare baseline ran at 282/s), so the
"baseline" was httpx's own ceiling, and during Aduan's level it held half a core that Aduan's
processes then lacked, adding hundreds of milliseconds to the latencies it timed. This client
writes each request with one `write` on an asyncio stream and parses the answer with
httptools (uvicorn's C parser), at a few per cent of a core for the same load.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httptools

READ_SIZE = 65536
# as long as httpx's client gave a request: a server that hangs fails the request, not the run
TIMEOUT_SECONDS = 60.0


@dataclass
class Response:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    complete: bool = False

    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()

    # httptools' parser callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.complete = True


class Connection:
    """One connection to `host`:`port`, opened on first use and again after a failure; one
    request at a time, as a pooled client's connection carries them."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post_json(self, path: str, body: dict, headers: dict[str, str]) -> Response:
        """POST `body` as JSON; raises OSError (TimeoutError after TIMEOUT_SECONDS among them)
        or EOFError when the connection fails, and closes it so the next request opens
        another."""
        return await self._post(path, json.dumps(body).encode(), "application/json", headers)

    async def post_form(
        self, path: str, fields: dict[str, str], headers: dict[str, str]
    ) -> Response:
        """POST `fields` form-encoded, as Twilio posts a webhook; fails as post_json does."""
        payload = urlencode(fields).encode()
        return await self._post(path, payload, "application/x-www-form-urlencoded", headers)

    async def _post(
        self, path: str, payload: bytes, content_type: str, headers: dict[str, str]
    ) -> Response:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n{head}\r\n"
        ).encode("latin-1") + payload
        return await self._send(request)

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        """GET `path`; fails as post_json does."""
        head = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{head}\r\n"
        return await self._send(request.encode("latin-1"))

    async def _send(self, request: bytes) -> Response:
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                return await self._exchange(request)
        except (OSError, EOFError, httptools.HttpParserError):
            self.close()
            raise

    async def _exchange(self, request: bytes) -> Response:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        writer.write(request)
        response = Response()
        parser = httptools.HttpResponseParser(response)
        while not response.complete:
            data = await reader.read(READ_SIZE)
            if not data:
                raise EOFError("the server closed the connection before answering")
            parser.feed_data(data)
        response.status = parser.get_status_code()
        if not parser.should_keep_alive():
            self.close()
        return response

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None
