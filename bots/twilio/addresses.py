"""How Twilio writes a citizen's address: a bare number for SMS, "whatsapp:" before it for
WhatsApp. Contacts store the bare number; the channel says which of the two it is."""

from __future__ import annotations

WHATSAPP_PREFIX = "whatsapp:"


def is_whatsapp(address: str) -> bool:
    return address.startswith(WHATSAPP_PREFIX)


def phone_number(address: str) -> str:
    """The number of a Twilio address, without WhatsApp's prefix."""
    return address.removeprefix(WHATSAPP_PREFIX)


def on_whatsapp(address: str) -> str:
    """The number as Twilio addresses it on WhatsApp."""
    return WHATSAPP_PREFIX + phone_number(address)
