"""SMTP sink: a real SMTP server (aiosmtpd) that records what it is sent.

Why aiosmtpd's ``Controller``: it runs the server on its own event loop in a
daemon thread, so both sync (smtplib) and async senders can talk to it from
tests. The controller needs a concrete port up front (it connects to it to check
readiness), so a free one is found by binding port 0 first.

Messages are parsed with ``email.policy.default`` into :class:`ReceivedEmail`,
an ``EmailMessage`` with convenience properties, so RFC 2047 subjects and
base64/quoted-printable UTF-8 bodies come back as plain ``str``.
"""

from __future__ import annotations

import email
import socket
import threading
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any, Self, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.fakes import RecordingFake


class ReceivedEmail(EmailMessage):
    """A parsed message plus its SMTP envelope."""

    mail_from: str = ""  # envelope sender (MAIL FROM)
    rcpt_tos: tuple[str, ...] = ()  # envelope recipients (RCPT TO)
    auth_login: str | None = None  # AUTH username used for the session, if any

    @property
    def to(self) -> str:
        return str(self["To"] or "")

    @property
    def from_(self) -> str:
        return str(self["From"] or "")

    @property
    def subject(self) -> str:
        return str(self["Subject"] or "")

    @property
    def body(self) -> str:
        """Decoded text/plain body (falls back to text/html)."""
        part = self.get_body(preferencelist=("plain", "html"))
        return cast(str, part.get_content()) if part is not None else ""

    @property
    def html(self) -> str | None:
        part = self.get_body(preferencelist=("html",))
        return cast(str, part.get_content()) if part is not None else None


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class SmtpSink(RecordingFake):
    """Local SMTP server; optionally requires AUTH LOGIN/PLAIN (without TLS)."""

    def __init__(
        self,
        username: str | None = None,
        password: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__()
        self.host = host
        self.port = 0
        self.username = username
        self.password = password
        self._messages: list[ReceivedEmail] = []
        self._fail_codes: list[tuple[int, str]] = []
        self._rejected: dict[str, str] = {}  # lower-cased address -> SMTP reply
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> Self:
        if self._controller is not None:
            return self
        self.port = _free_port(self.host)
        kwargs: dict[str, Any] = {}
        if self.username is not None:
            # Plain-text AUTH is only for tests; real servers must use TLS.
            # AUTH-before-MAIL is enforced in handle_MAIL rather than with aiosmtpd's
            # auth_required=True, which warns on every connection when TLS is off.
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    # -- recorded state and controls -------------------------------------------
    @property
    def messages(self) -> list[ReceivedEmail]:
        return self._snapshot(self._messages)

    def fail_next(
        self, n: int = 1, code: int = 451, text: str = "4.3.0 Temporary failure, try again later"
    ) -> None:
        """Answer the next ``n`` messages' DATA with ``code`` (451 = retry later)."""
        with self._lock:
            self._fail_codes.extend([(code, text)] * n)

    def reject_recipient(
        self, address: str, code: int = 550, text: str = "5.1.1 User unknown"
    ) -> None:
        """Refuse ``RCPT TO:<address>`` permanently (smtplib: SMTPRecipientsRefused)."""
        with self._lock:
            self._rejected[address.lower()] = f"{code} {text}"

    # -- aiosmtpd hooks --------------------------------------------------------
    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    def _rcpt_reply(self, address: str) -> str | None:
        with self._lock:
            return self._rejected.get(address.lower())

    def _data_reply(self, session: Session, envelope: Envelope) -> str:
        with self._lock:
            fault = self._fail_codes.pop(0) if self._fail_codes else None
        if fault:
            return f"{fault[0]} {fault[1]}"
        raw = envelope.original_content or envelope.content or b""
        raw_bytes = raw if isinstance(raw, bytes) else raw.encode()
        message = cast(
            ReceivedEmail,
            email.message_from_bytes(raw_bytes, _class=ReceivedEmail, policy=default_policy),
        )
        message.mail_from = envelope.mail_from or ""
        message.rcpt_tos = tuple(envelope.rcpt_tos)
        login = session.login_data
        message.auth_login = login.decode() if isinstance(login, bytes) else login
        self._record(self._messages, message)
        return "250 2.0.0 Message accepted for delivery"


class _Handler:
    """aiosmtpd handler; delegates to the sink so state lives in one place."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.sink.username is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if reply := self.sink._rcpt_reply(address):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return self.sink._data_reply(session, envelope)
