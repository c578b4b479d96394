"""Twilio's error codes we act on or explain; every code we name is named here."""

from __future__ import annotations

# free-form WhatsApp message outside the 24-hour window: a template is needed
OUTSIDE_WINDOW = 63016

# the errors citizens' messages commonly end with; others show their code and Twilio's status
ERROR_TEXTS: dict[int, str] = {
    30001: "queue overflow at Twilio",
    30002: "Twilio account suspended",
    30003: "unreachable handset",
    30004: "message blocked by the recipient or carrier",
    30005: "unknown or inactive number",
    30006: "landline or unreachable carrier",
    30007: "filtered by the carrier as spam",
    30008: "unknown delivery error",
    30034: "sender number not registered for this traffic",
    63003: "number is not on WhatsApp",
    OUTSIDE_WINDOW: "outside the WhatsApp 24-hour window, a template is needed",
    63018: "WhatsApp rate limit reached",
    63024: "invalid WhatsApp recipient",
    63049: "WhatsApp (Meta) chose not to deliver this message",
}


def parse_code(value: str | None) -> int | None:
    """The code of a status callback's ErrorCode field; None when it holds no number."""
    value = (value or "").strip()
    return int(value) if value.isdecimal() else None


def error_text(code: str | None, message_status: str) -> str:
    """'Twilio 30003: unreachable handset', or the bare status when Twilio gave no code."""
    if not code:
        return f"Twilio: message {message_status}"
    known = ERROR_TEXTS.get(parse_code(code))
    return f"Twilio {code}: {known or f'message {message_status}'}"
