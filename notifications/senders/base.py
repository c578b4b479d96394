"""The one interface every outbound channel implements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class OutboundMessage:
    """One outbox row as a sender sees it: the text plus what a channel may need instead of it."""

    address: str
    body: str
    subject: str
    reference: str
    channel: str = ""
    kind: str = ""
    language: str = "id"
    # the values the body was made from (WhatsApp templates use them); None for free text
    variables: dict[str, str] | None = None
    # when the citizen last wrote to us on this channel (the WhatsApp 24-hour window)
    last_inbound_at: datetime | None = None
    # where the provider should report delivery (Twilio status callbacks); None: do not ask
    status_callback: str | None = None


@dataclass(frozen=True)
class SendResult:
    """What the provider accepted: its id for the message and how it actually went out."""

    provider_id: str
    # e.g. "email", "telegram", "sms", "whatsapp", "whatsapp_template", "sms_fallback"
    path: str


class DeliveryError(Exception):
    """Sending failed. `permanent` says whether trying again can help.

    `unreachable` says the channel will never reach this contact again (the user blocked the bot)
    until they write to us; later messages to them then fail without calling the provider.

    `attempted` False says the provider was not asked at all, as it had told us to hold off until
    `retry_after`: the message then waits until then without that counting as a try, so a long
    rate limit cannot use up its retries.
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
        unreachable: bool = False,
        attempted: bool = True,
    ):
        super().__init__(reason)
        self.permanent = permanent or unreachable
        self.retry_after = retry_after
        self.unreachable = unreachable
        self.attempted = attempted


class Sender(Protocol):
    def send(self, message: OutboundMessage) -> SendResult:
        """Hand the message to the provider; return its id and the path the message took."""
        ...
