"""Messages as the chat platforms deliver them to our webhooks: Telegram updates with the secret
token, Twilio form posts signed as Twilio signs them."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from core.settings import Settings
from tests.conftest import TELEGRAM_SECRET

TELEGRAM_HEADERS = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}


def telegram_post(client: TestClient, update: dict, headers: dict | None = None):
    return client.post(
        "/webhooks/telegram", json=update, headers=TELEGRAM_HEADERS if headers is None else headers
    )


PHONE = "+6281390001234"


def inbound(
    body: str = "", *, whatsapp: bool = False, sid: str | None = None, **extra: str
) -> dict:
    """Form fields as Twilio posts them for an incoming message."""
    prefix = "whatsapp:" if whatsapp else ""
    fields = {
        "ToCountry": "ID",
        "SmsMessageSid": sid or f"SM{secrets.token_hex(16)}",
        "NumMedia": "0",
        "SmsSid": "",
        "SmsStatus": "received",
        "Body": body,
        "To": f"{prefix}+14155238886",
        "NumSegments": "1",
        "MessageSid": "",
        "AccountSid": "AC00000000000000000000000000000000",
        "From": f"{prefix}{PHONE}",
        "ApiVersion": "2010-04-01",
    }
    fields["SmsSid"] = fields["MessageSid"] = fields["SmsMessageSid"]
    if whatsapp:
        fields["ProfileName"] = "Budi"
        fields["WaId"] = PHONE.lstrip("+")
    fields.update(extra)
    return fields


def signed_post(
    client: TestClient, settings: Settings, fields: dict, *, signature: str | None = None
):
    url = settings.public_base_url + "/webhooks/twilio"
    if signature is None:
        signature = RequestValidator(settings.twilio_auth_token).compute_signature(url, fields)
    return client.post(
        "/webhooks/twilio",
        content=urlencode(fields),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )


def twiml_texts(response) -> list[str]:
    """The texts of a TwiML answer's <Message> elements."""
    root = ET.fromstring(response.text)
    return [m.text or "" for m in root.iter("Message")]
