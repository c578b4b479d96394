"""What a channel must offer the outbox to deliver a message, and the registry of channels.

A channel (`bots/<name>/`) is everything about one provider; the outbox knows channels only
through `Channel`, and calls nothing on them that is not declared there. The shell builds the
registry and installs it when a process starts (`install`): code the shell does not call itself
(the RQ job, the outbox writer deep inside a case change) finds it with `installed`. Channels hold
no settings of their own, so one registry serves a whole process whatever settings a delivery
runs with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from core.settings import Settings


@dataclass(frozen=True)
class OutboundPhoto:
    """A photo that goes with a message (an officer's after-photo)."""

    # absolute and signed: a provider that fetches media itself (Twilio) is given this, and a
    # channel that cannot carry a photo puts it in the text (`notifications.photos`)
    url: str
    content_type: str
    # the photo's bytes, read from storage when called (raises core.storage.MediaNotFound)
    read: Callable[[], bytes]


@dataclass(frozen=True)
class OutboundMessage:
    """One outbox row as a channel sees it: the text plus what a channel may need instead of it."""

    address: str
    body: str
    subject: str
    kind: str = ""
    language: str = "id"
    # the values the body was made from (WhatsApp templates use them); None for free text
    variables: dict[str, str] | None = None
    # when the citizen last wrote to us on this channel (the WhatsApp 24-hour window)
    last_inbound_at: datetime | None = None
    # a photo that goes with the text; only ever set for a channel whose `photos` is true
    photo: OutboundPhoto | None = None
    # the outbox row's own id, the same on every attempt (a webhook's `webhook-id`)
    message_id: str = ""
    # the key a webhook body is signed with; None for a message to a person
    signing_secret: str | None = field(default=None, repr=False)


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


class Channel(Protocol):
    """One way of reaching a citizen (`notifications.enums.Channel` names them)."""

    # the contacts' and outbox rows' `channel` this channel serves
    name: str
    # the most characters one message may hold; a longer body is split into parts when it is
    # queued. None: no limit
    max_chars: int | None
    # whether `send` delivers a message's photo itself (attached, or as a link where the
    # provider cannot take it at that moment). False: the outbox gives such a channel the
    # text with a link to the photo instead, and no photo
    photos: bool

    def send(self, message: OutboundMessage, settings: Settings) -> SendResult:
        """Hand the message (with its `photo`, if any) to the provider once; return its id and
        the path the message took.

        Raises DeliveryError for every failure the provider reports or causes.
        """
        ...


# a channel's name -> the channel
Channels = Mapping[str, Channel]


def registry(*channels: Channel) -> dict[str, Channel]:
    """The registry of `channels`, by name."""
    return {channel.name: channel for channel in channels}


_installed: dict[str, Channel] = {}


def install(channels: Channels) -> None:
    """Make `channels` this process's registry; the shell does this as a process starts."""
    _installed.clear()
    _installed.update(channels)


def installed() -> Channels:
    """The registry the shell installed."""
    if not _installed:
        raise RuntimeError("no channels installed: the process did not start through the shell")
    return _installed


def max_chars(channel: str) -> int | None:
    """The split limit of the installed channel `channel`."""
    channels = installed()
    if channel not in channels:
        raise LookupError(f"no channel {channel!r} is installed")
    return channels[channel].max_chars
