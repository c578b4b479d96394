"""SMS and WhatsApp through Twilio's official client."""

from __future__ import annotations

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from aduan.settings import Settings
from notifications.senders.base import DeliveryError, OutboundMessage

WHATSAPP = "whatsapp:"


def twilio_client(settings: Settings) -> Client:
    """A Twilio client aimed at TWILIO_API_URL (Twilio itself, a compatible provider, a fake)."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise DeliveryError(
            "Twilio is not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
            permanent=False,
        )
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
    client.api.base_url = settings.twilio_api_url.rstrip("/")
    return client


class TwilioSender:
    def __init__(self, settings: Settings, *, whatsapp: bool) -> None:
        self.settings = settings
        self.whatsapp = whatsapp

    def _from_address(self) -> str:
        sender = (
            self.settings.twilio_whatsapp_from if self.whatsapp else self.settings.twilio_sms_from
        )
        if not sender:
            name = "TWILIO_WHATSAPP_FROM" if self.whatsapp else "TWILIO_SMS_FROM"
            raise DeliveryError(f"{name} is not set", permanent=False)
        if self.whatsapp and not sender.startswith(WHATSAPP):
            sender = WHATSAPP + sender
        return sender

    def send(self, message: OutboundMessage) -> str:
        to = message.address
        if self.whatsapp and not to.startswith(WHATSAPP):
            to = WHATSAPP + to
        from_ = self._from_address()
        client = twilio_client(self.settings)
        try:
            sent = client.messages.create(to=to, from_=from_, body=message.body)
        except TwilioRestException as exc:
            # 4xx means Twilio refused this message (bad number, opted out): retrying won't help;
            # 429 and 5xx are Twilio's trouble, not ours.
            permanent = 400 <= exc.status < 500 and exc.status != 429
            raise DeliveryError(
                f"Twilio error {exc.code or exc.status}: {exc.msg}", permanent=permanent
            ) from exc
        except (TwilioException, OSError) as exc:
            raise DeliveryError(f"Twilio unreachable: {exc}", permanent=False) from exc
        return str(sent.sid)
