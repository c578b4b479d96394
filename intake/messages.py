"""The normalised inbound message every channel hands to intake."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cases.enums import SourceChannel
from cases.modes import ORDINARY, ReportingMode
from core.db import utcnow
from core.media import StoredMedia
from notifications.enums import Channel

MAX_TEXT_CHARS = 4000
MIN_TEXT_CHARS = 3


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    address: str | None = None


@dataclass(frozen=True)
class ReplyAddress:
    """Where updates go: the chat a message came from, or what a web form asked for."""

    channel: Channel
    address: str


@dataclass(frozen=True)
class InboundMessage:
    channel: SourceChannel
    text: str
    idempotency_key: str | None = None
    reply_to: ReplyAddress | None = None
    notify: bool = True
    name: str | None = None
    language: str | None = None
    location: Location | None = None
    address: str | None = None
    media: tuple[StoredMedia, ...] = ()
    received_at: datetime = field(default_factory=utcnow)
    # Anonim and/or Rahasia, as the resident asked (cases/modes.py)
    mode: ReportingMode = ORDINARY
    # the catalogue category the sender chose (an Open311 service_code): filed there instead of
    # where the classifier would send it; it must name a category of the catalogue
    category_code: str | None = None
