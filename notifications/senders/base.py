"""The one interface every outbound channel implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutboundMessage:
    address: str
    body: str
    subject: str
    reference: str


class DeliveryError(Exception):
    """Sending failed. `permanent` says whether trying again can help."""

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.permanent = permanent
        self.retry_after = retry_after


class Sender(Protocol):
    def send(self, message: OutboundMessage) -> str:
        """Hand the message to the provider; return the provider's id for it."""
        ...
