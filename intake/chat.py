"""What a chat channel hands the conversation and what it gets back: plain values, no rules.

Channels (bots/*) turn their payloads into a `ChatEvent` and render each `ChatReply`; the
conversation (intake/conversation.py) decides everything in between, the same for every channel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cases.enums import SourceChannel
from intake.messages import Location, ReplyAddress

MediaFetch = Callable[[], tuple[bytes, str | None]]


class MediaKind(StrEnum):
    """What a resident sent, as their app labelled it; the reply names it."""

    photo = "photo"
    video = "video"
    voice = "voice"
    audio = "audio"
    document = "document"


def media_kind(content_type: str, *, audio_is_voice: bool) -> MediaKind:
    """What a file is, from its content type: a recording is a voice note where the channel
    records them (WhatsApp, a file kept for a question) else an audio file; anything not a
    picture, sound or film a document."""
    family = content_type.split(";", 1)[0].strip().lower().partition("/")[0]
    if family == "audio":
        return MediaKind.voice if audio_is_voice else MediaKind.audio
    return {"image": MediaKind.photo, "video": MediaKind.video}.get(family, MediaKind.document)


@dataclass(frozen=True)
class MediaItem:
    kind: MediaKind
    # downloads the file; run only once the conversation knows the message is new and wanted
    fetch: MediaFetch
    filename: str | None = None


@dataclass(frozen=True)
class ChatEvent:
    """One inbound chat message, as any channel sees it.

    `external_id` is unique per delivery (the dedupe key); `message_ref` names the message itself
    within the channel, so a later edit of it (`edited`, with a new `external_id`) finds it.
    A pressed button arrives as the text of the choice it stands for ("1", "2", ...).
    """

    channel: SourceChannel
    sender: ReplyAddress
    external_id: str
    received_at: datetime
    text: str | None = None
    location: Location | None = None
    media: tuple[MediaItem, ...] = ()
    name: str | None = None
    slash_commands: bool = False  # Telegram shows /commands; SMS users type plain words
    message_ref: str | None = None
    edited: bool = False


@dataclass(frozen=True)
class ChatReply:
    """One answer. `choices` are the labels of numbered options the text already lists
    ("Balas 1 = ..."); a channel that has buttons may show them, each sending its number."""

    text: str
    offer_location: bool = False  # a channel that can, shows a "share my location" button
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChatOutcome:
    replies: list[ChatReply] = field(default_factory=list)
    duplicate: bool = False
    case_code: str | None = None
    language: str = "id"  # the contact's language once the message is handled
    # the complaint this very message filed, if it filed one
    filed_case_id: int | None = None


def reply(text: str, *, case_code: str | None = None) -> ChatOutcome:
    """An outcome of one plain reply."""
    return ChatOutcome([ChatReply(text)], case_code=case_code)
