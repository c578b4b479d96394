"""Outbound channels, chosen by the contact's channel."""

from __future__ import annotations

from core.settings import Settings
from notifications.enums import Channel
from notifications.senders.base import DeliveryError, OutboundMessage, Sender, SendResult
from notifications.senders.email_sender import EmailSender
from notifications.senders.telegram_sender import TelegramSender
from notifications.senders.twilio_sender import TwilioSender

__all__ = ["DeliveryError", "OutboundMessage", "SendResult", "Sender", "sender_for"]


def sender_for(channel: str, settings: Settings) -> Sender:
    match channel:
        case Channel.sms:
            return TwilioSender(settings, whatsapp=False)
        case Channel.whatsapp:
            return TwilioSender(settings, whatsapp=True)
        case Channel.email:
            return EmailSender(settings)
        case Channel.telegram:
            return TelegramSender(settings)
    raise DeliveryError(f"no sender for channel {channel!r}", permanent=True)
