"""A partner's webhook endpoint: a real HTTP (or HTTPS, with a self-signed certificate) server
on 127.0.0.1 that verifies each delivery's Standard Webhooks signature with the
`standardwebhooks` package, as a partner's receiver would, and records what it accepted.

Its answers are scripted: `answer(503, 503)` makes the next two deliveries fail, `STALL` holds
one until the receiver stops (for a client timeout), `redirect(...)` answers a 3xx; after the
script it answers 204. A delivery whose signature does not verify is answered 401 and kept in
`unverified`, so a test can assert there were none.
"""

from __future__ import annotations

import ssl
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from standardwebhooks import Webhook, WebhookVerificationError

from tests.fakes import HttpFake, HttpRequest, HttpResponse

# an answer that never comes: the request is held until the receiver stops
STALL = "stall"


@dataclass(frozen=True)
class Delivery:
    """One verified delivery and what the receiver answered it."""

    webhook_id: str
    payload: dict[str, Any]
    body: str
    status: int

    @property
    def type(self) -> str:
        return self.payload["type"]

    @property
    def code(self) -> str | None:
        case = self.payload["data"].get("case")
        return case["tracking_code"] if case else None


class WebhookReceiver(HttpFake):
    def __init__(self, *, tls_dir: Path | None = None) -> None:
        super().__init__()
        self.secret: str | None = None
        self.tls_dir = tls_dir
        self._script: list[int | str | HttpResponse] = []
        self._deliveries: list[Delivery] = []
        self._unverified: list[HttpRequest] = []
        self._released = threading.Event()

    def start(self) -> Self:
        super().start()
        if self.tls_dir is not None:
            self._server.socket = _self_signed_context(self.tls_dir).wrap_socket(
                self._server.socket, server_side=True
            )
        return self

    def stop(self) -> None:
        self._released.set()
        super().stop()

    @property
    def url(self) -> str:
        base = super().url
        return base.replace("http://", "https://", 1) if self.tls_dir else base

    def answer(self, *answers: int | str | HttpResponse) -> None:
        """The answers to the next deliveries, in order."""
        with self._cond:
            self._script.extend(answers)

    @property
    def deliveries(self) -> list[Delivery]:
        return self._snapshot(self._deliveries)

    @property
    def accepted(self) -> list[Delivery]:
        """The deliveries answered 2xx, in the order they came."""
        return [d for d in self.deliveries if 200 <= d.status < 300]

    @property
    def unverified(self) -> list[HttpRequest]:
        return self._snapshot(self._unverified)

    def handle(self, request: HttpRequest) -> HttpResponse:
        try:
            payload = Webhook(self.secret).verify(request.body, request.headers)
        except (WebhookVerificationError, TypeError, ValueError):
            self._record(self._unverified, request)
            return HttpResponse(401, b"bad signature", "text/plain")
        with self._cond:
            answer = self._script.pop(0) if self._script else 204
        if answer == STALL:
            self._released.wait(30)
            answer = 204
        response = answer if isinstance(answer, HttpResponse) else HttpResponse(answer)
        delivery = Delivery(
            request.headers["webhook-id"], payload, request.body.decode(), response.status
        )
        self._record(self._deliveries, delivery)
        return response


def redirect(to: str) -> HttpResponse:
    return HttpResponse(302, b"", "text/plain", {"Location": to})


def _self_signed_context(directory: Path) -> ssl.SSLContext:
    """A server context with a certificate for 127.0.0.1 signed by nobody a client trusts."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    if not cert.exists():
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", str(key), "-out", str(cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
