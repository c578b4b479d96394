"""The registry of every channel this service delivers through."""

from __future__ import annotations

from bots.email.sender import EmailChannel
from bots.telegram.sender import TelegramChannel
from bots.twilio.sender import TwilioChannel
from bots.webhook.sender import WebhookChannel
from notifications.channels import Channel, registry


def build_channels() -> dict[str, Channel]:
    """Telegram, SMS, WhatsApp, e-mail and partners' webhooks, by name."""
    return registry(
        TelegramChannel(),
        TwilioChannel(whatsapp=False),
        TwilioChannel(whatsapp=True),
        EmailChannel(),
        WebhookChannel(),
    )
